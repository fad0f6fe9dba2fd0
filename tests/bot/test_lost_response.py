"""The CLI and Action path (bot.pull_review.review_pull): GitHub creates the review or the check run but the
answer is lost (a 502 after the work was done); the client's retry finds it instead of posting a second one
(issue 24, item 2)."""

from __future__ import annotations

import pytest

from bot.github.pulls import REVIEW_MARKER_PREFIX
from bot.pull_review import review_pull
from tests.fakes import FakePull

CODE = "def bug(x):\n    return x - 1  # bug\n"
PATCH = "@@ -0,0 +1,2 @@\n+def bug(x):\n+    return x - 1  # bug\n"


@pytest.mark.parametrize("what", [r"/pulls/9/reviews$", r"/check-runs$"])
def test_a_lost_answer_gives_one_review_and_one_check_run(client, fake_github, tiny, what):
    pull = FakePull("acme/app", 9, head_sha="c" * 40, author="copilot-swe-agent[bot]",
                    files=[{"filename": "calc.py", "status": "added", "patch": PATCH}],
                    commits=[{"sha": "c" * 40, "message": "Add bug", "author_name": "Copilot",
                              "author_email": "198982749+Copilot@users.noreply.github.com", "login": "Copilot"}])
    fake_github.add_pull(pull, {"calc.py": CODE})
    fake_github.lose_response("POST", what, 502)
    outcome = review_pull(client, "acme/app", 9, lambda s: tiny, bot_login="github-actions[bot]")
    assert outcome is not None and outcome.reporter_errors == ()
    assert len(fake_github.reviews) == 1 and len(fake_github.check_runs) == 1
    assert len(fake_github.review_comments) == len(outcome.plan.new) > 0
    assert REVIEW_MARKER_PREFIX in fake_github.reviews[0]["body"]
