# Escalate: the two commands are `make run` and `make test`.
# Both install what is missing first, so they work on a fresh Debian machine.

SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

# Debian packages the build and tests need. Installed only when missing.
#  libssl-dev pkg-config: SQLCipher (bundled) links OpenSSL's libcrypto
#  libdbus-1-dev: the OS keyring (Secret Service over D-Bus)
#  dbus-daemon gnome-keyring: a real keyring for the tests (scripts/with-keyring)
#  poppler-utils qpdf: the report tests read the PDFs back (pdftotext, pdffonts, qpdf --check)
APT_PACKAGES := build-essential pkg-config libssl-dev libdbus-1-dev dbus-daemon gnome-keyring poppler-utils qpdf
# Python packages the tests need: an independent SQLCipher 4 reader, a JSON Schema validator.
PIP_PACKAGES := sqlcipher3-binary jsonschema

.PHONY: run test deps fmt lint unit bench help

help:
	@echo "make run    build and start Escalate (for now: the escalate command line)"
	@echo "make test   format check, clippy -D warnings, every test"
	@echo "make bench  criterion benchmarks (figures in docs/performance.md)"

deps:
	@scripts/install-deps $(APT_PACKAGES)
	@scripts/install-pip-deps $(PIP_PACKAGES)

fmt: deps
	$(CARGO) fmt --all -- --check

lint: deps
	$(CARGO) clippy --workspace --all-targets --all-features --locked -- -D warnings

# The criterion benches run once each in test mode first, so they cannot rot; the
# tests run last so the run closes on cargo's own summary.
unit: deps
	$(CARGO) test --workspace --benches --locked
	scripts/with-keyring $(CARGO) test --workspace --lib --bins --tests --locked

test: fmt lint unit

run: deps
	$(CARGO) build --locked -p escalate
	$(CARGO) run --locked -q -p escalate -- --help

bench: deps
	$(CARGO) bench --locked -p escalate-core
	$(CARGO) bench --locked -p escalate-report
	bench/store-dashboard
	bench/report-vs-libreoffice   # needs libreoffice-writer-nogui
