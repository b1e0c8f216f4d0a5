# The two commands: `make demo` and `make test`. Everything else is a step of them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
MANAGE := $(BIN)/python manage.py
PYTEST := $(BIN)/python -m pytest

# Where `make demo` serves (the newcomer test serves it on a free port).
DEMO_BIND ?= 127.0.0.1:8000

.PHONY: demo test install setup lint test-sqlite test-postgres test-browser \
	test-sqlite-then-browser test-newcomer messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

setup: install
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable
	$(MANAGE) collectstatic --noinput --verbosity 0

demo: setup
	$(MANAGE) demo
	$(MANAGE) serve --bind $(DEMO_BIND)

# The SQLite and PostgreSQL suites run side by side (each in its own var folder, so
# uploads and secrets never collide); the browser tests, then the newcomer tests (the
# README's own steps, from nothing a fresh clone lacks), follow the shorter SQLite suite
# while the PostgreSQL one is still running.
test: lint
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite-then-browser test-postgres

test-sqlite-then-browser: test-sqlite
	GROUNDSWELL_VAR_DIR=var/test-browser $(MAKE) --no-print-directory test-browser
	GROUNDSWELL_VAR_DIR=var/test-newcomer $(MAKE) --no-print-directory test-newcomer

lint: install
	$(BIN)/ruff check .
	$(BIN)/bandit -c pyproject.toml -r src -ll -q
	PYTHONPATH=src $(BIN)/lint-imports --no-cache
	GROUNDSWELL_ENV=test GROUNDSWELL_VAR_DIR=var/test $(MANAGE) makemigrations --check --dry-run
	GROUNDSWELL_ENV=test GROUNDSWELL_VAR_DIR=var/test $(BIN)/python scripts/check_messages.py

test-sqlite: install
	$(PYTEST) -m "not browser and not newcomer" -q

test-postgres: install
	GROUNDSWELL_VAR_DIR=var/test-pg scripts/with-postgres $(PYTEST) -m "not browser and not newcomer" -q

test-browser: install
	$(PYTEST) -m browser -q

# `make demo` and the README's production steps, run as written in temporary folders
# (the production ones on a throwaway PostgreSQL, as the README's step 1 asks).
test-newcomer: install
	scripts/with-postgres $(PYTEST) -m newcomer -q

# Refresh the Spanish catalog after changing strings, then translate and compile.
messages: install
	cd src/groundswell && ../../$(BIN)/python ../../manage.py makemessages -l es --no-location --ignore 'static/vendor/*'
	cd src/groundswell && ../../$(BIN)/python ../../manage.py compilemessages

clean:
	rm -rf $(VENV) staticfiles var/test var/test-pg var/test-browser var/test-newcomer
