"""A worker killed with SIGKILL in the middle of a review: Redis redelivers the unacknowledged task to the
next worker, which reviews the PR exactly once. Real redis-server and `redline worker` subprocesses."""

import pytest

from bot.store import ReviewKey, ReviewStatus
from tests.app.conftest import wait_until
from tests.app.deliveries import pr_delivery as delivery
from tests.app.deliveries import send
from tests.app.github_app import REPO
from tests.app.github_app import add_ai_pull as add_pull

pytestmark = [pytest.mark.redis, pytest.mark.slow]
REVIEW_TIMEOUT_S = 120


def test_worker_killed_mid_review_is_redelivered_and_reviews_once(app_github, web, workers, tmp_path):
    client, store = web
    head = "3" * 40
    add_pull(app_github, 103, head)
    marker = tmp_path / "stalled"
    stalling = {"REDLINE_SCORER": "tests.app.scorers:stalling", "REDLINE_TEST_STALL_MARKER": str(marker)}
    first = workers.start(**stalling)
    assert send(client, "pull_request", delivery("pull_request.opened", 103, head)).status_code == 202
    wait_until(marker.exists, REVIEW_TIMEOUT_S, "the first worker to start scoring", workers.log_text)
    first.kill()  # SIGKILL: no cleanup, the message stays unacknowledged in Redis
    first.wait()
    key = ReviewKey(REPO, 103, head)
    assert store.review_status(key) is ReviewStatus.RUNNING
    workers.start(**stalling)
    wait_until(
        lambda: store.review_status(key) is ReviewStatus.DONE,
        REVIEW_TIMEOUT_S,
        "the redelivered review",
        workers.log_text,
    )
    assert len([r for r in app_github.reviews if r["number"] == 103]) == 1
