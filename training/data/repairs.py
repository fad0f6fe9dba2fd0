"""Find the smallest passing patch for a failing program.

Methods, smallest patch kept: (1) the closest passing candidate from the wide pool (the reference and
every other program for the problem), as in the paper; (1') the closest passing candidates after
adopting the generated program's names (`training.data.names`), so a renamed parameter is not an edit on
every line that uses it; (2) one changed block of a passing program's diff on its own (smallest
blocks first); (3) ddmin over the line edits of the nearest candidates and of the best block; (4) a
one-line search (replace, delete or insert one line taken from aligned lines of passing programs, or
a local mutation such as an operator flip or an off-by-one constant).
Diffs align code lines only (comments, docstrings and blank lines are never edited).
The oracle is a callback (the strongest tests available); no sandbox or I/O here.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from training.data.labels import unreachable_lines
from training.data.minimize import (
    Budget,
    Edit,
    EditKind,
    apply_edits,
    code_edits,
    code_hunks,
    code_lines,
    ddmin,
    line_edits,
    split_lines,
)
from training.data.names import adopt_names

MAX_POOL_CHECKS = 12  # unverified pool programs run per failing program while looking for the closest pass
MAX_PASSING_DONORS = 40  # closest passing programs feeding the block and one-line searches
MAX_MUTATIONS_PER_LINE = 24
DDMIN_MIN_CHECKS = 8
CANDIDATES_TO_SHRINK = 3  # nearest passing candidates whose patches ddmin tries
BLOCK_SHARE = 3  # the block search may spend up to 1/BLOCK_SHARE of a program's checks

_FLIPS = (
    ("<=", "<"),
    ("<", "<="),
    (">=", ">"),
    (">", ">="),
    ("==", "!="),
    ("!=", "=="),
    ("<", ">"),
    (">", "<"),
    ("+", "-"),
    ("-", "+"),
    ("//", "/"),
    ("/", "//"),
    (" and ", " or "),
    (" or ", " and "),
    ("True", "False"),
    ("False", "True"),
    ("min(", "max("),
    ("max(", "min("),
    ("[0]", "[-1]"),
    ("[-1]", "[0]"),
)
_NUMBER = re.compile(r"(?<![\w.])\d+(?![\w.])")


class RepairMethod(enum.StrEnum):
    NONE = "none"  # no passing candidate found within the budget
    CLOSEST = "closest"  # the closest passing candidate, whole (the paper's MIAP)
    RENAMED = "renamed"  # a close passing candidate with the generated program's names, whole
    BLOCK = "block"  # one changed block of a passing program's diff, alone
    DDMIN = "ddmin"
    ONE_LINE = "one_line"


@dataclass(frozen=True, slots=True)
class Candidate:
    code: str
    origin: str  # "reference" or the generation's source and generator


@dataclass(frozen=True, slots=True)
class RepairReport:
    """paper: the whole closest passing candidate's patch; best: the smallest passing patch found."""

    method: RepairMethod
    best: tuple[Edit, ...]
    paper: tuple[Edit, ...]
    closest_origin: str
    checks: int

    @property
    def found(self) -> bool:
        return self.method is not RepairMethod.NONE


def find_repair(
    generated: str,
    pool: Sequence[Candidate],
    known_passing: set[str],
    passes: Callable[[str], bool],
    budget: Budget,
    verified: frozenset[str] = frozenset(),
) -> RepairReport:
    """The smallest passing patch of `generated`; `known_passing` holds codes already known to pass and
    `verified` codes whose result is known (so a verified code not in `known_passing` fails)."""
    start_checks = budget.checks
    ranked = sorted(
        (len(code_edits(generated, c.code)), len(c.code), k)
        for k, c in enumerate(pool)
        if c.code != generated
    )
    nearest: list[Candidate] = []
    unverified = 0
    for _, _, index in ranked:
        candidate = pool[index]
        if len(nearest) == CANDIDATES_TO_SHRINK:
            break
        if candidate.code in known_passing:
            nearest.append(candidate)
        elif candidate.code not in verified and unverified < MAX_POOL_CHECKS and budget.spend():
            unverified += 1
            if passes(candidate.code):
                known_passing.add(candidate.code)
                nearest.append(candidate)
    if not nearest:
        return RepairReport(RepairMethod.NONE, (), (), "", start_checks - budget.checks)
    patches = [_patch(generated, c.code, passes, budget) for c in nearest]
    paper = patches[0]
    best, method = paper, RepairMethod.CLOSEST
    # Sorted, not set order: the build must give the same labels on every run.
    donors = sorted(
        {adopt_names(generated, c) for c in known_passing if c != generated},
        key=lambda c: (len(code_edits(generated, c)), c),
    )[:MAX_PASSING_DONORS]
    for donor in donors[:CANDIDATES_TO_SHRINK]:
        edits = code_edits(generated, donor)
        if donor in known_passing or not budget.spend() or not passes(apply_edits(generated, edits)):
            continue  # unrenamed, it is a pool program the nearest search has ranked already
        patches.append(edits)  # ddmin shrinks it even when it is no smaller than the best yet
        if cost(generated, edits) < cost(generated, best):
            best, method = edits, RepairMethod.RENAMED
    block = _block_search(generated, donors, passes, budget, cost(generated, best))
    if block:
        best, method = block, RepairMethod.BLOCK
        patches.append(block)
    # ddmin over each patch (nearest candidates, best block) shares half of what is left; the one-line
    # search keeps the rest.
    allowance = min(budget.checks, max(DDMIN_MIN_CHECKS, budget.checks // 2))
    for edits in patches:
        if len(edits) < 2:
            continue
        share = Budget(max(1, allowance // len(patches)), budget.seconds, budget.started)
        shrunk = ddmin(edits, lambda subset: passes(apply_edits(generated, subset)), share)
        budget.checks -= max(1, allowance // len(patches)) - share.checks
        if cost(generated, shrunk) < cost(generated, best):
            best, method = shrunk, RepairMethod.DDMIN
    if cost(generated, best) > 1:
        singles = [
            (edit,)
            for edit in one_line_edits(generated, donors, {e.at for e in best})
            if not unreachable_lines(generated, [edit])  # an early return hiding the old code is no repair
        ]
        found = _first_passing(generated, singles, passes, budget)
        if found:
            best, method = found, RepairMethod.ONE_LINE
    return RepairReport(method, best, paper, nearest[0].origin, start_checks - budget.checks)


def cost(generated: str, edits: Sequence[Edit]) -> int:
    """A patch's size: its edited lines plus the generated lines it makes unreachable."""
    return len(edits) + len(unreachable_lines(generated, edits))


def block_patches(generated: str, donors: Sequence[str]) -> list[tuple[Edit, ...]]:
    """Each changed block of each donor's diff, as a patch on its own: smallest first, then blocks more
    donors share (the likeliest fix), so the first that passes is the smallest."""
    votes = Counter(block for donor in donors for block in code_hunks(generated, donor))
    return sorted(votes, key=lambda block: (len(block), -votes[block], block))


def _block_search(
    generated: str, donors: Sequence[str], passes: Callable[[str], bool], budget: Budget, limit: int
) -> tuple[Edit, ...]:
    """The first passing block smaller than `limit` (cost), within a share of the budget; () if none."""
    allowance = budget.checks // BLOCK_SHARE
    for block in block_patches(generated, donors):
        if len(block) >= limit or allowance <= 0:
            break
        if cost(generated, block) >= limit:
            continue  # it hides generated lines: no smaller than what we have
        if not budget.spend():
            break
        allowance -= 1
        if passes(apply_edits(generated, block)):
            return block
    return ()


def _first_passing(
    generated: str, patches: Sequence[tuple[Edit, ...]], passes: Callable[[str], bool], budget: Budget
) -> tuple[Edit, ...]:
    """The first of `patches` that passes within the budget; () if none."""
    for patch in patches:
        if not budget.spend():
            break
        if passes(apply_edits(generated, patch)):
            return patch
    return ()


def _patch(generated: str, candidate: str, passes: Callable[[str], bool], budget: Budget) -> tuple[Edit, ...]:
    """The edits towards `candidate` on code lines only, or all its line edits when that does not pass."""
    edits = line_edits(generated, candidate)
    core = code_edits(generated, candidate)
    if core != edits and budget.spend() and passes(apply_edits(generated, core)):
        return core
    return edits


def one_line_edits(generated: str, donors: Sequence[str], suspects: set[int]) -> list[Edit]:
    """Single-line edits to try, most promising first: on lines the best patch touches, edits that more
    passing programs share, then those closest to the original line (a flipped operator first)."""
    lines = split_lines(generated)
    scored: dict[Edit, tuple[int, int, float]] = {}
    votes: dict[Edit, int] = {}

    def offer(edit: Edit, similarity: float) -> None:
        key = (0 if edit.at in suspects else 1, -votes.get(edit, 0), -similarity)
        scored[edit] = min(scored.get(edit, key), key)

    diffs = [code_edits(generated, donor) for donor in donors]
    for edits in diffs:  # an edit several passing programs agree on is the likeliest fix
        for edit in edits:
            plain = Edit(edit.at, 0, edit.kind, edit.text)
            votes[plain] = votes.get(plain, 0) + 1
    for edits in diffs:
        for edit in edits:
            if edit.kind is EditKind.REPLACE:
                offer(edit, difflib.SequenceMatcher(None, lines[edit.at], edit.text).ratio())
            elif edit.kind is EditKind.INSERT:
                offer(Edit(edit.at, 0, EditKind.INSERT, edit.text), 0.3)
    for index in code_lines(generated):
        line = lines[index]
        offer(Edit(index, 0, EditKind.DELETE), 0.2)
        for mutated in mutations(line):
            offer(Edit(index, 0, EditKind.REPLACE, mutated), 0.99)
    return sorted(scored, key=lambda edit: (scored[edit], edit))


def mutations(line: str) -> list[str]:
    """Local mutations of one line: each operator flip or ±1 on each integer constant, one at a time."""
    found: list[str] = []
    code, _, _ = line.partition("#")
    for old, new in _FLIPS:
        start = code.find(old)
        while start != -1 and len(found) < MAX_MUTATIONS_PER_LINE:
            found.append(line[:start] + new + line[start + len(old) :])
            start = code.find(old, start + len(old))
    for match in _NUMBER.finditer(code):
        value = int(match.group())
        for changed in (value + 1, value - 1):
            if changed >= 0 and len(found) < MAX_MUTATIONS_PER_LINE:
                found.append(line[: match.start()] + str(changed) + line[match.end() :])
    return [m for m in dict.fromkeys(found) if m != line]
