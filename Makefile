# Two commands on a fresh machine: `make serve` and `make test`.
SHELL := /bin/bash
VENV := .venv
# uv from PATH, else bootstrapped with pip into .uv/ (kept apart from .venv, which uv manages).
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := .uv/bin/uv
endif
export LITELLM_LOCAL_MODEL_COST_MAP := True
export HF_HUB_OFFLINE := 1
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=

.PHONY: serve test fuzz bench lint eval clean

$(UV):
	python3 -m venv .uv && .uv/bin/pip install -q uv

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen
	@touch $@

serve: $(VENV)/.synced ## start the proxy on 127.0.0.1:8080 with config.toml
	$(VENV)/bin/specguard serve --config $${SPECGUARD_CONFIG:-config.toml}

test: $(VENV)/.synced ## run the whole suite (installs Prometheus for the metrics tests if it can)
	@bash deploy/install-prometheus.sh
	$(VENV)/bin/python -m pytest -q

fuzz: $(VENV)/.synced ## the property tests on fresh random examples (make test repeats the same ones)
	SPECGUARD_HYPOTHESIS=fuzz $(VENV)/bin/python -m pytest -q $$(grep -l "@given" tests/test_*.py)

bench: $(VENV)/.synced ## latency and CPU added by the proxy, on loopback
	$(VENV)/bin/python -m tests.bench
	$(VENV)/bin/python -m tests.bench_screening
	$(VENV)/bin/python -m tests.bench_stream
	$(VENV)/bin/python -m tests.bench_leak
	$(VENV)/bin/python -m tests.bench_tokens

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check proxy rules detectors tests
	$(VENV)/bin/ruff format --check proxy rules detectors tests
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) .uv .pytest_cache .mypy_cache .ruff_cache
