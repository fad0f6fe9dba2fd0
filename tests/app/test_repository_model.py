"""The App scores each repository with the model its own `.github/redline.yml` names (`model.*` keys),
not only the operator's environment, and keeps one scorer per distinct model setting."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from bot.app.settings import AppSettings
from bot.app.tasks import Runtime
from bot.config import load_settings
from bot.github.auth import AppAuth
from bot.pull_review import PullSource
from bot.review import run
from scoring.calibration import PlattCalibrator
from scoring.linear import LinearModel
from scoring.pr_features import Family, feature_names
from scoring.pr_model import DEFAULT_PR_MODEL, PRModel, load_pr_model
from tests.app.github_app import add_ai_pull, private_key_pem
from tests.fakes import FakeGitHub

FAMILIES = (Family.LINE,)


def flag_everything(path: Path) -> Path:
    """A repository's own PR model: every line gets a probability near 0.95 (intercept 3, no weights)."""
    names = feature_names(FAMILIES)
    zeros = np.zeros(len(names))
    PRModel(
        FAMILIES,
        LinearModel(names, zeros, np.ones(len(names)), zeros, 3.0),
        PlattCalibrator(1.0, 0.0),
        0.1,
        {"version": "repo-own-model", "decisions": {"comment_threshold": 0.9}},
    ).save(path)
    return path


def test_each_repository_is_scored_by_the_model_its_config_names(
    app_github: FakeGitHub, tmp_path, monkeypatch
):
    for name in ("REDLINE_PR_MODEL", "REDLINE_MODEL", "REDLINE_PROBE", "REDLINE_COMMENT_THRESHOLD"):
        monkeypatch.delenv(name, raising=False)
    own = flag_everything(tmp_path / "pr_model.json")
    runtime = Runtime(
        AppSettings(database_url=f"sqlite:///{tmp_path / 'redline.db'}", allowed_models=("default", str(own)))
    )  # the operator allows this one
    client = AppAuth("82994", private_key_pem(), base_url=app_github.base_url, throttle=False).client(5)
    configured = add_ai_pull(app_github, 71, "a" * 40)  # the recorded payloads' repository
    app_github.contents[(configured.repo, ".github/redline.yml", configured.base_ref)] = (
        f"model:\n  pr_model: {own}\nthresholds:\n  comment: 0.5\n".encode()
    )

    def review(repo: str, number: int, head_sha: str):
        outcome = run(
            PullSource(client, repo, number, head_sha),
            functools.partial(runtime.scorer_for, repo),
            bot_login="redline-test[bot]",
            time_budget_s=60,
        )
        assert outcome is not None
        return outcome

    try:
        outcome = review(configured.repo, 71, "a" * 40)
        assert outcome.model_version == "repo-own-model"
        assert outcome.plan.new  # its lines are past the repository's comment threshold

        app_github.contents.pop((configured.repo, ".github/redline.yml", configured.base_ref))
        default = review(configured.repo, 71, "a" * 40)
        assert default.model_version == load_pr_model(DEFAULT_PR_MODEL).version

        # One scorer per distinct model setting: the same setting again is the same object.
        settings = load_settings(f"model:\n  pr_model: {own}\n")
        assert runtime.scorer_for("x/y", settings) is runtime.scorer_for("z/w", settings)
    finally:
        runtime.store.close()
