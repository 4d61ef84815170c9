# Two commands for a newcomer: `make run` and `make test`. Everything else is a helper target.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOTLINE_PORT ?= 8000
export HOTLINE_PORT

.PHONY: run test install migrate demo serve lint bench clean browser

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

## make test — the whole test suite
test: install browser
	$(BIN)/ruff check hotline tests
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check hotline tests

bench: install
	$(BIN)/hotline bench all

clean:
	rm -rf $(VENV) var staticfiles
