# mod_dashboard — see README.md. `make` builds .libs/mod_dashboard.so.

APXS      ?= apxs
# make's built-in default for CC is cc, so `CC ?= gcc` would never apply:
# take gcc only where the caller named no compiler.
ifeq ($(origin CC),default)
CC        := gcc
endif
WARN      := -Wall -Wextra -Werror
APR_INC   := $(shell apr-1-config --includes 2>/dev/null) $(shell apu-1-config --includes 2>/dev/null)
APR_CPP   := $(shell apr-1-config --cppflags 2>/dev/null)
APR_LIBS  := $(shell apu-1-config --link-ld 2>/dev/null) $(shell apr-1-config --link-ld 2>/dev/null)
PG_INC    := -I$(shell pg_config --includedir 2>/dev/null)
DEP_LIBS  := -lcurl -lhiredis -ljansson -lpq -lm
comma     := ,

# The version lives in debian/changelog alone: its first entry names it,
# the compiler hands it to the module (DASHBOARD_VERSION: the DASH0001
# start-up line and the build_info metric), and `make version-check`
# fails the package build when the built module says anything else.
VERSION   := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
ifeq ($(VERSION),)
$(error no version in the first line of debian/changelog)
endif

# The front door at the top, the rest of the glue in src/, the httpd-free
# core in src/core/ (docs/architecture.md).
GLUE_SRC  := mod_dashboard.c $(sort $(wildcard src/mod_dashboard_*.c))
GLUE_HDR  := $(wildcard src/mod_dashboard*.h)
GLUE_OBJ  := .libs/mod_dashboard.o $(patsubst src/%.c,src/.libs/%.o,$(wildcard src/mod_dashboard_*.c))
CORE_SRC  := $(sort $(wildcard src/core/dash_*.c))
CORE_HDR  := $(wildcard src/core/*.h)
CORE_OBJ  := $(patsubst src/core/%.c,build/core/%.o,$(CORE_SRC))
CORE_INC  := -Isrc/core
CORE_LIB  := build/libdash.a
# The core is compiled once, position-independent, with httpd's own flags
# (apxs -q), and linked both into the module and into every unit test.
# CPPFLAGS, CFLAGS and LDFLAGS from the caller (dpkg-buildflags in the
# package build: fortify, stack protector, relro and now) come on top.
CORE_CFLAGS = $(shell $(APXS) -q CFLAGS 2>/dev/null) \
	      $(shell $(APXS) -q EXTRA_CPPFLAGS 2>/dev/null) $(CPPFLAGS) $(CFLAGS) -fPIC $(WARN)
UNIT_SRC  := $(sort $(wildcard t/unit/test_*.c))
UNIT_BIN  := $(patsubst t/unit/%.c,build/%,$(UNIT_SRC))
# libFuzzer targets (make fuzz, with clang) and their replay under the
# project's compiler (make fuzz-replay, part of make check).
FUZZ_SRC  := $(sort $(wildcard t/fuzz/fuzz_*.c))
FUZZ_NAME := $(patsubst t/fuzz/%.c,%,$(FUZZ_SRC))
FUZZ_CC   ?= clang-14
FUZZ_SAN  := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) $(WARN) $(APR_CPP) $(APR_INC) $(PG_INC) $(CORE_INC)
FUZZ_OBJ  := $(patsubst src/core/%.c,build/fuzz/core/%.o,$(CORE_SRC))

.PHONY: all install install-ui version-check deb test-package deps unit test check demo demo-stop bench clean boundary directives \
	openapi doclinks test-asan valgrind fuzz fuzz-build fuzz-replay logtags comments drill

# make install: the module where httpd keeps its modules, the page under
# PREFIX (the package puts it in /usr/share/mod_dashboard/ui). DESTDIR
# stages either.
PREFIX    ?= /usr/local
UI_DIR    ?= $(PREFIX)/share/mod_dashboard/ui
MOD_DIR   ?= $(shell $(APXS) -q LIBEXECDIR 2>/dev/null)

all: .libs/mod_dashboard.so

build/core/%.o: src/core/%.c $(CORE_HDR) Makefile
	@mkdir -p build/core
	@$(CC) $(CORE_CFLAGS) $(APR_CPP) $(APR_INC) $(PG_INC) $(CORE_INC) -c -o $@ $<

$(CORE_LIB): $(CORE_OBJ)
	@rm -f $@
	@ar rcs $@ $(CORE_OBJ)

.libs/mod_dashboard.so: $(GLUE_SRC) $(GLUE_HDR) $(CORE_HDR) $(CORE_LIB) Makefile debian/changelog
	@mkdir -p build
	@$(APXS) -c -o mod_dashboard.la -Isrc $(CORE_INC) $(PG_INC) \
	    '-DDASHBOARD_VERSION=\"$(VERSION)\"' \
	    $(addprefix -Wc$(comma),$(CPPFLAGS) $(CFLAGS) $(WARN)) $(addprefix -Wl$(comma),$(LDFLAGS)) \
	    $(GLUE_SRC) $(CORE_LIB) $(DEP_LIBS) >build/apxs.log 2>&1 \
	    || { cat build/apxs.log; exit 1; }
	@echo "built .libs/mod_dashboard.so $(VERSION) (apxs output: build/apxs.log)"

# The module names its version in its start-up line (DASH0001,
# "mod_dashboard/VERSION (hiredis"); it must be debian/changelog's.
version-check: .libs/mod_dashboard.so
	@built=$$(strings -a .libs/mod_dashboard.so | sed -n 's|.*mod_dashboard/\([^ ]*\) (hiredis.*|\1|p' | head -n 1); \
	if [ "$$built" != "$(VERSION)" ]; then \
	    echo "version mismatch: debian/changelog says $(VERSION)," \
	         "the built .libs/mod_dashboard.so says '$$built'" >&2; exit 1; fi; \
	echo "version-check: $(VERSION) in debian/changelog and in the module"

# The module, its Debian configuration files and the page; neither apxs -i
# (which ignores DESTDIR) nor Node is involved. a2enmod and the conf edits
# stay the operator's (docs/operations.md).
install: .libs/mod_dashboard.so install-ui
	install -d $(DESTDIR)$(MOD_DIR) $(DESTDIR)/etc/apache2/mods-available $(DESTDIR)/etc/apache2/conf-available
	install -m 644 .libs/mod_dashboard.so $(DESTDIR)$(MOD_DIR)/
	install -m 644 conf/mods-available/dashboard.load $(DESTDIR)/etc/apache2/mods-available/
	@# An operator's edited conf (with its passwords) is never overwritten.
	@for f in mods-available/dashboard.conf:640 conf-available/dashboard.conf:644; do \
	    if [ -e $(DESTDIR)/etc/apache2/$${f%:*} ]; then echo "kept /etc/apache2/$${f%:*}"; \
	    else install -m $${f#*:} conf/$${f%:*} $(DESTDIR)/etc/apache2/$${f%:*}; fi; done

# --- the dashboard page (ui/): plain files; its Chart.js is Debian's
# libjs-chart.js, which the conf maps under the page (vendor/chart.js/).
install-ui:
	install -d $(DESTDIR)$(UI_DIR)
	install -m 644 ui/index.html ui/dashboard.css ui/i18n.js ui/dashboard.js $(DESTDIR)$(UI_DIR)/

# --- the Debian package ----------------------------------------------------
# libapache2-mod-dashboard_VERSION_ARCH.deb here, from Debian packages only
# (debian/control's Build-Depends; no Node, no npm). dpkg-buildpackage runs
# in a copy of the checkout under build/deb (what git tracks plus new files
# it does not ignore), so its clean never touches this tree. lintian, when
# installed, must report no error and no warning; LINTIAN=no skips it.
DEB_ARCH  := $(shell dpkg-architecture -qDEB_HOST_ARCH 2>/dev/null)
DEB       := libapache2-mod-dashboard_$(VERSION)_$(DEB_ARCH).deb
LINTIAN   ?= yes

deb:
	@rm -rf build/deb && mkdir -p build/deb/src
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	    git ls-files -z -co --exclude-standard | xargs -0 -r sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done' sh; \
	else find . -path ./build -prune -o -path ./.git -prune -o -path ./node_modules -prune \
	    -o -type f -print0; fi | tar -c --null -T - | tar -x -C build/deb/src
	cd build/deb/src && dpkg-buildpackage -b -us -uc >../build.log 2>&1 \
	    || { tail -n 40 ../build.log; echo "make deb: dpkg-buildpackage failed (build/deb/build.log)"; exit 1; }
	cp build/deb/$(DEB) .
	@if [ "$(LINTIAN)" = yes ] && command -v lintian >/dev/null; then \
	    lintian --fail-on error,warning $(DEB) || { echo "make deb: lintian found errors or warnings"; exit 1; }; \
	    echo "lintian: no error, no warning"; \
	else echo "make deb: lintian not run (LINTIAN=$(LINTIAN), or not installed)"; fi
	@echo "built $(DEB)"

# The package installed with apt on this machine's Debian apache2 (an
# instance of its own on a free port), set up as docs/operations.md says,
# upgraded under load, removed and purged; everything put back after. As
# root; scripts/test-package.sh says how.
test-package:
	bash scripts/deps.sh package
	scripts/test-package.sh

# --- core unit tests (cmocka), no httpd involved -------------------------
build/%: t/unit/%.c $(CORE_LIB) $(CORE_HDR) $(wildcard t/unit/*.h)
	@mkdir -p build
	$(CC) $(WARN) -g -O1 $(APR_CPP) $(APR_INC) $(PG_INC) $(CORE_INC) -o $@ $< $(CORE_LIB) \
	    -lcmocka $(DEP_LIBS) $(APR_LIBS)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# --- fuzzing -------------------------------------------------------------
build/fuzz/core/%.o: src/core/%.c $(CORE_HDR) Makefile
	@mkdir -p build/fuzz/core
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/%: t/fuzz/%.c t/fuzz/fuzz.h $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) \
	    $(DEP_LIBS) $(APR_LIBS)

.SECONDARY: $(FUZZ_OBJ)

fuzz-build: $(addprefix build/fuzz/,$(FUZZ_NAME))

# Each target for FUZZ_SECONDS (default 60), two at a time, at low priority.
fuzz:
	bash scripts/deps.sh fuzz
	$(MAKE) fuzz-build
	scripts/fuzz.sh $(FUZZ_NAME)

build/replay_%: t/fuzz/%.c t/fuzz/replay.c t/fuzz/fuzz.h $(CORE_LIB)
	@mkdir -p build
	$(CC) $(WARN) -g -O1 $(APR_CPP) $(APR_INC) $(PG_INC) $(CORE_INC) -o $@ $< t/fuzz/replay.c \
	    $(CORE_LIB) $(DEP_LIBS) $(APR_LIBS)

fuzz-replay: $(addprefix build/replay_,$(FUZZ_NAME))
	@set -e; for t in $(FUZZ_NAME); do printf '== %s: ' $$t; build/replay_$$t t/fuzz/corpus/$$t; done

# The core stays httpd-free and names say their side; the glue's calls form
# a DAG (scripts/check-boundary.sh, docs/architecture.md).
boundary: $(CORE_LIB) .libs/mod_dashboard.so
	@scripts/check-boundary.sh "$(CORE_OBJ)" "$(GLUE_OBJ)"

# Every directive of the C table is in docs/configuration.md and in
# conf/mods-available/ or conf/conf-available/dashboard.conf.
directives:
	@/usr/bin/python3 scripts/check-directives.py

# docs/openapi.yaml and the docs/openapi-schemas.yaml it refers to are valid
# OpenAPI 3.1 with valid schemas and examples
# (t/run.sh then checks every response of the suite against it).
openapi:
	@/usr/bin/python3 scripts/check-openapi.py

# Every section of docs/ that the sources cite, and every link between
# README.md and docs/, resolves.
doclinks:
	@/usr/bin/python3 scripts/check-doc-links.py

# Every log message tagged once, listed in docs/log-messages.md.
logtags:
	@perl scripts/check-log-tags.pl

# No comment line wider than 100 columns (.clang-format has the rest of the
# C style).
comments:
	@/usr/bin/python3 scripts/check-comment-width.py

deps:
	bash scripts/deps.sh test

# Build, the unit tests, the fuzz corpora replayed, the boundary, naming,
# log-tag and comment-width checks, the directive, OpenAPI and
# documentation-link checks, then Apache::Test under event, worker and prefork (t/run.sh). Installs
# nothing: for a workstation that has the packages of scripts/deps.sh.
check: all unit fuzz-replay boundary logtags comments directives openapi doclinks
	t/run.sh

# Everything, from a bare Debian machine: the packages first, then check.
# The sub-make re-reads this file once apr-1-config and apxs exist.
test: deps
	$(MAKE) check

# The unit tests and the whole suite with the module under ASan and UBSan
# (gcc), in a copy of the checkout under build/asan; any report fails it.
test-asan: deps
	scripts/test-asan.sh

# httpd -X under memcheck over a few hundred mixed requests: 0 errors and
# 0 bytes definitely lost, or it fails. Uses the bench's ports.
valgrind:
	bash scripts/deps.sh test valgrind
	$(MAKE) all
	scripts/valgrind.sh

# The dashboard on http://127.0.0.1:8080/dashboard/ui/ with demo data; `make demo-stop`.
demo: deps
	$(MAKE) all
	scripts/demo.sh start

demo-stop:
	scripts/demo.sh stop

# The high-availability drill of docs/reliability.md: Postgres primary and
# standby, Redis master, replica and sentinels, two httpd hosts, steady
# load, three failovers; prints the per-phase table. Measured, not timed.
drill:
	bash scripts/deps.sh test
	$(MAKE) all
	scripts/drill.sh

bench: deps
	bash scripts/deps.sh bench valgrind
	$(MAKE) all
	scripts/bench.sh

clean:
	rm -rf build .libs *.la *.lo *.slo *.o src/*.la src/*.lo src/*.slo src/*.o src/.libs \
	    libapache2-mod-dashboard_*.deb libapache2-mod-dashboard_*.changes libapache2-mod-dashboard_*.buildinfo
