# SuperCloud: `make demo` and `make test` are the two entry points; both install what they need first.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

REPO        := $(abspath .)
TOOLS       := $(REPO)/.tools/bin
SLN         := SuperCloud.Operator.sln
CONFIG      ?= Release
RESULTS     := $(REPO)/.test-results
export PATH := $(TOOLS):$(PATH)
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

# Every test project: unit, integration and end-to-end (`make e2e` runs the end-to-end tests alone).
TEST_PROJECTS := $(sort $(wildcard crds/*.Tests/*.Tests.csproj lab/*.Tests/*.Tests.csproj \
                   operator/*.Tests/*.Tests.csproj node-agent/*.Tests/*.Tests.csproj \
                   native-shim/*.Tests/*.Tests.csproj e2e/*.Tests/*.Tests.csproj))
HAS_SHIM := $(wildcard native-shim/CMakeLists.txt)

# End-to-end families that take minutes each: `make test` leaves them out, so it stays well under 30 minutes, and
# `make test-slow` runs them one family at a time, printing each family's time. CI runs both (.ci/run).
E2E_PROJECT := e2e/SuperCloud.E2E.Tests/SuperCloud.E2E.Tests.csproj
E2E_SLOW    := PartitionTests MigrationFaultTests DiskMigrationTests DashboardBrowserTests MigrationPolicyTests
E2E_DEFAULT_FILTER := $(subst $(eval) ,&,$(foreach c,$(E2E_SLOW),FullyQualifiedName!~.$(c).))

.PHONY: help setup build native guest manifests plugin test test-slow test-dotnet test-native e2e bench demo clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: ## install Debian packages, kubectl/helm, the kubectl supercloud plugin and NuGet packages (idempotent)
	@bash lab/setup.sh
	@$(MAKE) --no-print-directory plugin

# `kubectl supercloud`: kubectl runs kubectl-supercloud from PATH (.tools/bin, exported above); it runs the build's output.
PLUGIN := $(REPO)/operator/SuperCloud.Kubectl/bin/$(CONFIG)/net10.0/kubectl-supercloud
plugin:
	@mkdir -p $(TOOLS)
	@printf '#!/bin/sh\n# kubectl supercloud: built by `make build` from operator/SuperCloud.Kubectl\nexec "%s" "$$@"\n' "$(PLUGIN)" > $(TOOLS)/kubectl-supercloud
	@chmod 0755 $(TOOLS)/kubectl-supercloud

native: ## build the native shim (CMake)
ifneq ($(HAS_SHIM),)
	@cmake -S native-shim -B native-shim/build -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build native-shim/build -j2 >/dev/null
endif

guest: ## build the test guest (Debian kernel + initramfs with the memory checker)
	@bash node-agent/guest/build.sh node-agent/guest/out

build: native plugin ## build every project with warnings as errors
	@dotnet build $(SLN) -c $(CONFIG) --nologo -v quiet -clp:ErrorsOnly

manifests: ## regenerate crds/generated from the C# API types
	@dotnet run --project crds/SuperCloud.Crds.Generator -c $(CONFIG) -- --out crds/generated
	@cp crds/generated/*.yaml charts/supercloud/crds/

test: setup build test-native test-dotnet ## install, build and run the whole default suite

test-native:
ifneq ($(HAS_SHIM),)
	@bash native-shim/test.sh
endif

test-dotnet:
	@rm -rf $(RESULTS); mkdir -p $(RESULTS); status=0; \
	for p in $(TEST_PROJECTS); do \
	  name=$$(basename $$p .csproj); echo "== $$name"; start=$$(date +%s); filter=(); \
	  if [ "$$p" = "$(E2E_PROJECT)" ]; then filter=(--filter "$(E2E_DEFAULT_FILTER)"); fi; \
	  dotnet test $$p -c $(CONFIG) --no-build --nologo -v quiet "$${filter[@]}" \
	    --logger "trx;LogFileName=$(RESULTS)/$$name.trx" --logger "console;verbosity=minimal" || status=1; \
	  echo "== $$name: $$(( $$(date +%s) - start )) s"; \
	done; \
	bash .ci/summarize-trx $(RESULTS) || status=1; exit $$status

test-slow: setup build ## the slow end-to-end families (partitions, migration faults, disk migration, dashboard, migration policies), each timed
	@rm -rf $(RESULTS)/slow; mkdir -p $(RESULTS)/slow; status=0; \
	for c in $(E2E_SLOW); do \
	  echo "== e2e $$c"; start=$$(date +%s); \
	  dotnet test $(E2E_PROJECT) -c $(CONFIG) --no-build --nologo -v quiet --filter "FullyQualifiedName~.$$c." \
	    --logger "trx;LogFileName=$(RESULTS)/slow/$$c.trx" --logger "console;verbosity=minimal" || status=1; \
	  echo "== e2e $$c: $$(( $$(date +%s) - start )) s"; \
	done; \
	bash .ci/summarize-trx $(RESULTS)/slow || status=1; exit $$status

e2e: setup build ## end-to-end tests on a lab started with supercloud-lab up (real kubectl, agents, QEMU)
	@for p in $(wildcard e2e/*/*.csproj); do dotnet test $$p -c $(CONFIG) --no-build --nologo; done

bench: setup build ## benchmarks, each figure beside a baseline measured in the same run (two rows beside a quoted kube-scheduler threshold, labelled)
	@dotnet run --project bench/SuperCloud.Bench -c $(CONFIG) --no-build
ifneq ($(HAS_SHIM),)
	@bash native-shim/bench.sh
endif

demo: setup build ## run SuperCloud on the local lab: three simulated clouds, SuperPods booting on them
	@bash lab/demo.sh

clean: ## remove build outputs
	@dotnet clean $(SLN) -v quiet >/dev/null; rm -rf native-shim/build $(RESULTS)
