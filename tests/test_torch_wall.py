"""The torch wall: only scoring.probe (the supervisor probe) and the code that trains or compares it import
torch or transformers. Every other module of bot, scoring and training.wild imports without them, so the
core install (no `probe` extra) runs every review, report and PR-model training command."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import bot
import scoring
import training.wild

HEAVY = ("torch", "transformers", "safetensors")
# Behind the wall: the probe's package, and the comparison of the PR model with the supervisor.
WALLED = ("scoring.probe", "training.probe.wild_supervisor")


def modules() -> list[str]:
    found = []
    for package in (bot, scoring, training.wild):
        found.append(package.__name__)
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            walled = any(info.name == w or info.name.startswith(w + ".") for w in WALLED)
            if not walled and not info.name.endswith(".__main__"):  # __main__ runs the CLI
                found.append(info.name)
    return sorted(found)


CHECK = """
import importlib, json, sys
heavy, offender = {heavy!r}, {{}}
for name in {names!r}:
    importlib.import_module(name)
    loaded = [h for h in heavy if h in sys.modules]
    if loaded:  # the first module whose imports reach past the wall (torch cannot be unloaded to go on)
        offender = {{name: loaded}}
        break
print(json.dumps(offender))
"""


def test_no_module_outside_the_wall_imports_torch_or_transformers() -> None:
    names = modules()
    assert "bot.cli" in names and "scoring.registry" in names and "training.wild.pr_train" in names
    assert not [n for n in names if n.startswith("scoring.probe")]
    result = subprocess.run(
        [sys.executable, "-c", CHECK.format(heavy=HEAVY, names=names)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {}


SERVE = """
import json, sys
import uvicorn
uvicorn.run = lambda app, **options: None  # everything `redline serve` does before it listens
from click.testing import CliRunner
from bot.cli import cli
result = CliRunner().invoke(cli, ["serve"], catch_exceptions=False)
print(json.dumps({{"exit": result.exit_code, "loaded": [h for h in {heavy!r} if h in sys.modules]}}))
"""


def test_redline_serve_starts_without_importing_torch(tmp_path) -> None:
    """The web process never scores (issue 24, item 12: it used to import torch, 324 MB): building the app as
    `redline serve` does, store and broker client included, loads none of the probe's stack."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "REDLINE_WEBHOOK_SECRET": "s",
        "REDLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'redline.db'}",
        "REDLINE_REDIS_URL": "redis://127.0.0.1:1/0",
    }
    result = subprocess.run(
        [sys.executable, "-c", SERVE.format(heavy=HEAVY)], capture_output=True, text=True, env=env, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"exit": 0, "loaded": []}
