"""The GitHub Action: its step outputs (through the real CLI against the fake GitHub), its cache key,
and action.yml's wiring (every input it reads is declared, every output comes from a step that exists)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.cli import cli
from tests.fakes import FakePull, FakeResponse

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    from scoring.probe.testing import save_tiny_install

    model, probe = save_tiny_install(tmp_path_factory.mktemp("installed"))
    return ["--model", str(model), "--probe", str(probe)]


def _pull(fake) -> None:
    fake.add_pull(
        FakePull(
            "acme/app",
            7,
            author="copilot-swe-agent[bot]",
            files=[
                {
                    "filename": "a.py",
                    "status": "added",
                    "patch": "@@ -0,0 +1,2 @@\n+total = 1  # bug\n+x = 2\n",
                }
            ],
            commits=[{"sha": "h" * 40, "message": "m"}],
        ),
        contents={"a.py": "total = 1  # bug\nx = 2\n"},
    )


def _run(fake, tmp_path, args, **env) -> dict[str, str]:
    outputs = tmp_path / "github_output"
    outputs.write_text("")
    env = {
        "GITHUB_API_URL": fake.base_url,
        "GITHUB_TOKEN": "t",
        "GITHUB_REPOSITORY": "acme/app",
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_EVENT_PATH": "",
        **env,
    }
    result = CliRunner().invoke(cli, ["review", "--github", "--pr", "7", *args], env=env)
    assert result.exit_code in (0, 1), result.output
    return dict(line.split("=", 1) for line in outputs.read_text().splitlines())


def test_outputs_of_a_review_whose_gate_fails(fake_github, tmp_path, installed):
    _pull(fake_github)
    sarif = tmp_path / "redline.sarif"
    outputs = _run(
        fake_github,
        tmp_path,
        [*installed, "--sarif", str(sarif), "--no-fail-on-gate"],
        REDLINE_GATE_THRESHOLD="0.0",
        REDLINE_COMMENT_THRESHOLD="0.0",
    )
    assert outputs["gate"] == "failure"
    posted = [c for review in fake_github.calls("POST", "/reviews$") for c in review.body.get("comments", [])]
    assert int(outputs["comments"]) == len(posted) == 2 and outputs["sarif"] == str(sarif)
    assert len(json.loads(sarif.read_text())["runs"][0]["results"]) == 2


def test_outputs_when_redline_cannot_finish_are_a_neutral_gate(fake_github, tmp_path):
    _pull(fake_github)
    outputs = _run(fake_github, tmp_path, ["--probe", "/nonexistent/probe"])
    assert outputs == {"gate": "neutral", "comments": "0", "sarif": ""}


def test_action_reads_only_declared_inputs_and_outputs_come_from_its_steps():
    text = (ROOT / "action.yml").read_text()
    used = set(re.findall(r"inputs\.([a-z-]+)", text))
    assert used == set(ACTION["inputs"]), "inputs used but not declared, or declared but never used"
    steps = {step.get("id"): step for step in ACTION["runs"]["steps"]}
    for name, output in ACTION["outputs"].items():
        step_id = re.fullmatch(r"\$\{\{ steps\.([a-z]+)\.outputs\.[a-z]+ \}\}", output["value"]).group(1)
        assert step_id in steps, f"output {name} reads step {step_id}, which does not exist"
    restores = {
        s["with"]["path"]: s["with"]
        for s in ACTION["runs"]["steps"]
        if s.get("uses", "").startswith("actions/cache/restore")
    }
    saves = [s["with"] for s in ACTION["runs"]["steps"] if s.get("uses", "").startswith("actions/cache/save")]
    # the install, the probe's window outputs per pull request, the repository's learnt model
    assert len(saves) == len(restores) == 3
    for save in saves:
        restore = restores[save["path"]]
        assert save["key"] == restore["key"] or save["key"].startswith(restore["restore-keys"]), (
            "a cache is saved under a key its restore cannot find"
        )
    windows = restores["${{ runner.temp }}/redline-windows"]
    assert windows["key"].startswith(windows["restore-keys"]), (
        "a new run must find the previous run's windows"
    )
    review_env = steps["review"]["env"]
    assert review_env["REDLINE_HIDDEN_CACHE_DIR"] == "${{ runner.temp }}/redline-windows"
    assert steps["python"]["with"]["update-environment"] is False, "the job's own Python must be left alone"
    for step in ACTION["runs"]["steps"]:
        for script in re.findall(r"\$GITHUB_ACTION_PATH/(\S+?)\"", step.get("run", "")):
            assert (ROOT / script).is_file()


def _key(action: Path, **env: str) -> str:
    done = subprocess.run(
        ["bash", str(action / "scripts" / "action_install.sh"), "key"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(action), **env},
    )
    return dict(line.split("=", 1) for line in done.stdout.splitlines())["key"]


def test_cache_key_changes_with_redline_version_and_code_only(tmp_path):
    action = tmp_path / "action"
    shutil.copytree(
        ROOT,
        action,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "__pycache__", "*.egg-info", "tests", "docs", ".hypothesis"
        ),
    )
    first = _key(action)
    assert first.startswith("redline-") and _key(action) == first
    (action / "README.md").write_text("changed\n")  # not installed: same environment
    assert _key(action) == first
    review = action / "bot" / "review.py"
    review.write_text(review.read_text() + "\n# changed\n")
    second = _key(action)
    assert second != first
    pyproject = action / "pyproject.toml"
    pyproject.write_text(re.sub(r'(?m)^version = ".*"$', 'version = "99.0.0"', pyproject.read_text()))
    assert "redline-99.0.0-" in _key(action)


def test_cache_key_changes_with_what_decides_the_probe_install(tmp_path):
    """The default install is the core; a repository whose config or inputs ask for the supervisor probe
    gets torch too, so a cached core venv must not be restored for it."""
    action, workspace = tmp_path / "action", tmp_path / "workspace"
    shutil.copytree(
        ROOT,
        action,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "__pycache__", "*.egg-info", "tests", "docs", ".hypothesis"
        ),
    )
    (workspace / ".github").mkdir(parents=True)
    core = _key(action, GITHUB_WORKSPACE=str(workspace))
    (workspace / ".github" / "redline.yml").write_text("model:\n  pr_model: probe\n")
    with_probe = _key(action, GITHUB_WORKSPACE=str(workspace))
    assert with_probe != core
    (workspace / ".github" / "redline.yml").unlink()
    assert _key(action, GITHUB_WORKSPACE=str(workspace)) == core
    assert _key(action, GITHUB_WORKSPACE=str(workspace), REDLINE_PROBE="my/probe") != core


WORKFLOWS = sorted((ROOT / "examples" / "workflows").rglob("*.yml")) + sorted(
    (ROOT / ".github" / "workflows").glob("*.yml")
)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_pin_the_action_by_sha_and_pass_only_its_inputs(path):
    workflow = yaml.safe_load(path.read_text())
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            uses = step.get("uses", "")
            if uses == "./" or uses.startswith("redline-review/redline"):
                assert uses == "./" or re.fullmatch(r"redline-review/redline@[0-9a-f]{40}", uses), uses
                assert set(step.get("with", {})) <= set(ACTION["inputs"]), step["with"]
                outputs = set(re.findall(rf"steps\.{step.get('id')}\.outputs\.([a-z-]+)", path.read_text()))
                assert outputs <= set(ACTION["outputs"]), outputs


def test_docs_pin_the_action_by_commit_sha():
    text = (ROOT / "docs" / "action.md").read_text()
    pins = re.findall(r"uses: redline-review/redline@(\S+)", text)
    assert pins and all(re.fullmatch(r"[0-9a-f]{40}", pin) for pin in pins), pins


def test_invalid_repository_config_is_a_neutral_check_run_naming_the_key(fake_github, tmp_path):
    _pull(fake_github)
    fake_github.contents[("acme/app", ".github/redline.yml", "main")] = b"thresholds:\n  comment: 2\n"
    outputs = tmp_path / "github_output"
    env = {
        "GITHUB_API_URL": fake_github.base_url,
        "GITHUB_TOKEN": "t",
        "GITHUB_REPOSITORY": "acme/app",
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_EVENT_PATH": "",
    }
    result = CliRunner().invoke(cli, ["review", "--github", "--pr", "7"], env=env)
    assert result.exit_code != 1, result.output  # never a failing gate for redline's own problem
    assert "thresholds.comment" in result.output
    [run] = fake_github.check_runs
    assert run["conclusion"] == "neutral" and run["head_sha"] == "h" * 40
    assert run["output"]["title"] == "redline did not review: invalid .github/redline.yml"
    assert "thresholds.comment: Input should be less than or equal to 1" in run["output"]["summary"]
    assert "gate=neutral" in outputs.read_text()
    assert fake_github.calls("POST", "/reviews$") == []


def test_docs_pin_the_commit_of_the_release_tag_they_name():
    text = (ROOT / "docs" / "action.md").read_text()
    pins = set(re.findall(r"uses: redline-review/redline@([0-9a-f]{40})  # (v[0-9.]+)", text))
    assert len(pins) == 1, pins
    [(sha, tag)] = pins
    found = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{tag}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        pytest.skip(f"no tag {tag} in this clone")
    assert found.stdout.strip() == sha


def _venv_of_this_python(home: Path) -> None:
    """REDLINE_HOME/venv as the install would leave it, made of the test's own venv (redline installed)."""
    venv = home / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text((Path(sys.prefix) / "pyvenv.cfg").read_text())
    (venv / "bin" / "python").symlink_to(Path(sys.executable).resolve())
    (venv / "lib").symlink_to(Path(sys.prefix) / "lib")


def _scorer(home: Path, workspace: Path, **env: str) -> str:
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "action_install.sh"), "scorer"],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(home),
            "REDLINE_HOME": str(home),
            "GITHUB_WORKSPACE": str(workspace),
            **env,
        },
    )
    return dict(line.split("=", 1) for line in done.stdout.splitlines())["probe"]


def test_the_install_asks_redline_whether_the_review_uses_the_probe_and_never_imports_the_checkout(tmp_path):
    """The default review installs the core only; the repository's config or the inputs ask for the probe.
    The job runs in the pull request's checkout: a `bot/` package there must not be imported."""
    home, workspace = tmp_path / "home", tmp_path / "workspace"
    _venv_of_this_python(home)
    (workspace / ".github").mkdir(parents=True)
    planted = tmp_path / "pr-code-ran"
    (workspace / "bot").mkdir()
    (workspace / "bot" / "__init__.py").write_text(f"open({str(planted)!r}, 'w').close()\n")
    assert _scorer(home, workspace) == "false"
    assert _scorer(home, workspace, REDLINE_PROBE="my/probe") == "true"
    (workspace / ".github" / "redline.yml").write_text("model:\n  pr_model: probe\n")
    assert _scorer(home, workspace) == "true"
    (workspace / ".github" / "redline.yml").write_text("model: [not, a, mapping]\n")
    assert _scorer(home, workspace) == "false"  # the review step reports the bad config
    assert not planted.exists(), "the install ran Python code from the pull request's checkout"


def test_a_malformed_github_answer_exits_two_with_the_outputs_written(fake_github, tmp_path):
    _pull(fake_github)
    fake_github.route("GET", "/repos/{owner}/{repo}/pulls/{number}/files")(
        lambda request, **_: FakeResponse(200, {"message": "not a list"})
    )
    outputs = tmp_path / "github_output"
    outputs.write_text("")
    env = {
        "GITHUB_API_URL": fake_github.base_url,
        "GITHUB_TOKEN": "t",
        "GITHUB_REPOSITORY": "acme/app",
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_EVENT_PATH": "",
    }
    result = CliRunner().invoke(cli, ["review", "--github", "--pr", "7"], env=env)
    assert result.exit_code == 2 and "not a list of objects" in result.output, result.output
    assert "internal error" not in result.output
    assert dict(line.split("=", 1) for line in outputs.read_text().splitlines()) == {
        "gate": "neutral",
        "comments": "0",
        "sarif": "",
    }


def test_the_weekly_report_learns_the_repository_model_and_reviews_restore_the_newest():
    steps = {step.get("id"): step for step in ACTION["runs"]["steps"] if "id" in step}
    restore, learn = steps["repo-model"], steps["learn"]
    order = list(steps)
    assert order.index("repo-model") < order.index("review") and order.index("report") < order.index("learn")
    assert restore["if"] == "inputs.command == 'review'" and learn["if"] == "inputs.command == 'report'"
    assert restore["with"]["restore-keys"] == "redline-repo-model-${{ github.repository }}-"
    assert restore["with"]["path"] == "${{ github.workspace }}/.git/redline"
    assert 'redline" learn --repo' in learn["run"] and '|| echo "::warning' in learn["run"]
    saved = [s for s in ACTION["runs"]["steps"] if s.get("if") == "steps.learn.outputs.learnt == 'true'"]
    assert saved and saved[0]["with"]["path"] == restore["with"]["path"]
