# Trellis: kernel modules (egre, shortbridge) and the trellisd manager.
#
#   make            build both modules and trellisd
#   make check      host unit tests, then the in-guest tests (scripts/vm)
#   make check-full the same with soak-length rounds (TRELLIS_FULL=1)
#   make check-debug
#                   the kernel-module tests (tests/guest but bench_quick,
#                   tests/pair) on the debug kernel (KASAN, kmemleak, lockdep,
#                   UBSAN: scripts/debug-kernel, built once per machine),
#                   with our modules built against it in build/debug-modules
#   make demo       bring up the demo topology and carry traffic over it
#   make bench      forwarding-rate benchmarks (scripts/bench)
#   make install    install the modules (with depmod), trellisd and its
#                   systemd units (trellisd.socket, trellisd.service)
#
# The modules are built against KDIR: the running kernel's build directory
# if it has one, otherwise the newest one installed (on machines that cannot
# load modules, that is the kernel the test guest boots).

KDIR ?= $(or $(wildcard /lib/modules/$(shell uname -r)/build),\
	     $(shell ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n 1))
KVER = $(shell $(MAKE) -s -C $(KDIR) kernelrelease 2>/dev/null)
PREFIX ?= /usr/local
MODULES = kernel/egre kernel/shortbridge

.PHONY: all modules trellisd check check-full check-debug debug-modules unit demo bench install clean fuzz $(MODULES)

all: modules trellisd fuzz

modules: $(MODULES)

$(MODULES):
	@test -n "$(KDIR)" || { echo "no kernel build directory: run scripts/deps" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$@ W=1 modules

trellisd:
	$(MAKE) -C userspace/trellisd

# tests/fuzz/nl_fuzz, run in the guest by tests/guest/nl_fuzz.sh
fuzz:
	$(MAKE) -C tests/fuzz

unit: trellisd
	$(MAKE) -C tests/unit run

check: all
	TRELLIS_NO_BUILD=1 tests/run

check-full: all
	TRELLIS_FULL=1 TRELLIS_NO_BUILD=1 tests/run

# The modules again, against the debug kernel's build tree, from a copy of
# the sources: kernel/*/*.ko stay the ones Debian's kernel loads.
debug-modules:
	@dk=$$(scripts/debug-kernel --dir) || exit 1; \
	mkdir -p build/debug-modules && cp -pR include build/debug-modules/ && \
	for m in $(MODULES); do \
		mkdir -p build/debug-modules/$$m && \
		cp -p $$m/Kbuild $$m/*.[ch] build/debug-modules/$$m/ && \
		$(MAKE) -C $$dk/build M=$(CURDIR)/build/debug-modules/$$m W=1 modules || exit 1; \
	done

check-debug: all
	scripts/debug-kernel
	$(MAKE) debug-modules
	TRELLIS_DEBUG_KERNEL=1 TRELLIS_NO_BUILD=1 TRELLIS_JOBS=$${TRELLIS_JOBS:-1} tests/run $$(for t in tests/guest/*.sh tests/pair/*.sh; do \
		basename $$t .sh; done | grep -vx bench_quick)

demo: all
	scripts/demo

bench: all
	scripts/bench $(BENCH_ARGS)

install: all
	for m in $(MODULES); do \
		$(MAKE) -C $(KDIR) M=$(CURDIR)/$$m INSTALL_MOD_DIR=extra/trellis modules_install || exit 1; \
	done
	depmod -a $(KVER)
	install -d $(DESTDIR)/etc/modules-load.d
	printf '%s\n' egre shortbridge > $(DESTDIR)/etc/modules-load.d/trellis.conf
	$(MAKE) -C userspace/trellisd install PREFIX=$(PREFIX)
	install -D -m 0644 dist/trellisd.socket $(DESTDIR)/etc/systemd/system/trellisd.socket
	sed 's|@SBINDIR@|$(PREFIX)/sbin|' dist/trellisd.service > $(DESTDIR)/etc/systemd/system/trellisd.service
	install -D -m 0644 dist/trellis.sysusers $(DESTDIR)/usr/lib/sysusers.d/trellis.conf
	[ -n "$(DESTDIR)" ] || getent group trellis >/dev/null || groupadd --system trellis
	[ -n "$(DESTDIR)" ] || ! command -v systemctl >/dev/null || systemctl daemon-reload || true

clean:
	for m in $(MODULES); do $(MAKE) -C $(KDIR) M=$(CURDIR)/$$m clean; done
	$(MAKE) -C userspace/trellisd clean
	$(MAKE) -C tests/unit clean
	$(MAKE) -C tests/fuzz clean
	rm -rf build
