"""`redline report --repo PATH` on a real repository (tests/bot/feedback/story.py): no token, no store."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.feedback import report
from bot.feedback.local import LocalOutcomes, local_outcomes
from scoring import target
from scoring.types import LineVerdict
from tests.bot.feedback.story import DAY0, EXPECTED, Story, build_story

SINCE, UNTIL = DAY0 - dt.timedelta(days=1), DAY0 + dt.timedelta(days=100)


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    return build_story(tmp_path_factory.mktemp("local-report") / "inventory")


@pytest.fixture(scope="module")
def found(story: Story) -> LocalOutcomes:
    return local_outcomes(story.path, SINCE, UNTIL)


def test_the_ai_commits_lines_are_scored_and_followed_after_merge(found: LocalOutcomes):
    assert (found.name, found.commits, found.unread) == ("inventory", 1, 0)
    kinds = sorted(o.after.fate.kind.value for o in found.lines if o.after)
    # app.py's 8 lines: the 6 of the story and its 2 blank lines, which survive
    assert kinds == sorted([k for k, *_ in EXPECTED.values()] + ["survived", "survived"])
    assert all(o.fate is None and o.after and o.after.window_ended for o in found.lines)
    assert [o.target for o in found.lines].count(True) == 1


def test_flagged_lines_hit_the_target_as_the_history_says(found: LocalOutcomes):
    flagged = {target.EditKind.MODIFIED, target.EditKind.MOVED}  # one changed by a person, one only moved
    commented, below = LineVerdict.COMMENT, LineVerdict.BELOW_THRESHOLD
    lines = [
        dataclasses.replace(
            o,
            line=dataclasses.replace(
                o.line, verdict=commented if o.after is not None and o.after.fate.kind in flagged else below
            ),
        )
        for o in found.lines
    ]
    built = report.build("inventory", SINCE, UNTIL, lines, (), len(lines), 1, branch="main")
    assert (built.comment_hits, built.comments, built.hit_rate) == (1, 2, 0.5)
    assert (built.touched.comment_events, built.positives, built.n_target, built.in_pr.lines) == (2, 1, 8, 0)


def test_a_window_still_open_leaves_untouched_lines_pending(story: Story):
    early = local_outcomes(story.path, SINCE, DAY0 + dt.timedelta(days=2.5))
    built = report.build("inventory", SINCE, UNTIL, early.lines, (), len(early.lines), 1)
    assert (built.pending, built.n_target, built.positives) == (6, 2, 0)  # format and moved are known


def test_cli_prints_the_report_of_a_local_checkout_and_writes_no_store(story: Story, tmp_path, monkeypatch):
    for name in ("GITHUB_REPOSITORY", "GITHUB_TOKEN", "REDLINE_GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REDLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    monkeypatch.setenv("REDLINE_COMMENT_THRESHOLD", "0")  # comment on every line: the hit rate is the repo's
    args = ["report", "--repo", str(story.path), "--no-post", "--since", "26w", "--until", UNTIL.isoformat()]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "redline's probabilities are of one event, the **target**" in out and "`main`" in out
    assert (
        "| **target**: a person changed its content within 90 days | 0.125 (1 of 8) | 0.125 (1 of 8) |" in out
    )
    assert (
        "| any later commit touched it (the older, looser label) | 0.500 (4 of 8) | 0.500 (4 of 8) |" in out
    )
    assert "| edited inside the PR, before merge | n/a (0 of 0) | n/a (0 of 0) |" in out
    for row in (
        "| modified | 1 | 0 |",
        "| deleted | 0 | 1 |",
        "| moved | 1 | 0 |",
        "| format | 1 | 0 |",
        "| survived (nobody touched it in 90 days) | 4 | |",
        "| AI commits reviewed / lines scored | 1 / 8 |",
    ):
        assert row in out
    assert re.search(r"1 AI commits, 8 scored lines, 8 with the target known, 0 pending, 0 not read", out)
    assert not (tmp_path / "store.db").exists()
    written = tmp_path / "report.md"
    again = CliRunner().invoke(cli, [*args, "--output", str(written)])
    assert again.exit_code == 0 and written.read_text().startswith("**")
