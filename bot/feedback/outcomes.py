"""Pure outcome tracking: what became of each scored line by the time its pull request closed.

A line is tracked from the first review that scored it (the review after the AI commit that added
it) through every later reviewed head to the final head: it is kept, edited or deleted before merge.
Pure: file texts in, fates out; fetching the texts is the caller's job.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.feedback.types import Fate, TrackedLine


@dataclass(frozen=True, slots=True)
class ReviewedHead:
    """One reviewed head of a PR: the texts of the files its lines are in (None: file absent) and its
    lines."""

    sha: str
    files: Mapping[str, str | None]
    lines: tuple[TrackedLine, ...]


@dataclass(frozen=True, slots=True)
class LineMap:
    """How the lines of one file text map onto the next: kept lines move, the others were edited or
    deleted."""

    moved: Mapping[int, int]
    edited: frozenset[int]
    deleted: frozenset[int]


def _normalise(line: str) -> str:
    # Whitespace-only changes (re-indentation) are not edits, as in the in-the-wild labels (`blame -w`).
    return "".join(line.split())


def map_lines(old: str | None, new: str | None) -> LineMap:
    """Map 1-based line numbers of `old` onto `new`.

    >>> m = map_lines("a\\nb\\nc\\n", "a\\nB\\nc\\nd\\n")
    >>> dict(m.moved), sorted(m.edited), sorted(m.deleted)
    ({1: 1, 3: 3}, [2], [])
    """
    old_lines = [] if old is None else old.splitlines()
    if new is None:
        return LineMap({}, frozenset(), frozenset(range(1, len(old_lines) + 1)))
    new_lines = new.splitlines()
    matcher = difflib.SequenceMatcher(
        None, [_normalise(x) for x in old_lines], [_normalise(x) for x in new_lines], autojunk=False
    )
    moved: dict[int, int] = {}
    edited: set[int] = set()
    deleted: set[int] = set()
    for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
        if tag == "equal":
            moved.update((i + 1, j1 + (i - i1) + 1) for i in range(i1, i2))
        elif tag == "replace":
            edited.update(range(i1 + 1, i2 + 1))
        elif tag == "delete":
            deleted.update(range(i1 + 1, i2 + 1))
    return LineMap(moved, frozenset(edited), frozenset(deleted))


def track(heads: Sequence[ReviewedHead], final: Mapping[str, str | None]) -> dict[int, Fate]:
    """The fate of every line scored at its first review, following it through `heads` to `final`.

    `heads` are the PR's reviewed heads, oldest first; `final` the file texts at the head the PR
    closed with (None or missing: the file is gone). A line a later review scores again where a
    tracked line already sits is the same line, not a new prediction; it is left out.
    """
    fates: dict[int, Fate] = {}
    where: dict[int, tuple[str, int]] = {}  # tracked, still-kept lines -> position at the current head
    versions = [h.files for h in heads] + [final]
    for index, head in enumerate(heads):
        occupied = set(where.values())
        for line in head.lines:
            if (line.path, line.line) not in occupied:
                where[line.key] = (line.path, line.line)
                fates[line.key] = Fate.KEPT
        before, after = versions[index], versions[index + 1]
        maps = {path: map_lines(before.get(path), after.get(path)) for path in {p for p, _ in where.values()}}
        for line_id, (path, number) in list(where.items()):
            line_map = maps[path]
            if number in line_map.moved:
                where[line_id] = (path, line_map.moved[number])
                continue
            fates[line_id] = Fate.DELETED if number in line_map.deleted else Fate.EDITED
            del where[line_id]
    return fates
