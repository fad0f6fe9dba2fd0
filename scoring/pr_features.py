"""Model-free features of an added line that a review can see: the line, its diff, the change, the history,
static (AST) signals of the file after the change, the structure and complexity of the line and of the
function around it, and the line measured against the rest of its file. Line kinds, static signals and
structure come from the file's own language's parser (scoring.languages: Python's `ast`, tree-sitter's
TypeScript and TSX grammars), so each means the same construct in both; a file of another language, or one
whose parser fails, gets zeros for them and the language-neutral features as usual.

Pure: a parsed file diff, the file's text after the change, the change's size and (when the repository's
history is at hand) the file's history in, one row of named features per added line out. The same
function serves the bot at review time and training on the in-the-wild rows, so both read one definition.

History fields are those of `data/wild/<repo>.history.jsonl.gz` (see its README): computed from the
history reachable from the change's parent, nothing later.
"""

from __future__ import annotations

import bisect
import enum
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scoring import languages, static
from scoring.diff import ChangeKind, FileDiff, LineKind
from scoring.languages import LINE_KINDS, TYPESCRIPT, line_syntax


class Family(enum.StrEnum):
    """Feature groups; a PR model names the families it reads, so a review computes only those."""

    LINE = "line"  # the added line's own text
    DIFF = "diff"  # its hunk, its file and the file's diff
    CHANGE = "change"  # the whole change (commit or PR) it belongs to
    HISTORY = "history"  # the repository's history of the file and its neighbouring lines
    STATIC = "static"  # the line's statement in the file's syntax tree (scoring.static's features)
    STRUCTURE = "structure"  # structure and complexity of the line and its enclosing function
    RELATIVE = "relative"  # the line against the rest of its file: means the same whatever the code style


@dataclass(frozen=True, slots=True)
class FileHistory:
    """One file's history before the change; line lists are aligned with the file's added lines.

    Ages are days between the change's commit time and the commit that last touched the thing; None where
    no such line exists (an appended block has no kept line below it). New files have empty line lists.
    """

    file_commits_90d: int
    file_commits_365d: int
    file_authors_365d: int
    file_age_days: float
    repo_commits_90d: int
    line_age_above_days: tuple[float | None, ...] = ()
    line_age_below_days: tuple[float | None, ...] = ()
    neighbour_changes_365d: tuple[int | None, ...] = ()


@dataclass(frozen=True, slots=True)
class ChangeSize:
    """The change (a commit, or a PR's AI-written part) the file belongs to: files touched, lines added."""

    files: int
    added_lines: int


@dataclass(frozen=True, slots=True)
class FileChange:
    """What a diff-aware scorer reads besides the text: the file's diff, its change, its history, the prior.

    prior: the repository's rate of AI-written lines that people edit (None: the training mix's rate).
    """

    diff: FileDiff
    size: ChangeSize
    history: FileHistory | None = None
    prior: float | None = None


_TOKEN = re.compile(r"\w+|[^\w\s]")
# Path conventions of the parsed languages (pytest's and the JavaScript test runners'), read the same way.
_TEST_PATH = re.compile(
    r"(^|/)(tests?|testing|__tests__|__mocks__)/|(^|/)test_[^/]*$|_test\.py$|(^|/)conftest\.py$"
    r"|\.(test|spec)\.[cm]?[jt]sx?$"
)
_DOCS_PATH = re.compile(r"(^|/)(docs?|examples?|cookbook|notebooks?)/")
_CONFIG_PATH = re.compile(
    r"(^|/)(settings|config|conf|constants)[^/]*\.([cm]?[jt]s|py)$|(^|/)setup\.py$|\.config\.[cm]?[jt]s$"
)
_PACKAGE_ENTRY = re.compile(r"(^|/)(__init__\.py|index\.[cm]?[jt]sx?)$")

FEATURES: dict[Family, tuple[str, ...]] = {
    Family.LINE: ("length", "tokens", "indent", "blank", *(f"kind_{name}" for name in LINE_KINDS)),
    Family.DIFF: (
        "run_length",
        "run_position",
        "hunk_added",
        "hunk_removed",
        "hunk_index",
        "hunks",
        "file_added",
        "file_lines",
        "share_added",
        "position_in_file",
        "new_file",
        "renamed",
        "test_file",
        "docs_file",
        "config_file",
        "package_init",
        "parsed",
        "typescript",
    ),
    Family.CHANGE: ("change_files", "change_added"),
    Family.HISTORY: (
        "file_commits_90d",
        "file_commits_365d",
        "file_authors_365d",
        "file_age_days",
        "line_age_above_days",
        "line_age_below_days",
        "neighbour_changes_365d",
        "no_line_above",
        "no_line_below",
    ),
    Family.STATIC: tuple(f"static_{name}" for name in static.FEATURES),
    Family.STRUCTURE: tuple(
        f"struct_{name}"
        for name in (
            "parses",
            *static.STRUCTURE_LINE,
            *static.STRUCTURE_TOKENS,
            "in_function",
            *static.STRUCTURE_FUNCTION,
            "function_added",
        )
    ),
    Family.RELATIVE: (
        "rel_length_file",
        "rel_tokens_file",
        "rel_indent_file",
        "rel_length_added",
        "rel_tokens_added",
        "rel_indent_added",
        "rel_length_rank",
    ),
}
# Counts and ages span orders of magnitude: the model reads log(1 + x) of these.
LOG_SCALED = frozenset(
    {
        "length",
        "tokens",
        "indent",
        "run_length",
        "hunk_added",
        "hunk_removed",
        "hunk_index",
        "hunks",
        "file_added",
        "file_lines",
        "change_files",
        "change_added",
        "file_commits_90d",
        "file_commits_365d",
        "file_authors_365d",
        "file_age_days",
        "line_age_above_days",
        "line_age_below_days",
        "neighbour_changes_365d",
        *(
            f"struct_{name}"
            for name in (*static.STRUCTURE_LINE, *static.STRUCTURE_TOKENS, *static.STRUCTURE_FUNCTION)
        ),
    }
)
# Caches of feature tables key on this with the names: bump it when a feature's computation changes.
# 2: line kinds from a parser per language (were Python regexes), parsed, typescript
# 3: static and structure signals of TypeScript files from tree-sitter (were zeros); Python's are unchanged
FEATURE_VERSION = 3
INDENT_TAB = 4  # columns a tab counts for when finding a file's indentation unit
INDENT_UNIT_SHARE = (
    0.02  # an indentation unit is the smallest indent on at least this share of indented lines
)


def feature_names(families: Sequence[Family]) -> tuple[str, ...]:
    return tuple(name for family in Family if family in families for name in FEATURES[family])


def _runs(added: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Each added line -> (first, last) of its run of consecutive added lines."""
    out: dict[int, tuple[int, int]] = {}
    ordered = sorted(added)
    start = 0
    for k in range(1, len(ordered) + 1):
        if k == len(ordered) or ordered[k] != ordered[k - 1] + 1:
            for line in ordered[start:k]:
                out[line] = (ordered[start], ordered[k - 1])
            start = k
    return out


def _line_features(text: str, kinds: np.ndarray) -> list[float]:
    stripped = text.strip()
    indent = len(text) - len(text.lstrip(" \t"))
    return [
        float(len(stripped)),
        float(len(_TOKEN.findall(stripped))),
        float(indent),
        float(not stripped),
        *kinds,
    ]


def _indent_columns(text: str) -> int:
    return len(text[: len(text) - len(text.lstrip(" \t"))].expandtabs(INDENT_TAB))


def _indent_unit(indents: Sequence[int]) -> int:
    """The file's indentation step in columns (2, 4, a tab...): the smallest positive indent that is common,
    so continuation lines aligned to a bracket do not count; 4 where nothing is indented."""
    positive = [i for i in indents if i > 0]
    values, counts = np.unique(np.asarray(positive, dtype=np.int64), return_counts=True)
    common = values[(counts >= 2) & (counts >= INDENT_UNIT_SHARE * len(positive))]
    return int(common[0]) if len(common) else int(values[0]) if len(values) else 4


def _relative(text_lines: Sequence[str], lines: Sequence[int]) -> dict[int, list[float]]:
    """RELATIVE rows per added line: log1p length and tokens and indentation in levels of the file's own
    step, each minus its median over the file's non-blank lines and over its non-blank added lines, and the
    line's percentile rank of length among those added lines (0.5 where none). Every value is a difference
    or a rank within one file, so it reads alike in a terse and a verbose code base. Relatives to the PR
    would need every file of the PR at once, which file_features does not see; they are left out."""

    def measures(text: str) -> tuple[float, float, int]:
        stripped = text.strip()
        return math.log1p(len(stripped)), math.log1p(len(_TOKEN.findall(stripped))), _indent_columns(text)

    file_rows = [measures(text) for text in text_lines if text.strip()]
    unit = _indent_unit([row[2] for row in file_rows])
    texts = {number: text_lines[number - 1] if number <= len(text_lines) else "" for number in lines}
    added_rows = [measures(texts[n]) for n in lines if texts[n].strip()]

    def medians(rows: list[tuple[float, float, int]]) -> np.ndarray:
        return np.median(np.asarray(rows, dtype=np.float64), axis=0) if rows else np.zeros(3)

    file_median, added_median = medians(file_rows), medians(added_rows)
    file_median[2] /= unit
    added_median[2] /= unit
    added_lengths = np.sort(np.asarray([row[0] for row in added_rows], dtype=np.float64))
    out = {}
    for number in lines:
        length, tokens, indent = measures(texts[number])
        own = np.array([length, tokens, indent / unit])
        if len(added_lengths):
            below = np.searchsorted(added_lengths, length, "left")
            rank = float(below + np.searchsorted(added_lengths, length, "right")) / (2 * len(added_lengths))
        else:
            rank = 0.5
        out[number] = [*(own - file_median), *(own - added_median), float(rank)]
    return out


def _structure_row(
    path: str, text: str, number: int, tree: static.Structure, added: Sequence[int]
) -> list[float]:
    """STRUCTURE values of line `number`: zeros where the file does not parse or the line is past its end."""
    width = len(FEATURES[Family.STRUCTURE])
    if not tree.parses or number > len(tree.function_first):
        return [0.0] * width
    k = number - 1
    first, last = int(tree.function_first[k]), int(tree.function_last[k])
    # `added` is sorted: the function is the PR's own when every line of its span is an added line.
    whole_added = float(
        first > 0 and bisect.bisect_right(added, last) - bisect.bisect_left(added, first) == last - first + 1
    )
    return [
        1.0,
        *(float(tree.values[name][k]) for name in static.STRUCTURE_LINE),
        *languages.token_structure(path, text),
        float(first > 0),
        *(float(tree.values[name][k]) for name in static.STRUCTURE_FUNCTION),
        whole_added,
    ]


def _history_value(values: Sequence[float | int | None], k: int) -> float:
    value = values[k] if k < len(values) else None
    return -1.0 if value is None else float(value)


def file_features(
    diff: FileDiff,
    text_lines: Sequence[str],
    change: ChangeSize,
    history: FileHistory | None,
    families: Sequence[Family],
) -> tuple[tuple[int, ...], np.ndarray]:
    """(added line numbers, features [lines x feature_names(families)]) for one file's added lines.

    `text_lines` is the file after the change. History, when missing (no repository history at hand),
    reads as a file with no recent commits and unknown neighbours, the same encoding as a new file.
    """
    hunk_of: dict[int, tuple[int, int, int]] = {}
    for index, hunk in enumerate(diff.hunks):
        added = [line.new_line for line in hunk.lines if line.kind is LineKind.ADDED and line.new_line]
        removed = sum(line.kind is LineKind.REMOVED for line in hunk.lines)
        for line in added:
            hunk_of[line] = (index, len(added), removed)
    lines = sorted(hunk_of)
    runs = _runs(lines)
    n_lines = max(1, len(text_lines))
    path = diff.path.lower()
    file_level = [
        float(len(diff.hunks)),
        float(len(lines)),
        float(len(text_lines)),
        len(lines) / n_lines,
    ]
    syntax = line_syntax(diff.path, "\n".join(text_lines))
    kind_of_file = [
        float(diff.change is ChangeKind.ADDED),
        float(diff.change is ChangeKind.RENAMED),
        float(bool(_TEST_PATH.search(path))),
        float(bool(_DOCS_PATH.search(path))),
        float(bool(_CONFIG_PATH.search(path))),
        float(bool(_PACKAGE_ENTRY.search(path))),
        float(syntax.parses),
        float(syntax.language == TYPESCRIPT),
    ]
    # Joined on "\n" so that the syntax tree's line numbers are text_lines' own (a last empty line has none).
    # The static and structure signals read the file's own language's syntax tree: other languages get zeros
    # ("parses" 0), never a Python parse of another language's text that happens to succeed. Computed only
    # for a model that reads them.
    source = "\n".join(text_lines)
    ast_values = languages.static_lines(diff.path, source).values if Family.STATIC in families else {}
    analysed = len(ast_values.get("parses", ()))
    tree = languages.structure(diff.path, source) if Family.STRUCTURE in families else None
    relative = _relative(text_lines, lines) if Family.RELATIVE in families else {}
    rows: list[list[float]] = []
    for k, number in enumerate(lines):
        row: list[float] = []
        if Family.LINE in families:
            row += _line_features(
                text_lines[number - 1] if number <= len(text_lines) else "",
                syntax.kinds[number - 1] if number <= len(syntax.kinds) else np.zeros(len(LINE_KINDS)),
            )
        if Family.DIFF in families:
            first, last = runs[number]
            index, hunk_added, hunk_removed = hunk_of[number]
            row += [
                float(last - first + 1),
                (number - first) / max(1, last - first),
                float(hunk_added),
                float(hunk_removed),
                float(index),
                *file_level[:3],
                file_level[3],
                number / n_lines,
                *kind_of_file,
            ]
        if Family.CHANGE in families:
            row += [float(change.files), float(change.added_lines)]
        if Family.HISTORY in families:
            h = history or FileHistory(0, 0, 0, 0.0, 0)
            above = _history_value(h.line_age_above_days, k)
            below = _history_value(h.line_age_below_days, k)
            row += [
                float(h.file_commits_90d),
                float(h.file_commits_365d),
                float(h.file_authors_365d),
                float(h.file_age_days),
                above,
                below,
                _history_value(h.neighbour_changes_365d, k),
                float(above < 0),
                float(below < 0),
            ]
        if Family.STATIC in families:
            inside = number <= analysed
            row += [float(ast_values[name][number - 1]) if inside else 0.0 for name in static.FEATURES]
        if tree is not None:
            text = text_lines[number - 1] if number <= len(text_lines) else ""
            row += _structure_row(diff.path, text, number, tree, lines)
        if Family.RELATIVE in families:
            row += relative[number]
        rows.append(row)
    matrix = np.asarray(rows, dtype=np.float64).reshape(len(lines), len(feature_names(families)))
    return tuple(lines), matrix


def scaled(matrix: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The model's view of raw features: signed log(1 + |x|) for counts and ages, the rest as is."""
    out = np.array(matrix, dtype=np.float64, copy=True)
    for column, name in enumerate(names):
        if name in LOG_SCALED:
            out[:, column] = np.sign(out[:, column]) * np.log1p(np.abs(out[:, column]))
    return out
