# nook — plain GNU Makefile.  `make help` lists the targets.
CC ?= gcc
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DESTDIR ?=
BUILD ?= build
SANITIZE ?= 0

DIRS := base namespaces cgroups overlayfs image runtime cli
PKGS := libseccomp libcap json-c
# Only image/ uses these: not linked into nook but loaded on first use
# (image/libs.c), so `nook oci` never pays for them.
IMAGE_PKGS := libarchive sqlite3 libcrypto
soname = $(shell objdump -p $$($(CC) -print-file-name=lib$(1).so) 2>/dev/null | sed -n 's/^ *SONAME *//p')

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wvla -Wno-format-nonliteral -Wno-format-truncation
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARN) -D_GNU_SOURCE -I. -fPIE -fstack-protector-strong \
	-MMD -MP $(shell pkg-config --cflags $(PKGS) $(IMAGE_PKGS) 2>/dev/null)
LDFLAGS += -pie -Wl,-z,relro,-z,now -Wl,--as-needed
LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -ldl
IMAGE_LIBS := $(shell pkg-config --libs $(IMAGE_PKGS) 2>/dev/null)
ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
BUILD := build-san
else
CFLAGS += -D_FORTIFY_SOURCE=2
endif

SRCS := $(foreach d,$(DIRS),$(wildcard $(d)/*.c))
OBJS := $(SRCS:%.c=$(BUILD)/%.o)
LIBOBJS := $(filter-out $(BUILD)/cli/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/helpers/%)

.PHONY: all deps check check-unit check-integration check-crash check-clients check-vm demo bench install clean help format

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

$(BUILD)/image/libs.o: CFLAGS += -DNOOK_SONAME_ARCHIVE='"$(call soname,archive)"' \
	-DNOOK_SONAME_SQLITE3='"$(call soname,sqlite3)"' -DNOOK_SONAME_CRYPTO='"$(call soname,crypto)"'

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIBOBJS)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(IMAGE_LIBS) -lcmocka

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
	@BUILD=$(BUILD) tests/run-tiers.sh unit integration crash clients vm

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

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(BUILD)/nook $(DESTDIR)$(BINDIR)/nook
	ln -sf nook $(DESTDIR)$(BINDIR)/nook-oci

format:
	clang-format -i $(SRCS) $(wildcard */*.h) $(UNIT_SRCS)

clean:
	rm -rf build build-san nook nook-oci

help:
	@echo "targets: all deps check check-unit check-integration check-crash check-clients check-vm"
	@echo "         demo bench install clean"
	@echo "options: SANITIZE=1 (ASan+UBSan), PREFIX=, DESTDIR=, SUITE=all (check-vm)"

-include $(OBJS:.o=.d)
