"""The plain values of the feedback loop: what became of a scored line, and the records the report reads (a
scored line as a review recorded it is the decided scoring.types.LineScore).

Two fates per line: what happened to it inside its pull request (`Fate`, before merge), and its first
edit on the default branch after merge (`AfterMerge`, scoring.target's `Fate`), which is the event the
probabilities are of. No SQLAlchemy here: bot/store.py turns its rows into these, and the pure feedback
modules take them.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from scoring import target
from scoring.types import LineScore


@dataclass(frozen=True, slots=True)
class TrackedLine:
    """A scored line followed to its fate: the caller's key (a store row id, a position), where it sits in
    the commit or reviewed head it was scored at (path, 1-based line) and, where its fate compares texts
    (after merge, bot.feedback.fates), its text there."""

    key: int
    path: str
    line: int
    text: str = ""


@dataclass(frozen=True, slots=True)
class MergedLine:
    """A scored line of a merged PR to follow after merge: the line where it was scored (keyed), the PR, and
    the commit it was scored in (a reviewed head, an AI commit)."""

    tracked: TrackedLine
    number: int
    scored_in: str


class Fate(enum.StrEnum):
    """What became of a scored line inside its PR, by the time the PR closed."""

    KEPT = "kept"
    EDITED = "edited"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class AfterMerge:
    """A line's first edit on the default branch after its merge, and whether its 90-day window had ended
    when the history was read."""

    fate: target.Fate
    window_ended: bool

    @property
    def pending(self) -> bool:
        # Nobody has touched it yet, but someone still may before the window ends: not a negative yet.
        return not self.fate.touched and not self.window_ended

    @property
    def label(self) -> bool | None:
        """The target (a person changed its content within 90 days); None while pending."""
        return None if self.pending else self.fate.is_target

    @property
    def touched(self) -> bool | None:
        """The looser label (any later commit changed or removed it); None while pending."""
        return None if self.pending else self.fate.touched


@dataclass(frozen=True, slots=True)
class OutcomeLine:
    """A scored line whose PR has closed, as the weekly report reads it: the line as recorded, and which
    model and calibration scored it.

    `fate` is what happened inside the PR (None where no PR was followed: a local checkout's report);
    `after` the fate after merge (None until it has been read from the repository's history). `number` is
    the PR, or in a local checkout's report the AI commit's position: lines of one unit resample together.
    """

    repo: str
    number: int
    line: LineScore
    probe_version: str
    calibration: str
    fate: Fate | None
    merged: bool
    closed_at: dt.datetime
    after: AfterMerge | None = None

    @property
    def edited(self) -> bool | None:
        """Edited or deleted inside the PR; None where the PR was not followed."""
        return None if self.fate is None else self.fate is not Fate.KEPT

    @property
    def target(self) -> bool | None:
        """The event the probability is of; None while unknown (pending, or the history not read)."""
        return None if self.after is None else self.after.label


@dataclass(frozen=True, slots=True)
class GateRecord:
    """The last finished review of a PR reviewed in a period: its gate and whether a label overrode it."""

    repo: str
    number: int
    conclusion: str
    overridden: bool
    merged: bool | None
