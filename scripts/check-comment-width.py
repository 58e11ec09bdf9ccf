#!/usr/bin/python3
"""make comments: no comment line wider than 100 columns.

Comments are read in a terminal and in review tools; past 100 columns they
wrap or hide. Checked: the C sources (mod_dashboard.c, src/, t/unit/,
t/fuzz/), the Perl, Python and shell sources of t/ and scripts/, and the
Makefile. A C comment line is one that starts a comment (/*, //) or
continues one (*); a line of code with a trailing comment counts too.
"""
import glob
import re
import sys

LIMIT = 100
C_FILES = (["mod_dashboard.c"] + glob.glob("src/*.[ch]") + glob.glob("src/core/*.[ch]")
           + glob.glob("t/unit/*.[ch]") + glob.glob("t/fuzz/*.[ch]"))
HASH_FILES = (glob.glob("t/*.t") + glob.glob("t/*.sh") + glob.glob("t/*.PL")
              + glob.glob("t/lib/Dash/*.pm") + glob.glob("t/standin/*.py")
              + glob.glob("t/browser/*.mjs") + glob.glob("scripts/*") + ["Makefile"])
C_COMMENT = re.compile(r"^\s*(/\*|\*|//)|/\*.*$")
HASH_COMMENT = re.compile(r"^\s*#")

problems = []
for files, pattern in ((C_FILES, C_COMMENT), (HASH_FILES, HASH_COMMENT)):
    for name in sorted(set(files)):
        try:
            with open(name, encoding="utf-8") as f:
                lines = f.read().split("\n")
        except (IsADirectoryError, UnicodeDecodeError):
            continue
        for n, line in enumerate(lines, 1):
            if len(line) > LIMIT and pattern.search(line):
                problems.append(f"{name}:{n}: comment line of {len(line)} columns")

for p in problems:
    print(f"check-comment-width: {p}")
if problems:
    print(f"check-comment-width: {len(problems)} comment lines over {LIMIT} columns")
    sys.exit(1)
print(f"check-comment-width: every comment line within {LIMIT} columns")
