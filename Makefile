# Fresh machine: `make run` (set up, ingest corpus/, open the app) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INDEX ?= data/index
STAMP := $(VENV)/.installed

.PHONY: setup model browser index run ask test lint bench clean

setup: $(STAMP) model  ## venv + pinned requirements + the offline default model (idempotent)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

model: $(STAMP)
	$(PY) -m ingest.model_setup

browser:  ## headless Chromium from Debian's packages, for the end-to-end test
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null)

index: setup
	$(PY) -m ingest corpus --index $(INDEX)

run: index
	$(VENV)/bin/streamlit run app.py --server.address 127.0.0.1 -- --index $(INDEX)

ask: index  ## make ask Q="张家界市委宣传部整改工作领导小组的组长是谁?"
	$(PY) -m index ask "$(Q)" --index $(INDEX)

test: setup browser
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: setup
	$(PY) benchmarks/bench_search.py

clean:
	rm -rf data tests/artifacts .pytest_cache
