"""The CLI and Action path (bot.review.run over bot.pull_review.PullSource) against GitHub. GitHub creates
the review or the check run but the answer is lost (a 502 after the work was done); the client's retry
finds it instead of posting a second one (issue 24, item 2). A re-review reads earlier comments from the
listing only (item 11)."""

from __future__ import annotations

import re

import pytest

from bot.github.pulls import REVIEW_MARKER_PREFIX
from bot.pull_review import PullSource
from bot.review import run
from tests.fakes import FakePull

CODE = "def bug(x):\n    return x - 1  # bug\n"
PATCH = "@@ -0,0 +1,2 @@\n+def bug(x):\n+    return x - 1  # bug\n"


def _add(fake, head: str, code: str, patch: str) -> FakePull:
    pull = FakePull(
        "acme/app",
        9,
        head_sha=head,
        author="copilot-swe-agent[bot]",
        files=[{"filename": "calc.py", "status": "added", "patch": patch}],
        commits=[
            {
                "sha": head,
                "message": "Add bug",
                "author_name": "Copilot",
                "author_email": "198982749+Copilot@users.noreply.github.com",
                "login": "Copilot",
            }
        ],
    )
    return fake.add_pull(pull, {"calc.py": code})


@pytest.mark.parametrize("what", [r"/pulls/9/reviews$", r"/check-runs$"])
def test_a_lost_answer_gives_one_review_and_one_check_run(client, fake_github, tiny, what):
    _add(fake_github, "c" * 40, CODE, PATCH)
    fake_github.lose_response("POST", what, 502)
    outcome = run(PullSource(client, "acme/app", 9), lambda s: tiny, bot_login="github-actions[bot]")
    assert outcome is not None and outcome.reporter_errors == ()
    assert len(fake_github.reviews) == 1 and len(fake_github.check_runs) == 1
    assert len(fake_github.review_comments) == len(outcome.plan.new) > 0
    assert REVIEW_MARKER_PREFIX in fake_github.reviews[0]["body"]


def test_a_re_review_reads_earlier_comments_from_the_listing_only(client, fake_github, tiny):
    """Re-review reads redline's earlier comments from the paged listing and edits or resolves them by id: no
    GET per comment (issue 24, item 11: lazy PyGithub objects made one each)."""
    _add(fake_github, "d" * 40, CODE, PATCH)
    run(PullSource(client, "acme/app", 9), lambda s: tiny, bot_login="github-actions[bot]")
    assert fake_github.review_comments  # something to revisit
    fixed = CODE.replace("# bug", "")
    _add(fake_github, "e" * 40, fixed, PATCH.replace("# bug", ""))
    before = len(fake_github.requests)
    run(PullSource(client, "acme/app", 9), lambda s: tiny, bot_login="github-actions[bot]")
    later = fake_github.requests[before:]
    assert [r for r in later if r.method == "PATCH" and "/pulls/comments/" in r.path]  # resolved
    assert not [r for r in later if r.method == "GET" and re.search(r"/pulls/comments/\d+$", r.path)]


@pytest.mark.parametrize(
    ("contents", "reason"),
    [
        (None, "file not readable at head"),  # the contents API answers 404
        ("x = 1\n" * 200_000, "over 1 MB"),  # the contents API answers encoding: none
    ],
)
def test_an_ai_file_whose_text_cannot_be_read_is_not_scored_and_says_why(
    client, fake_github, tiny, contents, reason
):
    """Issue 24, item 11: such a file's lines were reported as human-written, or scored against an empty
    text."""
    _add(fake_github, "f" * 40, CODE, PATCH)
    key = ("acme/app", "calc.py", "f" * 40)
    if contents is None:
        fake_github.contents.pop(key)
    else:
        fake_github.contents[key] = contents.encode()

        @fake_github.route("GET", "/repos/{owner}/{repo}/contents/{path}")
        def large(request, **params):  # what GitHub answers for a file over 1 MB
            answer = fake_github._get_contents(request, **params)
            answer.body.update(content="", encoding="none")
            return answer

    try:
        outcome = run(PullSource(client, "acme/app", 9), lambda s: tiny, bot_login="github-actions[bot]")
    finally:
        if contents is not None:
            fake_github._routes.pop(0)
    assert outcome is not None and outcome.lines
    assert [ln.reason for ln in outcome.lines if reason not in ln.reason] == []
    assert all(ln.ai and ln.status.value == "file skipped" for ln in outcome.lines)  # AI-written, not scored
    assert "not scored" in outcome.coverage.line() or reason in outcome.plan.summary
