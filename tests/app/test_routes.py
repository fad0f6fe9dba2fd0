import json

import pytest

from bot.app.routes import Job, JobKind, PayloadError, route
from tests.app.deliveries import webhook_body


def payload(name: str) -> dict:
    return json.loads(webhook_body(name))


def test_opened_pull_request_is_a_review_of_its_head():
    job = route("pull_request", payload("pull_request.opened"))
    assert job == Job(
        JobKind.REVIEW,
        {
            "repo": "Codertocat/Hello-World",
            "number": 2,
            "head_sha": "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
            "installation_id": 1,
        },
    )


@pytest.mark.parametrize(
    "name",
    ["pull_request.synchronize", "pull_request.reopened", "pull_request.ready_for_review.with-installation"],
)
def test_new_code_on_a_pull_request_is_reviewed(name: str):
    assert route("pull_request", payload(name)).kind is JobKind.REVIEW


def test_draft_pull_request_waits_for_ready_for_review():
    data = payload("pull_request.opened")
    data["pull_request"]["draft"] = True
    assert route("pull_request", data) is None


def test_closed_pull_request_records_outcomes_and_says_whether_it_merged():
    assert route("pull_request", payload("pull_request.closed")).args["merged"] is False
    assert route("pull_request", payload("pull_request.closed.merged")).args["merged"] is True
    assert route("pull_request", payload("pull_request.closed.merged")).kind is JobKind.OUTCOMES


def test_rerequested_check_run_reruns_its_head():
    job = route("check_run", payload("check_run.rerequested"))
    assert job.kind is JobKind.RERUN and job.args["head_sha"] == "d6fde92930d4715a2b49857d24b940956b26d2d3"


def test_installation_events_are_bookkeeping():
    assert route("installation", payload("installation.created")).args["repos"] == ["Codertocat/Hello-World"]
    assert route("installation", payload("installation.deleted")).kind is JobKind.UNINSTALL
    assert route("installation_repositories", payload("installation_repositories.added")).args["repos"] == [
        "Codertocat/Space"
    ]
    assert (
        route("installation_repositories", payload("installation_repositories.removed")).kind
        is JobKind.REPOS_REMOVED
    )


@pytest.mark.parametrize("event,name", [("ping", "ping"), ("issue_comment", "issue_comment.created")])
def test_other_deliveries_are_ignored(event: str, name: str):
    assert route(event, payload(name)) is None


def test_pull_request_without_installation_is_a_payload_error():
    with pytest.raises(PayloadError, match="installation"):
        route("pull_request", payload("pull_request.ready_for_review"))


@pytest.mark.parametrize(
    "broken", [[], {"action": "opened"}, {"action": "opened", "pull_request": {"number": "7"}}]
)
def test_pull_request_missing_fields_is_a_payload_error(broken):
    with pytest.raises(PayloadError):
        route("pull_request", broken)


@pytest.mark.parametrize("action", ["labeled", "unlabeled"])
def test_a_label_added_or_removed_re_runs_the_review_of_that_pr_s_head(action: str):
    labeled = {**payload("pull_request.labeled"), "action": action}
    job = route("pull_request", labeled)
    pull = labeled["pull_request"]
    assert job is not None and job.kind is JobKind.RERUN
    assert job.args == {
        "repo": labeled["repository"]["full_name"],
        "head_sha": pull["head"]["sha"],
        "installation_id": labeled["installation"]["id"],
        "numbers": [pull["number"]],
    }
    assert route("pull_request", {**labeled, "pull_request": {**pull, "draft": True}}) is None
