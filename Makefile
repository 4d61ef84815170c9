# Two commands for a newcomer: `make run` and `make test`. Everything else is a helper target.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOTLINE_PORT ?= 8000
export HOTLINE_PORT

.PHONY: run test test-sqlite test-pg services install migrate demo serve lint bench clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/hotline migrate --noinput

demo: migrate
	$(BIN)/hotline demo

## make run — create the environment, install, migrate, load the demo centre, serve it on 127.0.0.1:$(HOTLINE_PORT)
run: demo
	$(BIN)/hotline serve

## Debian's Chromium and a Chinese font for the end-to-end tests (installed with apt-get when missing)
browser:
	@{ [ -x /usr/bin/chromium ] && [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-wqy-microhei; }

## make test — the whole test suite: lint, the suite on the embedded SQLite profile, then again on PostgreSQL + Redis
test: test-sqlite test-pg

test-sqlite: install browser
	$(BIN)/ruff check hotline tests
	$(BIN)/python -m hotline.ops.audit  # pip-audit of requirements.lock (docs/security.md)
	$(BIN)/python -m pytest -q

## The production parts: PostgreSQL and Redis (apt-get installed when missing) started on loopback in a scratch
## directory, stopped at the end whatever happens. Tasks run inline, except in the tests that start a real Celery
## worker (hotline/tasks/tests/test_worker.py). The browser journeys (tests/e2e) ran in test-sqlite only.
## The PostgreSQL pass runs the whole suite but the browser journeys (which exercise the UI, not the database);
## e.g. `make test-pg TEST_PG_ARGS="hotline/tickets tests/load"` runs a part of it (see docs/deploy.md).
TEST_PG_ARGS ?= --ignore=tests/e2e
test-pg: install services
	@set -e; trap 'deploy/test-services.sh stop' EXIT; \
	deploy/test-services.sh start; \
	export $$(deploy/test-services.sh env) HOTLINE_CELERY_EAGER=1; \
	$(BIN)/python -m pytest -q $(TEST_PG_ARGS)

services:
	@deploy/test-services.sh install

lint: install
	$(BIN)/ruff check hotline tests

bench: install
	$(BIN)/hotline bench all

clean:
	rm -rf $(VENV) var staticfiles
