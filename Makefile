# SPDX-License-Identifier: GPL-2.0
#
# stockade: top-level build.  Each directory has its own Makefile; this one
# only wires them together.  All userspace output goes to build/, the module
# is built by Kbuild (see ./Kbuild) against Debian's packaged 6.1 headers.

KVER ?= $(shell ls -1 /lib/modules 2>/dev/null | grep -E '^6\.1\.[0-9]+-[0-9]+-amd64$$' | sort -V | tail -n 1)
KDIR ?= /lib/modules/$(KVER)/build
BUILD := $(CURDIR)/build
PREFIX ?= /usr
DESTDIR ?=

export KVER KDIR BUILD

.PHONY: all module agent bpf tests deps check demo bench torture install \
	clean checkpatch sim

all: module agent bpf

module:
	@test -n "$(KVER)" || { echo "no 6.1 kernel headers found: run 'make deps' or set KVER=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 KCFLAGS=-Werror modules

agent:
	$(MAKE) -C agent

bpf:
	$(MAKE) -C bpf

tests: agent
	$(MAKE) -C selftests
	$(MAKE) -C sim

# The deterministic simulation of the protocol core (docs/simulation.md):
# SEEDS seeds on 3 nodes, then on 5.  selftests/host/sim.sh runs a smaller
# fixed budget in make check.
SEEDS ?= 3000
SIM_ARGS ?=
sim:
	$(MAKE) -C sim
	$(BUILD)/sim/stockade-sim --nodes 3 --seeds $(SEEDS) $(SIM_ARGS)
	$(BUILD)/sim/stockade-sim --nodes 5 --seeds $(SEEDS) $(SIM_ARGS)

deps:
	scripts/install-deps

# A build failure still ends with the summary line CI looks for.
check: deps
	@$(MAKE) all tests || { echo "make check: the build failed"; \
		echo "0 passed, 1 failed"; exit 1; }
	selftests/run

demo: deps
	$(MAKE) all
	scripts/demo

bench: deps
	$(MAKE) all
	scripts/bench

# Faults on a VM cluster under a checked workload.  SEED= replays a run;
# NODES=3|5, STEPS= faults.
torture: deps
	$(MAKE) all tests
	selftests/torture/torture.py $(if $(SEED),--seed $(SEED)) \
		--nodes $(or $(NODES),3) --steps $(or $(STEPS),20)

checkpatch: tests
	selftests/host/checkpatch.sh

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates \
		INSTALL_MOD_PATH=$(DESTDIR) modules_install
	test -n "$(DESTDIR)" || depmod -a $(KVER)
	$(MAKE) -C agent install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)
