# Fresh machine: `make run` (set up, ingest corpus/, open the app) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INDEX ?= data/index
STAMP := $(VENV)/.installed
# Stamps: `make ask` / `make run` redo the model set-up or the ingest only when what they
# read changed (requirements, the set-up script, the sample corpus, the ingest code).
# The index stamp lives inside the index folder, so deleting the index re-ingests.
STAMPS := data/.stamps
MODEL_STAMP := $(STAMPS)/model
INDEX_STAMP := $(INDEX)/.ingested-corpus
CORPUS_FILES := $(shell find corpus -type f 2>/dev/null)
# Everything ingest reads: its own code and the index layers below retrieval (text, encode, store) + basics.
INGEST_CODE := $(wildcard ingest/*.py index/*.py index/text/*.py index/encode/*.py index/store/*.py)

.PHONY: setup model browser index run ask test test-fast lint bench clean

setup: $(STAMP) $(MODEL_STAMP)  ## venv + pinned requirements + the offline default model (idempotent)

$(STAMP): requirements.txt requirements-dev.txt requirements-nodeps.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -r requirements-nodeps.txt
	touch $(STAMP)

model: $(MODEL_STAMP)

$(MODEL_STAMP): $(STAMP) ingest/model_setup.py ingest/onnx_export.py ingest/model_common.py index/encode/onnx_encoder.py index/encode/script_tokenizer.py
	$(PY) -m ingest.model_setup
	@mkdir -p $(STAMPS) && touch $@


browser:  ## headless Chromium from Debian's packages, for the end-to-end test
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null)

index: $(INDEX_STAMP)

$(INDEX_STAMP): $(STAMP) $(MODEL_STAMP) $(CORPUS_FILES) $(INGEST_CODE)
	$(PY) -m ingest corpus --index $(INDEX)
	@touch $@

run: index
	$(VENV)/bin/streamlit run app.py --server.address 127.0.0.1 -- --index $(INDEX)

ask: index  ## make ask Q="张家界市委宣传部整改工作领导小组的组长是谁?"
	$(PY) -m index ask "$(Q)" --index $(INDEX)

test: setup browser  ## the full suite: real model, real FAISS, real page and browser
	$(PY) -m pytest -q

test-fast: $(STAMP)  ## the pure modules only (no model, no browser): under a minute
	NOTICE_FAST_TIER=1 $(PY) -m pytest -q -m "not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: setup
	$(PY) benchmarks/bench_search.py

clean:
	rm -rf data tests/artifacts .pytest_cache
