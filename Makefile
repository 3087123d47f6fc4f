# Two commands: `make run` starts the line, `make test` passes the suite. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
# A local-only auth token shared by the server and the terminal phone, so signatures are checked as in production.
LOCAL_TOKEN ?= local-dev-token

.PHONY: setup run phone test lint

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: setup
	@echo "The line answers on http://127.0.0.1:$(PORT)/voice — call it from another terminal with: make phone"
	TWILIO_AUTH_TOKEN=$(LOCAL_TOKEN) $(BIN)/gunicorn --config python:ivr.gunicorn_conf \
		--bind 127.0.0.1:$(PORT) 'ivr:create_app()'

phone: setup
	TWILIO_AUTH_TOKEN=$(LOCAL_TOKEN) $(BIN)/ivr-phone --url http://127.0.0.1:$(PORT)/voice

lint: setup
	$(BIN)/ruff check ivr scripts tests
	$(BIN)/mypy

test: setup lint
	$(BIN)/pytest

.PHONY: content-status recording-sheet
# Per language: prompts, reviewed, stale translations, audio and engine, SMS segments, callable or not.
content-status: setup
	$(BIN)/python scripts/content_status.py

# A printable page of every prompt to record for one language: make recording-sheet LANG=ti
recording-sheet: setup
	LANG=C.UTF-8 $(BIN)/python scripts/recording_sheet.py $(LANG)
