#!/usr/bin/python3
"""Every reference into the documentation resolves.

Code comments cite sections of docs/ ("docs/behaviour.md#cache"); README.md
and docs/*.md link each other. This fails when a cited file or section does
not exist, so renaming a heading cannot silently orphan its citations:

  - each "docs/NAME.md" or "docs/NAME.md#anchor" in the sources (C, headers,
    scripts, tests, Makefile, conf/) names an existing file and heading;
  - each relative Markdown link in README.md and docs/*.md names an
    existing file and, for a .md file with "#anchor", an existing heading.

Anchors are the ones GitHub derives from headings: lower case, punctuation
dropped, spaces turned into hyphens.

Usage: scripts/check-doc-links.py [TOP]
"""
import glob
import os
import re
import sys

top = os.path.normpath(sys.argv[1] if len(sys.argv) > 1
                       else os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
_anchors = {}


def anchors(path):
    if path not in _anchors:
        found = set()
        with open(path, encoding="utf-8") as f:
            fenced = False
            for line in f:
                if line.startswith("```"):
                    fenced = not fenced
                    continue
                m = None if fenced else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
                if m:
                    slug = re.sub(r"[^\w\- ]", "", m.group(1).lower()).replace(" ", "-")
                    n, base = 1, slug
                    while slug in found:
                        slug = f"{base}-{n}"
                        n += 1
                    found.add(slug)
        _anchors[path] = found
    return _anchors[path]


def check(target_file, anchor, where, problems):
    if not os.path.exists(target_file):
        problems.append(f"{where}: {os.path.relpath(target_file, top)} does not exist")
    elif anchor and target_file.endswith(".md") and anchor not in anchors(target_file):
        problems.append(f"{where}: {os.path.relpath(target_file, top)} has no section #{anchor}")


problems = []
sources = [p for pattern in ("*.c", "*.h", "src/*.[ch]", "src/core/*.[ch]", "t/*.t", "t/fuzz/*.[ch]", "t/lib/*/*.pm",
                             "t/unit/*.[ch]", "scripts/*", "Makefile", "conf/*",
                             "t/conf/*.in", "t/run.sh", "t/stack.sh",
                             "ui/*.html", "ui/*.css", "ui/*.js", "t/browser/*.mjs")
           for p in glob.glob(os.path.join(top, pattern)) if os.path.isfile(p)]
cited = 0
for path in sorted(set(sources)):
    if os.path.abspath(path) == os.path.abspath(__file__):
        continue
    with open(path, encoding="utf-8", errors="replace") as f:
        for no, line in enumerate(f, 1):
            for m in re.finditer(r"\bdocs/([\w.-]+\.(?:md|yaml))(?:#([\w-]+))?", line):
                cited += 1
                check(os.path.join(top, "docs", m.group(1)), m.group(2),
                      f"{os.path.relpath(path, top)}:{no}", problems)

links = 0
for md in [os.path.join(top, "README.md")] + sorted(glob.glob(os.path.join(top, "docs", "*.md"))):
    with open(md, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    for m in re.finditer(r"\]\(([^)\s]+)\)", text):
        target = m.group(1)
        if re.match(r"^[a-z]+:", target):
            continue
        links += 1
        path, _, anchor = target.partition("#")
        where = os.path.relpath(md, top)
        if not path:
            check(md, anchor, where, problems)
            continue
        full = os.path.normpath(os.path.join(os.path.dirname(md), path))
        if not full.startswith(top + os.sep):
            problems.append(f"{where}: link {target} leaves the repository")
            continue
        check(full, anchor, where, problems)

if problems:
    for p in problems:
        print("check-doc-links: " + p, file=sys.stderr)
    sys.exit(1)
print(f"check-doc-links: {cited} citations of docs/ in the sources and "
      f"{links} Markdown links resolve")
