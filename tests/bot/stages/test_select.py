"""Selection, the first pure stage of a review: why each added line is or is not scored, and coverage."""

from __future__ import annotations

from bot.config import load_settings
from bot.review import review
from bot.snapshot import local_snapshot
from bot.stages.comments import Coverage
from bot.stages.select import select
from scoring.attribution import Attribution, Evidence
from scoring.diff import SkipReason, parse_file_patch
from scoring.types import LineStatus

SETTINGS = load_settings(None, env={})
CLAUDE = "\n\nCo-authored-by: Claude <noreply@anthropic.com>"
AI = Attribution(True, "commit abc has a Claude trailer", Evidence.TRAILER)


def _patch(n: int) -> str:
    return f"@@ -0,0 +1,{n} @@\n" + "".join(f"+x{i} = {i}\n" for i in range(n))


def test_lines_of_an_ai_file_are_to_score_and_the_human_ones_are_not():
    f = parse_file_patch("a.py", _patch(3))
    lines = select([f], {("a.py", 1): AI, ("a.py", 3): AI}, SETTINGS, ("python",))
    assert [(ln.line, ln.status) for ln in lines] == [
        (1, LineStatus.TO_SCORE),
        (2, LineStatus.NOT_AI),
        (3, LineStatus.TO_SCORE),
    ]
    assert lines[0].why == AI.reason and lines[1].why == "no blame information for this line"


def test_every_line_of_a_skipped_file_keeps_the_file_reason():
    huge = parse_file_patch("big.py", _patch(6), max_added_lines=5)
    excluded = parse_file_patch("gen/x.py", _patch(2))
    settings = load_settings("paths: {exclude: ['gen/**']}", env={})
    lines = select([huge, excluded], {("gen/x.py", 1): AI}, settings, ("python",))
    assert {(ln.path, ln.status, ln.reason) for ln in lines} == {
        ("big.py", LineStatus.FILE_SKIPPED, "too large"),
        ("gen/x.py", LineStatus.FILE_SKIPPED, "excluded by paths"),
    }
    coverage = Coverage.of([huge, excluded], lines)
    assert coverage.skipped == (("excluded by paths", 1), ("too large", 1))
    assert coverage.human_lines == 0


def test_ai_lines_of_a_huge_file_are_reported_as_skipped_too_large_not_as_human(git_repo, tiny):
    # Issue 14.8: the skipped file of a Claude-marked commit was counted as "added lines not AI-written".
    git_repo.commit({"calc.py": "x = 1\n"}, "base")
    git_repo.branch("feature")
    big = "".join(f"v{i} = {i}\n" for i in range(60))
    git_repo.commit({"calc.py": "x = 1\ny = 2\n", "big.py": big}, "Add big table" + CLAUDE)
    snapshot = local_snapshot(git_repo.path, "main", "feature", max_added_lines=50)
    assert {f.path: f.skip for f in snapshot.files}["big.py"] is SkipReason.HUGE

    outcome = review(snapshot, lambda: tiny, SETTINGS)

    line = outcome.coverage.line()
    assert "not AI-written" not in line and outcome.coverage.human_lines == 0
    assert "skipped 1 file (too large)" in line
    assert outcome.coverage.scored_lines == 1 and outcome.coverage.files_scored == 1
