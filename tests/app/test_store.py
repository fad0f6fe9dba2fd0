import datetime as dt
import json
import math
import threading

import pytest
import sqlalchemy

from bot.feedback.types import AfterMerge, Fate
from bot.schema import SCHEMA_VERSION, Base
from bot.store import Claim, ReviewKey, ReviewRecord, ReviewStatus, Store
from scoring import target
from scoring.errors import ConfigError
from scoring.types import LineScore, LineVerdict

KEY = ReviewKey("octo/repo", 7, "a" * 40)


def record(*lines: LineScore, gate: str = "success", overridden: bool = False) -> ReviewRecord:
    return ReviewRecord("probe-1", "model-1", gate, overridden, tuple(lines))


def line(n: int, p: float, commented: bool = False, verdict: LineVerdict | None = None) -> LineScore:
    """A decided line (below the threshold unless commented, unscored when nan; `verdict` says otherwise)."""
    if verdict is None:
        verdict = (
            LineVerdict.COMMENT
            if commented
            else LineVerdict.UNSCORED
            if math.isnan(p)
            else LineVerdict.BELOW_THRESHOLD
        )
    return LineScore("src/a.py", n, p, 2.0 * p - 1.0, f"x{n} = {n}", why="Claude trailer", verdict=verdict)


def as_row(ln: LineScore) -> tuple[object, ...]:
    """What a stored line says, nan as None (nan never equals itself)."""
    finite = [None if math.isnan(v) else v for v in (ln.probability, ln.logit)]
    return (ln.path, ln.line, ln.text, *finite, ln.verdict, ln.commented)


def window() -> tuple[dt.datetime, dt.datetime]:
    now = dt.datetime.now(dt.UTC)
    return now - dt.timedelta(days=1), now + dt.timedelta(days=1)


def test_migrated_schema_matches_the_models(store: Store):
    inspector = sqlalchemy.inspect(store.engine)
    for table in Base.metadata.sorted_tables:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert columns == {c.name for c in table.columns}, table.name
    with store.engine.connect() as connection:
        assert (
            connection.exec_driver_sql("SELECT max(version) FROM schema_version").scalar() == SCHEMA_VERSION
        )


def test_reopening_a_migrated_database_keeps_its_rows(database_url: str):
    first = Store.open(database_url)
    assert first.record_delivery("d1", "pull_request", "opened")
    first.close()
    again = Store.open(database_url)
    assert not again.record_delivery("d1", "pull_request", "opened")
    again.close()


def test_a_delivery_is_accepted_once_and_again_after_it_is_forgotten(store: Store):
    assert store.record_delivery("d1", "pull_request", "opened")
    assert not store.record_delivery("d1", "pull_request", "opened")
    store.forget_delivery("d1")
    assert store.record_delivery("d1", "pull_request", "opened")


def test_second_task_is_busy_while_the_first_holds_the_lease(store: Store):
    assert store.claim_review(KEY, "task-1", lease_s=600) is Claim.CLAIMED
    assert store.claim_review(KEY, "task-2", lease_s=600) is Claim.BUSY


def test_redelivered_task_reclaims_its_own_review(store: Store):
    assert store.claim_review(KEY, "task-1", lease_s=600) is Claim.CLAIMED
    assert store.claim_review(KEY, "task-1", lease_s=600) is Claim.CLAIMED


def test_expired_lease_can_be_taken_over(store: Store):
    assert store.claim_review(KEY, "task-1", lease_s=-1) is Claim.CLAIMED
    assert store.claim_review(KEY, "task-2", lease_s=600) is Claim.CLAIMED


def test_finished_review_is_never_claimed_again(store: Store):
    store.claim_review(KEY, "task-1", lease_s=600)
    store.finish_review(KEY, record(line(1, 0.9, commented=True), line(2, float("nan"))))
    assert store.claim_review(KEY, "task-1", lease_s=600) is Claim.DONE
    assert store.claim_review(KEY, "task-9", lease_s=600) is Claim.DONE
    assert store.review_status(KEY) is ReviewStatus.DONE
    (review,) = store.finished_reviews(KEY.repo, KEY.number)
    (one, two) = review.lines.values()
    assert (one.line, one.probability, one.commented) == (1, 0.9, True)
    assert (two.line, two.commented) == (2, False) and math.isnan(two.probability)


def test_a_stored_line_reads_back_with_the_verdict_its_row_can_vouch_for(store: Store):
    store.claim_review(KEY, "t", lease_s=600)
    over_cap = line(2, 0.7, verdict=LineVerdict.OVER_CAP)
    store.finish_review(KEY, record(line(1, 0.9, commented=True), over_cap, line(3, 0.1), line(4, math.nan)))
    (review,) = store.finished_reviews(KEY.repo, KEY.number)
    assert [as_row(ln) for ln in review.lines.values()] == [
        ("src/a.py", 1, "x1 = 1", 0.9, 2.0 * 0.9 - 1.0, LineVerdict.COMMENT, True),
        # The row keeps only `commented`: over the cap and below the threshold read back alike, undecided.
        ("src/a.py", 2, "x2 = 2", 0.7, 2.0 * 0.7 - 1.0, None, False),
        ("src/a.py", 3, "x3 = 3", 0.1, 2.0 * 0.1 - 1.0, None, False),
        ("src/a.py", 4, "x4 = 4", None, None, LineVerdict.UNSCORED, False),
    ]


def test_a_record_carried_as_json_stores_the_rows_the_record_itself_would(store: Store):
    """The worker's store-retry carries the record through Celery as JSON while the database is down."""
    decided = record(
        line(1, 0.9, commented=True),
        line(2, 0.7, verdict=LineVerdict.OVER_CAP),
        line(3, 0.1),
        line(4, math.nan),
        gate="failure",
        overridden=True,
    )
    carried = ReviewRecord.from_json(json.loads(json.dumps(decided.to_json(), allow_nan=False)))
    assert (carried.probe_version, carried.fingerprint, carried.gate_conclusion, carried.gate_overridden) == (
        "probe-1",
        "model-1",
        "failure",
        True,
    )
    assert carried.calibration == decided.calibration
    direct = ReviewKey(KEY.repo, KEY.number + 1, KEY.head_sha)
    for key, r in ((KEY, carried), (direct, decided)):
        store.claim_review(key, "t", lease_s=600)
        store.finish_review(key, r)
    (from_json,) = store.finished_reviews(KEY.repo, KEY.number)
    (from_record,) = store.finished_reviews(direct.repo, direct.number)
    rows = [as_row(ln) for ln in from_record.lines.values()]
    assert [as_row(ln) for ln in from_json.lines.values()] == rows == [as_row(ln) for ln in carried.lines]
    assert [ln.commented for ln in carried.lines] == [True, False, False, False]


def test_failed_review_can_be_claimed_by_a_retry(store: Store):
    store.claim_review(KEY, "task-1", lease_s=600)
    store.fail_review(KEY, "GitHub 502")
    assert store.review_status(KEY) is ReviewStatus.FAILED
    assert store.claim_review(KEY, "task-2", lease_s=600) is Claim.CLAIMED


def test_concurrent_claims_have_exactly_one_winner(store: Store):
    results: list[Claim] = []
    barrier = threading.Barrier(6)

    def claim(i: int) -> None:
        barrier.wait()
        results.append(store.claim_review(KEY, f"task-{i}", lease_s=600))

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == sorted([Claim.CLAIMED] + [Claim.BUSY] * 5)


def test_outcomes_join_scored_lines_and_skip_unscored_ones(store: Store):
    store.claim_review(KEY, "t", lease_s=600)
    store.finish_review(KEY, record(line(1, 0.8, commented=True), line(2, 0.1), line(3, float("nan"))))
    (review,) = store.finished_reviews(KEY.repo, KEY.number)
    ids = list(review.lines)
    store.record_outcomes(
        KEY.repo,
        KEY.number,
        True,
        KEY.head_sha,
        [(ids[0], Fate.EDITED), (ids[1], Fate.KEPT), (ids[2], Fate.DELETED)],
    )
    lines = store.outcome_lines(KEY.repo, *window())
    assert [(o.line.probability, o.edited, o.line.commented, o.merged) for o in lines] == [
        (0.8, True, True, True),
        (0.1, False, False, True),
    ]
    # Recording again (a redelivered close) replaces, never duplicates.
    store.record_outcomes(KEY.repo, KEY.number, False, KEY.head_sha, [(ids[0], Fate.KEPT)])
    lines = store.outcome_lines(KEY.repo, *window())
    assert len(lines) == 2 and not lines[0].edited and not lines[0].merged


def test_after_merge_fates_are_kept_next_to_the_in_pr_fate(store: Store):
    store.claim_review(KEY, "t", lease_s=600)
    store.finish_review(KEY, record(line(1, 0.8, commented=True), line(2, 0.1), line(3, 0.3)))
    ids = list(store.finished_reviews(KEY.repo, KEY.number)[0].lines)
    store.record_outcomes(KEY.repo, KEY.number, True, KEY.head_sha, [(i, Fate.KEPT) for i in ids])
    rewritten = target.Fate(
        target.EditKind.MODIFIED, target.Editor.HUMAN, target.CommitSize(2, 5, 3), 3.5, "c" * 40
    )
    swept = target.Fate(
        target.EditKind.DELETED, target.Editor.BOT, target.CommitSize(50, 49, 1), 4.0, "d" * 40
    )
    store.record_after_merge([(ids[0], AfterMerge(rewritten, True)), (ids[1], AfterMerge(swept, False))])
    first, second, third = store.outcome_lines(KEY.repo, *window())
    assert first.after == AfterMerge(rewritten, True) and first.target and first.fate is Fate.KEPT
    assert second.after == AfterMerge(swept, False) and second.target is False and second.after.fate.sweeping
    assert third.after is None and third.target is None
    survived = AfterMerge(target.Fate(target.EditKind.SURVIVED), False)
    store.record_after_merge([(ids[0], survived)])  # re-reading replaces
    assert store.outcome_lines(KEY.repo, *window())[0].after == survived
    with pytest.raises(LookupError):
        store.record_after_merge([(10_000, survived)])


def test_a_version_1_database_gets_the_after_merge_columns(database_url: str):
    from bot import schema

    engine = sqlalchemy.create_engine(database_url)
    with engine.begin() as connection:  # v1 as shipped: outcomes without the after_* columns
        schema.Base.metadata.create_all(connection)
        connection.exec_driver_sql("DROP TABLE outcomes")
        connection.exec_driver_sql(
            "CREATE TABLE outcomes (id INTEGER PRIMARY KEY, scored_line_id INTEGER NOT NULL UNIQUE "
            "REFERENCES scored_lines(id), fate VARCHAR(16) NOT NULL, merged BOOLEAN NOT NULL, "
            "recorded_at TIMESTAMP WITH TIME ZONE NOT NULL)"
        )
        connection.execute(
            sqlalchemy.insert(schema.SchemaVersionRow).values(version=1, applied_at=schema.utcnow())
        )
    engine.dispose()
    migrated = Store.open(database_url)
    test_migrated_schema_matches_the_models(migrated)
    migrated.close()


def test_outcome_lines_respect_the_period(store: Store):
    store.claim_review(KEY, "t", lease_s=600)
    store.finish_review(KEY, record(line(1, 0.8)))
    (review,) = store.finished_reviews(KEY.repo, KEY.number)
    closed = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    (line_id,) = review.lines
    store.record_outcomes(KEY.repo, KEY.number, True, KEY.head_sha, [(line_id, Fate.KEPT)], closed)
    assert store.outcome_lines(None, closed, closed + dt.timedelta(days=7))
    assert not store.outcome_lines(None, closed + dt.timedelta(seconds=1), closed + dt.timedelta(days=7))


def test_gate_records_keep_the_last_review_of_each_pr(store: Store):
    store.claim_review(KEY, "t", lease_s=600)
    store.finish_review(KEY, record(line(1, 0.9), gate="failure"))
    later = ReviewKey(KEY.repo, KEY.number, "b" * 40)
    store.claim_review(later, "t2", lease_s=600)
    store.finish_review(later, record(line(1, 0.9), gate="success", overridden=True))
    (gate,) = store.gate_records(KEY.repo, *window())
    assert (gate.conclusion, gate.overridden) == ("success", True)
    assert store.count_scored(KEY.repo, *window()) == (2, 1)


def test_installations_switch_repositories_on_and_off(store: Store):
    store.save_installation(5, "octo", ["octo/a", "octo/b"])
    store.set_repositories_active(5, ["octo/b"], active=False)
    assert store.active_repositories() == [("octo/a", 5)]
    store.delete_installation(5)
    assert store.active_repositories() == []


def test_latest_calibration_is_per_repository_and_probe_version(store: Store):
    store.save_calibration("octo/a", "probe-1", '{"kind": "platt", "slope": 1.0, "intercept": 0.0}', 300)
    store.save_calibration("octo/a", "probe-1", '{"kind": "platt", "slope": 0.5, "intercept": 0.1}', 400)
    assert (
        store.latest_calibration("octo/a", "probe-1") == '{"kind": "platt", "slope": 0.5, "intercept": 0.1}'
    )
    assert store.latest_calibration("octo/a", "probe-2") is None
    assert store.latest_calibration("octo/b", "probe-1") is None


def test_report_issue_number_is_remembered_per_week(store: Store):
    assert store.report_issue("octo/a", "2026-W48") is None
    store.save_report_issue("octo/a", "2026-W48", 12)
    store.save_report_issue("octo/a", "2026-W48", 13)
    assert store.report_issue("octo/a", "2026-W48") == 13


def test_claiming_an_unknown_review_to_finish_it_is_an_error(store: Store):
    with pytest.raises(LookupError):
        store.finish_review(KEY, record())


@pytest.mark.parametrize("url", ["not a url", "nosuchdb://x/y", "sqlite:////nonexistent-dir/sub/redline.db"])
def test_unusable_database_url_is_a_config_error(url: str):
    with pytest.raises(ConfigError, match="cannot open the database"):
        Store.open(url)


def test_password_is_not_shown_in_the_error():
    with pytest.raises(ConfigError) as error:
        Store.open("postgresql+psycopg2://redline:s3cret@127.0.0.1:1/redline")
    assert "s3cret" not in str(error.value)


def test_a_locked_store_gives_up_within_its_timeout_and_says_so(database_url: str):
    """The webhook's store (timeout_s) answers StoreUnavailable while another writer holds the lock,
    on SQLite (busy timeout) and Postgres (lock_timeout), and works again once the lock is gone."""
    from bot.store import StoreUnavailable

    bounded = Store.open(database_url, timeout_s=1)
    holder = Store.open(database_url)
    try:
        with holder.engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql(
                    "INSERT INTO deliveries (delivery_id, event, received_at) "
                    "VALUES ('held', 'ping', '2026-01-01 00:00:00')"
                )
            else:
                connection.exec_driver_sql("BEGIN")
                connection.exec_driver_sql("LOCK TABLE deliveries IN ACCESS EXCLUSIVE MODE")
            with pytest.raises(StoreUnavailable, match="did not answer"):
                bounded.record_delivery("waiting", "pull_request", "opened")
            connection.rollback()
        assert bounded.record_delivery("waiting", "pull_request", "opened")
    finally:
        bounded.close()
        holder.close()


BIG = 2**31 + 7  # past a 32-bit INTEGER column: GitHub's numbers are only bounded by the web checks


def _numbers_work_past_32_bits(store: Store) -> None:
    key = ReviewKey("octo/big", BIG, "c" * 40)
    assert store.claim_review(key, "task-big", lease_s=600) is Claim.CLAIMED
    store.finish_review(key, record(line(1, 0.5)))
    assert store.pull_requests_at("octo/big", "c" * 40) == [BIG]
    store.save_report_issue("octo/big", "2026-W48", BIG + 1)
    assert store.report_issue("octo/big", "2026-W48") == BIG + 1


def test_pull_request_and_issue_numbers_past_32_bits_are_stored(store: Store):
    _numbers_work_past_32_bits(store)


def test_a_version_2_database_gets_64_bit_numbers(database_url: str):
    from bot import schema

    engine = sqlalchemy.create_engine(database_url)
    with engine.begin() as connection:  # v2 as shipped: 32-bit PR and issue numbers
        schema.Base.metadata.create_all(connection)
        for table, column in (("pull_requests", "number"), ("report_issues", "issue_number")):
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE INTEGER")
        for version in (1, 2):
            connection.execute(
                sqlalchemy.insert(schema.SchemaVersionRow).values(version=version, applied_at=schema.utcnow())
            )
    engine.dispose()
    migrated = Store.open(database_url)
    try:
        test_migrated_schema_matches_the_models(migrated)
        _numbers_work_past_32_bits(migrated)
    finally:
        migrated.close()


def test_an_unversioned_older_schema_is_a_clear_error_not_a_fresh_database(database_url: str):
    engine = sqlalchemy.create_engine(database_url)
    with engine.begin() as connection:  # redline's tables from before schema_version existed
        connection.exec_driver_sql("CREATE TABLE reviews (id INTEGER PRIMARY KEY, head_sha VARCHAR(64))")
    engine.dispose()
    with pytest.raises(ConfigError, match="no schema version"):
        Store.open(database_url)
