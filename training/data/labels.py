"""Labels implied by a minimal patch, on characters, lines and any tokenizer's tokens.

A patch is stored tokenizer-free, as edited character intervals and insertion points in the
generated code; `token_labels` projects them onto any tokenisation given as a `cover` (the character
interval of each token), so training needs no re-alignment. Pure; no model, no I/O.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Iterable, Sequence

from scoring.windows import line_starts
from training.data.minimize import Edit, EditKind, apply_edits, split_lines

Interval = tuple[int, int]
# Python-ish lexemes: multi-character operators stay whole, so `<` -> `<=` replaces one token.
_LEXEME = re.compile(r"\n|[ \t]+|\w+|\*\*=?|//=?|<<=?|>>=?|->|:=|[=!<>+\-*/%&|^@]=|[^\w\s]")
_TERMINAL = (ast.Return, ast.Raise, ast.Continue, ast.Break)


def patch_regions(generated: str, edits: Iterable[Edit]) -> tuple[list[Interval], list[int]]:
    """Edited character intervals and insertion points in `generated` implied by line edits.

    A replaced line is diffed token by token against its new text (so `<` -> `<=` marks only `<`);
    a deleted line is edited whole; an inserted line is an insertion point at the start of the line
    it goes before (or at the end of the code)."""
    lines = split_lines(generated)
    starts = line_starts(generated)
    intervals: list[Interval] = []
    points: list[int] = []
    for edit in sorted(edits):
        if edit.kind is EditKind.INSERT:
            points.append(starts[edit.at] if edit.at < len(lines) else len(generated.rstrip("\n")))
            continue
        start, line = starts[edit.at], lines[edit.at]
        if edit.kind is EditKind.DELETE:
            intervals.append((start, start + max(len(line), 1)))
            continue
        changed, inserted = _token_diff(line, edit.text)
        intervals.extend((start + a, start + b) for a, b in changed)
        points.extend(start + p for p in inserted)
    return _merge(intervals), sorted(set(points))


def text_regions(generated: str, patched: str) -> tuple[list[Interval], list[int]]:
    """Edited intervals and insertion points from a whole-text token diff (for patches not made of lines)."""
    changed, inserted = _token_diff(generated, patched)
    return _merge(changed), sorted(set(inserted))


def unreachable_lines(generated: str, edits: Sequence[Edit]) -> list[int]:
    """Generated lines (0-based) the patch keeps but makes dead: statements after a return/raise/
    continue/break in the same block, and the bodies of functions redefined later at top level.
    This closes the free-insertion trap (a correct body inserted above code that then never runs)."""
    patched = apply_edits(generated, edits)
    try:
        tree = ast.parse(patched)
    except (SyntaxError, ValueError):
        return []
    dead: set[tuple[int, int]] = set()
    for node in ast.walk(tree):
        for body in (getattr(node, name, None) for name in ("body", "orelse", "finalbody")):
            if not isinstance(body, list):
                continue
            for index, statement in enumerate(body[:-1]):
                if isinstance(statement, _TERMINAL):
                    dead.update(_span(later) for later in body[index + 1 :])
                    break
    seen: dict[str, ast.stmt] = {}
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if statement.name in seen:
                dead.add(_span(seen[statement.name]))
            seen[statement.name] = statement
    dead_patched = {line for first, last in dead for line in range(first - 1, last)}
    kept = _kept_lines(generated, edits)
    return sorted(g for g, p in kept.items() if p in dead_patched)


def line_labels(
    code: str,
    intervals: Sequence[Interval],
    points: Sequence[int],
    extra: Iterable[int] = (),
    insert_before: bool = True,
) -> list[int]:
    """1 for each line an edit touches (or, with `insert_before`, that an insertion lands right before);
    an insertion at the very end marks the last non-blank line. `extra`: lines edited anyway (dead code)."""
    lines = split_lines(code)
    starts = line_starts(code)[: len(lines)]  # trailing blank lines are not lines here
    labels = [0] * len(lines)
    for index, start in enumerate(starts):
        end = start + len(lines[index])
        if any(a < max(end, start + 1) and b > start for a, b in intervals) or any(
            start < p < end or (insert_before and p == start) for p in points
        ):
            labels[index] = 1
    non_blank = [i for i, line in enumerate(lines) if line.strip()]
    if insert_before and non_blank and any(p >= len(code.rstrip("\n")) for p in points):
        labels[non_blank[-1]] = 1
    for index in extra:
        labels[index] = 1
    return labels


def patch_line_labels(code: str, edits: Sequence[Edit]) -> list[int]:
    """Line labels a line patch implies: the lines it edits, those an insertion lands before, and the
    generated lines it makes unreachable."""
    intervals, points = patch_regions(code, edits)
    return line_labels(code, intervals, points, unreachable_lines(code, edits))


def token_labels(
    cover: Sequence[Interval],
    intervals: Sequence[Interval],
    points: Sequence[int],
    insert_before: bool = True,
    offset: int = 0,
) -> list[int]:
    """1 for each token (character interval in `cover`) that an edit touches or, with `insert_before`,
    that an insertion lands right before (or inside); an insertion at the end marks the last token.

    `offset`: where the code starts in the text the cover was made for (e.g. after the intent), since
    intervals and points are relative to the code."""
    intervals = [(a + offset, b + offset) for a, b in intervals]
    points = [p + offset for p in points]
    labels = []
    for start, end in cover:
        touched = any(a < end and b > start for a, b in intervals) if end > start else False
        inserted = insert_before and end > start and any(start <= p < end for p in points)
        labels.append(int(touched or inserted))
    if insert_before and cover and points and max(points) >= max(end for _, end in cover):
        labels[-1] = 1
    return labels


def lines_to_intervals(code: str, line_indices: Iterable[int]) -> list[Interval]:
    """Character intervals of whole lines (for lines labelled edited without a character edit)."""
    lines, starts = split_lines(code), line_starts(code)
    return _merge([(starts[i], starts[i] + max(len(lines[i]), 1)) for i in line_indices])


def copied_from_prompt(code: str, prompts: Iterable[str]) -> list[bool]:
    """Whether each line repeats a line of the prompt the generator saw (signature, docstring):
    such lines are trivially unedited, so evaluation must be able to leave them out."""
    seen = {line.strip() for prompt in prompts for line in prompt.split("\n") if line.strip()}
    return [bool(line.strip()) and line.strip() in seen for line in split_lines(code)]


def generated_lines(code: str, copied: Sequence[bool]) -> list[int]:
    """Indices of the lines the generator wrote itself: not blank, not copied from the prompt (the lines
    an edited share is measured over)."""
    return [i for i, line in enumerate(split_lines(code)) if line.strip() and not copied[i]]


def _token_diff(old: str, new: str) -> tuple[list[Interval], list[int]]:
    a = [(m.start(), m.end(), m.group()) for m in _LEXEME.finditer(old)]
    b = [m.group() for m in _LEXEME.finditer(new)]
    matcher = difflib.SequenceMatcher(None, [t for _, _, t in a], b, autojunk=False)
    changed: list[Interval] = []
    inserted: list[int] = []
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            changed.append((a[i1][0], a[i2 - 1][1]))
        elif tag == "insert":
            inserted.append(a[i1][0] if i1 < len(a) else len(old))
    return changed, inserted


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def _span(node: ast.stmt) -> tuple[int, int]:
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return first, node.end_lineno or node.lineno


def _kept_lines(generated: str, edits: Sequence[Edit]) -> dict[int, int]:
    """Generated line -> patched line for the lines the patch leaves unchanged."""
    touched = {e.at for e in edits if e.kind is not EditKind.INSERT}
    inserted_before: dict[int, int] = {}
    for edit in edits:
        if edit.kind is EditKind.INSERT:
            inserted_before[edit.at] = inserted_before.get(edit.at, 0) + 1
    kept: dict[int, int] = {}
    position = 0
    for index in range(len(split_lines(generated))):
        position += inserted_before.get(index, 0)
        if index in touched:
            deleted = any(e.at == index and e.kind is EditKind.DELETE for e in edits)
            position += 0 if deleted else 1
            continue
        kept[index] = position
        position += 1
    return kept
