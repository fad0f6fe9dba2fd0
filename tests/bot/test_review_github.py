"""A GitHub PR end to end: fake GitHub over HTTP, real (tiny) scorer, one batch review, check run, re-push."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.github import pulls
from bot.pull_review import PullSource
from bot.reporters.check_run import CheckRunReporter
from bot.reporters.pr_review import PullRequestReviewReporter, existing_comments
from bot.review import review
from bot.review import run as run_review
from bot.snapshot import github_snapshot
from bot.stages.comments import ExistingComment
from scoring.decisions import GateConclusion
from tests.fakes import FakePull, FakeResponse, recorded_error

SETTINGS = load_settings(None, env={})
TEXT_V1 = (
    "def add(a, b):\n    return a + b\n"
    "def bug(x):\n    return x - 1  # bug\nfor i in range(10):\n\tprint(i)\n"
)
PATCH_V1 = (
    "@@ -1,2 +1,6 @@\n def add(a, b):\n     return a + b\n"
    "+def bug(x):\n+    return x - 1  # bug\n+for i in range(10):\n+\tprint(i)\n"
)
# second push: the first planted line is fixed, the second stays
TEXT_V2 = (
    "def add(a, b):\n    return a + b\n"
    "def fixed(x):\n    return x - 1  # bug\nfor i in range(10):\n\tprint(i)\n"
)
PATCH_V2 = PATCH_V1.replace("+def bug(x):", "+def fixed(x):")
COPILOT = {
    "author_name": "Copilot",
    "author_email": "198982749+Copilot@users.noreply.github.com",
    "login": "Copilot",
}


def _pull(fake, head_sha, text, patch, author="copilot-swe-agent[bot]", commit_author=COPILOT, labels=()):
    pull = FakePull(
        "acme/app",
        5,
        title="Add loop",
        author=author,
        head_sha=head_sha,
        labels=list(labels),
        files=[{"filename": "calc.py", "status": "modified", "patch": patch}],
        commits=[{"sha": head_sha, "message": "Add loop", **commit_author}],
    )
    return fake.add_pull(pull, contents={"calc.py": text})


def _run(client, tiny, settings=SETTINGS):
    snapshot = github_snapshot(client, pulls.get_pull(client, "acme/app", 5))
    existing = existing_comments(client, "acme/app", 5)
    reporters = [
        PullRequestReviewReporter(client, "acme/app", 5, snapshot.files),
        CheckRunReporter(client, "acme/app"),
    ]
    return review(
        snapshot,
        lambda: tiny,
        settings,
        existing=existing,
        bot_login="github-actions[bot]",
        reporters=reporters,
    )


def test_ai_pr_gets_one_batch_review_with_comments_above_threshold_and_a_check_run(client, fake_github, tiny):
    _pull(fake_github, "a" * 40, TEXT_V1, PATCH_V1)
    outcome = _run(client, tiny)
    [review_call] = fake_github.calls("POST", "/pulls/5/reviews$")
    body = review_call.body
    assert body["commit_id"] == "a" * 40 and body["event"] == "COMMENT"
    assert sorted(c["line"] for c in body["comments"]) == [3, 4]
    assert all(c["side"] == "RIGHT" and "redline:fp=" in c["body"] for c in body["comments"])
    [run] = fake_github.check_runs
    assert run["conclusion"] == "failure" == outcome.gate.conclusion.value
    assert run["head_sha"] == "a" * 40 and run["output"]["annotations_count"] >= 2


def test_second_push_updates_without_duplicates(client, fake_github, tiny):
    _pull(fake_github, "a" * 40, TEXT_V1, PATCH_V1)
    _run(client, tiny)
    assert len(fake_github.review_comments) == 2
    _pull(fake_github, "b" * 40, TEXT_V2, PATCH_V2)
    first_ids = {c["line"]: c["id"] for c in fake_github.review_comments}
    outcome = _run(client, tiny)
    # "return x - 1  # bug" is still flagged: its comment stays, same id, not posted again;
    # the fixed `def bug` line's comment is deleted (nobody replied to it).
    assert [(c["line"], c["id"]) for c in fake_github.review_comments] == [(4, first_ids[4])]
    assert outcome.plan.new == () and outcome.plan.delete == (first_ids[3],)
    assert len(fake_github.calls("POST", "/reviews$")) == 1
    assert len(fake_github.calls("DELETE", "/pulls/comments/")) == 1
    _run(client, tiny)  # a third run with nothing new posts and deletes nothing
    assert (
        len(fake_github.calls("POST", "/reviews$")) == 1
        and len(fake_github.calls("DELETE", "/comments/")) == 1
    )


def test_human_pr_gets_no_review(client, fake_github, tiny):
    _pull(
        fake_github,
        "a" * 40,
        TEXT_V1,
        PATCH_V1,
        author="ada",
        commit_author={"author_name": "Ada", "author_email": "ada@example.com", "login": "ada"},
    )
    outcome = _run(client, tiny)
    assert fake_github.calls("POST", "/reviews$") == [] and outcome.gate.conclusion is GateConclusion.SUCCESS


def test_a_422_for_one_comment_never_loses_the_others(client, fake_github, tiny):
    _pull(fake_github, "a" * 40, TEXT_V1, PATCH_V1)

    @fake_github.route("POST", "/repos/{owner}/{repo}/pulls/{number}/reviews")
    def refuse_line_3(request, owner, repo, number):
        if any(c["line"] == 3 for c in request.body.get("comments", [])):
            return FakeResponse(422, recorded_error("create-review.422.line-not-in-diff.2022"))
        return fake_github._create_review(request, owner, repo, number)

    reporter_outcome = _run(client, tiny)
    assert [c["line"] for c in fake_github.review_comments] == [4]
    refused_bodies = [r["body"] for r in fake_github.reviews if "could not place" in r["body"]]
    assert len(refused_bodies) == 1 and "line 3" in refused_bodies[0]
    assert reporter_outcome.reporter_errors == ()


@pytest.mark.parametrize(("status", "wait_s"), [(429, 2.0), (502, 0.5)])  # Retry-After; the first backoff
def test_rate_limit_and_5xx_on_posting_are_retried(client, fake_github, tiny, sleeps, status, wait_s):
    _pull(fake_github, "a" * 40, TEXT_V1, PATCH_V1)
    fake_github.fail(
        "POST", r"/pulls/5/reviews$", status, headers={"Retry-After": "2"} if status == 429 else {}
    )
    _run(client, tiny)
    assert len(fake_github.review_comments) == 2 and sleeps == [wait_s]


def test_read_only_token_on_a_fork_degrades_to_a_reporter_error(client, fake_github, tiny):
    _pull(fake_github, "a" * 40, TEXT_V1, PATCH_V1)
    fake_github.fail(
        "POST", r"/reviews$", 403, body=recorded_error("403.resource-not-accessible-by-integration")
    )
    outcome = _run(client, tiny)
    assert any("403" in e for e in outcome.reporter_errors)
    assert len(fake_github.check_runs) == 1  # the other reporters still ran


def test_existing_comments_are_read_with_their_authors(client, fake_github):
    pull = _pull(fake_github, "a" * 40, TEXT_V1, PATCH_V1)
    fake_github.add_review_comment(pull, "calc.py", 3, "hm", login="ada")
    assert existing_comments(client, "acme/app", 5) == [
        ExistingComment(fake_github.review_comments[0]["id"], "calc.py", 3, "hm", "ada", None)
    ]


def test_a_pull_request_review_reads_the_config_of_the_default_branch_and_posts_review_and_check(
    client, fake_github, tiny
):
    pull = _pull(fake_github, "a" * 40, TEXT_V1, PATCH_V1)
    fake_github.contents[("acme/app", ".github/redline.yml", "main")] = b"gate: {enabled: false}\n"
    seen = []

    def scorer(settings):
        seen.append(settings)
        return tiny

    outcome = run_review(PullSource(client, "acme/app", pull.number), scorer, bot_login="github-actions[bot]")
    assert outcome is not None and [s.gate.enabled for s in seen] == [False]
    assert (
        outcome.gate.conclusion is GateConclusion.NEUTRAL
    )  # the high-risk hunk does not fail a switched-off gate
    [review_call] = fake_github.calls("POST", "/pulls/5/reviews$")
    assert sorted(c["line"] for c in review_call.body["comments"]) == [3, 4]
    [run] = fake_github.check_runs
    assert run["conclusion"] == "neutral" and run["head_sha"] == "a" * 40


def test_a_pull_request_review_for_a_head_that_moved_on_posts_nothing(client, fake_github, tiny):
    _pull(fake_github, "b" * 40, TEXT_V1, PATCH_V1)
    outcome = run_review(PullSource(client, "acme/app", 5, "a" * 40), lambda settings: tiny, bot_login="x")
    assert outcome is None
    assert fake_github.calls("POST", "/reviews$") == [] and fake_github.check_runs == []
