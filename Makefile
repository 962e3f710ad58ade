# Caseline: `make run` starts the app on an embedded default; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 3000
BUN_VERSION := 1.4.4
AXE_VERSION := 4.14.1

export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := 0
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(PATH)

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.app
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

# Reflex builds its frontend with bun; a project-local copy needs no root and no global state.
.tools/node_modules/.bin/bun:
	npm install --prefix .tools --no-save --no-audit --no-fund --loglevel=error bun@$(BUN_VERSION)

# axe-core for the accessibility tests (tests/browser/test_accessibility.py). Its own prefix:
# an npm install without a package.json prunes what else is in the folder (bun).
.tools/axe/node_modules/axe-core/axe.min.js:
	npm install --prefix .tools/axe --no-save --no-audit --no-fund --loglevel=error axe-core@$(AXE_VERSION)

## run: install what the app needs, migrate data/caseline.db, load demo data once, serve :3000
run: $(VENV)/.app .tools/node_modules/.bin/bun
	$(BIN)/python -m caseapp setup --demo
	$(BIN)/reflex run --env prod --single-port --frontend-port $(PORT)

## test: install what the tests need (Python packages, Chromium) and run the whole suite
test: $(VENV)/.test .tools/node_modules/.bin/bun .tools/axe/node_modules/axe-core/axe.min.js
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }
	$(BIN)/ruff check .
	$(BIN)/bandit --quiet --recursive caseapp state components --severity-level high
	$(BIN)/pip-audit --vulnerability-service pypi --progress-spinner off --skip-editable \
		$(shell sed -n 's/^\([A-Za-z]*-[0-9A-Za-z-]*\).*/--ignore-vuln \1/p' tests/pip-audit-allow.txt)
	$(BIN)/python -m pytest -q

## bench: the budgets of DESIGN.md §6 at 200,000 cases (make bench DB=postgres for PostgreSQL).
## Generates the reference data on first use (data/bench/, or the caseline_bench database) and
## reuses it after; ends with one JSON line. Not part of make test. BENCH_ARGS passes options.
DB ?= sqlite
bench: $(VENV)/.test
	$(BIN)/python -m bench.run --db $(DB) $(BENCH_ARGS)

lint: $(VENV)/.test
	$(BIN)/ruff check .

clean:
	rm -rf .web .states $(VENV) .tools
