"""The GitHub client against the local fake: reads, the review 422 rule, 50-annotation batches, retries."""

from __future__ import annotations

import pytest

from bot.github import checks, pulls
from bot.github.checks import Annotation
from scoring.errors import GitHubError, GitHubResponseError
from tests.fakes import FakePull, FakeResponse, recorded

PATCH = "@@ -1,2 +1,3 @@\n def f():\n-    return 0\n+    x = 1\n+    return x\n"


@pytest.fixture
def pull(fake_github):
    return fake_github.add_pull(
        FakePull(
            "acme/app",
            7,
            title="Fix f",
            body="Make f return one",
            labels=["ai-generated"],
            author="copilot-swe-agent[bot]",
            files=[
                {"filename": "f.py", "status": "modified", "patch": PATCH},
                {"filename": "logo.png", "status": "added", "patch": None},
            ],
            commits=[
                {
                    "sha": "c" * 40,
                    "author_name": "Copilot",
                    "author_email": "198982749+Copilot@users.noreply.github.com",
                    "message": "Fix f",
                    "login": "Copilot",
                }
            ],
        ),
        contents={"f.py": "def f():\n    x = 1\n    return x\n"},
    )


def test_pull_files_commits_and_contents_are_read(client, pull):
    info = pulls.get_pull(client, "acme/app", 7)
    assert (info.title, info.head_sha, info.labels, info.author_login) == (
        "Fix f",
        pull.head_sha,
        ("ai-generated",),
        "copilot-swe-agent[bot]",
    )
    files = pulls.list_files(client, "acme/app", 7)
    assert [(f.filename, f.patch is None) for f in files] == [("f.py", False), ("logo.png", True)]
    [commit] = pulls.list_commits(client, "acme/app", 7)
    assert (
        commit.author.endswith("<198982749+Copilot@users.noreply.github.com>") and commit.login == "Copilot"
    )
    assert (
        pulls.file_text(client, "acme/app", "f.py", pull.head_sha) == b"def f():\n    x = 1\n    return x\n"
    )
    assert pulls.file_text(client, "acme/app", "missing.py", pull.head_sha) is None


def test_files_are_paginated(client, fake_github, pull):
    pull.files = [
        {"filename": f"f{i}.py", "status": "added", "patch": "@@ -0,0 +1 @@\n+x\n"} for i in range(130)
    ]
    assert len(pulls.list_files(client, "acme/app", 7)) == 130
    assert len(fake_github.calls("GET", r"/pulls/7/files$")) >= 2


def test_review_with_lines_inside_the_diff_is_posted(client, fake_github, pull):
    comments = [
        {"path": "f.py", "line": 3, "side": "RIGHT", "body": "b", "start_line": 2, "start_side": "RIGHT"}
    ]
    pulls.create_review(client, "acme/app", 7, pull.head_sha, "summary", comments)
    [stored] = fake_github.review_comments
    assert (stored["path"], stored["line"], stored["start_line"]) == ("f.py", 3, 2)
    assert fake_github.calls("POST", "/reviews$")[0].body["commit_id"] == pull.head_sha


def test_review_with_a_line_outside_the_diff_is_a_422(client, fake_github, pull):
    with pytest.raises(GitHubError) as caught:
        pulls.create_review(
            client,
            "acme/app",
            7,
            pull.head_sha,
            "s",
            [{"path": "f.py", "line": 9, "side": "RIGHT", "body": "b"}],
        )
    assert caught.value.status == 422 and fake_github.review_comments == []


def test_review_comments_are_listed_edited_and_deleted(client, fake_github, pull):
    other = fake_github.add_review_comment(pull, "f.py", 2, "looks odd", login="ada")
    pulls.create_review(
        client,
        "acme/app",
        7,
        pull.head_sha,
        "s",
        [{"path": "f.py", "line": 2, "side": "RIGHT", "body": "mine"}],
    )
    listed = pulls.list_review_comments(client, "acme/app", 7)
    assert {(c.user_login, c.body) for c in listed} == {("ada", "looks odd"), ("github-actions[bot]", "mine")}
    mine = next(c for c in listed if c.body == "mine")
    pulls.edit_review_comment(client, "acme/app", 7, mine.id, "edited")
    pulls.delete_review_comment(client, "acme/app", 7, other)
    assert [c["body"] for c in fake_github.review_comments] == ["edited"]


def test_authenticated_login_falls_back_when_the_token_cannot_ask(client):
    assert pulls.authenticated_login(client, "github-actions[bot]") == "github-actions[bot]"


def test_check_run_sends_annotations_fifty_per_request(client, fake_github):
    annotations = [Annotation("f.py", i, i, "warning", f"m{i}") for i in range(1, 102)]
    run_id = checks.create_check_run(
        client,
        "acme/app",
        name="redline",
        head_sha="h" * 40,
        conclusion="failure",
        title="t",
        summary="s",
        annotations=annotations,
    )
    posts = fake_github.calls("POST", "/check-runs$") + fake_github.calls("PATCH", "/check-runs/")
    assert [len(r.body["output"]["annotations"]) for r in posts] == [50, 50, 1]
    [run] = fake_github.check_runs
    assert (
        run["id"] == run_id and run["output"]["annotations_count"] == 101 and run["conclusion"] == "failure"
    )


def test_check_summary_is_trimmed_to_the_github_limit():
    assert len(checks.trim_summary("x" * 70000)) == checks.CHECK_SUMMARY_MAX_CHARS


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected_sleep"),
    [
        (429, {"Retry-After": "8"}, recorded("errors.429.secondary-rate-limit"), 8.0),
        (403, {"Retry-After": "3"}, recorded("errors.403.secondary-rate-limit"), 3.0),
        (502, {}, {"message": "Server Error"}, 0.5),
    ],
)
def test_rate_limits_and_5xx_are_retried_with_the_wait_github_asks_for(
    client, fake_github, sleeps, pull, status, headers, body, expected_sleep
):
    fake_github.fail("GET", r"/pulls/7$", status, times=2, headers=headers, body=body)
    assert pulls.get_pull(client, "acme/app", 7).number == 7
    assert sleeps[0] == expected_sleep and len(sleeps) == 2
    assert len(fake_github.calls("GET", r"/pulls/7$")) == 3


def test_secondary_limit_without_retry_after_waits_at_least_a_minute(client, fake_github, sleeps, pull):
    fake_github.fail("GET", r"/pulls/7$", 403, body=recorded("errors.403.secondary-rate-limit"))
    pulls.get_pull(client, "acme/app", 7)
    assert sleeps == [60.0]


def test_persistent_5xx_gives_up_with_a_github_error(client, fake_github, sleeps, pull):
    fake_github.fail("GET", r"/pulls/7$", 503, times=10)
    with pytest.raises(GitHubError) as caught:
        pulls.get_pull(client, "acme/app", 7)
    assert caught.value.status == 503 and len(sleeps) == 3


def test_404_is_not_retried(client, fake_github, sleeps):
    with pytest.raises(GitHubError) as caught:
        pulls.get_pull(client, "acme/app", 99)
    assert caught.value.status == 404 and sleeps == []


# -- answers that are not what the API documents ----------------------------------------------------------

FILES = "/repos/{owner}/{repo}/pulls/{number}/files"


@pytest.mark.parametrize(
    "body",
    [
        {"message": "ok", "files": []},
        b'[{"filename": "f.py", "sta',
        [1, 2],
        [{"filename": 3, "status": "added"}],
        [{"status": "added"}],
        "text",
    ],
)
def test_a_malformed_files_answer_is_a_github_response_error_and_not_retried(
    client, fake_github, sleeps, pull, body
):
    fake_github.route("GET", FILES)(lambda request, **_: FakeResponse(200, body))
    with pytest.raises(GitHubResponseError, match=r"files of acme/app#7|/pulls/7/files with"):
        pulls.list_files(client, "acme/app", 7)
    assert sleeps == [] and len(fake_github.calls("GET", r"/pulls/7/files$")) == 1


def test_a_pagination_that_loops_back_is_read_once_per_page(client, fake_github, pull):
    def same_page(request, **_):
        return FakeResponse(
            200,
            [{"filename": "f.py", "status": "added", "patch": None}],
            {"Link": f'<{fake_github.base_url}{request.path}?per_page=100>; rel="next"'},
        )

    fake_github.route("GET", FILES)(same_page)
    with pytest.raises(GitHubResponseError, match="comes back to a page already read"):
        pulls.list_files(client, "acme/app", 7)
    assert len(fake_github.calls("GET", r"/pulls/7/files$")) == 1


def test_a_pagination_that_never_ends_stops_at_the_page_cap(client, fake_github, pull):
    from bot.github.client import MAX_PAGES

    def next_page(request, **_):
        page = int(request.query.get("page", 1))
        url = f"{fake_github.base_url}{request.path}?per_page=1&page={page + 1}"
        return FakeResponse(200, [], {"Link": f'<{url}>; rel="next"'})

    fake_github.route("GET", "/repos/{owner}/{repo}/pulls/{number}/comments")(next_page)
    with pytest.raises(GitHubResponseError, match=f"past {MAX_PAGES} pages"):
        pulls.list_review_comments(client, "acme/app", 7)
    assert len(fake_github.calls("GET", r"/pulls/7/comments$")) == MAX_PAGES
