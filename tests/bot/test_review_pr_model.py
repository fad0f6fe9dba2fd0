"""Reviews with the PR model (the default scorer): diff-aware features, the repository's history, the
prior."""

from __future__ import annotations

import numpy as np
import pytest

from bot.config import load_settings
from bot.review import review
from bot.snapshot import local_snapshot
from scoring.calibration import PlattCalibrator
from scoring.decisions import GateConclusion
from scoring.linear import LinearModel
from scoring.pr_features import Family, feature_names
from scoring.pr_model import PRModel
from scoring.pr_scorer import PRScorer
from scoring.registry import load_scorer
from scoring.types import LineStatus
from tests.bot.pr_models import linear_model

CLAUDE = "\n\nCo-authored-by: Claude <noreply@anthropic.com>"
BASE = "import os\n\n\ndef add(a, b):\n    return a + b\n"
AI_CODE = BASE + "\n\ndef sub(a, b):\n    return a - b\n\n\nVALUE = sub(add(1, 2), 3)\n"
FAMILIES = (Family.LINE, Family.DIFF, Family.HISTORY)


def churn_model() -> PRModel:
    """Lines of files with many recent commits are likelier to be edited, longer lines a little too."""
    card = {"version": "pr-test", "decisions": {"comment_threshold": 0.9}}
    return linear_model({"file_commits_365d": 1.0, "length": 0.2}, card, FAMILIES)


class Recording(PRScorer):
    """The PR scorer, remembering the change each file was scored with."""

    def __init__(self, model: PRModel) -> None:
        super().__init__(model)
        self.changes = {}

    def score(self, text, spans, intent=None, mode=None, change=None):
        self.changes[change.diff.path] = change
        return super().score(text, spans, intent, change=change)


def _snapshot(git_repo):
    git_repo.commit({"calc.py": BASE}, "base")
    git_repo.commit({"calc.py": BASE + "# tweak\n"}, "tweak", author="Bo <bo@example.com>")
    git_repo.commit({"calc.py": BASE}, "revert the tweak")
    git_repo.branch("feature")
    git_repo.commit({"calc.py": AI_CODE}, "Add sub" + CLAUDE)
    return local_snapshot(git_repo.path, "main", "feature")


def test_a_local_review_reads_the_repositorys_history_and_scores_every_ai_line(git_repo) -> None:
    scorer = Recording(churn_model())
    outcome = review(_snapshot(git_repo), lambda: scorer, load_settings(None, env={}))
    history = scorer.changes["calc.py"].history
    assert history is not None
    assert history.file_commits_365d == 3 and history.file_authors_365d == 2
    assert len(history.line_age_above_days) == outcome.coverage.ai_lines
    scored = [ln for ln in outcome.lines if ln.status is LineStatus.SCORED]
    assert len(scored) == outcome.coverage.ai_lines > 0
    assert all(0 < ln.probability < 1 for ln in scored)
    assert scorer.changes["calc.py"].size.added_lines == len(scored)
    assert outcome.gate.conclusion is GateConclusion.SUCCESS


def test_a_model_that_reads_no_history_never_runs_git_history(git_repo, monkeypatch) -> None:
    import bot.review

    def refuse(*args, **kwargs):
        raise AssertionError("git history computed for a model that does not read it")

    names = feature_names((Family.LINE, Family.DIFF))
    line_only = PRModel(
        (Family.LINE, Family.DIFF),
        LinearModel(names, np.zeros(len(names)), np.ones(len(names)), np.full(len(names), 0.1), -2.0),
        PlattCalibrator(1.0, 0.0),
        0.1,
        {"version": "pr-test"},
    )
    snapshot = _snapshot(git_repo)
    monkeypatch.setattr(bot.review, "repository_histories", refuse)
    scorer = Recording(line_only)
    outcome = review(snapshot, lambda: scorer, load_settings(None, env={}))
    assert not scorer.reads_history and scorer.changes["calc.py"].history is None
    assert outcome.coverage.scored_lines == outcome.coverage.ai_lines > 0
    with pytest.raises(AssertionError, match="git history computed"):
        review(snapshot, lambda: Recording(churn_model()), load_settings(None, env={}))


def test_the_repositorys_edit_rate_shifts_every_probability_the_same_way(git_repo) -> None:
    snapshot = _snapshot(git_repo)
    plain = review(snapshot, lambda: PRScorer(churn_model()), load_settings(None, env={}))
    shifted = review(
        snapshot, lambda: PRScorer(churn_model()), load_settings("model:\n  repo_edit_rate: 0.4\n", env={})
    )
    p = np.array([ln.probability for ln in plain.scored])
    q = np.array([ln.probability for ln in shifted.scored])
    assert (q > p).all()
    assert (np.argsort(p, kind="stable") == np.argsort(q, kind="stable")).all()


def test_the_pr_model_is_the_default_and_a_named_probe_or_model_file_is_used_instead(tmp_path) -> None:
    path = tmp_path / "pr_model.json"
    churn_model().save(path)
    chosen = load_scorer(load_settings(f"model:\n  pr_model: {path}\n", env={}).model)
    assert isinstance(chosen, PRScorer) and chosen.model_version == "pr-test"
    assert isinstance(load_scorer(load_settings(None, env={}).model), PRScorer)


def test_a_pr_model_that_cannot_be_read_makes_the_gate_neutral_not_failing(git_repo, tmp_path) -> None:
    (tmp_path / "broken.json").write_text("{")
    settings = load_settings(f"model:\n  pr_model: {tmp_path / 'broken.json'}\n", env={})
    outcome = review(_snapshot(git_repo), lambda: load_scorer(settings.model), settings)
    assert outcome.gate.conclusion is GateConclusion.NEUTRAL
    assert "cannot read the PR model" in (outcome.error or "")


@pytest.mark.parametrize("value", ["0", "1.5", "-0.1"])
def test_an_edit_rate_outside_zero_and_one_is_a_config_error(value) -> None:
    from scoring.errors import ConfigError

    with pytest.raises(ConfigError, match="repo_edit_rate"):
        load_settings(f"model:\n  repo_edit_rate: {value}\n", env={})
