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
	@$(MAKE) --no-print-directory -q $(VENV)/.installed $(STATIC_BUILD)/app.css $(RETURNS_VENV)/.installed || echo \
		"==> Setting up the Python environments and GOV.UK Frontend, side by side (about a minute the first time)"
	@# Not --output-sync: the Python environment's progress bar (scripts/pip_progress.py) shows as it goes.
	@$(MAKE) --no-print-directory -j3 $(VENV)/.installed $(STATIC_BUILD)/app.css $(RETURNS_VENV)/.installed

$(VENV)/.installed: requirements/app.txt requirements/lab.txt requirements/spark.txt requirements/test.txt pyproject.toml
	@echo "==> Python environment ($(PYTHON))"
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), f"joinedup needs Python 3.11, found {sys.version}"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# --no-compile: Python compiles a module when it is first imported; compiling all 1.4 GB here (Spark's
	@# thousands of files, never imported by the demo) took a third of the time.
	@$(BIN)/python scripts/pip_progress.py "Python packages" requirements/test.txt --no-compile
	@$(PIP) install --no-deps --no-build-isolation -e .
	@# The lab (joinedup_lab, development only) is used from the checkout: put the checkout on the venv's path.
	@echo "$(CURDIR)" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/joinedup-lab.pth"
	@touch $@

$(RETURNS_VENV)/.installed: requirements/returns.txt
	@echo "==> Returns validators' environment ($(RETURNS_VENV), Python 3.11)"
	@test -x $(RETURNS_VENV)/bin/python || $(PYTHON) -m venv $(RETURNS_VENV)
	@$(RETURNS_VENV)/bin/python -m pip --disable-pip-version-check -q install --no-compile -r requirements/returns.txt
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
# The demo authority is smaller than the simulator's default (README.md has its counts and timings): every screen has
# plenty to show, and a first `make demo` takes under five minutes on two busy cores. A re-run keeps what is there.
DEMO_CHILDREN := 2000
JOINEDUP := JOINEDUP_ENV=development $(BIN)/joinedup
demo: setup
	@echo "==> Database (var/joinedup.sqlite3) with the demo's agencies, teams and users; beside it, the simulated"
	@echo "    authority (var/simulated, $(DEMO_CHILDREN) children over 3 years; kept if it is there)"
	@$(MAKE) --no-print-directory -j2 demo-database demo-simulated
	@echo "==> Ingesting the agencies' records (idempotent: a re-run stores nothing new)"
	@$(JOINEDUP) ingest --register-agencies --link-follows var/simulated
	@test ! -d var/simulated/statutory-returns || $(JOINEDUP) ingest --link-follows \
		var/simulated/statutory-returns  # early help assessments and adopters (docs/simulator.md)
	@echo "==> Linking mentions into people and households, then their casework and alerts (about 90 s the first time)"
	@$(JOINEDUP) link --if-needed
	@echo "==> The demo's casework: allocations, the front door's new contacts, the practice file"
	@$(JOINEDUP) demo --simulated var/simulated --no-sign-in-details
	@echo "==> Alerts: the time-based rules (overdue visits and reviews, children not seen), then escalation"
	@$(JOINEDUP) alerts run
	@echo
	@$(JOINEDUP) demo-users
	@echo
	@$(JOINEDUP) serve --host 127.0.0.1 --port 8000 --with-worker

.PHONY: demo-database demo-simulated
demo-database:
	@$(JOINEDUP) migrate --no-input -v 0
	@$(JOINEDUP) collectstatic --no-input -v 0
	@# The demo users and teams before linking, so that the alerts linking raises go to the demo teams at once.
	@$(JOINEDUP) demo --users-only
demo-simulated:
	@test -f var/simulated/agencies.json || $(JOINEDUP) simulate --out var/simulated --children $(DEMO_CHILDREN) \
		--start $$(date -u -d '3 years ago' +%Y-%m-01)  # its bar is the step's: migrating is silent

## test: ruff, import-linter, migrations check and the whole suite on a throwaway PostgreSQL, then SQLite.
test: setup
	@scripts/test.sh

lint: setup
	@$(BIN)/ruff check .
	@$(BIN)/lint-imports

clean:
	rm -rf $(VENV) node_modules $(STATIC_BUILD) var/staticfiles var/test
