"""scoring.explain: a comment's reasons are the features that raised the line's log-odds most, in words."""

from __future__ import annotations

import numpy as np

from scoring.calibration import PlattCalibrator
from scoring.explain import PHRASES
from scoring.linear import LinearModel
from scoring.pr_features import Family, feature_names
from scoring.pr_model import PRModel

NAMES = ("length", "kind_condition", "test_file", "rel_length_file", "struct_function_added")


def model(coef: list[float]) -> PRModel:
    return PRModel(
        (Family.LINE, Family.DIFF, Family.RELATIVE, Family.STRUCTURE),
        LinearModel(NAMES, np.zeros(5), np.ones(5), np.asarray(coef, float), -2.0),
        PlattCalibrator(1.0, 0.0),
        0.05,
    )


def test_every_feature_a_model_can_read_has_words() -> None:
    assert set(PHRASES) == {n for family in Family for n in feature_names((family,))}


def test_the_reasons_are_the_largest_pushes_of_the_model_s_own_contributions() -> None:
    m = model([0.2, 1.5, -1.0, 0.8, 0.6])
    row = np.array(
        [40.0, 1.0, 0.0, 0.7, 1.0]
    )  # a long condition, long for its file, in a function the PR adds
    pushes = m.linear.coef * m.linear.standardised(row)[0]
    found = m.reasons(row)
    assert [r.feature for r in found] == [NAMES[k] for k in np.argsort(-pushes)[:3]]
    assert [r.contribution for r in found] == sorted(pushes, reverse=True)[:3]
    assert [r.phrase for r in found] == ["a condition", "a long line", "in a function this PR adds"]
    # each reason really raises the log-odds: without it the logit drops by its contribution
    z, coef = m.linear.standardised(row)[0], m.linear.coef
    for reason in found:
        k = NAMES.index(reason.feature)
        assert np.isclose(coef @ z - coef @ np.where(np.arange(5) == k, 0.0, z), reason.contribution)


def test_a_feature_that_lowers_the_probability_or_has_no_words_for_its_side_is_no_reason() -> None:
    m = model([0.0, 0.0, -1.0, 0.0, 0.0])
    assert m.reasons(np.array([10.0, 0.0, 1.0, 0.0, 0.0])) == ()  # a test file lowers it here
    negative = model([0.0, 0.0, 1.0, 0.0, 0.0])
    # below average on a flag whose unset side has words: "not in a test file" raises nothing as coef > 0
    assert negative.reasons(np.array([10.0, 0.0, 0.0, 0.0, 0.0])) == ()
    flipped = model([0.0, 0.0, -1.0, 0.0, 0.0])
    assert [r.phrase for r in flipped.reasons(np.array([10.0, 0.0, -1.0, 0.0, 0.0]))] == [
        "not in a test file"
    ]


def test_the_scorer_passes_each_line_s_reasons_and_a_comment_names_them() -> None:
    from bot.stages.comments import comment_body
    from scoring.pr_features import ChangeSize, file_features
    from scoring.pr_scorer import PRScorer, _as_new_file
    from scoring.types import LineScore, Span

    scorer = PRScorer.load()
    text = (
        "def f(items):\n    if len(items) > 3 and items[0] is not None:\n        return sorted(items)[1:-1]\n"
    )
    scores = scorer.score(text, [Span.lines(2), Span.lines(1, 3)])
    line, hunk = scores
    assert line.reasons and hunk.reasons == ()
    # the scorer reads the file as the spans' lines added to an empty file (no diff given)
    lines, features = file_features(
        _as_new_file("file.py", text, [1, 2, 3]),
        text.splitlines(),
        ChangeSize(1, 3),
        None,
        scorer.model.families,
    )
    row = scorer.model.columns(features)[lines.index(2)]
    assert line.reasons == tuple(r.phrase for r in scorer.model.reasons(row))
    body = comment_body(
        LineScore("a.py", 2, line.probability, reasons=line.reasons), "0" * 16, "https://d", "v"
    )
    assert f"What raised it most: {'; '.join(line.reasons)}." in body
