# Tandem: `make run` serves the app on the embedded default; `make test` runs every check CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
MANAGE := $(BIN)/python manage.py
PYTEST_ARGS ?=

.PHONY: help install assets run test checks lint format system-deps bench audit lock clean

help:
	@echo "make run     install, build assets, migrate, create demo data, serve on http://127.0.0.1:8000"
	@echo "make test    install what is missing, start throwaway PostgreSQL + Redis, run every check"
	@echo "make lint    ruff check + ruff format --check"
	@echo "make format  ruff format + ruff check --fix"
	@echo "make bench   seed 100k tasks, load-test with wrk, write bench-results/*.json"
	@echo "make audit   known vulnerabilities in the locked Python and npm dependencies"
	@echo "make lock    re-resolve the Python dependencies into constraints.txt"

# --- installation (each step is skipped when already done) --------------------------------------
$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

# `npm ci` installs exactly what package-lock.json says and never rewrites it. The lock lists
# every platform's optional build of Tailwind's engine (as `npm install` writes it); npm fetches
# only this machine's. After changing package.json, run `npm install` and commit the whole lock.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

# The CSS build scans crispy-tailwind's templates inside the virtualenv, so it needs it installed.
assets: install
	npm run --silent build

system-deps:
	scripts/system-deps.sh

# --- run ----------------------------------------------------------------------------------------
run: assets
	$(MANAGE) migrate --noinput
	$(MANAGE) demo
	DJANGO_SETTINGS_MODULE=project.settings.development \
	  $(BIN)/uvicorn project.asgi:application --host 127.0.0.1 --port 8000 --reload --lifespan off

# --- checks -------------------------------------------------------------------------------------
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The last step fails when the run left files changed in the working tree (see the script).
test:
	scripts/check-clean-tree.sh start
	$(MAKE) --no-print-directory system-deps assets
	scripts/with-services.sh $(MAKE) --no-print-directory checks
	scripts/check-clean-tree.sh check

# Runs inside scripts/with-services.sh (DATABASE_URL and REDIS_URL point at throwaway servers).
checks:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=project.settings.test $(MANAGE) makemigrations --check --dry-run
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest $(PYTEST_ARGS)
	$(BIN)/coverage report

# Load test against throwaway PostgreSQL + Redis: the last line printed is the JSON report.
bench: assets
	scripts/system-deps.sh wrk
	scripts/with-services.sh $(BIN)/python scripts/bench.py

# Exit 1: a known vulnerability; 2: an advisory service could not be reached (not a pass).
audit: install
	$(BIN)/python scripts/audit.py

lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	{ echo "# Every Python package at the exact version CI and the image install (pip install -c)."; \
	  echo "# Regenerate with: make lock"; \
	  .lock-venv/bin/pip freeze --exclude-editable | grep -v '^tandem'; } > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) node_modules static/build static/vendor staticfiles .coverage htmlcov .pytest_cache .ruff_cache
