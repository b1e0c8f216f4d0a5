# The two commands: `make demo` and `make test`. Everything else is a step of them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
MANAGE := $(BIN)/python manage.py
PYTEST := $(BIN)/python -m pytest

.PHONY: demo test install setup lint test-sqlite test-postgres test-browser \
	test-sqlite-then-browser messages clean

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
	$(MANAGE) serve --bind 127.0.0.1:8000

# The SQLite and PostgreSQL suites run side by side (each in its own var folder, so
# uploads and secrets never collide); the browser tests follow the shorter SQLite suite
# while the PostgreSQL one is still running.
test: lint
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite-then-browser test-postgres

test-sqlite-then-browser: test-sqlite
	GROUNDSWELL_VAR_DIR=var/test-browser $(MAKE) --no-print-directory test-browser

lint: install
	$(BIN)/ruff check .
	GROUNDSWELL_ENV=test GROUNDSWELL_VAR_DIR=var/test $(MANAGE) makemigrations --check --dry-run
	GROUNDSWELL_ENV=test GROUNDSWELL_VAR_DIR=var/test $(BIN)/python scripts/check_messages.py

test-sqlite: install
	$(PYTEST) -m "not browser" -q

test-postgres: install
	GROUNDSWELL_VAR_DIR=var/test-pg scripts/with-postgres $(PYTEST) -m "not browser" -q

test-browser: install
	$(PYTEST) -m browser -q

# Refresh the Spanish catalog after changing strings, then translate and compile.
messages: install
	cd src/groundswell && ../../$(BIN)/python ../../manage.py makemessages -l es --no-location --ignore 'static/vendor/*'
	cd src/groundswell && ../../$(BIN)/python ../../manage.py compilemessages

clean:
	rm -rf $(VENV) staticfiles var/test var/test-pg var/test-browser
