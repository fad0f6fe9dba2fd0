"""The ORM schema of bot/store.py: the tables and the append-only list of migrations.

Only bot/store.py imports this. Timestamps are timezone-aware UTC in every dialect.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable

from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from scoring.errors import ConfigError


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC on the way out, also on SQLite (which drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        return None if value is None else value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class ReviewStatus(enum.StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Base(DeclarativeBase):
    pass


class InstallationRow(Base):
    __tablename__ = "installations"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    account: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RepositoryRow(Base):
    __tablename__ = "repositories"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    full_name: Mapped[str] = mapped_column(String(300), unique=True)
    installation_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PullRequestRow(Base):
    __tablename__ = "pull_requests"
    __table_args__ = (UniqueConstraint("repo_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"))
    number: Mapped[int] = mapped_column(BigInteger)  # GitHub's numbers are not bounded by 2^31 (v3)
    merged: Mapped[bool | None] = mapped_column(Boolean, nullable=True)  # None while open
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    final_head_sha: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ReviewRow(Base):
    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("pull_request_id", "head_sha"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pull_request_id: Mapped[int] = mapped_column(ForeignKey("pull_requests.id"))
    head_sha: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    task_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    probe_version: Mapped[str | None] = mapped_column(String(200), nullable=True)
    fingerprint: Mapped[str | None] = mapped_column(String(200), nullable=True)
    gate_conclusion: Mapped[str | None] = mapped_column(String(32), nullable=True)
    gate_overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    n_comments: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ScoredLineRow(Base):
    __tablename__ = "scored_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    path: Mapped[str] = mapped_column(String(1000))
    line: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    probability: Mapped[float | None] = mapped_column(Float, nullable=True)  # None: could not be scored
    logit: Mapped[float | None] = mapped_column(Float, nullable=True)
    probe_version: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(200))
    calibration: Mapped[str] = mapped_column(
        String(32)
    )  # "shipped" or "repository": which made `probability`
    commented: Mapped[bool] = mapped_column(Boolean)


class OutcomeRow(Base):
    __tablename__ = "outcomes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scored_line_id: Mapped[int] = mapped_column(ForeignKey("scored_lines.id"), unique=True)
    fate: Mapped[str] = mapped_column(String(16))  # inside the PR: kept, edited, deleted
    merged: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # After merge, on the default branch (scoring.target.Fate); all None until the history has been read.
    after_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    after_editor: Mapped[str | None] = mapped_column(String(8), nullable=True)
    after_commit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    after_days: Mapped[float | None] = mapped_column(Float, nullable=True)
    after_files: Mapped[int | None] = mapped_column(Integer, nullable=True)
    after_added: Mapped[int | None] = mapped_column(Integer, nullable=True)
    after_deleted: Mapped[int | None] = mapped_column(Integer, nullable=True)
    after_sweeping: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    after_target: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    after_window_ended: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    after_recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DeliveryRow(Base):
    __tablename__ = "deliveries"
    delivery_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    event: Mapped[str] = mapped_column(String(100))
    action: Mapped[str | None] = mapped_column(String(100), nullable=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalibrationRow(Base):
    __tablename__ = "calibrations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    probe_version: Mapped[str] = mapped_column(String(200))
    params: Mapped[str] = mapped_column(Text)  # JSON of scoring.calibration's to_dict()
    n_lines: Mapped[int] = mapped_column(Integer)
    fitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RepositoryModelRow(Base):
    """A repository's own PR model, learnt by the weekly report (v4); the newest row is the one reviews
    use."""

    __tablename__ = "repository_models"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"), index=True)
    version: Mapped[str] = mapped_column(
        String(400)
    )  # the model card's version, stored with each scored line
    model: Mapped[str] = mapped_column(Text)  # the PR model's JSON (scoring.pr_model's to_dict)
    n_lines: Mapped[int] = mapped_column(Integer)
    positives: Mapped[int] = mapped_column(Integer)
    learned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportIssueRow(Base):
    __tablename__ = "report_issues"
    __table_args__ = (UniqueConstraint("repo_id", "week"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("repositories.id"))
    week: Mapped[str] = mapped_column(String(10))  # ISO week, "2026-W48"
    issue_number: Mapped[int] = mapped_column(BigInteger)


class SchemaVersionRow(Base):
    __tablename__ = "schema_version"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    applied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


def _create_v1(connection: Connection) -> None:
    Base.metadata.create_all(connection)


def _add_after_merge_fates_v2(connection: Connection) -> None:
    # v1 creates today's models, so a new database already has these columns; an older one gets them.
    present = {c["name"] for c in inspect(connection).get_columns(OutcomeRow.__tablename__)}
    for column in OutcomeRow.__table__.columns:
        if column.name.startswith("after_") and column.name not in present:
            kind = column.type.compile(dialect=connection.dialect)
            connection.exec_driver_sql(
                f"ALTER TABLE {OutcomeRow.__tablename__} ADD COLUMN {column.name} {kind}"
            )


def _widen_numbers_v3(connection: Connection) -> None:
    # PR and issue numbers past 2^31 fail in a 32-bit INTEGER column. SQLite's INTEGER already holds 64
    # bits (and SQLite cannot change a column's type), so only a dialect whose INTEGER is 32-bit is altered,
    # and only where the column is not already wide (a database created at v1 by today's models).
    for column in (PullRequestRow.__table__.c.number, ReportIssueRow.__table__.c.issue_number):
        table = column.table.name
        reflected = next(c for c in inspect(connection).get_columns(table) if c["name"] == column.name)
        if connection.dialect.name != "sqlite" and not isinstance(reflected["type"], BigInteger):
            kind = column.type.compile(dialect=connection.dialect)
            connection.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {column.name} TYPE {kind}")


def _add_repository_models_v4(connection: Connection) -> None:
    # v1 creates today's models, so a new database already has the table; an older one gets it.
    RepositoryModelRow.__table__.create(connection, checkfirst=True)  # type: ignore[attr-defined]


# Append-only: a shipped migration is never edited. A schema change edits the models above AND appends
# a migration that takes a version-(n-1) database there (tests/app/test_store.py compares the two).
MIGRATIONS: tuple[Callable[[Connection], None], ...] = (
    _create_v1,
    _add_after_merge_fates_v2,
    _widen_numbers_v3,
    _add_repository_models_v4,
)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(engine: Engine) -> int:
    """Apply the migrations a database lacks, each in its own transaction; returns the new version.

    A database with redline's tables but no version is an older, unversioned schema: a ConfigError, since
    treating it as empty would leave every write failing on the old tables."""
    with engine.begin() as connection:
        tables = set(inspect(connection).get_table_names())
    if SchemaVersionRow.__tablename__ not in tables and (found := sorted(tables & set(Base.metadata.tables))):
        raise ConfigError(
            f"the database has redline's tables ({', '.join(found)}) but no schema version: it was made by a "
            "redline older than versioned migrations, which cannot bring it up to date; move it aside (or "
            "point REDLINE_DATABASE_URL at a new database) and let redline create a fresh one"
        )
    SchemaVersionRow.__table__.create(engine, checkfirst=True)  # type: ignore[attr-defined]
    with engine.begin() as connection:
        current = connection.scalar(select(func.max(SchemaVersionRow.version))) or 0
    if current > SCHEMA_VERSION:
        raise ConfigError(f"database schema v{current} is newer than this redline (v{SCHEMA_VERSION})")
    for version in range(current + 1, SCHEMA_VERSION + 1):
        with engine.begin() as connection:
            MIGRATIONS[version - 1](connection)
            connection.execute(insert(SchemaVersionRow).values(version=version, applied_at=utcnow()))
    return SCHEMA_VERSION
