# Two commands for a fresh clone: `make run` and `make test` (Python 3.11+ is all they need).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
# Printed links and QR codes point at the local server unless told otherwise.
export HALAL_TRACE_PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test lint check docs bench reliability clean

# The service's own dependencies; the test tools (a headless-browser driver among them) only for tests.
$(VENV)/.runtime: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "halal-trace needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

## run: create the environment, migrate the SQLite database under instance/, load the demo data once, serve
run: $(VENV)/.runtime
	$(BIN)/halal-trace db upgrade
	$(BIN)/halal-trace demo
	HALAL_TRACE_LOG_FORMAT=$${HALAL_TRACE_LOG_FORMAT:-text} $(BIN)/halal-trace serve --port $(PORT)

## test: the whole suite (SQLite; set HALAL_TRACE_TEST_DATABASE_URL to run it on PostgreSQL)
test: $(VENV)/.dev
	$(BIN)/pytest

## lint: ruff (rules and formatting), mypy (strict on the pure code) and the import-layer contracts
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

check: lint test

## docs: the documentation site under build/site (strict: a broken link or anchor fails the build)
docs: $(VENV)/.dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

bench: $(VENV)/.dev
	$(BIN)/python bench/capture.py
	$(BIN)/python bench/assess.py
	$(BIN)/python bench/trace.py
	$(BIN)/python bench/verify.py
	$(BIN)/python bench/registry.py
	$(BIN)/python bench/register.py
	$(BIN)/python bench/draw.py
	$(BIN)/python bench/backup.py
	$(BIN)/python bench/journal.py

## reliability: schemathesis against the API as every role, then 60 s of load on the public endpoints
reliability: $(VENV)/.dev
	$(BIN)/python tools/fuzz_api.py --quick
	$(BIN)/python bench/load.py --seconds 60

clean:
	rm -rf $(VENV) build *.egg-info
