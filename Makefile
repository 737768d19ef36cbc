# nook — plain GNU Makefile.  `make help` lists the targets.
CC ?= gcc
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
DESTDIR ?=
BUILD ?= build
SANITIZE ?= 0

DIRS := base namespaces cgroups overlayfs image network runtime cli
PKGS := libseccomp libcap json-c
# Only image/ uses these: not linked into nook but loaded on first use
# (image/libs.c), so `nook oci` never pays for them.
IMAGE_PKGS := libarchive sqlite3 libcrypto libcurl
soname = $(shell objdump -p $$($(CC) -print-file-name=lib$(1).so) 2>/dev/null | sed -n 's/^ *SONAME *//p')
# Probed when image/libs.o is built; an empty one stops the build there.
SONAME_ARCHIVE ?= $(call soname,archive)
SONAME_SQLITE3 ?= $(call soname,sqlite3)
SONAME_CRYPTO ?= $(call soname,crypto)
SONAME_CURL ?= $(call soname,curl)
# network/ loads these the same way (network/libs.c): only a container on
# a bridge network and the network commands pay for them.
NET_PKGS := libnl-route-3.0 libnftables
SONAME_NL ?= $(call soname,nl-3)
SONAME_NL_ROUTE ?= $(call soname,nl-route-3)
SONAME_NFTABLES ?= $(call soname,nftables)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wvla -Wno-format-nonliteral -Wno-format-truncation
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARN) -D_GNU_SOURCE -I. -fPIE -fstack-protector-strong \
	-MMD -MP $(shell pkg-config --cflags $(PKGS) $(IMAGE_PKGS) $(NET_PKGS) 2>/dev/null)
LDFLAGS += -pie -Wl,-z,relro,-z,now -Wl,--as-needed
# libseccomp and json-c are linked in (as runc links libseccomp): every
# `nook oci run` execs nook once, and loading two more shared objects cost
# ~0.13 ms of it (bench).  sqlite3 too: every engine command opens the
# store, and loading libsqlite3.so (1,600 symbol relocations, BIND_NOW)
# cost each ~0.6 ms; linked in, only the pages a command runs are read,
# and `nook oci` runs none.  A fix in one of them then needs a rebuild of
# nook.  STATIC_LIBS= links seccomp and json-c dynamically and loads
# sqlite3 on first use as the other image libraries (image/libs.c).
STATIC_LIBS ?= seccomp json-c sqlite3
STATIC_LIBM := -lm
LDLIBS += -Wl,-Bstatic $(addprefix -l,$(STATIC_LIBS)) -Wl,-Bdynamic \
	$(filter-out $(addprefix -l,$(STATIC_LIBS)),$(shell pkg-config --libs $(PKGS) 2>/dev/null)) \
	$(if $(filter sqlite3,$(STATIC_LIBS)),$(STATIC_LIBM)) -ldl
IMAGE_LIBS := $(shell pkg-config --libs $(IMAGE_PKGS) 2>/dev/null)
ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
BUILD := build-san
else ifeq ($(SANITIZE),fuzz)
# `make fuzz`: everything built by clang for libFuzzer, with ASan+UBSan.
# Warnings stay warnings here: clang's set differs from gcc's, and the gcc
# build is the one that enforces them.
CFLAGS += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined -Wno-unknown-warning-option -Wno-error
LDFLAGS += -fsanitize=address,undefined
BUILD := build-fuzz
else
CFLAGS += -D_FORTIFY_SOURCE=2
endif

SRCS := $(foreach d,$(DIRS),$(wildcard $(d)/*.c))
OBJS := $(SRCS:%.c=$(BUILD)/%.o)
LIBOBJS := $(filter-out $(BUILD)/cli/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build-fuzz/tests/fuzz/%)
FUZZ_CC ?= clang
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/helpers/%)

.PHONY: all deps check check-unit check-integration check-crash check-fuzz check-clients check-vm demo \
	bench install clean help format fuzz fuzz-build man completions

all: nook

nook: $(BUILD)/nook
	@ln -sf $(BUILD)/nook nook
	@ln -sf nook nook-oci

V ?= 0
ifeq ($(V),0)
Q := @
endif

$(BUILD)/nook: $(OBJS)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/image/libs.o: image/libs.c
	$(foreach l,ARCHIVE SQLITE3 CRYPTO CURL,$(if $(SONAME_$(l)),,$(error no soname found for the \
		image library $(l) (is its -dev package installed? see scripts/deps.sh))))
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -DNOOK_SONAME_ARCHIVE='"$(SONAME_ARCHIVE)"' \
		-DNOOK_SONAME_SQLITE3='"$(SONAME_SQLITE3)"' -DNOOK_SONAME_CRYPTO='"$(SONAME_CRYPTO)"' \
		-DNOOK_SONAME_CURL='"$(SONAME_CURL)"' \
		$(if $(filter sqlite3,$(STATIC_LIBS)),-DNOOK_SQLITE3_LINKED) -c -o $@ $<

$(BUILD)/network/libs.o: network/libs.c
	$(foreach l,NL NL_ROUTE NFTABLES,$(if $(SONAME_$(l)),,$(error no soname found for the \
		network library $(l) (is its -dev package installed? see scripts/deps.sh))))
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -DNOOK_SONAME_NL='"$(SONAME_NL)"' \
		-DNOOK_SONAME_NL_ROUTE='"$(SONAME_NL_ROUTE)"' \
		-DNOOK_SONAME_NFTABLES='"$(SONAME_NFTABLES)"' -c -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIBOBJS)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(IMAGE_LIBS) -lcmocka

# Fuzz targets (libFuzzer): each links the library objects built by clang
# into build-fuzz/.  `make fuzz` builds and runs them for a bounded time.
$(BUILD)/tests/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(LIBOBJS)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS)

fuzz-build:
	@if command -v $(FUZZ_CC) >/dev/null; then \
		$(MAKE) --no-print-directory SANITIZE=fuzz CC=$(FUZZ_CC) $(FUZZ_BINS); \
	else echo "fuzz: no $(FUZZ_CC): fuzz targets not built (scripts/deps.sh installs it)"; fi

fuzz: fuzz-build
	@tests/fuzz/run.sh

check-fuzz: fuzz-build
	@BUILD=$(BUILD) tests/run-tiers.sh fuzz

# Helpers run inside test containers: static, so any rootfs can hold them.
$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -static $(HELPER_FLAGS) -o $@ $<

# Runs as another binary's ELF interpreter, where libc cannot start: no libc.
$(BUILD)/tests/helpers/exe_thief: HELPER_FLAGS := -nostdlib -ffreestanding -fno-stack-protector

deps:
	@scripts/deps.sh

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BINS) $(HELPER_BINS)
	@$(MAKE) --no-print-directory fuzz-build
	@BUILD=$(BUILD) tests/run-tiers.sh unit integration crash fuzz clients vm

check-unit: all $(UNIT_BINS)
	@BUILD=$(BUILD) tests/run-tiers.sh unit

check-integration: all $(HELPER_BINS)
	@BUILD=$(BUILD) tests/run-tiers.sh integration

check-crash: all $(HELPER_BINS)
	@BUILD=$(BUILD) tests/run-tiers.sh crash

check-clients: all
	@BUILD=$(BUILD) tests/run-tiers.sh clients

check-vm: all $(HELPER_BINS)
	@BUILD=$(BUILD) SUITE=$(SUITE) tests/run-tiers.sh vm

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/bench.sh
	@BUILD=$(BUILD) tests/bench/bench-image.sh
	@N=$${N_PODMAN:-12} tests/bench/bench-podman.sh
	@tests/bench/bench-density.sh
	@tests/bench/bench-network.sh
	@tests/bench/bench-rootless.sh

# The man page and the completion scripts come from the built binary's
# command tables (hidden `nook __man`, `nook completion SHELL`).
man: $(BUILD)/nook.1

$(BUILD)/nook.1: $(BUILD)/nook
	@echo "  GEN     $@"
	$(Q)$(BUILD)/nook __man >$@.tmp && mv $@.tmp $@

COMPLETIONS := $(BUILD)/completions/nook.bash $(BUILD)/completions/_nook \
	$(BUILD)/completions/nook.fish
completions: $(COMPLETIONS)

# nook.bash -> bash, nook.fish -> fish, _nook (zsh's name for it) -> zsh.
shell_of = $(if $(filter _nook,$(notdir $(1))),zsh,$(patsubst nook.%,%,$(notdir $(1))))

$(COMPLETIONS): $(BUILD)/nook
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)$(BUILD)/nook completion $(call shell_of,$@) >$@.tmp && mv $@.tmp $@

install: $(BUILD)/nook man completions
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 $(BUILD)/nook $(DESTDIR)$(BINDIR)/nook
	ln -sf nook $(DESTDIR)$(BINDIR)/nook-oci
	install -m 644 $(BUILD)/nook.1 $(DESTDIR)$(MANDIR)/man1/nook.1
	ln -sf nook.1 $(DESTDIR)$(MANDIR)/man1/nook-oci.1
	install -m 644 $(BUILD)/completions/nook.bash $(DESTDIR)$(BASHCOMPDIR)/nook
	ln -sf nook $(DESTDIR)$(BASHCOMPDIR)/nook-oci
	install -m 644 $(BUILD)/completions/_nook $(DESTDIR)$(ZSHCOMPDIR)/_nook
	install -m 644 $(BUILD)/completions/nook.fish $(DESTDIR)$(FISHCOMPDIR)/nook.fish
	ln -sf nook.fish $(DESTDIR)$(FISHCOMPDIR)/nook-oci.fish

format:
	clang-format -i $(SRCS) $(wildcard */*.h) $(UNIT_SRCS)

clean:
	rm -rf build build-san build-fuzz nook nook-oci

help:
	@echo "targets: all deps check check-unit check-integration check-crash check-fuzz check-clients"
	@echo "         check-vm fuzz demo bench man completions install clean"
	@echo "options: SANITIZE=1 (ASan+UBSan), PREFIX=, DESTDIR=, MANDIR=, BASHCOMPDIR=, ZSHCOMPDIR=,"
	@echo "         FISHCOMPDIR=, SUITE=all (check-vm),"
	@echo "         FUZZ_SECONDS=N (per fuzz target, default 12)"

-include $(OBJS:.o=.d) $(wildcard $(FUZZ_BINS:=.d))
