"""The weekly report filed from a store holding a synthetic history with known outcomes, on the fake
GitHub."""

import datetime as dt
import re

import pytest

from bot.app.reporting import file_report
from bot.app.settings import AppSettings
from bot.feedback.types import AfterMerge, Fate
from bot.github.auth import AppAuth
from bot.github.issues import REPORT_LABEL
from bot.store import ReviewKey, ReviewRecord, Store
from scoring import target
from scoring.types import LineScore, LineVerdict
from tests.app.github_app import private_key_pem

REPO = "octo/a"
CLOSED = dt.datetime(2026, 11, 18, 12, tzinfo=dt.UTC)
SINCE, UNTIL = dt.datetime(2026, 11, 16, tzinfo=dt.UTC), dt.datetime(2026, 11, 23, tzinfo=dt.UTC)


def seed(
    store: Store,
    number: int,
    lines: list[tuple[float, bool, bool]],
    merged: bool = True,
    gate: str = "success",
    closed: dt.datetime = CLOSED,
) -> None:
    """One reviewed PR: (probability, commented, edited) per line, closed at `closed`; an edited line was
    edited inside the PR and then changed by a person after merge (the target), the others survived 90
    days."""
    key = ReviewKey(REPO, number, f"{number:040d}")
    store.claim_review(key, f"task-{number}", 600)
    records = tuple(
        LineScore(
            "a.py",
            i + 1,
            p,
            0.0,
            f"x = {i}",
            verdict=LineVerdict.COMMENT if commented else LineVerdict.BELOW_THRESHOLD,
        )
        for i, (p, commented, _) in enumerate(lines)
    )
    store.finish_review(key, ReviewRecord("probe-1", "tiny", gate, False, records))
    (review,) = store.finished_reviews(REPO, number)
    fates = [
        (key, Fate.EDITED if edited else Fate.KEPT)
        for key, (_, _, edited) in zip(review.lines, lines, strict=True)
    ]
    store.record_outcomes(REPO, number, merged, key.head_sha, fates, closed)
    changed = target.Fate(
        target.EditKind.MODIFIED, target.Editor.HUMAN, target.CommitSize(1, 1, 1), 9.0, "c" * 40
    )
    store.record_after_merge(
        [
            (i, AfterMerge(changed if edited else target.Fate(target.EditKind.SURVIVED), True))
            for (i, _), (_, _, edited) in zip(fates, lines, strict=True)
            if merged
        ]
    )


@pytest.fixture
def seeded(store: Store) -> Store:
    seed(
        store,
        1,
        [(0.9, True, True), (0.9, True, True), (0.9, True, False), (0.2, False, False)],
        gate="failure",
    )
    seed(store, 2, [(0.2, False, True), (0.2, False, False), (0.2, False, False), (0.2, False, False)])
    seed(store, 3, [(0.9, True, False)], merged=False)
    seed(store, 4, [(0.9, True, True)], closed=SINCE - dt.timedelta(days=3))  # last week: not in this report
    return store


@pytest.fixture
def client(app_github):
    return AppAuth("82994", private_key_pem(), base_url=app_github.base_url, throttle=False).client(5)


def test_report_issue_shows_the_numbers_of_the_known_history(seeded, client, app_github, tmp_path):
    result = file_report(seeded, client, AppSettings(report_dir=tmp_path), REPO, SINCE, UNTIL)
    (issue,) = [i for i in app_github.issues if i["repo"] == REPO]
    assert issue["number"] == result["issue"] and issue["labels"] == [REPORT_LABEL]
    assert issue["title"] == "redline calibration report 2026-W47 (16 Nov to 22 Nov 2026)"
    body = issue["body"]
    assert "| lines with an outcome | 8: 8 with the target known, 0 pending, 0 not read after merge |" in body
    assert "| PRs closed | 3 (1 unmerged, left out) |" in body
    assert (
        "| **target**: a person changed its content within 90 days | 0.667 (2 of 3) | 0.375 (3 of 8) |"
        in body
    )
    assert "| edited inside the PR, before merge | 0.667 (2 of 3) | 0.375 (3 of 8) |" in body
    ece = float(re.search(r"\| ECE, 10 equal-width bins \| ([0-9.]+)", body).group(1))
    assert ece == pytest.approx(3 / 8 * abs(0.9 - 2 / 3), abs=0.001)
    assert body.startswith("**Too few commented lines to judge the comments (3, at least 10 needed)")
    assert '"0.20-1.00 (n=8)"' in body and "bar [0.375]" in body  # 5 + 3 lines: one bin of 8
    assert (tmp_path / "octo__a" / "reliability-2026-W47.png").is_file()


def test_rerunning_the_week_updates_the_issue_instead_of_filing_another(seeded, client, app_github, tmp_path):
    settings = AppSettings(report_dir=tmp_path)
    first = file_report(seeded, client, settings, REPO, SINCE, UNTIL)
    seed(seeded, 5, [(0.9, True, True)])
    second = file_report(seeded, client, settings, REPO, SINCE, UNTIL)
    issues = [i for i in app_github.issues if i["repo"] == REPO]
    assert first["issue"] == second["issue"] and len(issues) == 1
    assert (
        "| **target**: a person changed its content within 90 days | 0.750 (3 of 4) | 0.444 (4 of 9) |"
        in issues[0]["body"]
    )


def test_without_a_store_number_the_issue_is_found_by_its_title(seeded, client, app_github, tmp_path):
    settings = AppSettings(report_dir=tmp_path)
    first = file_report(seeded, client, settings, REPO, SINCE, UNTIL)
    fresh = Store.open(f"sqlite:///{tmp_path / 'other.db'}")  # Action mode: no memory of the issue
    seed(fresh, 1, [(0.9, True, True)])
    second = file_report(fresh, client, settings, REPO, SINCE, UNTIL)
    assert second["issue"] == first["issue"] and len([i for i in app_github.issues if i["repo"] == REPO]) == 1


def test_enough_outcomes_fit_a_recalibration_that_the_worker_then_uses(store, client, tmp_path):
    import numpy as np

    rng = np.random.default_rng(0)
    for number in range(60):  # shown 0.9 everywhere, but only ~30 % of lines get edited
        seed(store, 100 + number, [(0.9, True, bool(rng.random() < 0.3)) for _ in range(5)])
    result = file_report(store, None, AppSettings(report_dir=tmp_path), REPO, SINCE, UNTIL)
    assert result["issue"] is None
    assert "Platt scaling fitted on 300 lines" in result["body"] and "applied from now on" in result["body"]
    assert result["recalibrated"] and store.latest_calibration(REPO, "probe-1") is not None


def test_recalibration_is_not_saved_when_switched_off(store, tmp_path):
    for number in range(60):
        seed(store, 100 + number, [(0.9, True, number % 3 == 0) for _ in range(5)])
    result = file_report(store, None, AppSettings(report_dir=tmp_path, recalibrate=False), REPO, SINCE, UNTIL)
    assert not result["recalibrated"] and store.latest_calibration(REPO, "probe-1") is None


def test_a_new_week_closes_the_previous_report_issue(seeded, client, app_github, tmp_path):
    settings = AppSettings(report_dir=tmp_path)
    first = file_report(seeded, client, settings, REPO, SINCE, UNTIL)
    seed(seeded, 6, [(0.9, True, True)], closed=UNTIL + dt.timedelta(days=2))
    week = dt.timedelta(days=7)
    second = file_report(seeded, client, settings, REPO, SINCE + week, UNTIL + week)
    states = {i["number"]: (i["state"], i["title"]) for i in app_github.issues if i["repo"] == REPO}
    assert states[first["issue"]] == ("closed", "redline calibration report 2026-W47 (16 Nov to 22 Nov 2026)")
    assert states[second["issue"]] == ("open", "redline calibration report 2026-W48 (23 Nov to 29 Nov 2026)")
    assert [n for n, (state, _) in states.items() if state == "open"] == [second["issue"]]
    # re-running the older week updates its issue and closes nothing newer
    assert file_report(seeded, client, settings, REPO, SINCE, UNTIL)["issue"] == first["issue"]
    assert app_github.issues[second["issue"] - 1]["state"] == "open"


def test_a_week_without_outcomes_files_no_issue(seeded, client, app_github, tmp_path):
    later, filed = dt.timedelta(days=70), len(app_github.issues)
    result = file_report(seeded, client, AppSettings(report_dir=tmp_path), REPO, SINCE + later, UNTIL + later)
    assert result["issue"] is None and result["lines"] == 0 and result["png"] == ""
    assert len(app_github.issues) == filed
    assert "Nothing to report" in result["body"]


def test_report_enabled_false_in_the_repository_config_files_no_issue(seeded, client, app_github, tmp_path):
    later = dt.timedelta(weeks=20 + len(app_github.issues))  # a week no other test (or run) has filed
    seed(seeded, 7, [(0.9, True, True)], closed=UNTIL + later - dt.timedelta(days=3))
    config, filed = (REPO, ".github/redline.yml", report_branch(client)), len(app_github.issues)
    app_github.contents[config] = b"report:\n  enabled: false\n"
    try:
        result = file_report(
            seeded, client, AppSettings(report_dir=tmp_path), REPO, SINCE + later, UNTIL + later
        )
    finally:
        del app_github.contents[config]
    assert result["issue"] is None and result["lines"] == 1  # figures as usual, but nothing filed
    assert len(app_github.issues) == filed
    enabled = file_report(
        seeded, client, AppSettings(report_dir=tmp_path), REPO, SINCE + later, UNTIL + later
    )
    assert enabled["issue"] is not None and len(app_github.issues) == filed + 1


def report_branch(client) -> str:
    return str(client.repo(REPO).default_branch)
