import datetime as dt
import math

import numpy as np
import pytest

from bot.feedback import report
from bot.feedback.recalibration import MIN_RECALIBRATION_LINES, RecalibratedScorer, recalibrate
from bot.feedback.types import AfterMerge, Fate, GateRecord, OutcomeLine
from scoring import target
from scoring.types import LineScore, LineVerdict, Span
from tests.app.scorers import FixedScorer

SINCE = dt.datetime(2026, 11, 16, tzinfo=dt.UTC)
UNTIL = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)


CHANGED = target.Fate(
    target.EditKind.MODIFIED, target.Editor.HUMAN, target.CommitSize(1, 2, 1), 5.0, "c" * 40
)
SURVIVED = target.Fate(target.EditKind.SURVIVED)


def record(p: float, commented: bool = False, logit: float = 0.0) -> LineScore:
    verdict = LineVerdict.COMMENT if commented else LineVerdict.BELOW_THRESHOLD
    return LineScore("a.py", 1, p, logit, "x = 1", verdict=verdict)


def outcome(
    number: int,
    p: float,
    edited: bool,
    commented: bool = False,
    merged: bool = True,
    logit: float | None = None,
    after: AfterMerge | None = None,
) -> OutcomeLine:
    """A line edited (or not) inside its PR and, unless `after` says otherwise, changed by a person after
    merge the same way: so each figure of the target equals the one of the in-PR label."""
    after = after or AfterMerge(CHANGED if edited else SURVIVED, window_ended=True)
    return OutcomeLine(
        "octo/a",
        number,
        record(p, commented, math.log(p / (1 - p)) if logit is None else logit),
        "probe-1",
        "shipped",
        Fate.EDITED if edited else Fate.KEPT,
        merged,
        SINCE + dt.timedelta(days=1),
        after,
    )


# A history with known answers: PR 1 and 2 merged, PR 3 unmerged (left out by default).
HISTORY = [
    outcome(1, 0.9, True, commented=True),
    outcome(1, 0.9, True, commented=True),
    outcome(1, 0.9, False, commented=True),
    outcome(1, 0.2, False),
    outcome(2, 0.2, True),
    outcome(2, 0.2, False),
    outcome(2, 0.2, False),
    outcome(2, 0.2, False),
    outcome(3, 0.9, False, commented=True, merged=False),
]
GATES = [
    GateRecord("octo/a", 1, "failure", False, True),
    GateRecord("octo/a", 2, "success", True, True),
    GateRecord("octo/a", 3, "success", False, False),
]


@pytest.fixture(scope="module")
def built() -> report.Report:
    return report.build("octo/a", SINCE, UNTIL, HISTORY, GATES, lines_scored=12, prs_scored=3)


def test_counts_and_base_rate_leave_unmerged_prs_out(built):
    assert (built.n_lines, built.positives, built.prs_closed, built.prs_unmerged_excluded) == (8, 3, 3, 1)
    assert built.base_rate == pytest.approx(3 / 8)


def test_calibration_figures_match_a_hand_computation(built):
    # bins: 0.2 (5 lines, 1 edited) and 0.9 (3 lines, 2 edited)
    assert built.ece.point == pytest.approx((5 * abs(0.2 - 0.2) + 3 * abs(0.9 - 2 / 3)) / 8)
    brier = (2 * 0.1**2 + 0.9**2 + 0.2**2 + 0.8**2 + 3 * 0.2**2) / 8
    assert built.bss.point == pytest.approx(1 - brier / (3 / 8 * 5 / 8))
    # AUC: positives (0.9, 0.9, 0.2) vs negatives (0.9, 0.2, 0.2, 0.2, 0.2); ties count half
    assert built.auc.point == pytest.approx((2 * (0.5 + 4) + (0 + 4 * 0.5)) / 15)
    assert built.drift.point == pytest.approx((5 * 0.2 + 3 * 0.9) / 8 - 3 / 8)
    assert [(b.count, b.observed_rate) for b in built.bins] == [
        (5, pytest.approx(0.2)),
        (3, pytest.approx(2 / 3)),
    ]
    assert built.auc.low <= built.auc.point <= built.auc.high


def test_hit_rate_and_gate_counts(built):
    assert (built.comments, built.comment_hits) == (3, 2)
    assert built.hit_rate == pytest.approx(2 / 3)
    assert (built.gated_prs, built.gate_failures, built.gate_overrides) == (3, 1, 1)


def test_unmerged_prs_can_be_included():
    with_unmerged = report.build("octo/a", SINCE, UNTIL, HISTORY, GATES, 12, 3, include_unmerged=True)
    assert (with_unmerged.n_lines, with_unmerged.prs_unmerged_excluded, with_unmerged.comments) == (9, 0, 4)


def test_markdown_has_the_numbers_and_a_mermaid_chart(built):
    body = report.render_markdown(built, png_name="reliability-2026-W47.png")
    assert built.title == "redline calibration report 2026-W47 (16 Nov to 22 Nov 2026)"
    assert "```mermaid\nxychart-beta" in body
    # 5 + 3 lines: fewer than MIN_BIN_LINES each, merged into one bin of 8 with exact means
    assert '"0.20-1.00 (n=8)"' in body and "bar [0.375]" in body and "line [0.463]" in body
    assert (
        "| **target**: a person changed its content within 90 days | 0.667 (2 of 3) | 0.375 (3 of 8) |"
        in body
    )
    assert "| edited inside the PR, before merge | 0.667 (2 of 3) | 0.375 (3 of 8) |" in body
    assert "| modified | 3 | 0 |" in body and "| survived (nobody touched it in 90 days) | 5 | |" in body
    assert "| gate: PRs gated / failed / overridden by label | 3 / 1 / 1 |" in body
    assert "Not fitted yet" in body


def test_empty_period_renders_without_numbers():
    empty = report.build("octo/a", SINCE, UNTIL, [], [], 0, 0)
    body = report.render_markdown(empty)
    assert empty.n_lines == 0 and "| AUC | n/a |" in body and "mermaid" not in body


def test_sparse_bins_merge_with_their_neighbours_keeping_counts_and_means():
    rng = np.random.default_rng(1)
    p = np.concatenate(
        [
            rng.uniform(0.0, 0.1, 200),
            rng.uniform(0.3, 0.4, 5),
            rng.uniform(0.4, 0.5, 30),
            rng.uniform(0.9, 1.0, 3),
        ]
    )
    y = rng.random(p.size) < p
    bins = report.metrics.reliability_bins(p, y)
    merged = report.merge_sparse_bins(bins, min_lines=20)
    assert [b.count for b in merged] == [200, 38]  # 5 + 30, and the tail of 3 joins the bin before it
    assert sum(b.count for b in merged) == p.size
    assert merged[1].observed_rate == pytest.approx(y[p >= 0.3].mean())
    assert merged[1].mean_predicted == pytest.approx(p[p >= 0.3].mean())
    assert (merged[1].lower, merged[1].upper) == (pytest.approx(0.3), 1.0)
    assert [b.count for b in report.merge_sparse_bins(bins[1:], min_lines=100)] == [
        38
    ]  # all too few: one bin


def _comments(hits: int, comments: int, edited_others: int, others: int) -> report.Report:
    lines = [outcome(n, 0.8, n < hits, commented=True) for n in range(comments)] + [
        outcome(1000 + n, 0.2, n < edited_others) for n in range(others)
    ]
    return report.build("octo/a", SINCE, UNTIL, lines, [], len(lines), len(lines))


def test_verdict_says_how_many_times_better_than_a_random_line():
    good = _comments(hits=12, comments=20, edited_others=20, others=180)  # 60 % hit, base rate 16 %
    assert report.verdict(good).startswith(
        "Comments were right 3.8× as often as a random AI-written line: "
        "a person changed the content of 12 of 20 commented lines within 90 days (60%)"
    )
    assert report.render_markdown(good).startswith(f"**{report.verdict(good)}**")


def test_verdict_says_no_better_than_chance_and_what_to_do():
    chance = _comments(hits=3, comments=20, edited_others=27, others=180)  # 15 % hit, base rate 15 %
    text = report.verdict(chance)
    assert text.startswith(
        "Comments were no better than chance: a person changed the content of 3 of 20 commented lines"
    )
    assert "Raise `thresholds.comment` or turn comments off (`comments.max: 0`)" in text


def test_verdict_with_too_few_comments_judges_the_ranking_instead(built):
    assert report.verdict(built).startswith(
        "Too few commented lines to judge the comments (3, at least 10 needed)"
    )


def test_title_names_the_week_the_period_covers():
    monday_6am = dt.datetime(2026, 11, 23, 6, tzinfo=dt.UTC)  # the schedule's run: the 7 days before
    weekly = report.build("octo/a", monday_6am - dt.timedelta(days=7), monday_6am, [], [], 0, 0)
    assert weekly.week == "2026-W47" and weekly.title.endswith("2026-W47 (16 Nov to 23 Nov 2026)")
    assert weekly.nothing_to_report


def test_png_is_written(built, tmp_path):
    path = report.write_png(built, tmp_path / "r.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def miscalibrated_history(n: int, seed: int = 0) -> list[OutcomeLine]:
    """Shown p = sigmoid(logit), but the truth is sigmoid(0.5 * logit - 1): overconfident and too high."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 2.0, size=n)
    truth = 1 / (1 + np.exp(-(0.5 * logits - 1.0)))
    edited = rng.random(n) < truth
    return [
        outcome(i // 5, float(1 / (1 + np.exp(-z))), bool(e), logit=float(z))
        for i, (z, e) in enumerate(zip(logits, edited, strict=True))
    ]


def test_recalibration_waits_for_enough_outcomes():
    assert recalibrate(miscalibrated_history(MIN_RECALIBRATION_LINES - 1)) is None


def test_recalibration_recovers_the_true_mapping_and_beats_the_shipped_one_out_of_fold():
    fit = recalibrate(miscalibrated_history(3000))
    assert fit is not None and fit.applied
    assert fit.params["slope"] == pytest.approx(0.5, abs=0.1)
    assert fit.params["intercept"] == pytest.approx(-1.0, abs=0.2)
    assert fit.brier_refit_cv < fit.brier_current_cv


def test_recalibrated_scorer_replaces_probabilities_from_logits():
    scorer = RecalibratedScorer(FixedScorer(), {"kind": "platt", "slope": 1.0, "intercept": -2.0})
    scores = scorer.score("x\ny\nz\n", [Span.lines(1), Span.lines(2), Span.lines(3)])
    assert [s.probability for s in scores[:2]] == pytest.approx([1 / (1 + math.exp(2)), 0.5])
    assert math.isnan(scores[2].probability)
    assert scorer.model_version == "probe-1"


def test_the_target_pending_lines_and_the_older_labels_are_counted_apart():
    def after(kind: target.EditKind, files: int = 1, ended: bool = True) -> AfterMerge:
        size = None if kind is target.EditKind.SURVIVED else target.CommitSize(files, 3, 3)
        editor = None if size is None else target.Editor.HUMAN
        return AfterMerge(target.Fate(kind, editor, size, 2.0), window_ended=ended)

    k = target.EditKind
    lines = [
        outcome(1, 0.9, False, commented=True, after=after(k.MODIFIED)),  # the target, kept inside the PR
        outcome(1, 0.9, True, commented=True, after=after(k.MOVED)),  # touched, not the target
        outcome(2, 0.9, False, commented=True, after=after(k.SURVIVED, ended=False)),  # pending
        outcome(2, 0.2, False, after=after(k.DELETED, files=50)),  # sweeping deletion
        OutcomeLine("octo/a", 3, record(0.2), "probe-1", "shipped", Fate.KEPT, True, SINCE),  # not read
        outcome(3, 0.2, False, after=after(k.SURVIVED)),
    ]
    r = report.build("octo/a", SINCE, UNTIL, lines, [], 6, 3)
    assert (r.n_lines, r.measured, r.pending, r.survived) == (6, 5, 1, 1)
    assert r.target == report.Rates(lines=4, events=1, comments=2, comment_events=1)
    assert r.touched == report.Rates(lines=4, events=3, comments=2, comment_events=2)
    assert r.in_pr == report.Rates(lines=6, events=1, comments=3, comment_events=1)
    counts = {f.kind: (f.focused, f.sweeping) for f in r.fates}
    assert counts[k.MODIFIED] == (1, 0) and counts[k.MOVED] == (1, 0) and counts[k.DELETED] == (0, 1)
    assert sum(b.count for b in r.bins) == 4  # calibration only where the target is known
    body = report.render_markdown(r)
    assert "| lines with an outcome | 6: 4 with the target known, 1 pending, 1 not read after merge |" in body
    assert (
        "| any later commit touched it (the older, looser label) | 1.000 (2 of 2) | 0.750 (3 of 4) |" in body
    )


def test_without_any_known_fate_after_merge_the_verdict_says_so():
    lines = [outcome(1, 0.9, True, commented=True, after=AfterMerge(SURVIVED, window_ended=False))]
    text = report.verdict(report.build("octo/a", SINCE, UNTIL, lines, [], 1, 1))
    assert text.startswith("No line's fate after merge is known yet: 1 pending")
    assert text.endswith("1 of 1 commented lines were edited.")
