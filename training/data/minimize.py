"""Line-level patches between a generated program and a repair, and delta debugging to shrink them.

Pure: the test oracle is a callback, so everything here is unit-tested with literals.
A patch is a set of `Edit`s, one per changed line: replacing, deleting or inserting a line all cost 1,
so an insertion-only patch is never free.
"""

from __future__ import annotations

import ast
import difflib
import enum
import functools
import io
import time
import tokenize
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


def line_edits(generated: str, candidate: str) -> tuple[Edit, ...]:
    """The edits that turn `generated` into `candidate` exactly, one per line (difflib alignment on lines)."""
    old, new = split_lines(generated), split_lines(candidate)
    hunks = _align(old, new, old, new, list(range(len(old))), list(range(len(new))))
    return tuple(sorted(edit for hunk in hunks for edit in hunk))


def code_hunks(generated: str, candidate: str) -> list[tuple[Edit, ...]]:
    """The changed blocks between the code lines of two programs, one tuple of edits per block.

    Only code lines are aligned and edited: blank lines, comment-only lines and docstrings of either
    program are left out, and lines are compared without trailing whitespace or comments. Applying
    every block gives the candidate's code with the generated program's comments and docstrings, which
    behaves like the candidate but must still be checked."""
    (old_keys, old_code), (new_keys, new_code) = _code_view(generated), _code_view(candidate)
    return _align(old_keys, new_keys, split_lines(generated), split_lines(candidate), old_code, new_code)


@functools.lru_cache(maxsize=4096)
def _code_view(code: str) -> tuple[list[str], list[int]]:
    """The comparable text of each code line, and the code lines' indices (cached: a repair diffs one
    program against every program of its pool several times)."""
    keys, indices = comparable_lines(code), code_lines(code)
    return [keys[i] for i in indices], indices


def code_edits(generated: str, candidate: str) -> tuple[Edit, ...]:
    """Every edit of `code_hunks`, sorted: the candidate's code without touching comments or docstrings."""
    return tuple(sorted(edit for hunk in code_hunks(generated, candidate) for edit in hunk))


def _align(
    old_keys: list[str],
    new_keys: list[str],
    old: list[str],
    new: list[str],
    old_index: list[int],
    new_index: list[int],
) -> list[tuple[Edit, ...]]:
    """difflib alignment of the keyed lines; `*_index` map each key to its line in `old` / `new`.
    Inside a changed block lines are paired in order; leftovers are deletes or inserts placed before
    the next aligned line (or at the end)."""
    hunks: list[tuple[Edit, ...]] = []
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        olds, news = old_index[i1:i2], [new[j] for j in new_index[j1:j2]]
        paired = min(len(olds), len(news))
        at = old_index[i2] if i2 < len(old_index) else len(old)
        hunk = [Edit(olds[k], 0, EditKind.REPLACE, news[k]) for k in range(paired)]
        hunk += [Edit(i, 0, EditKind.DELETE) for i in olds[paired:]]
        hunk += [Edit(at, k, EditKind.INSERT, text) for k, text in enumerate(news[paired:])]
        hunks.append(tuple(sorted(hunk)))
    return hunks


def comparable_lines(code: str) -> list[str]:
    """Each line without trailing whitespace and without its comment ("" for a comment-only line)."""
    keys = [line.rstrip() for line in split_lines(code)]
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            row, column = token.start
            if token.type == tokenize.COMMENT and row <= len(keys):
                keys[row - 1] = keys[row - 1][:column].rstrip()
    except (tokenize.TokenError, SyntaxError):
        pass  # a program that does not tokenise keeps its comments in the comparison
    return keys


def code_lines(code: str) -> list[int]:
    """Indices of the lines that carry code: not blank, not comment-only, not part of a docstring
    (a patch never needs to touch those, and labelling them edited would say nothing about the bug)."""
    keys = comparable_lines(code)
    docstrings: set[int] = set()
    try:  # ast numbers lines on \r too; split_lines does not, so such code keeps its docstrings
        tree = None if "\r" in code else ast.parse(code)
    except (SyntaxError, ValueError):
        tree = None
    for node in ast.walk(tree) if tree is not None else ():
        body = getattr(node, "body", None)
        if not isinstance(body, list) or not body or not isinstance(body[0], ast.Expr):
            continue
        first = body[0]
        value = first.value
        starts_line = first.col_offset == len(keys[first.lineno - 1]) - len(keys[first.lineno - 1].lstrip())
        if isinstance(value, ast.Constant) and isinstance(value.value, str) and starts_line:
            docstrings.update(range(first.lineno - 1, (first.end_lineno or first.lineno)))
    return [i for i, key in enumerate(keys) if key.strip() and i not in docstrings]


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
        line_edit = by_line.get(index)
        if line_edit is None:
            out.append(old[index])
        elif line_edit.kind is EditKind.REPLACE:
            out.append(line_edit.text)
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
