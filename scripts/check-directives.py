#!/usr/bin/python3
"""Every directive of the module is documented and shown in the example.

Reads the directive table from the C sources (every AP_INIT_* entry in
mod_dashboard*.c) and fails unless each directive has its own
"### Name" section in docs/configuration.md and a line in
conf/mods-available/dashboard.conf or conf/conf-available/dashboard.conf
(commented out or not), and unless every
"### Dashboard…" section documents a directive that exists. If README.md
keeps a directive table (rows starting with | `Dashboard…), it is held to
the same rule.

Usage: scripts/check-directives.py [TOP]   (TOP defaults to the checkout)
"""
import glob
import os
import re
import sys

top = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")

directive_re = re.compile(r'AP_INIT_[A-Z0-9_]+\s*\(\s*"([A-Za-z0-9]+)"')
directives = set()
for path in sorted(glob.glob(os.path.join(top, "mod_dashboard.c")) + glob.glob(os.path.join(top, "src", "mod_dashboard_*.c"))):
    with open(path, encoding="utf-8") as f:
        directives.update(directive_re.findall(f.read()))

problems = []
if not directives:
    problems.append("no AP_INIT_* directive found in mod_dashboard*.c: "
                    "the table moved or this parser is broken")


def read(rel):
    with open(os.path.join(top, rel), encoding="utf-8") as f:
        return f.read()


config_md = read("docs/configuration.md")
headings = set(re.findall(r"^### +(\S+) *$", config_md, re.M))
conf = read("conf/mods-available/dashboard.conf") + read("conf/conf-available/dashboard.conf")
readme = read("README.md")
readme_rows = set(re.findall(r"^\| *`(Dashboard[A-Za-z0-9]+)", readme, re.M))

for d in sorted(directives):
    if d not in headings:
        problems.append(f"{d}: no '### {d}' section in docs/configuration.md")
    if not re.search(r"^[ \t]*#?[ \t]*" + d + r"\b", conf, re.M):
        problems.append(f"{d}: not shown in conf/mods-available/ or conf/conf-available/dashboard.conf")
    if readme_rows and d not in readme_rows:
        problems.append(f"{d}: missing from README.md's directive table")

for h in sorted(x for x in headings if x.startswith("Dashboard")):
    if h not in directives:
        problems.append(f"docs/configuration.md documents {h}, "
                        "which the module does not have")
for r in sorted(readme_rows - directives):
    problems.append(f"README.md's directive table lists {r}, "
                    "which the module does not have")

if problems:
    for p in problems:
        print("check-directives: " + p, file=sys.stderr)
    sys.exit(1)
print(f"check-directives: {len(directives)} directives documented in "
      "docs/configuration.md and shown in conf/*-available/dashboard.conf")
