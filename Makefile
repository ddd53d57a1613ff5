# edict — build, run, test, bench, install.
#
#   make            build build/rel/edict
#   make run        install missing Debian packages, build, decide examples/
#   make test       build and run every test (last line: N passed, N failed)
#   make SANITIZE=1 test   the same under AddressSanitizer + UBSan
#   make bench      benchmarks (numbers, never pass/fail)
#   make install PREFIX=/usr/local
#
# Sources: every runtime/*.c and stdlib/*.c goes into libedict.a; the
# binary is runtime/main.c over it; each tests/unit/test_*.c is a program
# over it too.

CC ?= cc
PREFIX ?= /usr/local
PKGS := lua5.4 lua5.4-cjson libcrypto

# The Debian packages edict needs to build, test and bench; `make deps`
# installs what is missing (as root) and .ci/run uses the same list.
DEB_PACKAGES := build-essential pkg-config clang liblua5.4-dev lua5.4 \
	lua-cjson lua-cjson-dev libssl-dev hyperfine valgrind tzdata \
	libev-dev libhttp-parser-dev curl wrk

ifeq ($(SANITIZE),1)
BUILD := build/san
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT := -O1 -g
else
BUILD := build/rel
SAN :=
OPT := -O2 -g
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS ?= $(OPT)
CFLAGS += -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter $(SAN) $(PKG_CFLAGS) \
	-DEDICT_SOURCE_ROOT='"$(CURDIR)"' -MMD -MP
LDFLAGS += $(SAN)
LDLIBS += $(PKG_LIBS) -lev -lhttp_parser -lpthread -lm

LIB_SRC := $(filter-out runtime/main.c,$(wildcard runtime/*.c stdlib/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/runtime/main.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all run test unit bench install clean deps distclean

all: $(BUILD)/edict

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libedict.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/edict: $(MAIN_OBJ) $(BUILD)/libedict.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libedict.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

deps:
	@sh tests/deps.sh $(DEB_PACKAGES)

run: deps
	@$(MAKE) --no-print-directory all
	@sh examples/run.sh $(BUILD)/edict

unit: $(UNIT_BIN)

test: $(BUILD)/edict $(UNIT_BIN)
	@EDICT=$(BUILD)/edict UNIT_DIR=$(BUILD)/tests sh tests/run.sh

bench: $(BUILD)/edict
	@EDICT=$(BUILD)/edict sh tests/bench/run.sh

install: $(BUILD)/edict
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/edict
	install -m 0755 $(BUILD)/edict $(DESTDIR)$(PREFIX)/bin/edict
	cp -R rules jurisdictions tenants $(DESTDIR)$(PREFIX)/share/edict/

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(UNIT_BIN:$(BUILD)/tests/%=$(BUILD)/tests/unit/%.d)

# ---- fuzzing (tests/fuzz/README.md) ---------------------------------------
#   make fuzz                      build build/fuzz/fuzz_eval and fuzz_pack
#   make fuzz-run FUZZ_SECONDS=60  run each for FUZZ_SECONDS
# clang + libFuzzer (Debian: clang, libclang-rt-14-dev). New corpus entries
# go to build/fuzz/corpus/<name>; crashes to build/fuzz/artifacts/.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD := build/fuzz
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_LINK := -fsanitize=fuzzer,address,undefined
FUZZ_NAMES := fuzz_eval fuzz_pack
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_BIN := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/%)
FUZZ_FLAGS ?= -timeout=10 -rss_limit_mb=4096

.PHONY: fuzz fuzz-run
.SECONDARY: $(FUZZ_LIB_OBJ) $(FUZZ_NAMES:%=$(FUZZ_BUILD)/obj/tests/fuzz/%.o)

fuzz: $(FUZZ_BIN)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS) $(PKG_CFLAGS) $(FUZZ_SAN) -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_LINK) -o $@ $^ $(PKG_LIBS) -lev -lhttp_parser -lpthread -lm

fuzz-run: fuzz
	@rc=0; for f in $(FUZZ_NAMES); do \
		c=$${f#fuzz_}; \
		mkdir -p $(FUZZ_BUILD)/corpus/$$c $(FUZZ_BUILD)/artifacts; \
		echo "== $$f ($(FUZZ_SECONDS)s)"; \
		$(FUZZ_BUILD)/$$f -max_total_time=$(FUZZ_SECONDS) $(FUZZ_FLAGS) \
			-dict=tests/fuzz/$$c.dict \
			-artifact_prefix=$(FUZZ_BUILD)/artifacts/$$c- \
			$(FUZZ_BUILD)/corpus/$$c tests/fuzz/corpus/$$c || rc=1; \
	done; exit $$rc

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_NAMES:%=$(FUZZ_BUILD)/obj/tests/fuzz/%.d)
