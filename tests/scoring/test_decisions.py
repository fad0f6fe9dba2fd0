"""The pure decision core: comment selection, cap, and the merge gate."""

from __future__ import annotations

import dataclasses
import math

import pytest

from scoring.decisions import (
    GateConclusion,
    Thresholds,
    decide,
    decide_gate,
    select_lines,
)
from scoring.errors import ConfigError
from scoring.types import LineScore, LineVerdict, ScoredHunk


def _verdicts(decisions):
    return [d.verdict for d in decisions]


def test_only_lines_at_or_above_threshold_get_comments():
    lines = [LineScore("a.py", 1, 0.49), LineScore("a.py", 2, 0.5), LineScore("a.py", 3, 0.9)]
    decisions = select_lines(lines, Thresholds(comment=0.5))
    assert _verdicts(decisions) == [LineVerdict.BELOW_THRESHOLD, LineVerdict.COMMENT, LineVerdict.COMMENT]
    assert [d.rank for d in decisions] == [None, 2, 1]


def test_cap_keeps_the_most_probable_lines_and_marks_the_rest_over_cap():
    lines = [LineScore("a.py", i, p) for i, p in enumerate([0.6, 0.95, 0.7, 0.8], start=1)]
    decisions = select_lines(lines, Thresholds(comment=0.5, max_comments=2))
    assert _verdicts(decisions) == [
        LineVerdict.OVER_CAP,
        LineVerdict.COMMENT,
        LineVerdict.OVER_CAP,
        LineVerdict.COMMENT,
    ]


def test_a_decided_line_is_the_scored_line_with_its_verdict_and_rank():
    scored = LineScore("a.py", 1, 0.9, 2.2, "x = 1", why="Claude trailer", reasons=("a branch",))
    (decided,) = select_lines([scored], Thresholds())
    assert decided == dataclasses.replace(scored, verdict=LineVerdict.COMMENT, rank=1)
    assert decided.commented and not scored.commented
    # Deciding again under other thresholds leaves no stale rank behind.
    (again,) = select_lines([decided], Thresholds(comment=0.95))
    assert (again.verdict, again.rank, again.commented) == (LineVerdict.BELOW_THRESHOLD, None, False)


def test_ranking_does_not_depend_on_input_order():
    lines = [LineScore("b.py", 1, 0.7), LineScore("a.py", 9, 0.7), LineScore("a.py", 2, 0.7)]
    forward = {(d.path, d.line): d.rank for d in select_lines(lines, Thresholds())}
    backward = {(d.path, d.line): d.rank for d in select_lines(lines[::-1], Thresholds())}
    assert forward == backward == {("a.py", 2): 1, ("a.py", 9): 2, ("b.py", 1): 3}


def test_nan_probability_is_unscored_and_never_commented():
    decisions = select_lines([LineScore("a.py", 1, math.nan)], Thresholds(comment=0.0))
    assert _verdicts(decisions) == [LineVerdict.UNSCORED]


def test_zero_cap_comments_nothing():
    decisions = select_lines([LineScore("a.py", 1, 0.99)], Thresholds(max_comments=0))
    assert _verdicts(decisions) == [LineVerdict.OVER_CAP]


@pytest.mark.parametrize("kwargs", [{"comment": 1.5}, {"gate": -0.1}, {"max_comments": -1}, {"comment": "x"}])
def test_invalid_thresholds_are_a_config_error(kwargs):
    with pytest.raises(ConfigError):
        Thresholds(**kwargs)


def test_gate_fails_on_a_hunk_at_the_threshold_and_names_the_worst():
    hunks = [ScoredHunk("a.py", 1, 4, 0.8), ScoredHunk("b.py", 10, 12, 0.93), ScoredHunk("c.py", 1, 1, 0.2)]
    gate = decide_gate(hunks, Thresholds(gate=0.8))
    assert gate.conclusion is GateConclusion.FAILURE
    assert [h.path for h in gate.blocking] == ["b.py", "a.py"]
    assert "b.py:10-12" in gate.reason


def test_gate_succeeds_below_threshold():
    gate = decide_gate([ScoredHunk("a.py", 1, 4, 0.79)], Thresholds(gate=0.8))
    assert gate.conclusion is GateConclusion.SUCCESS
    assert gate.blocking == ()


def test_override_label_turns_failure_into_success_but_keeps_the_blocking_hunks():
    gate = decide_gate([ScoredHunk("a.py", 1, 4, 0.99)], Thresholds(gate=0.8), override=True)
    assert gate.conclusion is GateConclusion.SUCCESS
    assert len(gate.blocking) == 1
    assert "accepted" in gate.reason


def test_redline_error_is_neutral_never_failure():
    gate = decide_gate([ScoredHunk("a.py", 1, 4, 0.99)], Thresholds(gate=0.1), error="model missing")
    assert gate.conclusion is GateConclusion.NEUTRAL
    assert "model missing" in gate.reason


def test_disabled_gate_is_neutral():
    gate = decide_gate([ScoredHunk("a.py", 1, 4, 0.99)], Thresholds(), enabled=False)
    assert gate.conclusion is GateConclusion.NEUTRAL


def test_nan_hunk_never_trips_the_gate():
    gate = decide_gate([ScoredHunk("a.py", 1, 4, math.nan)], Thresholds(gate=0.0))
    assert gate.conclusion is GateConclusion.SUCCESS


def test_decide_comments_nothing_when_redline_failed():
    decision = decide(
        [LineScore("a.py", 1, 0.99)], [ScoredHunk("a.py", 1, 1, 0.99)], Thresholds(), error="boom"
    )
    assert decision.commented == ()
    assert decision.gate.conclusion is GateConclusion.NEUTRAL


def test_decide_orders_commented_by_rank():
    lines = [LineScore("a.py", 1, 0.6), LineScore("a.py", 2, 0.9), LineScore("a.py", 3, 0.7)]
    decision = decide(lines, [], Thresholds(comment=0.5, max_comments=2))
    assert [d.line for d in decision.commented] == [2, 3]
    assert [d.line for d in decision.over_cap] == [1]
