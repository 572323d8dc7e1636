# triage-milter - plain GNU Makefile.
#
#   make            build build/triage-milter and build/triagectl
#   make deps       install missing Debian packages (root), else print how
#   make run        deps, build, demo database, milter in the foreground
#   make test       deps, build, the whole suite, then again under ASan+UBSan
#   make check      quick subset: unit tests, no root, no network
#   make asan       the whole suite under ASan + UBSan
#   make lint       banned functions, layering, cppcheck, clang-format
#   make fuzz       libFuzzer targets, bounded runs
#   make bench      benchmarks (prints figures)
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX   ?= /usr/local
DESTDIR  ?=
SBINDIR  ?= $(PREFIX)/sbin
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share/triage-milter
SYSCONFDIR ?= /etc
UNITDIR  ?= /lib/systemd/system

BUILD    ?= build
CC       ?= cc
VERSION  := 0.1.0

PKGS     := gmime-3.0 libxml-2.0 libpcre2-8 yaml-0.1 sqlite3 libutf8proc
HS_PKG   := $(shell pkg-config --exists libhs 2>/dev/null && echo libhs)
ifeq ($(NO_HYPERSCAN),1)
HS_PKG   :=
endif

# Library headers are system headers: our warnings are for our code.
PKG_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags $(PKGS) $(HS_PKG) 2>/dev/null))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) $(HS_PKG) 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith -Wsign-compare -Wformat=2 \
            -Wno-format-nonliteral
HARDEN   := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT      ?= -O2 -g
CFLAGS   ?=
CPPFLAGS += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
            -Iinclude -DTRIAGE_VERSION=\"$(VERSION)\"
ALL_CFLAGS = $(CPPFLAGS) $(OPT) $(WARN) $(HARDEN) $(SAN_CFLAGS) $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS  += -pie -Wl,-z,relro,-z,now $(SAN_LDFLAGS)
LIBS     := $(PKG_LIBS) -lpthread -lm

ifeq ($(SAN),1)
SAN_CFLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_LDFLAGS := -fsanitize=address,undefined
HARDEN      := -fstack-protector-strong -fPIE
OPT         := -O1 -g
endif

# Variants live in their own files: foo_hs.c with Hyperscan, foo_nohs.c
# without it (no #ifdef inside function bodies).
ifeq ($(HS_PKG),)
VARIANT_OUT := %_hs.c
CPPFLAGS    += -DTRIAGE_HAVE_HYPERSCAN=0
else
VARIANT_OUT := %_nohs.c
CPPFLAGS    += -DTRIAGE_HAVE_HYPERSCAN=1
endif

CTL_SRCS  := $(wildcard src/triagectl*.c)
PROG_SRCS := src/main.c src/milter.c $(CTL_SRCS)
LIB_SRCS  := $(filter-out $(PROG_SRCS) $(VARIANT_OUT),$(wildcard src/*.c))
LIB_OBJS  := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
LIB       := $(BUILD)/libtriage.a

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
UNIT_HELPERS := $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))

BENCH_SRCS := $(wildcard bench/*.c)

.PHONY: all deps run test check asan lint fuzz bench install clean \
        golden-update unit

all: $(BUILD)/triage-milter $(BUILD)/triagectl

deps:
	@sh scripts/deps.sh

# V=1 shows whole command lines.
ifeq ($(V),1)
Q :=
else
Q := @
endif

$(BUILD)/obj/%.o: src/%.c $(wildcard include/triage/*.h) $(wildcard src/*_int.h)
	@mkdir -p $(dir $@)
	@[ "$(Q)" = "" ] || echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/triage-milter: $(BUILD)/obj/main.o $(BUILD)/obj/milter.o $(LIB)
	@[ "$(Q)" = "" ] || echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lmilter

$(BUILD)/triagectl: $(patsubst src/%.c,$(BUILD)/obj/%.o,$(CTL_SRCS)) $(LIB)
	@[ "$(Q)" = "" ] || echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(UNIT_HELPERS) $(LIB) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	@[ "$(Q)" = "" ] || echo "  TEST    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(UNIT_HELPERS) $(LDFLAGS) $(LIB) $(LIBS) -lcmocka

unit: $(UNIT_BINS)

run: deps all
	@sh scripts/run-demo.sh $(BUILD)

test: deps all unit
	@sh tests/suite.sh $(BUILD)

check: all unit
	@sh tests/run.sh $(BUILD) --quick

asan:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 all unit
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 sh tests/run.sh build-asan

lint:
	@sh scripts/lint.sh

fuzz:
	@sh tests/fuzz/run.sh

bench: all
	@$(MAKE) --no-print-directory -C bench BUILD=../$(BUILD)

golden-update: all
	@sh tests/golden/update.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/triage-milter $(DESTDIR)$(DATADIR)/patterns \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/triage-milter $(DESTDIR)$(SBINDIR)/triage-milter
	install -m 0755 $(BUILD)/triagectl $(DESTDIR)$(BINDIR)/triagectl
	sed -e 's|^\(\s*directory:\).*|\1 $(DATADIR)/patterns|' \
	    -e 's|^\(\s*database:\).*|\1 /var/lib/triage-milter/ltv.db|' \
	    -e 's|^\(\s*cache_dir:\).*|\1 /var/cache/triage-milter|' \
	    etc/triage-milter.yaml > $(DESTDIR)$(SYSCONFDIR)/triage-milter/triage-milter.yaml.dist
	chmod 0644 $(DESTDIR)$(SYSCONFDIR)/triage-milter/triage-milter.yaml.dist
	@# An existing configuration is never overwritten.
	[ -e $(DESTDIR)$(SYSCONFDIR)/triage-milter/triage-milter.yaml ] || \
	    cp -p $(DESTDIR)$(SYSCONFDIR)/triage-milter/triage-milter.yaml.dist \
	          $(DESTDIR)$(SYSCONFDIR)/triage-milter/triage-milter.yaml
	install -d -m 0750 $(DESTDIR)/var/lib/triage-milter $(DESTDIR)/var/cache/triage-milter
	cd patterns && find . -name '*.yaml' -exec install -D -m 0644 {} $(DESTDIR)$(DATADIR)/patterns/{} \;
	install -m 0644 docs/triage-milter.8 docs/triagectl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 docs/triage-milter.yaml.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 etc/triage-milter.service $(DESTDIR)$(UNITDIR)/triage-milter.service

clean:
	rm -rf build build-asan build-fuzz
