# joinedup: `make demo` and `make test` do all set-up on a fresh Debian machine (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STATIC_BUILD := joinedup/web/static/build
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
# The statutory returns' validators pin pandas<2 / numpy<1.25: their own virtualenv (docs/returns.md).
RETURNS_VENV := var/returns-venv

.PHONY: setup demo serve test lint clean
.DELETE_ON_ERROR:

## setup: create .venv, install pinned Python and npm dependencies, compile the GOV.UK Frontend assets.
# The three are independent and mostly wait on downloads and disks: they are made side by side.
setup:
	@$(MAKE) --no-print-directory -j3 --output-sync=target $(VENV)/.installed $(STATIC_BUILD)/app.css \
		$(RETURNS_VENV)/.installed

$(VENV)/.installed: requirements/app.txt requirements/lab.txt requirements/spark.txt requirements/test.txt pyproject.toml
	@echo "==> Python environment ($(PYTHON))"
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), f"joinedup needs Python 3.11, found {sys.version}"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(PIP) install -r requirements/test.txt
	@$(PIP) install --no-deps --no-build-isolation -e .
	@# The lab (joinedup_lab, development only) is used from the checkout: put the checkout on the venv's path.
	@echo "$(CURDIR)" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/joinedup-lab.pth"
	@touch $@

$(RETURNS_VENV)/.installed: requirements/returns.txt
	@echo "==> Returns validators' environment ($(RETURNS_VENV), Python 3.11)"
	@test -x $(RETURNS_VENV)/bin/python || $(PYTHON) -m venv $(RETURNS_VENV)
	@$(RETURNS_VENV)/bin/python -m pip --disable-pip-version-check -q install -r requirements/returns.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	@echo "==> Front-end packages (npm)"
	@command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; }
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(STATIC_BUILD)/app.css: node_modules/.installed $(wildcard joinedup/web/assets/*.scss)
	@echo "==> Compiling GOV.UK Frontend"
	@mkdir -p $(STATIC_BUILD)
	@npx --no-install sass --pkg-importer=node --style=compressed --no-source-map --quiet-deps \
		joinedup/web/assets/app.scss $@
	@cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(STATIC_BUILD)/

## demo: set up, migrate the embedded SQLite database, load the demo authority, serve on 127.0.0.1:8000.
demo: setup
	@echo "==> Database (var/joinedup.sqlite3)"
	@JOINEDUP_ENV=development $(BIN)/joinedup migrate --no-input
	@JOINEDUP_ENV=development $(BIN)/joinedup collectstatic --no-input -v 0
	@echo "==> Simulated authority (var/simulated; kept if already there)"
	@test -f var/simulated/agencies.json || JOINEDUP_ENV=development $(BIN)/joinedup simulate --out var/simulated \
		--start $$(date -u -d '3 years ago' +%Y-%m-01)
	@echo "==> Ingesting the agencies' records (idempotent: a re-run stores nothing new)"
	@JOINEDUP_ENV=development $(BIN)/joinedup ingest --register-agencies var/simulated
	@echo "==> Linking mentions into people and households (about 2 minutes the first time)"
	@JOINEDUP_ENV=development $(BIN)/joinedup link --if-needed
	@echo "==> Demo users"
	@JOINEDUP_ENV=development $(BIN)/joinedup demo --simulated var/simulated
	@echo "==> Alerts: routing to the demo teams, and the time-based rules"
	@JOINEDUP_ENV=development $(BIN)/joinedup alerts run
	@echo "==> Serving http://127.0.0.1:8000/ — sign in with a demo user's password (above, and var/demo-credentials.json),"
	@echo "    then the code from their authenticator key, or from: $(BIN)/joinedup demo-code USERNAME"
	@JOINEDUP_ENV=development $(BIN)/joinedup serve --host 127.0.0.1 --port 8000

## test: ruff, import-linter, migrations check and the whole suite on a throwaway PostgreSQL, then SQLite.
test: setup
	@scripts/test.sh

lint: setup
	@$(BIN)/ruff check .
	@$(BIN)/lint-imports

clean:
	rm -rf $(VENV) node_modules $(STATIC_BUILD) var/staticfiles var/test
