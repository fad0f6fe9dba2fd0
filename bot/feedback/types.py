"""The plain values of the feedback loop: what became of a scored line, and the records the report reads.

No SQLAlchemy here: bot/store.py turns its rows into these, and the pure feedback modules take them.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass


class Fate(enum.StrEnum):
    """What became of a scored line by the time its PR closed."""

    KEPT = "kept"
    EDITED = "edited"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class OutcomeLine:
    """A scored line whose PR has closed, as the weekly report reads it."""

    repo: str
    number: int
    probability: float
    logit: float
    probe_version: str
    calibration: str
    commented: bool
    fate: Fate
    merged: bool
    closed_at: dt.datetime

    @property
    def edited(self) -> bool:
        return self.fate is not Fate.KEPT


@dataclass(frozen=True, slots=True)
class GateRecord:
    """The last finished review of a PR reviewed in a period: its gate and whether a label overrode it."""

    repo: str
    number: int
    conclusion: str
    overridden: bool
    merged: bool | None
