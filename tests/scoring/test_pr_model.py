"""scoring.pr_model and scoring.pr_scorer: the PR model's card, its repo prior, and the scorer reviews use."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from scoring.calibration import PlattCalibrator
from scoring.diff import parse
from scoring.errors import ProbeError, SpanError
from scoring.linear import LinearModel
from scoring.pr_features import ChangeSize, Family, FileChange, feature_names
from scoring.pr_model import PRModel, load_pr_model, pr_model_from_dict
from scoring.pr_scorer import PRScorer
from scoring.types import Span

FAMILIES = (Family.LINE,)


def length_model(base_rate: float = 0.1) -> PRModel:
    """Longer lines are likelier to be edited; nothing else counts."""
    names = feature_names(FAMILIES)
    coef = np.array([1.0 if n == "length" else 0.0 for n in names])
    return PRModel(
        FAMILIES,
        LinearModel(names, np.zeros(len(names)), np.ones(len(names)), coef, -3.0),
        PlattCalibrator(1.0, 0.0),
        base_rate,
        {"version": "pr-test", "decisions": {"comment_threshold": 0.4}},
    )


def test_the_card_round_trips_and_names_what_it_reads(tmp_path) -> None:
    model = length_model()
    model.save(tmp_path / "pr_model.json")
    loaded = load_pr_model(tmp_path / "pr_model.json")
    features = np.arange(3 * len(model.names), dtype=float).reshape(3, -1)
    assert np.allclose(loaded.probabilities(features), model.probabilities(features))
    assert loaded.version == "pr-test" and loaded.comment_threshold == 0.4


def test_a_card_for_features_this_redline_lacks_is_refused(tmp_path) -> None:
    data = length_model().to_dict()
    data["features"] = [*data["features"][:-1], "stars_on_github"]
    with pytest.raises(ProbeError, match="retrain"):
        pr_model_from_dict(data)
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ProbeError, match="cannot read"):
        load_pr_model(tmp_path / "bad.json")


def test_the_prior_moves_probabilities_to_the_repository_rate_and_keeps_the_ranking() -> None:
    model = length_model(base_rate=0.1)
    features = np.zeros((4, len(model.names)))
    features[:, model.names.index("length")] = [1, 5, 20, 80]
    plain = model.probabilities(features)
    assert np.allclose(model.probabilities(features, prior=0.1), plain)  # the training rate: no shift
    higher, lower = model.probabilities(features, prior=0.4), model.probabilities(features, prior=0.02)
    assert (higher > plain).all() and (lower < plain).all()
    assert (np.argsort(higher) == np.argsort(plain)).all()
    odds = lambda p: p / (1 - p)  # noqa: E731
    assert np.allclose(odds(higher) / odds(plain), (0.4 / 0.6) / (0.1 / 0.9))  # the Bayes odds ratio


DIFF = """diff --git a/m.py b/m.py
--- a/m.py
+++ b/m.py
@@ -1,1 +1,4 @@
 a = 1
+b = 2
+c = some_long_function_name(with_many, arguments, and_more)
+d = 4
"""
TEXT = "a = 1\nb = 2\nc = some_long_function_name(with_many, arguments, and_more)\nd = 4\n"


def test_the_scorer_answers_lines_and_ranges_from_the_diff() -> None:
    scorer = PRScorer(length_model())
    (diff,) = parse(DIFF)
    spans = [Span.lines(1), Span.lines(2), Span.lines(3), Span.lines(2, 4)]
    scores = scorer.score(TEXT, spans, change=FileChange(diff, ChangeSize(1, 3)))
    assert math.isnan(scores[0].probability)  # a context line is not an added line
    assert scores[2].probability > scores[1].probability  # the longer line
    assert scores[3].probability == scores[2].probability  # a range: its riskiest line
    assert scores[3].n_tokens == 3
    assert scorer.model_card.comment_threshold == 0.4 and scorer.model_card.languages == ("python",)
    with pytest.raises(SpanError):
        scorer.score(TEXT, [Span.chars(0, 3)])


def test_without_a_diff_the_lines_read_as_a_new_file() -> None:
    scores = PRScorer(length_model()).score(TEXT, [Span.lines(2), Span.lines(3)])
    assert 0 < scores[0].probability < scores[1].probability < 1


def test_the_shipped_pr_model_loads_and_its_card_says_what_it_was_judged_on() -> None:
    model = load_pr_model()
    card = json.loads(json.dumps(model.card))
    assert card["label"] == "target" and "changes this line's content" in card["meaning"]
    assert 0 < model.base_rate < 1
    for label in ("target", "edited_by_human"):  # the target, and today's looser label beside it
        assert card["evaluation"]["labels"][label]["repositories"] >= 20
    assert 0 < card["decisions"]["comment_threshold"] < card["decisions"]["gate_threshold"] < 1
    assert model.hunk is not None
