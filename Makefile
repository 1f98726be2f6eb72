# pyfritz: `make demo` runs the demo, `make test` runs every test.
# Both install what they need first (`make setup`); re-runs skip what is done.

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: setup demo test lint typecheck unit e2e site bench clean browser servers

setup: $(VENV)/.installed node_modules/.installed static/vendor/versions.json browser servers

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "pyfritz needs Python >= 3.11")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

static/vendor/versions.json: node_modules/.installed tools/vendor.py
	$(PY) tools/vendor.py

browser: $(VENV)/.installed
	@$(PY) tools/ensure_browser.py

servers: $(VENV)/.installed
	@$(PY) tools/ensure_servers.py

demo: setup
	$(PY) -m pyfritz.dev --host $(HOST) --port $(PORT)

test: setup lint typecheck unit e2e

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy src app

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit -q $(PYTEST_ARGS)

e2e: setup
	$(PY) -m pytest tests/e2e -q $(PYTEST_ARGS)

site: setup
	$(PY) -m pyfritz.dev.site --out site

bench: setup
	$(PY) -m bench

clean:
	rm -rf site static/vendor node_modules $(VENV) .mypy_cache .pytest_cache .ruff_cache
