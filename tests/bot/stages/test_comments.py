"""Pure review planning: comment text, fingerprints, re-push updates, summary and coverage."""

from __future__ import annotations

from bot.stages.comments import (
    Coverage,
    ExistingComment,
    comment_body,
    fingerprint,
    in_hundred,
    plan,
    read_marker,
)
from scoring.decisions import Thresholds, decide
from scoring.types import LineScore, ScoredHunk

BOT = "github-actions[bot]"
COVERAGE = Coverage(ai_lines=3, scored_lines=3, files_scored=1)


def _finding(line, p, text=None):
    return LineScore(
        "a.py",
        line,
        p,
        text=text or f"x{line} = {line}",
        hunk=ScoredHunk("a.py", 1, 3, 0.9),
        why="commit abc has trailer",
    )


def _plan(findings, existing=(), max_comments=30):
    decision = decide(findings, [], Thresholds(comment=0.5, max_comments=max_comments))
    return plan(
        decision,
        existing,
        bot_login=BOT,
        model_version="v1",
        coverage=COVERAGE,
        head_sha="f" * 40,
        docs_url="https://docs",
    )


def test_body_says_what_the_probability_means_the_hunk_why_and_links_docs():
    finding = _finding(2, 0.71)
    body = comment_body(finding, "0123456789abcdef", "https://docs", "v1")
    assert (
        "0.71" in body and "About 71 in 100" in body and "within 90 days" in body and "Hunk lines 1–3" in body
    )
    assert "commit abc has trailer" in body and "(https://docs)" in body
    assert read_marker(body) == "0123456789abcdef"


def test_in_hundred_words():
    assert (in_hundred(0.004), in_hundred(0.066), in_hundred(0.98)) == (
        "fewer than 1 in 100",
        "about 7 in 100",
        "about 98 in 100",
    )


def test_fingerprint_ignores_whitespace_and_line_numbers_but_not_model_version():
    assert fingerprint("a.py", "x =  1", "v1") == fingerprint("a.py", " x = 1", "v1")
    assert fingerprint("a.py", "x = 1", "v1") != fingerprint("a.py", "x = 1", "v2")
    assert fingerprint("a.py", "x = 1", "v1") != fingerprint("b.py", "x = 1", "v1")


def test_only_lines_above_threshold_get_drafts_and_identical_lines_get_distinct_fingerprints():
    result = _plan([_finding(1, 0.9, "return x"), _finding(2, 0.2), _finding(3, 0.8, "return x")])
    assert [d.line for d in result.new] == [1, 3]
    assert len({d.fingerprint for d in result.new}) == 2


def test_repush_keeps_posted_comments_and_deletes_outdated_unanswered_ones():
    first = _plan([_finding(1, 0.9), _finding(2, 0.8)])
    existing = [ExistingComment(10 + i, d.path, d.line, d.body, BOT) for i, d in enumerate(first.new)]
    second = _plan([_finding(1, 0.9), _finding(2, 0.1)], existing)
    assert second.new == () and second.update == ()
    assert second.delete == (11,)


def test_outdated_comment_with_a_human_reply_is_resolved_not_deleted():
    first = _plan([_finding(1, 0.9)])
    existing = [
        ExistingComment(10, "a.py", 1, first.new[0].body, BOT),
        ExistingComment(11, "a.py", 1, "fixed, thanks", "ada", in_reply_to=10),
    ]
    second = _plan([_finding(1, 0.2)], existing)
    assert second.delete == () and [i for i, _ in second.resolve] == [10]
    assert (
        "resolved" in second.resolve[0][1] and read_marker(second.resolve[0][1]) == first.new[0].fingerprint
    )


def test_markers_on_comments_by_others_are_not_trusted():
    first = _plan([_finding(1, 0.9)])
    forged = [ExistingComment(10, "a.py", 1, first.new[0].body, "mallory")]
    second = _plan([_finding(1, 0.9)], forged)
    assert len(second.new) == 1 and second.delete == ()


def test_changed_probability_updates_the_comment_in_place():
    first = _plan([_finding(1, 0.9)])
    existing = [ExistingComment(10, "a.py", 1, first.new[0].body, BOT)]
    second = _plan([_finding(1, 0.7)], existing)
    assert second.new == () and [i for i, _ in second.update] == [10]


def test_summary_lists_lines_over_the_cap_and_the_coverage():
    result = _plan([_finding(1, 0.9), _finding(2, 0.8), _finding(3, 0.7)], max_comments=1)
    assert len(result.new) == 1
    assert "2 more line(s)" in result.summary and "| `a.py` | 2 | 0.80 |" in result.summary
    assert "scored 3 of 3 AI-written lines in 1 file" in result.summary


def test_coverage_line_counts_lines_per_language_and_says_which_had_neutral_features_only():
    coverage = Coverage(
        10,
        8,
        2,
        human_lines=4,
        skipped=(("binary", 1), ("too large", 2)),
        untrained_languages=("go",),
        languages=(("python", 7), ("go", 1)),
    )
    assert coverage.line() == (
        "scored 8 of 10 AI-written lines in 2 files (4 added lines not AI-written, not scored); "
        "python 7 lines, go 1 line (scored with language-neutral features only); "
        "skipped 1 file (binary), 2 files (too large)"
    )


def test_a_comment_names_the_line_s_language_and_a_neutral_only_one_says_so():
    ts = LineScore("web/app.tsx", 3, 0.8, text="x", why="trailer")
    go = LineScore("svc/main.go", 3, 0.8, text="x", why="trailer", untrained_language="go")
    untrained_ts = LineScore("web/a.ts", 3, 0.8, text="x", why="trailer", untrained_language="typescript")
    assert "Language: TypeScript." in comment_body(ts, "0" * 16, "https://docs", "v1")
    assert "Language: Go, scored with language-neutral features only." in comment_body(
        go, "0" * 16, "https://docs", "v1"
    )
    assert "the model was not trained on typescript" in comment_body(
        untrained_ts, "0" * 16, "https://d", "v1"
    )
