"""App mode against a GitHub that answers badly: a malformed answer or a time limit that runs out ends the
job with a neutral check run that says why (a required check must not wait forever), never a crash."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from bot.app.settings import AppSettings
from bot.app.tasks import Runtime, _review, is_transient
from bot.github.auth import AppAuth
from bot.pull_review import PullSource
from bot.review import run as run_review
from bot.store import ReviewKey, ReviewStatus
from scoring.errors import GitHubResponseError
from tests.app.github_app import REPO, add_ai_pull, private_key_pem
from tests.fakes import FakeResponse


def _runs(fake, head_sha):
    return [r for r in fake.check_runs if r["head_sha"] == head_sha]


@pytest.mark.parametrize(
    ("number", "body"), [(301, {"message": "ok"}), (302, b'[{"filename": "calc.py", "st')]
)
def test_a_malformed_files_answer_gives_a_neutral_check_run_with_the_reason(app_github, number, body):
    pull = add_ai_pull(app_github, number, str(number) * 13 + "3")
    route = f"/repos/{{owner}}/{{repo}}/pulls/{pull.number}/files"
    app_github.route("GET", route)(lambda request, **_: FakeResponse(200, body))
    client = AppAuth("82994", private_key_pem(), base_url=app_github.base_url, throttle=False).client(5)
    with pytest.raises(GitHubResponseError) as raised:
        run_review(
            PullSource(client, REPO, pull.number, pull.head_sha),
            lambda settings: None,
            bot_login="redline[bot]",
            time_budget_s=60,
        )
    assert not is_transient(raised.value)
    [run] = _runs(app_github, pull.head_sha)
    assert run["conclusion"] == "neutral" and "GitHub's answer could not be read" in run["output"]["title"]
    assert str(raised.value) in run["output"]["summary"]


def test_a_soft_time_limit_gives_a_neutral_check_run_and_a_failed_record(app_github, tmp_path):
    pull = add_ai_pull(app_github, 360, "6" * 40)
    runtime = Runtime(
        AppSettings(
            app_id="82994",
            private_key=private_key_pem(),
            github_api_url=app_github.base_url,
            github_throttle=False,
            database_url=f"sqlite:///{tmp_path / 'r.db'}",
            task_time_limit_s=120,
        )
    )

    def out_of_time(repo, settings):
        raise SoftTimeLimitExceeded()

    runtime.scorer_for = out_of_time  # type: ignore[method-assign]
    runtime._auth = AppAuth("82994", private_key_pem(), base_url=app_github.base_url, throttle=False)
    task = SimpleNamespace(request=SimpleNamespace(id="t-1", retries=0))
    try:
        assert _review(task, runtime, REPO, pull.number, pull.head_sha, 5) == {"status": "timed out"}
        assert runtime.store.review_status(ReviewKey(REPO, pull.number, pull.head_sha)) is ReviewStatus.FAILED
    finally:
        runtime.store.close()
    [run] = _runs(app_github, pull.head_sha)
    assert run["conclusion"] == "neutral" and "time limit ran out" in run["output"]["title"]
