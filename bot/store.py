"""The App's database: installations, repositories, reviews, every scored line, outcomes, deliveries.

The one module that owns SQL (SQLAlchemy 2.0; a SQLite file by default, Postgres by URL). Every write
is one transaction, so a worker that dies mid-task leaves either nothing or a whole review behind.
Callers get and give frozen dataclasses, never ORM objects.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import platformdirs
from sqlalchemy import Connection, and_, create_engine, event, func, or_, select, update
from sqlalchemy.engine import CursorResult, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from bot.feedback.types import AfterMerge, Fate, GateRecord, MergedLine, OutcomeLine, TrackedLine
from bot.schema import (
    CalibrationRow,
    DeliveryRow,
    InstallationRow,
    OutcomeRow,
    PullRequestRow,
    ReportIssueRow,
    RepositoryModelRow,
    RepositoryRow,
    ReviewRow,
    ReviewStatus,
    ScoredLineRow,
    migrate,
    utcnow,
)
from scoring import target
from scoring.errors import ConfigError, RedlineError
from scoring.types import LineScore, LineVerdict


class StoreUnavailable(RedlineError):
    """The database did not answer in time, or refused the connection: try again later (the webhook's 503,
    a worker's retry with backoff)."""


class DatabaseUnreachable(StoreUnavailable, ConfigError):
    """Store.open could not reach the database (refused, locked, unknown host, wrong password). A command
    that starts with it reports a configuration problem; a worker retries the task, since the same error
    is what an outage looks like."""


@contextmanager
def _unavailable_as_error() -> Iterator[None]:
    # OperationalError: unreachable, locked past the busy timeout, statement or lock timeout hit;
    # TimeoutError: no pooled connection came free in time. Callers need only "retry later".
    try:
        yield
    except (OperationalError, PoolTimeout) as error:
        cause = getattr(error, "orig", None) or error  # the driver's own message, without the SQL
        raise StoreUnavailable(f"the database did not answer: {cause}") from error


def _engine_options(driver: str, sqlite: bool, timeout_s: float | None) -> dict[str, object]:
    """create_engine options that bound every wait on the database by timeout_s (None: the defaults)."""
    if sqlite:
        # sqlite3's timeout is how long a statement waits for another writer's lock.
        return {"connect_args": {"timeout": 30 if timeout_s is None else timeout_s}}
    if timeout_s is None:
        return {}
    options: dict[str, object] = {"pool_timeout": timeout_s}
    if driver == "psycopg2":
        milliseconds = max(1, round(timeout_s * 1000))
        options["connect_args"] = {
            "connect_timeout": max(1, math.ceil(timeout_s)),  # libpq takes whole seconds
            "options": f"-c statement_timeout={milliseconds} -c lock_timeout={milliseconds}",
        }
    return options


def default_database_url() -> str:
    """A SQLite file in the user's data directory (created on first use)."""
    directory = Path(platformdirs.user_data_dir("redline"))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'redline.db'}"


class Claim(enum.StrEnum):
    """Answer of Store.claim_review: run it, it is already done, or another worker holds it."""

    CLAIMED = "claimed"
    DONE = "done"
    BUSY = "busy"


@dataclass(frozen=True, slots=True)
class ReviewKey:
    """What makes a review unique: a head commit of a pull request of a repository."""

    repo: str
    number: int
    head_sha: str


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    """The result of one finished review, written in one transaction: its decided lines."""

    probe_version: str
    fingerprint: str
    gate_conclusion: str
    gate_overridden: bool
    lines: tuple[LineScore, ...]
    calibration: str = "shipped"  # or "repository" when a per-repository recalibration made the probabilities

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (a task's retry carries it while the database is down): each line as its row keeps it
        (NaN as null), so from_json reads the lines back as the store does."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {**data, "lines": [_columns(ln) for ln in self.lines]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReviewRecord:
        return cls(**{**data, "lines": tuple(_recorded(**ln) for ln in data["lines"])})


@dataclass(frozen=True, slots=True)
class StoredReview:
    """A finished review of a PR: its head, gate, and its lines as recorded, by row id (in row order)."""

    head_sha: str
    created_at: dt.datetime
    gate_conclusion: str | None
    gate_overridden: bool
    lines: Mapping[int, LineScore]


class Store:
    """Transactions over the database; one instance per process (it holds the connection pool)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None = None, timeout_s: float | None = None) -> Store:
        """Connect (default: the SQLite file under the user data dir) and bring the schema up to date.

        timeout_s bounds each wait on the database (connecting, a lock, a statement, a pooled
        connection); past it the call raises StoreUnavailable. The webhook passes a few seconds, since
        GitHub gives up after 10; None keeps the patient defaults workers want (SQLite waits 30 s for a
        lock, Postgres as long as the server takes).
        """
        url = url or default_database_url()
        try:
            sqlite = make_url(url).get_backend_name() == "sqlite"
            engine = create_engine(
                url,
                **_engine_options(make_url(url).get_dialect().driver, sqlite, timeout_s),
                pool_pre_ping=not sqlite,
            )
            if sqlite:
                event.listen(engine, "connect", _sqlite_connect)
                event.listen(engine, "begin", _sqlite_begin)
            migrate(engine)
        except (ArgumentError, NoSuchModuleError) as error:
            raise ConfigError(f"cannot open the database {_shown(url)}: {error}") from error
        except (OperationalError, PoolTimeout) as error:
            raise DatabaseUnreachable(f"cannot open the database {_shown(url)}: {error}") from error
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def ping(self) -> None:
        """Raise StoreUnavailable if the database cannot be reached."""
        with _unavailable_as_error(), self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with _unavailable_as_error(), self._sessions.begin() as session:
            yield session

    # -- webhook deliveries and installations ---------------------------------------------------------

    def forget_delivery(self, delivery_id: str) -> None:
        """Undo record_delivery when the work could not be queued, so GitHub's redelivery is accepted."""
        with self._transaction() as s:
            row = s.get(DeliveryRow, delivery_id)
            if row is not None:
                s.delete(row)

    def record_delivery(self, delivery_id: str, event_name: str, action: str | None) -> bool:
        """Remember a delivery; False when it was seen before (a redelivery to ignore)."""
        try:
            with self._transaction() as s:
                s.add(
                    DeliveryRow(
                        delivery_id=delivery_id, event=event_name, action=action, received_at=utcnow()
                    )
                )
        except IntegrityError:
            return False
        return True

    def save_installation(self, installation_id: int, account: str, repos: Sequence[str]) -> None:
        with self._transaction() as s:
            row = s.get(InstallationRow, installation_id)
            if row is None:
                s.add(InstallationRow(id=installation_id, account=account, created_at=utcnow()))
            else:
                row.account, row.deleted_at = account, None
            for name in repos:
                self._repo(s, name, installation_id).active = True

    def delete_installation(self, installation_id: int) -> None:
        with self._transaction() as s:
            row = s.get(InstallationRow, installation_id)
            if row is not None:
                row.deleted_at = utcnow()
            s.execute(
                update(RepositoryRow)
                .where(RepositoryRow.installation_id == installation_id)
                .values(active=False)
            )

    def set_repositories_active(self, installation_id: int, repos: Sequence[str], active: bool) -> None:
        with self._transaction() as s:
            for name in repos:
                self._repo(s, name, installation_id).active = active

    def active_repositories(self) -> list[tuple[str, int | None]]:
        """(full name, installation id) of every repository the App is installed on."""
        with self._transaction() as s:
            rows = s.execute(
                select(RepositoryRow.full_name, RepositoryRow.installation_id)
                .where(RepositoryRow.active)
                .order_by(RepositoryRow.full_name)
            )
            return [(name, inst) for name, inst in rows]

    # -- reviews ----------------------------------------------------------------------------------------

    def claim_review(
        self, key: ReviewKey, task_id: str, lease_s: float, installation_id: int | None = None
    ) -> Claim:
        """Take the right to run the review of `key`.

        DONE if it already finished (a repeated task must not post twice); BUSY if another task holds
        an unexpired lease; CLAIMED otherwise, including when the same task id comes back after its
        worker died (Celery redelivers an unacknowledged message with its id).
        """
        now = utcnow()
        lease_until = now + dt.timedelta(seconds=lease_s)
        for _ in range(3):  # an insert can lose a race for the repository or PR row: look again
            try:
                with self._transaction() as s:
                    row = self._find_review(s, key)
                    if row is None:
                        pr = self._pull_request(s, key.repo, key.number, installation_id)
                        s.add(
                            ReviewRow(
                                pull_request_id=pr.id,
                                head_sha=key.head_sha,
                                task_id=task_id,
                                status=ReviewStatus.RUNNING,
                                attempts=1,
                                created_at=now,
                                lease_until=lease_until,
                            )
                        )
                        return Claim.CLAIMED
                    if row.status == ReviewStatus.DONE:
                        return Claim.DONE
                    claimable = (
                        (ReviewRow.status == ReviewStatus.FAILED)
                        | (ReviewRow.task_id == task_id)
                        | (ReviewRow.lease_until < now)
                    )
                    # A conditional update is atomic in every dialect, so two workers never both win.
                    # An UPDATE's result is a CursorResult (Session.execute is typed for any statement).
                    claimed = cast(
                        CursorResult[Any],
                        s.execute(
                            update(ReviewRow)
                            .where(ReviewRow.id == row.id, ReviewRow.status != ReviewStatus.DONE, claimable)
                            .values(
                                status=ReviewStatus.RUNNING,
                                task_id=task_id,
                                lease_until=lease_until,
                                attempts=ReviewRow.attempts + 1,
                            )
                        ),
                    ).rowcount
                    return Claim.CLAIMED if claimed else Claim.BUSY
            except IntegrityError:
                continue
        return Claim.BUSY

    def finish_review(self, key: ReviewKey, record: ReviewRecord) -> None:
        """Store the scored lines and mark the review done, all or nothing. A review already done is left as
        it is: a finish retried after a lost commit acknowledgement must not store its lines twice."""
        with self._transaction() as s:
            row = self._review(s, key)
            if row.status == ReviewStatus.DONE:
                return
            s.add_all(
                ScoredLineRow(
                    review_id=row.id,
                    probe_version=record.probe_version,
                    fingerprint=record.fingerprint,
                    calibration=record.calibration,
                    **_columns(ln),
                )
                for ln in record.lines
            )
            row.status, row.finished_at, row.error = ReviewStatus.DONE, utcnow(), None
            row.probe_version, row.fingerprint = record.probe_version, record.fingerprint
            row.gate_conclusion, row.gate_overridden = record.gate_conclusion, record.gate_overridden
            row.n_comments = sum(ln.commented for ln in record.lines)

    def fail_review(self, key: ReviewKey, error: str) -> None:
        with self._transaction() as s:
            row = self._review(s, key)
            row.status, row.error, row.lease_until = ReviewStatus.FAILED, error[:4000], None

    def review_status(self, key: ReviewKey) -> ReviewStatus | None:
        with self._transaction() as s:
            row = self._find_review(s, key)
            return None if row is None else ReviewStatus(row.status)

    def pull_requests_at(self, repo: str, head_sha: str) -> list[int]:
        """Numbers of the PRs of `repo` reviewed at `head_sha` (a check_run event names only the SHA)."""
        with self._transaction() as s:
            rows = s.scalars(
                select(PullRequestRow.number)
                .join(ReviewRow)
                .join(RepositoryRow)
                .where(RepositoryRow.full_name == repo, ReviewRow.head_sha == head_sha)
            )
            return sorted(set(rows))

    def finished_reviews(self, repo: str, number: int) -> list[StoredReview]:
        """The finished reviews of a PR, oldest first, with their scored lines."""
        with self._transaction() as s:
            pr = self._find_pull_request(s, repo, number)
            if pr is None:
                return []
            reviews = s.scalars(
                select(ReviewRow)
                .where(ReviewRow.pull_request_id == pr.id, ReviewRow.status == ReviewStatus.DONE)
                .order_by(ReviewRow.finished_at, ReviewRow.id)
            ).all()
            result = []
            for review in reviews:
                lines = s.scalars(
                    select(ScoredLineRow)
                    .where(ScoredLineRow.review_id == review.id)
                    .order_by(ScoredLineRow.id)
                ).all()
                result.append(
                    StoredReview(
                        review.head_sha,
                        review.created_at,
                        review.gate_conclusion,
                        review.gate_overridden,
                        {
                            ln.id: _recorded(
                                ln.path, ln.line, ln.content, ln.probability, ln.logit, ln.commented
                            )
                            for ln in lines
                        },
                    )
                )
            return result

    # -- outcomes, calibration, report ------------------------------------------------------------------

    def record_outcomes(
        self,
        repo: str,
        number: int,
        merged: bool,
        final_head_sha: str,
        fates: Sequence[tuple[int, Fate]],
        closed_at: dt.datetime | None = None,
    ) -> None:
        """Close a PR and store the fate of each tracked line; re-running replaces earlier outcomes."""
        with self._transaction() as s:
            pr = self._pull_request(s, repo, number, None)
            pr.merged, pr.final_head_sha, pr.closed_at = merged, final_head_sha, closed_at or utcnow()
            for line_id, fate in fates:
                existing = s.scalar(select(OutcomeRow).where(OutcomeRow.scored_line_id == line_id))
                if existing is None:
                    s.add(OutcomeRow(scored_line_id=line_id, fate=fate, merged=merged, recorded_at=utcnow()))
                else:
                    existing.fate, existing.merged = fate, merged

    def record_after_merge(self, fates: Sequence[tuple[int, AfterMerge]]) -> None:
        """Store each line's fate after merge (bot.feedback.fates) on its outcome; re-reading replaces it.
        Lines without an outcome (their PR not closed) are an error: there is nothing to attach it to."""
        with self._transaction() as s:
            for line_id, after in fates:
                row = s.scalar(select(OutcomeRow).where(OutcomeRow.scored_line_id == line_id))
                if row is None:
                    raise LookupError(f"scored line {line_id} has no outcome; record the PR's outcome first")
                fate, size = after.fate, after.fate.size
                row.after_kind, row.after_editor = fate.kind.value, fate.editor.value if fate.editor else None
                row.after_commit, row.after_days = fate.commit, fate.days
                row.after_files, row.after_added, row.after_deleted = (
                    (size.files, size.added, size.deleted) if size else (None, None, None)
                )
                row.after_sweeping, row.after_target = fate.sweeping, fate.is_target
                row.after_window_ended, row.after_recorded_at = after.window_ended, utcnow()

    def awaiting_after_merge(self, repo: str, closed_since: dt.datetime, limit: int) -> list[MergedLine]:
        """Scored lines of `repo`'s PRs merged since `closed_since` and kept to the merge whose fate after
        merge was never read, then those still pending (untouched, window not ended) from the oldest merge on;
        at most `limit`. Lines edited or deleted inside their PR never reached the default branch."""
        unread = OutcomeRow.after_kind.is_(None)
        pending = and_(
            OutcomeRow.after_kind == target.EditKind.SURVIVED.value,
            OutcomeRow.after_window_ended.is_not(True),
        )
        query = (
            select(
                ScoredLineRow.id,
                PullRequestRow.number,
                ReviewRow.head_sha,
                ScoredLineRow.path,
                ScoredLineRow.line,
            )
            .join(OutcomeRow, OutcomeRow.scored_line_id == ScoredLineRow.id)
            .join(ReviewRow, ScoredLineRow.review_id == ReviewRow.id)
            .join(PullRequestRow, ReviewRow.pull_request_id == PullRequestRow.id)
            .join(RepositoryRow, PullRequestRow.repo_id == RepositoryRow.id)
            .where(
                RepositoryRow.full_name == repo,
                PullRequestRow.merged.is_(True),
                OutcomeRow.fate == Fate.KEPT.value,
                PullRequestRow.closed_at >= closed_since,
                ScoredLineRow.probability.is_not(None),
                or_(unread, pending),
            )
            .order_by(unread.desc(), PullRequestRow.closed_at, ScoredLineRow.id)
            .limit(limit)
        )
        with self._transaction() as s:
            return [
                MergedLine(TrackedLine(line_id, path, line), number, head_sha)
                for line_id, number, head_sha, path, line in s.execute(query)
            ]

    def outcome_lines(self, repo: str | None, since: dt.datetime, until: dt.datetime) -> list[OutcomeLine]:
        """Scored lines with an outcome whose PR closed in [since, until); unscored lines are left out."""
        query = (
            select(
                RepositoryRow.full_name,
                PullRequestRow.number,
                ScoredLineRow.path,
                ScoredLineRow.line,
                ScoredLineRow.content,
                ScoredLineRow.probability,
                ScoredLineRow.logit,
                ScoredLineRow.commented,
                ScoredLineRow.probe_version,
                ScoredLineRow.calibration,
                OutcomeRow.fate,
                OutcomeRow.merged,
                PullRequestRow.closed_at,
                OutcomeRow,
            )
            .join(ScoredLineRow, OutcomeRow.scored_line_id == ScoredLineRow.id)
            .join(ReviewRow, ScoredLineRow.review_id == ReviewRow.id)
            .join(PullRequestRow, ReviewRow.pull_request_id == PullRequestRow.id)
            .join(RepositoryRow, PullRequestRow.repo_id == RepositoryRow.id)
            .where(
                PullRequestRow.closed_at >= since,
                PullRequestRow.closed_at < until,
                ScoredLineRow.probability.is_not(None),
                ScoredLineRow.logit.is_not(None),
            )
            .order_by(OutcomeRow.id)
        )
        if repo is not None:
            query = query.where(RepositoryRow.full_name == repo)
        lines = []
        with self._transaction() as s:
            for (
                name,
                number,
                path,
                line,
                content,
                probability,
                logit,
                commented,
                version,
                calibration,
                fate,
                merged,
                closed,
                outcome,
            ) in s.execute(query):
                if probability is None or logit is None or closed is None:  # excluded by the query
                    continue
                lines.append(
                    OutcomeLine(
                        name,
                        number,
                        _recorded(path, line, content, probability, logit, commented),
                        version,
                        calibration,
                        Fate(fate),
                        merged,
                        closed,
                        after=_after_merge(outcome),
                    )
                )
        return lines

    def gate_records(self, repo: str, since: dt.datetime, until: dt.datetime) -> list[GateRecord]:
        """The last finished review of every PR of `repo` reviewed in [since, until)."""
        with self._transaction() as s:
            rows = s.execute(
                select(
                    PullRequestRow.number,
                    ReviewRow.gate_conclusion,
                    ReviewRow.gate_overridden,
                    PullRequestRow.merged,
                )
                .join(ReviewRow)
                .join(RepositoryRow)
                .where(
                    RepositoryRow.full_name == repo,
                    ReviewRow.status == ReviewStatus.DONE,
                    ReviewRow.finished_at >= since,
                    ReviewRow.finished_at < until,
                )
                .order_by(ReviewRow.finished_at, ReviewRow.id)
            ).all()
        last = {number: (conclusion, overridden, merged) for number, conclusion, overridden, merged in rows}
        return [GateRecord(repo, n, c or "", bool(o), m) for n, (c, o, m) in sorted(last.items())]

    def count_scored(self, repo: str, since: dt.datetime, until: dt.datetime) -> tuple[int, int]:
        """(scored lines, distinct PRs) of finished reviews of `repo` in [since, until)."""
        with self._transaction() as s:
            base = (
                select(ScoredLineRow.id)
                .join(ReviewRow)
                .join(PullRequestRow)
                .join(RepositoryRow)
                .where(
                    RepositoryRow.full_name == repo,
                    ReviewRow.finished_at >= since,
                    ReviewRow.finished_at < until,
                    ScoredLineRow.probability.is_not(None),
                )
            )
            lines = s.scalar(select(func.count()).select_from(base.subquery())) or 0
            prs = (
                s.scalar(
                    select(func.count(func.distinct(PullRequestRow.id)))
                    .join(ReviewRow)
                    .join(RepositoryRow)
                    .where(
                        RepositoryRow.full_name == repo,
                        ReviewRow.status == ReviewStatus.DONE,
                        ReviewRow.finished_at >= since,
                        ReviewRow.finished_at < until,
                    )
                )
                or 0
            )
            return int(lines), int(prs)

    def save_calibration(self, repo: str, probe_version: str, params_json: str, n_lines: int) -> None:
        with self._transaction() as s:
            s.add(
                CalibrationRow(
                    repo_id=self._repo(s, repo, None).id,
                    probe_version=probe_version,
                    params=params_json,
                    n_lines=n_lines,
                    fitted_at=utcnow(),
                )
            )

    def latest_calibration(self, repo: str, probe_version: str) -> str | None:
        """The JSON params of the newest per-repository calibration for this probe version, if any."""
        with self._transaction() as s:
            return s.scalar(
                select(CalibrationRow.params)
                .join(RepositoryRow)
                .where(RepositoryRow.full_name == repo, CalibrationRow.probe_version == probe_version)
                .order_by(CalibrationRow.fitted_at.desc(), CalibrationRow.id.desc())
                .limit(1)
            )

    def save_repository_model(
        self, repo: str, version: str, model_json: str, n_lines: int, positives: int
    ) -> None:
        """Store `repo`'s newly learnt PR model; reviews of `repo` use the newest one."""
        with self._transaction() as s:
            s.add(
                RepositoryModelRow(
                    repo_id=self._repo(s, repo, None).id,
                    version=version,
                    model=model_json,
                    n_lines=n_lines,
                    positives=positives,
                    learned_at=utcnow(),
                )
            )

    def repository_model_version(self, repo: str) -> str | None:
        """The version of `repo`'s newest learnt model, if any (cheap: reviews ask it every time)."""
        with self._transaction() as s:
            version: str | None = s.scalar(self._newest_model(repo, RepositoryModelRow.version))
            return version

    def repository_model(self, repo: str) -> tuple[str, str] | None:
        """`repo`'s newest learnt model as (version, JSON), if any."""
        with self._transaction() as s:
            row = s.execute(
                self._newest_model(repo, RepositoryModelRow.version, RepositoryModelRow.model)
            ).first()
            return None if row is None else (row[0], row[1])

    @staticmethod
    def _newest_model(repo: str, *columns: Any) -> Any:
        return (
            select(*columns)
            .join(RepositoryRow)
            .where(RepositoryRow.full_name == repo)
            .order_by(RepositoryModelRow.learned_at.desc(), RepositoryModelRow.id.desc())
            .limit(1)
        )

    def report_issue(self, repo: str, week: str) -> int | None:
        """The number of the issue that holds `repo`'s report for `week`, if one was filed."""
        with self._transaction() as s:
            return s.scalar(
                select(ReportIssueRow.issue_number)
                .join(RepositoryRow)
                .where(RepositoryRow.full_name == repo, ReportIssueRow.week == week)
            )

    def save_report_issue(self, repo: str, week: str, issue_number: int) -> None:
        with self._transaction() as s:
            repo_id = self._repo(s, repo, None).id
            row = s.scalar(
                select(ReportIssueRow).where(ReportIssueRow.repo_id == repo_id, ReportIssueRow.week == week)
            )
            if row is None:
                s.add(ReportIssueRow(repo_id=repo_id, week=week, issue_number=issue_number))
            else:
                row.issue_number = issue_number

    # -- row helpers ------------------------------------------------------------------------------------

    @staticmethod
    def _repo(s: Session, full_name: str, installation_id: int | None) -> RepositoryRow:
        row = s.scalar(select(RepositoryRow).where(RepositoryRow.full_name == full_name))
        if row is None:
            row = RepositoryRow(full_name=full_name, installation_id=installation_id, active=True)
            s.add(row)
            s.flush()
        elif installation_id is not None:
            row.installation_id = installation_id
        return row

    def _pull_request(
        self, s: Session, repo: str, number: int, installation_id: int | None
    ) -> PullRequestRow:
        repo_row = self._repo(s, repo, installation_id)
        row = s.scalar(
            select(PullRequestRow).where(
                PullRequestRow.repo_id == repo_row.id, PullRequestRow.number == number
            )
        )
        if row is None:
            row = PullRequestRow(repo_id=repo_row.id, number=number)
            s.add(row)
            s.flush()
        return row

    @staticmethod
    def _find_pull_request(s: Session, repo: str, number: int) -> PullRequestRow | None:
        return s.scalar(
            select(PullRequestRow)
            .join(RepositoryRow)
            .where(RepositoryRow.full_name == repo, PullRequestRow.number == number)
        )

    def _find_review(self, s: Session, key: ReviewKey) -> ReviewRow | None:
        pr = self._find_pull_request(s, key.repo, key.number)
        return (
            None
            if pr is None
            else s.scalar(
                select(ReviewRow).where(
                    ReviewRow.pull_request_id == pr.id, ReviewRow.head_sha == key.head_sha
                )
            )
        )

    def _review(self, s: Session, key: ReviewKey) -> ReviewRow:
        row = self._find_review(s, key)
        if row is None:
            raise LookupError(f"no review of {key.repo}#{key.number} at {key.head_sha}; claim it first")
        return row


def _shown(url: str) -> str:
    return url if "@" not in url else make_url(url).render_as_string(hide_password=True)


def _after_merge(row: OutcomeRow) -> AfterMerge | None:
    if row.after_kind is None:
        return None
    size = (
        None
        if row.after_files is None
        else target.CommitSize(row.after_files, row.after_added or 0, row.after_deleted or 0)
    )
    fate = target.Fate(
        target.EditKind(row.after_kind),
        target.editor_of(row.after_editor or ""),
        size,
        row.after_days,
        row.after_commit,
    )
    return AfterMerge(fate, bool(row.after_window_ended))


def _columns(ln: LineScore) -> dict[str, Any]:
    """What a scored_lines row keeps of a decided line."""
    return {
        "path": ln.path,
        "line": ln.line,
        "content": ln.text,
        "probability": _finite(ln.probability),
        "logit": _finite(ln.logit),
        "commented": ln.commented,
    }


def _recorded(
    path: str, line: int, content: str, probability: float | None, logit: float | None, commented: bool
) -> LineScore:
    """A scored_lines row (or a retry's JSON of one) as the decided line it recorded."""
    p = _nan(probability)
    # The row keeps only whether the line was commented. A nan line is always UNSCORED (scoring.decisions),
    # but an uncommented line with a probability was below the threshold or over the comment cap (or in a
    # review whose scoring failed part-way, unscored): the row cannot say which, so no verdict, not a guess.
    verdict = LineVerdict.COMMENT if commented else LineVerdict.UNSCORED if math.isnan(p) else None
    return LineScore(path, line, p, _nan(logit), content, verdict=verdict)


def _finite(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else value


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def _sqlite_connect(connection: object, record: object) -> None:
    # WAL lets the web process and several workers read while one writes; isolation_level None hands
    # transaction control to _sqlite_begin.
    cursor = connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    connection.isolation_level = None  # type: ignore[attr-defined]


def _sqlite_begin(connection: Connection) -> None:
    # A deferred transaction that reads, then writes, fails at once with "database is locked" when
    # another process wrote in between (the busy timeout does not apply to that upgrade). IMMEDIATE
    # takes the write lock up front, so concurrent workers wait for each other instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
