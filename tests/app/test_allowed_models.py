"""A repository on a shared installation names its model in `.github/redline.yml`; the worker loads only the
models the operator allows (REDLINE_ALLOWED_MODELS; default: the shipped PR model and the shipped probe).
Anything else, a path on the worker or a Hugging Face id, is refused with a neutral check run that names
the setting, and nothing is loaded (security, issue 24 follow-up)."""

from __future__ import annotations

import dataclasses

import pytest

from bot.app.settings import DEFAULT_ALLOWED_MODELS, AppSettings
from tests.app.github_app import REPO, add_ai_pull
from tests.app.task_double import TaskDouble, runtime_on

INSTALLATION = 5


def _review_with_config(fake, runtime, number: int, config: str) -> dict:
    head = f"{number}" * 13 + "1"
    pull = add_ai_pull(fake, number, head)
    fake.contents[(pull.repo, ".github/redline.yml", pull.base_ref)] = config.encode()
    try:
        task = TaskDouble(
            f"task-{number}",
            {"repo": REPO, "number": number, "head_sha": head, "installation_id": INSTALLATION},
        )
        result = task.run(runtime)
    finally:
        fake.contents.pop((pull.repo, ".github/redline.yml", pull.base_ref))
    [run] = [r for r in fake.check_runs if r["head_sha"] == head]
    return {"result": result, "run": run, "reviews": [r for r in fake.reviews if r["number"] == number]}


@pytest.fixture
def registry_runtime(app_github, tmp_path, monkeypatch):
    """A worker that resolves each repository's model through scoring.registry (no REDLINE_SCORER)."""
    for name in ("REDLINE_PR_MODEL", "REDLINE_MODEL", "REDLINE_PROBE"):
        monkeypatch.delenv(name, raising=False)
    runtime = runtime_on(app_github, f"sqlite:///{tmp_path / 'redline.db'}", opened=True)
    runtime.settings = dataclasses.replace(runtime.settings, scorer=None)
    loaded = []
    runtime.loaded = loaded  # type: ignore[attr-defined]
    import bot.app.tasks as tasks

    real = tasks.load_scorer
    monkeypatch.setattr(
        tasks, "load_scorer", lambda factory, names=None: loaded.append(names) or real(factory, names)
    )
    yield runtime
    runtime.store.close()


@pytest.mark.parametrize(
    ("number", "config", "named"),
    [
        (611, "model:\n  pr_model: /etc/passwd\n", "/etc/passwd"),
        (612, "model:\n  supervisor: evil/exfiltrating-model\n", "evil/exfiltrating-model"),
        (613, "model:\n  probe: /srv/other-tenant/probe\n", "/srv/other-tenant/probe"),
    ],
)
def test_a_model_the_operator_did_not_allow_is_refused_with_a_neutral_check_run(
    app_github, registry_runtime, number, config, named
):
    posted = _review_with_config(app_github, registry_runtime, number, config)
    run = posted["run"]
    assert run["conclusion"] == "neutral"
    text = run["output"]["title"] + run["output"]["summary"]
    assert "REDLINE_ALLOWED_MODELS" in text and named in text
    assert registry_runtime.loaded == []  # nothing was loaded for it
    assert posted["reviews"] == []


def test_the_shipped_model_is_allowed_by_default_and_an_allowed_path_is_loaded(
    app_github, registry_runtime, tmp_path
):
    assert DEFAULT_ALLOWED_MODELS == ("default", "probe")
    posted = _review_with_config(app_github, registry_runtime, 614, "thresholds:\n  comment: 0.5\n")
    assert posted["run"]["conclusion"] != "neutral" and len(registry_runtime.loaded) == 1

    from tests.app.test_repository_model import flag_everything

    own = flag_everything(tmp_path / "pr_model.json")
    registry_runtime.settings = dataclasses.replace(
        registry_runtime.settings, allowed_models=("default", str(own))
    )
    posted = _review_with_config(app_github, registry_runtime, 615, f"model:\n  pr_model: {own}\n")
    assert posted["run"]["conclusion"] != "neutral" and len(registry_runtime.loaded) == 2


def test_the_setting_is_read_from_the_environment():
    assert AppSettings.from_env({}).allowed_models == DEFAULT_ALLOWED_MODELS
    env = {"REDLINE_ALLOWED_MODELS": "default, /models/team.json ,"}
    assert AppSettings.from_env(env).allowed_models == ("default", "/models/team.json")


def test_what_the_operator_names_in_the_environment_is_allowed(
    app_github, registry_runtime, tmp_path, monkeypatch
):
    from tests.app.test_repository_model import flag_everything

    own = flag_everything(tmp_path / "pr_model.json")
    monkeypatch.setenv("REDLINE_PR_MODEL", str(own))
    posted = _review_with_config(app_github, registry_runtime, 616, "thresholds:\n  comment: 0.5\n")
    assert posted["run"]["conclusion"] != "neutral" and len(registry_runtime.loaded) == 1
