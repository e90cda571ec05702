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
#  time: /usr/bin/time measures the peak memory of a hostile package's import
#  strace: the key rotation tests make the disk "full" under a real escalate (fault injection)
#  libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev:
#    the desktop app (Tauri 2 on WebKitGTK)
#  xvfb xauth webkit2gtk-driver: the app's end-to-end tests in a real window (WebDriver)
#  chromium: the UI's browser tests (Playwright drives Debian's Chromium; no downloads)
#  minisign age: the real tools the interop tests check signed packages and bundles with
APT_PACKAGES := build-essential pkg-config libssl-dev libdbus-1-dev dbus-daemon gnome-keyring poppler-utils qpdf time strace minisign age \
	libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libxdo-dev \
	xvfb xauth webkit2gtk-driver chromium
# Only for the end-to-end tests, so `make run` does not give a desktop a second one:
#  dunst: a real notification service on the tests' D-Bus session, to read alerts from
#  xdotool: answers the native GTK save dialog on the X display, as a person would
#  xdg-utils: xdg-open, which the app's "open for printing" goes through
E2E_APT_PACKAGES := dunst xdotool xdg-utils
# Python packages the tests need: an independent SQLCipher 4 reader, a JSON Schema validator,
# and Argon2id and XChaCha20-Poly1305 to unseal key.json as an attacker with the passphrase would.
PIP_PACKAGES := sqlcipher3-binary jsonschema argon2-cffi pynacl

# tauri-driver bridges WebDriver to WebKitWebDriver for the end-to-end tests.
TAURI_DRIVER_VERSION := 2.1.0
# The Tauri CLI bundles the .deb (make package only; fetched by npx at this version).
TAURI_CLI_VERSION := 2.12.5
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
APP_BIN := $(TARGET_DIR)/debug/escalate-app
# A screen big enough for the 1200x800 window.
XVFB := xvfb-run -a -s "-screen 0 1400x1000x24"

.PHONY: run test deps fmt lint unit ui ui-test e2e bindings screenshots package bench help

help:
	@echo "make run          build and open the Escalate desktop app"
	@echo "make test         format check, clippy -D warnings, type check, every test"
	@echo "make package      build the .deb (target/release/bundle/deb/)"
	@echo "make bindings     regenerate ui/src/lib/bindings.ts, commands.ts and the capability file"
	@echo "make screenshots  retake docs/screenshots/app-*.png from the end-to-end run"
	@echo "make bench        benchmarks (figures in docs/performance.md)"

deps:
	@scripts/install-deps $(APT_PACKAGES)
	@scripts/install-pip-deps $(PIP_PACKAGES)
	@scripts/install-node-deps ui
	@scripts/install-tauri-driver $(TAURI_DRIVER_VERSION)

# The UI, type-checked against the generated bindings, built into ui/dist, which the
# shell embeds (so it is built before any cargo step that compiles src-tauri).
ui: deps
	cd ui && npm run --silent check && npm run --silent build

fmt: deps
	$(CARGO) fmt --all -- --check

lint: ui
	$(CARGO) clippy --workspace --all-targets --all-features --locked -- -D warnings

# The criterion benches run once each in test mode first, so they cannot rot. The
# shell's tests include the check that ui/src/lib/bindings.ts is current.
unit: ui
	$(CARGO) test --workspace --exclude escalate-e2e --benches --locked
	scripts/with-keyring $(CARGO) test --workspace --exclude escalate-e2e --lib --bins --tests --locked

# Every screen in Chromium with the IPC faked from a real demo store's answers, and axe.
ui-test: ui
	$(CARGO) run -q --locked -p escalate-app --example ui-fixtures -- $(TARGET_DIR)/ui-fixtures.json
	cd ui && ESCALATE_UI_FIXTURES=$(TARGET_DIR)/ui-fixtures.json npm test --silent

# The real app in a real window: WebDriver under Xvfb, real keyring, real store, real PDF.
# Each scenario has its own time limit and stops its processes; the whole run is bounded
# as well, and with-keyring stops anything a killed run left behind.
E2E_TIMEOUT ?= 1800
e2e: ui
	@scripts/install-deps $(E2E_APT_PACKAGES)
	$(CARGO) build --locked -p escalate-app
	ESCALATE_APP_BIN=$(APP_BIN) timeout $(E2E_TIMEOUT) scripts/with-keyring $(XVFB) $(CARGO) test --locked -p escalate-e2e -- --test-threads=1

test: fmt lint unit ui-test e2e

bindings:
	UPDATE_BINDINGS=1 $(CARGO) test --locked -p escalate-app --test app bindings

screenshots: ui
	@scripts/install-deps $(E2E_APT_PACKAGES)
	$(CARGO) build --locked -p escalate-app
	ESCALATE_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots ESCALATE_APP_BIN=$(APP_BIN) \
	  timeout $(E2E_TIMEOUT) scripts/with-keyring $(XVFB) $(CARGO) test --locked -p escalate-e2e -- --test-threads=1

# Opens the app on the default data folder (ESCALATE_DATA_DIR chooses another).
run: ui
	$(CARGO) build --locked -p escalate-app
	$(APP_BIN)

# The .deb, then a check that the release binary refuses WebDriver automation.
package: ui
	cd ui && TAURI_APP_PATH=../src-tauri npx --yes @tauri-apps/cli@$(TAURI_CLI_VERSION) build --bundles deb
	@out=$$(TAURI_WEBVIEW_AUTOMATION=1 $(TARGET_DIR)/release/escalate-app 2>&1); code=$$?; \
	  if [ $$code -ne 1 ] || ! grep -q "refuses to run under automation" <<<"$$out"; then \
	    echo "package: the release build did not refuse automation ($$code: $$out)"; exit 1; fi
	@ls -1 $(TARGET_DIR)/release/bundle/deb/*.deb

bench: deps
	$(CARGO) bench --locked -p escalate-core
	$(CARGO) bench --locked -p escalate-api
	bench/store-dashboard
	bench/report-vs-libreoffice   # needs libreoffice-writer-nogui
	bench/app-start 10000 5
