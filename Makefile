# Margint: `make demo` runs it with demo data, `make test` runs the tests.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STRIPE_PORT ?= 12111

.PHONY: demo test install install-dev lint serve migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# What production runs (the Procfile's processes need nothing more).
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# Production's set plus the test and tool packages.
$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --noinput

# The demo organization, the web server on HOST:PORT and the Stripe double on HOST:STRIPE_PORT.
demo: migrate
	$(BIN)/python manage.py demo --host $(HOST) --port $(PORT) --stripe-port $(STRIPE_PORT)

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) margint.sqlite3 staticfiles
