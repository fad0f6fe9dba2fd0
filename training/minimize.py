"""Line-level patches between a generated program and a repair, and delta debugging to shrink them.

Pure: the test oracle is a callback, so everything here is unit-tested with literals.
A patch is a set of `Edit`s, one per changed line: replacing, deleting or inserting a line all cost 1,
so an insertion-only patch is never free.
"""

from __future__ import annotations

import difflib
import enum
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field


class EditKind(enum.StrEnum):
    REPLACE = "replace"
    DELETE = "delete"
    INSERT = "insert"


@dataclass(frozen=True, slots=True, order=True)
class Edit:
    """One changed line. `at` is a 0-based line of the generated program; an INSERT goes before line `at`
    (`at` == number of lines appends), `order` ranks inserts at the same place."""

    at: int
    order: int
    kind: EditKind
    text: str = ""


@dataclass
class Budget:
    """How many oracle calls and seconds a program's repair may still spend."""

    checks: int
    seconds: float
    started: float = field(default_factory=time.monotonic)

    def spend(self) -> bool:
        if self.checks <= 0 or time.monotonic() - self.started > self.seconds:
            return False
        self.checks -= 1
        return True


def split_lines(code: str) -> list[str]:
    return code.rstrip("\n").split("\n") if code.strip() else []


def line_edits(generated: str, candidate: str, blank_aware: bool = False) -> tuple[Edit, ...]:
    """The edits that turn `generated` into `candidate`, one per line (difflib alignment on lines).

    With `blank_aware`, changed blocks pair non-blank lines with non-blank lines, so blank lines become
    their own (insignificant) inserts and deletes; blank lines may then land in a different place."""
    old, new = split_lines(generated), split_lines(candidate)
    edits: list[Edit] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        olds, news = list(range(i1, i2)), list(range(j1, j2))
        paired = min(len(olds), len(news))
        if blank_aware:
            olds = [i for i in olds if old[i].strip()] + [i for i in olds if not old[i].strip()]
            news = [j for j in news if new[j].strip()] + [j for j in news if not new[j].strip()]
            paired = min(sum(1 for i in olds if old[i].strip()), sum(1 for j in news if new[j].strip()))
        edits.extend(Edit(olds[k], 0, EditKind.REPLACE, new[news[k]]) for k in range(paired))
        edits.extend(Edit(i, 0, EditKind.DELETE) for i in olds[paired:])
        edits.extend(Edit(i2, k, EditKind.INSERT, new[j]) for k, j in enumerate(news[paired:]))
    return tuple(sorted(edits))


def significant(generated: str, edits: Iterable[Edit]) -> tuple[Edit, ...]:
    """The edits that change more than blank lines (adding or dropping an empty line changes no code)."""
    lines = split_lines(generated)

    def blank(edit: Edit) -> bool:
        old_blank = edit.kind is EditKind.INSERT or not lines[edit.at].strip()
        return old_blank and not edit.text.strip()

    return tuple(edit for edit in edits if not blank(edit))


def apply_edits(generated: str, edits: Iterable[Edit]) -> str:
    """The program after applying a subset of edits (edits of one `line_edits` result, or compatible ones)."""
    old = split_lines(generated)
    by_line: dict[int, Edit] = {}
    inserts: dict[int, list[Edit]] = {}
    for edit in edits:
        if edit.kind is EditKind.INSERT:
            inserts.setdefault(edit.at, []).append(edit)
        else:
            by_line[edit.at] = edit
    out: list[str] = []
    for index in range(len(old) + 1):
        out.extend(edit.text for edit in sorted(inserts.get(index, ())))
        if index == len(old):
            break
        edit = by_line.get(index)
        if edit is None:
            out.append(old[index])
        elif edit.kind is EditKind.REPLACE:
            out.append(edit.text)
    return "\n".join(out) + "\n"


def ddmin(
    edits: Sequence[Edit], passes: Callable[[Sequence[Edit]], bool], budget: Budget
) -> tuple[Edit, ...]:
    """Zeller's ddmin: a 1-minimal subset of `edits` that still passes (given that all of them pass).

    Stops early when the budget runs out and returns the smallest passing subset found so far.
    """
    current = list(edits)
    granularity = 2
    while len(current) >= 2:
        chunks = _split(current, granularity)
        reduced = False
        for chunk in chunks:
            if not budget.spend():
                return tuple(current)
            if passes(chunk):
                current, granularity, reduced = chunk, 2, True
                break
        if not reduced and granularity > 2:
            for index in range(len(chunks)):
                complement = [e for k, chunk in enumerate(chunks) if k != index for e in chunk]
                if not budget.spend():
                    return tuple(current)
                if passes(complement):
                    current, granularity, reduced = complement, max(granularity - 1, 2), True
                    break
        if not reduced:
            if granularity >= len(current):
                break
            granularity = min(len(current), granularity * 2)
    return tuple(current)


def _split(items: list[Edit], parts: int) -> list[list[Edit]]:
    size, extra = divmod(len(items), parts)
    chunks, start = [], 0
    for index in range(parts):
        end = start + size + (1 if index < extra else 0)
        if end > start:
            chunks.append(items[start:end])
        start = end
    return chunks
