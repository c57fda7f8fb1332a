# Two commands for a fresh machine: `make run` serves the demo help center, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
# The demo's admin, made by `make run` when there is no account yet: for this local demo only.
DEMO_ADMIN ?= admin@example.com
DEMO_PASSWORD ?= driftbox-help-center-2026
BIN := $(VENV)/bin

export HF_HUB_OFFLINE := 1
export KB_SITE_NAME ?= Driftbox Help Center

.PHONY: install run test test-browser test-chroma-server test-postgres test-redis test-two-nodes \
	test-api-contract lint bench clean

install: $(VENV)/.installed

# torch first and pinned: a bare `torch` requirement would pull a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: install
	$(BIN)/kb index
	@printf '%s\n' '$(DEMO_PASSWORD)' | $(BIN)/kb users create-admin $(DEMO_ADMIN) \
		--name "Demo admin" --password-stdin --if-none
	$(BIN)/gunicorn --preload --workers $(WORKERS) --bind $(HOST):$(PORT) \
		--access-logfile - --config gunicorn.conf.py 'web:create_app()'

test: install
	$(BIN)/pytest

# Only the browser tests (tests/browser/), with Debian's Chromium installed first if missing.
test-browser: install
	.ci/install-chromium
	$(BIN)/pytest -m browser

# The search and index tests again, against a real `chroma run` server on loopback.
test-chroma-server: install
	.ci/chroma-server-tests

# The storage tests again, against a real PostgreSQL server on loopback (installed if missing).
test-postgres: install
	.ci/postgres-tests

# The rate-limit tests again, with a real Redis server on loopback shared by two apps (installed if missing).
test-redis: install
	.ci/redis-tests

# Two gunicorn nodes, one `kb watch`, and real chroma, PostgreSQL and Redis servers on loopback:
# the compose.yaml topology without Docker (tests/test_two_nodes.py).
test-two-nodes: install
	.ci/two-node-tests

# Schemathesis over every /api/v1 operation of a live gunicorn, with an agent, writer and admin key.
test-api-contract: install
	KB_TEST_CONTRACT=1 $(BIN)/pytest tests/test_api_contract.py

bench: install
	$(BIN)/python -m bench
	$(BIN)/python -m bench.http | tee -a bench/RESULTS.md

# ruff, mypy over kb/, indexer/, web/ and cli/ (configured in pyproject.toml), and hadolint on
# the Dockerfile: any finding fails, down to "info"; none is ignored.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/hadolint --failure-threshold info Dockerfile

clean:
	rm -rf $(VENV) instance
