# pyfritz: `make demo` runs the demo, `make test` runs every test.
# Both install what they need first (`make setup`); re-runs skip what is done.

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: setup demo test lint typecheck unit e2e engines site dist bench clean browser servers engine-browsers

RUNTIME_MANIFEST := runtime/src/pyfritz_runtime/files/manifest.json

setup: $(VENV)/.installed browser servers engine-browsers

# The runtime wheel (pyfritz-web-runtime) is not on PyPI: naming its folder on
# the same pip command line makes pip take it from here, never from an index.
$(VENV)/.installed: pyproject.toml runtime/pyproject.toml $(RUNTIME_MANIFEST)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "pyfritz needs Python >= 3.11")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ./runtime -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Node.js is needed here only: the runtime files become package data. The
# snapshot holds pyfritz's browser modules imported: an edit makes a new one.
$(RUNTIME_MANIFEST): node_modules/.installed tools/vendor.py $(wildcard runtime/snapshot/*.mjs runtime/snapshot/*.py) \
		$(wildcard src/pyfritz/*.py) src/pyfritz/dev/bundle.py
	$(PYTHON) tools/vendor.py
	touch $@

browser: $(VENV)/.installed
	@$(PY) tools/ensure_browser.py

servers: $(VENV)/.installed
	@$(PY) tools/ensure_servers.py

# Firefox and WebKit for tests/engines (apt-get when root; a clear error otherwise).
engine-browsers: $(VENV)/.installed
	@$(PY) tools/ensure_engines.py

# The demo is a project like any `pyfritz new` makes, served by the same command.
demo: setup
	$(VENV)/bin/pyfritz dev . --host $(HOST) --port $(PORT) --db demo.sqlite3 \
		--resources demo.model:resources

test: setup lint typecheck unit e2e engines

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy src app runtime/src

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit -q $(PYTEST_ARGS)

e2e: setup
	$(PY) -m pytest tests/e2e -q $(PYTEST_ARGS)

# The scenarios of tests/engines in Chromium, Firefox and WebKit, one engine at a time.
engines: setup
	$(PY) -m pytest tests/engines -q $(PYTEST_ARGS)

site: setup
	$(VENV)/bin/pyfritz build . --out site

# The two wheels: pyfritz-web (framework, server, CLI) and pyfritz-web-runtime.
dist: $(VENV)/.installed
	rm -rf dist
	$(PY) -m pip wheel --quiet --no-deps --wheel-dir dist . ./runtime
	@ls -l dist

bench: setup
	$(PY) -m bench

clean:
	rm -rf site dist runtime/src/pyfritz_runtime/files node_modules $(VENV) .mypy_cache .pytest_cache .ruff_cache
