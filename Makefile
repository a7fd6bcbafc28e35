# Solder's front door. Every target installs what it needs first (scripts/bootstrap.sh).
#   make build   release build, binary at build/solder
#   make run     build and start the server on 127.0.0.1:8080 with SQLite in ./data
#   make demo    build and start Solder, AcmeCo and the BigCommerce sandbox (data in ./demo-data)
#   make demo-reset  the same, from a clean ./demo-data
#   make test    sanitizer build (ASan + UBSan, -Werror), format check, every suite through ctest,
#                then the ThreadSanitizer leg (make tsan); TSAN=0 leaves that out
#   make tsan    ThreadSanitizer build in build/tsan: unit, API and websocket tests against it
#   make bench   release build, then every benchmark in tests/bench
#   make fuzz    libFuzzer targets (clang) in build/fuzz
#   make clean   remove build outputs (not ./data or ./demo-data)

SHELL := /bin/bash
MAKEFLAGS += --no-print-directory
JOBS ?= $(shell nproc)
BUILD_TYPE ?= RelWithDebInfo

.PHONY: all build run demo demo-reset test tsan bench fuzz clean bootstrap format-check
TSAN ?= 1
# A ThreadSanitizer report fails the process that wrote it at once (and the API fixture fails the
# test on the report's first line, tests/api/server.mjs).
TSAN_RUN_OPTIONS := halt_on_error=1 exitcode=66 second_deadlock_stack=1

all: build

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build build -j$(JOBS)

run: build
	./build/solder serve --listen 127.0.0.1:8080 --data ./data

# The demo needs the server, its browser core, AcmeCo and the sandbox, not the tests and benches.
demo: bootstrap
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build build -j$(JOBS) --target solder acmeco bigcommerce-sandbox \
		$$(cmake --build build --target help | grep -qw solder_web && echo solder_web)
	@demo/run.sh build

demo-reset:
	rm -rf ./demo-data
	@$(MAKE) demo

test: bootstrap
	@cmake -S . -B build/test -DCMAKE_BUILD_TYPE=Debug -DSOLDER_SANITIZE=ON -DSOLDER_WERROR=ON >/dev/null
	@cmake --build build/test -j$(JOBS)
	@scripts/format-check.sh
	@status=0; \
	(cd build/test && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j$(JOBS) 2>&1 | tee ctest.log; \
		$(CURDIR)/scripts/test-summary.sh . $${PIPESTATUS[0]}) || status=1; \
	if [ "$(TSAN)" != 0 ]; then $(MAKE) tsan || status=1; fi; \
	exit $$status

tsan: bootstrap
	@cmake -S . -B build/tsan -DCMAKE_BUILD_TYPE=Debug -DSOLDER_TSAN=ON -DSOLDER_WASM=OFF \
		-DSOLDER_WERROR=ON >/dev/null
	@cmake --build build/tsan -j$(JOBS) --target tsan_targets
	@cd build/tsan && TSAN_OPTIONS="$(TSAN_RUN_OPTIONS)" \
		ctest -L tsan --output-on-failure -j$(JOBS) 2>&1 | tee ctest.log; \
		$(CURDIR)/scripts/test-summary.sh . $${PIPESTATUS[0]} tsan

bench: build
	@tests/bench/run.sh build

fuzz: bootstrap
	@CC=clang cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSOLDER_FUZZ=ON >/dev/null
	@cmake --build build/fuzz -j$(JOBS)
	@echo "fuzz targets in build/fuzz/fuzz/; run e.g. build/fuzz/fuzz/fuzz_jsonata tests/fuzz/corpus/jsonata"

format-check:
	@scripts/format-check.sh

clean:
	rm -rf build
