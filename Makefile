# atsim — one flat, non-recursive Makefile.
#
#   make            build build/atsim, the libraries and the tests
#   make deps       install the Debian packages that are missing (no-op when present)
#   make test       deps + build + every test            (SANITIZE=1: ASan+UBSan)
#   make run        deps + build + the demo / main job
#   make bench      the benchmarks in bench/ (never part of make test)
#
# Each configuration builds in its own directory (build/, build-clang/,
# build-san/, ...) so none reuses another's objects.

CC       ?= cc
SANITIZE ?= 0

ifeq ($(origin CC),default)
CC := gcc
endif

CCNAME := $(notdir $(firstword $(CC)))
ifeq ($(SANITIZE),1)
BUILD ?= build-san
else ifneq ($(findstring clang,$(CCNAME)),)
BUILD ?= build-clang
else
BUILD ?= build
endif

# Debian packages this project needs (checked with dpkg-query; see `make deps`).
DEB_PKGS := libmicrohttpd-dev libcurl4-openssl-dev libcjson-dev libcmocka-dev \
            libsqlite3-dev libssl-dev pkg-config clang libxml2-utils curl \
            ca-certificates jq

PKGS     := libmicrohttpd libcurl libcjson cmocka sqlite3 libcrypto
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wundef -Wwrite-strings \
            -Wmissing-prototypes -Wstrict-prototypes -Wformat=2 \
            -Wno-format-nonliteral
# gcc only: a human message cut at its buffer's end is acceptable, and
# snprintf guarantees the cut (clang has no such warning).
ifeq ($(findstring clang,$(CCNAME)),)
WARN     += -Wno-format-truncation
endif
OPT      ?= -O2 -g
CPPFLAGS += -Iinclude -Itests/util -Iscenarios -D_GNU_SOURCE -MMD -MP
CFLAGS   += -std=c11 $(OPT) $(WARN) $(PKG_CFLAGS)
LDLIBS   += $(PKG_LIBS) -lm

ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
export ASAN_OPTIONS  ?= detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
endif

# ---- sources -------------------------------------------------------------
CORE_SRC  := $(wildcard core/*.c)
SIM_SRC   := $(wildcard sim/*.c) $(wildcard sim/ats/*.c)
ENGINE_SRC := $(wildcard engine/*.c) $(wildcard engine/connectors/*.c)
ATSYNC_SRC := $(wildcard engine/cli/*.c)
CLI_SRC   := scenarios/atsim.c
SCN_SRC   := $(filter-out $(CLI_SRC),$(wildcard scenarios/*.c))
TESTUTIL_SRC := $(wildcard tests/util/*.c)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
SIMT_SRC  := $(wildcard tests/sim/test_*.c)
ENGT_SRC  := $(wildcard tests/engine/test_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

CORE_LIB := $(BUILD)/libatcore.a
SIM_LIB  := $(BUILD)/libatsim.a
ENGINE_LIB := $(BUILD)/libatsync.a
SCN_LIB  := $(BUILD)/libscn.a
ATSYNC   := $(BUILD)/atsync
TESTUTIL_LIB := $(BUILD)/libattest.a
ATSIM    := $(BUILD)/atsim
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
SIMT_BIN := $(patsubst tests/sim/%.c,$(BUILD)/tests/%,$(SIMT_SRC))
ENGT_BIN := $(patsubst tests/engine/%.c,$(BUILD)/tests/%,$(ENGT_SRC))
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
TEST_BIN := $(UNIT_BIN) $(SIMT_BIN) $(ENGT_BIN)

.PHONY: all deps test run bench clean lint check-deps
.DEFAULT_GOAL := all

all: $(ATSIM) $(ATSYNC) $(TEST_BIN) $(BENCH_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(CORE_LIB): $(call obj,$(CORE_SRC))
	@mkdir -p $(dir $@)
	@rm -f $@ && ar rcs $@ $^

$(SIM_LIB): $(call obj,$(SIM_SRC))
	@mkdir -p $(dir $@)
	@rm -f $@ && ar rcs $@ $^

$(ENGINE_LIB): $(call obj,$(ENGINE_SRC))
	@mkdir -p $(dir $@)
	@rm -f $@ && ar rcs $@ $^

$(SCN_LIB): $(call obj,$(SCN_SRC))
	@mkdir -p $(dir $@)
	@rm -f $@ && ar rcs $@ $^

$(TESTUTIL_LIB): $(call obj,$(TESTUTIL_SRC))
	@mkdir -p $(dir $@)
	@rm -f $@ && ar rcs $@ $^

# The sim links the core, never the engine; the engine never the sim. The
# scenario runner (atsim run) drives both, so atsim links both.
$(ATSIM): $(call obj,$(CLI_SRC)) $(SCN_LIB) $(ENGINE_LIB) $(SIM_LIB) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(ATSYNC): $(call obj,$(ATSYNC_SRC)) $(ENGINE_LIB) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

TEST_LIBS := $(TESTUTIL_LIB) $(SCN_LIB) $(ENGINE_LIB) $(SIM_LIB) $(CORE_LIB)

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(TEST_LIBS)
	@mkdir -p $(dir $@)
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/sim/test_%.o $(TEST_LIBS)
	@mkdir -p $(dir $@)
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/engine/test_%.o $(TEST_LIBS)
	@mkdir -p $(dir $@)
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(TEST_LIBS)
	@mkdir -p $(dir $@)
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# ---- set-up --------------------------------------------------------------
# Install the Debian packages of $(1) that are missing; a warm run is one
# dpkg-query per package and nothing else.
define apt_install
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' \
	    || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make: installing$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call apt_install,$(DEB_PKGS))

# ---- test ----------------------------------------------------------------
# Every test binary runs under a wall-clock limit so a hang fails, never stalls.
TEST_TIMEOUT ?= 300

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory check

.PHONY: check
check: $(TEST_BIN) $(ATSIM) $(ATSYNC)
	@fail=0; for t in $(TEST_BIN); do \
	  printf '== %s\n' "$$t"; \
	  if ! timeout $(TEST_TIMEOUT) $$t; then echo "FAILED: $$t"; fail=1; fi; \
	done; \
	printf '== tests/cli/run.sh\n'; \
	if ! timeout $(TEST_TIMEOUT) tests/cli/run.sh $(ATSIM); then echo "FAILED: tests/cli/run.sh"; fail=1; fi; \
	printf '== tests/cli/atsync.sh\n'; \
	if ! timeout $(TEST_TIMEOUT) tests/cli/atsync.sh $(BUILD); then echo "FAILED: tests/cli/atsync.sh"; fail=1; fi; \
	printf '== tests/crash/run.sh\n'; \
	if ! timeout $(TEST_TIMEOUT) tests/crash/run.sh $(BUILD); then echo "FAILED: tests/crash/run.sh"; fail=1; fi; \
	printf '== tests/scenarios/run.sh\n'; \
	if ! timeout $(TEST_TIMEOUT) tests/scenarios/run.sh $(ATSIM); then echo "FAILED: tests/scenarios/run.sh"; fail=1; fi; \
	printf '== tests/scenarios/docs.sh (the examples of docs/scenarios.md)\n'; \
	if ! timeout $(TEST_TIMEOUT) tests/scenarios/docs.sh $(ATSIM) $(BUILD)/docs-examples; then echo "FAILED: tests/scenarios/docs.sh"; fail=1; fi; \
	printf '== the scenario catalog\n'; \
	if ! timeout $(TEST_TIMEOUT) $(ATSIM) run -j 2 -q --junit $(BUILD)/catalog.xml scenarios/catalog scenarios/tickets \
	  || ! xmllint --noout --schema tests/junit.xsd $(BUILD)/catalog.xml; then echo "FAILED: the scenario catalog"; fail=1; fi; \
	if [ $$fail -ne 0 ]; then echo "make test: FAILED ($(BUILD))"; exit 1; fi; \
	echo "make test: all passed ($(BUILD), CC=$(CC), SANITIZE=$(SANITIZE))"

# The main job: the whole scenario catalog against the fake ATSes.
run: deps
	@$(MAKE) --no-print-directory $(ATSIM)
	@$(ATSIM) run -j 2 scenarios/catalog scenarios/tickets

# The benchmark's own tools, installed only by `make bench`.
BENCH_PKGS := wrk nginx

bench: deps
	$(call apt_install,$(BENCH_PKGS))
	@$(MAKE) --no-print-directory $(ATSIM) $(BENCH_BIN)
	$(BUILD)/bench/engine_healthy
	bench/catalog.sh $(ATSIM)
	bench/run.sh $(ATSIM)

lint:
	cppcheck --quiet --enable=warning,performance,portability --error-exitcode=1 \
	  --suppress=missingIncludeSystem -Iinclude core sim scenarios

clean:
	rm -rf build build-clang build-san

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
