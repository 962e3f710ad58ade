# Caseline: `make run` starts the app on an embedded default; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 3000
BUN_VERSION := 1.4.4

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

## run: install what the app needs, migrate data/caseline.db, load demo data once, serve :3000
run: $(VENV)/.app .tools/node_modules/.bin/bun
	$(BIN)/python -m caseapp setup --demo
	$(BIN)/reflex run --env prod --single-port --frontend-port $(PORT)

## test: install what the tests need (Python packages, Chromium) and run the whole suite
test: $(VENV)/.test .tools/node_modules/.bin/bun
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(VENV)/.test
	$(BIN)/ruff check .

clean:
	rm -rf .web .states $(VENV) .tools
