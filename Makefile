# Escalate: the two commands are `make run` and `make test`.
# Both install what is missing first, so they work on a fresh Debian machine.

SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

# Debian packages the build and tests need. Installed only when missing.
APT_PACKAGES :=

.PHONY: run test deps fmt lint unit bench help

help:
	@echo "make run    build and start Escalate (for now: the escalate command line)"
	@echo "make test   format check, clippy -D warnings, every test"
	@echo "make bench  criterion benchmarks (figures in docs/performance.md)"

deps:
	@scripts/install-deps $(APT_PACKAGES)

fmt: deps
	$(CARGO) fmt --all -- --check

lint: deps
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# The criterion benches run once each in test mode first, so they cannot rot; the
# tests run last so the run closes on cargo's own summary.
unit: deps
	$(CARGO) test --workspace --benches --locked
	$(CARGO) test --workspace --lib --bins --tests --locked

test: fmt lint unit

run: deps
	$(CARGO) build --locked -p escalate
	$(CARGO) run --locked -q -p escalate -- --help

bench: deps
	$(CARGO) bench --locked -p escalate-core
