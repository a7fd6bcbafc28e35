# Solder's front door. Every target installs what it needs first (scripts/bootstrap.sh).
#   make build   release build, binary at build/solder
#   make run     build and start the server on 127.0.0.1:8080 with SQLite in ./data
#   make demo    build and start Solder, AcmeCo and the BigCommerce sandbox (data in ./demo-data)
#   make demo-reset  the same, from a clean ./demo-data
#   make test    sanitizer build (ASan + UBSan, -Werror), format check, every suite through ctest
#   make bench   release build, then every benchmark in tests/bench
#   make fuzz    libFuzzer targets (clang) in build/fuzz
#   make clean   remove build outputs (not ./data or ./demo-data)

SHELL := /bin/bash
MAKEFLAGS += --no-print-directory
JOBS ?= $(shell nproc)
BUILD_TYPE ?= RelWithDebInfo

.PHONY: all build run demo demo-reset test bench fuzz clean bootstrap format-check

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
	@cd build/test && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j$(JOBS) 2>&1 | tee ctest.log; \
		status=$${PIPESTATUS[0]}; \
		summary=$$(grep -E '^[0-9]+% tests passed' ctest.log | tail -1); \
		total=$$(echo "$$summary" | sed -E 's/.* out of ([0-9]+).*/\1/'); \
		failed=$$(echo "$$summary" | sed -E 's/.*, ([0-9]+) tests failed.*/\1/'); \
		skipped=$$(grep -c '\*\*\*Skipped' ctest.log); \
		echo "solder: $$((total - failed - skipped)) passed, $$failed failed, $$skipped skipped"; \
		exit $$status

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
