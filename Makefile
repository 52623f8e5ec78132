# Two commands for a newcomer: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
# Python 3.12: pyenv's shim (reads .python-version), python3.12, or a python3 that is 3.12.
PYTHON ?= $(shell for p in python3.12 python3 python; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then echo $$p; break; fi; done)

.PHONY: install run test lint format bench browsers clean

$(VENV)/.installed: pyproject.toml uv.lock
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.12 is required (python3.12 not found)." >&2; exit 1; fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) sync --frozen --inexact --python $(PY)
	@touch $@

install: $(VENV)/.installed ## create .venv and install everything into it

run: install ## start the emulator (:8765) and the portal (:8000) with demo data; Ctrl-C stops both
	$(PY) -m portal.devserver

browsers: ## Debian's chromium for the browser tests (apt, only when missing)
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
		elif command -v sudo >/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; \
		else echo "chromium missing and no root: browser tests will be skipped" >&2; fi; fi

test: install browsers ## lint, then the whole suite (SQLite; again on PostgreSQL when one answers)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest
	@if PG_URL=$$($(PY) scripts/pg_available.py); then \
		echo "PostgreSQL answers ($$PG_URL): running the database tests on it"; \
		DATABASE_URL=$$PG_URL $(PY) -m pytest -m "not browser" -p no:cacheprovider -q; \
	fi

bench: install ## speed and memory: time to first byte, the portal's own time per page, throughput, upstream connections, SSE fan-out (BENCH_ARGS="--profile": where the time goes)
	$(PY) scripts/bench.py $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
