"""The core install (`pip install redline`, no extras: what the Action installs by default) runs every user
command: the review and report paths never reach the torch wall (scoring.probe), and the probe's own command
says in one line which extra it needs. A fresh venv, so nothing of the test environment leaks in."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIPPED = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis")
TOP_SKIPPED = {"build", "data", "docs", "benchmarks"}  # at the top only: training/data is a package


def _skip(directory: str, names: list[str]) -> set[str]:
    top = TOP_SKIPPED if Path(directory) == ROOT else set()
    return set(SKIPPED(directory, names)) | (top & set(names))


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def _repository(path: Path) -> Path:
    """A checkout with one AI-authored commit (an aider author) on its default branch."""
    path.mkdir()
    _git(path, "init", "-q", "-b", "main")
    (path / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    _git(path, "add", ".")
    _git(path, "-c", "user.name=Dev", "-c", "user.email=dev@example.com", "commit", "-q", "-m", "base")
    (path / "calc.py").write_text("def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n")
    _git(
        path,
        "-c",
        "user.name=Dev (aider)",
        "-c",
        "user.email=dev@example.com",
        "commit",
        "-q",
        "-am",
        "feat: sub",
    )
    return path


@pytest.mark.slow
def test_every_user_command_runs_on_the_core_install(tmp_path: Path) -> None:
    source = tmp_path / "redline"
    shutil.copytree(ROOT, source, ignore=_skip)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(source)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    freeze = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "freeze"], capture_output=True, text=True
    )
    assert not {"torch", "transformers", "safetensors"} & {
        line.split("==")[0].lower() for line in freeze.stdout.splitlines()
    }
    repo = _repository(tmp_path / "checkout")
    code = tmp_path / "code.py"
    code.write_text("x = 1\n")
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "REDLINE_CACHE_DIR": str(tmp_path / "cache"),
        "TMPDIR": str(tmp_path),
    }
    for name in [n for n in env if n.startswith(("REDLINE_", "GITHUB_"))]:
        if name != "REDLINE_CACHE_DIR":
            del env[name]
    redline = str(venv / "bin" / "redline")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [redline, *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300
        )
        said = done.stdout + done.stderr
        assert "Traceback" not in said and "internal error" not in said, (args, said)
        return done

    assert run("review", "--example", "--no-fail-on-gate").returncode == 0
    assert run("report", "--help").returncode == 0
    report = run("report", "--repo", str(repo), "--no-post")
    assert report.returncode == 0, report.stdout + report.stderr
    assert run("prior", str(repo)).returncode == 0
    for command in ("serve", "worker"):
        assert run(command, "--help").returncode == 0
    score = run("score", str(code))
    assert score.returncode != 0
    [line] = [ln for ln in score.stderr.splitlines() if ln.strip()]
    assert "redline[probe]" in line, score.stderr
