"""In-the-wild examples: lines real AI commits added, labelled by whether a later commit edited them.

Reads `wild/*.jsonl.gz` from the data directory (see its README.md: one file per repository, one row
schema, a `<stem>.history.jsonl.gz` sidecar of repository-history features beside each, and an
`edits/<stem>.edits.jsonl.gz` sidecar saying what each later edit was), reads each line's fate in the terms of
`scoring.target`, cuts each file
to windows around the added lines, and splits by commit date (earlier train, later test). Pure apart
from reading those files; no model.
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from scoring.errors import DataSourceError
from scoring.target import CommitSize, EditKind, Fate, editor_of
from training.data.sources import DATA_DIR_ENV, data_dir

WILD_DIR = "wild"
WILD_FILE = "wild/aider.jsonl.gz"  # the repository the MIAP evaluation replays as PRs
HISTORY_SUFFIX = ".history.jsonl.gz"
EDITS_DIR = "edits"
EDITS_SUFFIX = ".edits.jsonl.gz"
# Context kept around the added lines: enough for the enclosing statement, small enough that a
# 135M supervisor on two cores can read a few thousand windows.
CONTEXT_LINES = 8
MAX_WINDOW_LINES = 80
TRAIN_FRACTION = 0.6  # share of commits, by date, in the earlier (train) split


@dataclass(frozen=True, slots=True)
class WildExample:
    """Added lines of one AI commit in one file, inside a window of the file after the commit.

    key:             "<sha>:<path>#<part>" (a long run of added lines is split into parts)
    text:            the window (whole lines of the file, each ending in a newline)
    first_line:      the file's line number of the window's line 1
    added:           window line numbers (1-based) that the commit added and this part scores
    edited:          1 where a later commit edited the added line (aligned with `added`)
    edited_by_human: 1 where that first later editor was a person, not an AI or a bot
    """

    key: str
    commit: str
    path: str
    committed_at: datetime
    intent: str
    text: str
    first_line: int
    added: tuple[int, ...]
    edited: tuple[int, ...]
    edited_by_human: tuple[int, ...]

    def hunks(self) -> list[tuple[int, int]]:
        """Runs of consecutive added lines as (first, last) window line numbers: the hunks a PR shows."""
        runs: list[tuple[int, int]] = []
        for line in self.added:
            if runs and line == runs[-1][1] + 1:
                runs[-1] = (runs[-1][0], line)
            else:
                runs.append((line, line))
        return runs


def wild_files(directory: Path | None = None) -> list[Path]:
    """Every repository's data file in the wild directory (sidecars left out), sorted by name."""
    directory = directory or data_dir() / WILD_DIR
    files = sorted(p for p in directory.glob("*.jsonl.gz") if not p.name.endswith(HISTORY_SUFFIX))
    if not files:
        raise DataSourceError(f"no in-the-wild data in {directory}; set {DATA_DIR_ENV} to the data directory")
    return files


def history_file(path: Path) -> Path:
    """The repository-history sidecar of a wild data file."""
    return path.with_name(path.name.removesuffix(".jsonl.gz") + HISTORY_SUFFIX)


def edits_file(path: Path) -> Path:
    """The edit-kind sidecar of a wild data file."""
    return path.parent / EDITS_DIR / (path.name.removesuffix(".jsonl.gz") + EDITS_SUFFIX)


def line_fates(row: dict[str, object], record: dict[str, object] | None, where: str) -> list[Fate]:
    """Each added line's fate (aligned with `added_lines`) from a data row and its edit sidecar record.

    A missing or misaligned record is an error naming `where` (file and line): without it the target is
    unknown, and guessing "survived" would teach the model that edited lines were kept.
    """
    if record is None:
        raise DataSourceError(f"{where}: no edit sidecar record (expected {EDITS_DIR}/<stem>{EDITS_SUFFIX})")
    if (record.get("sha"), record.get("path")) != (row.get("sha"), row.get("path")):
        raise DataSourceError(
            f"{where}: edit sidecar is not aligned with the data file "
            f"({record.get('sha')}:{record.get('path')} vs {row.get('sha')}:{row.get('path')})"
        )
    try:
        edited = [int(v) for v in row["labels_edited"]]  # type: ignore[attr-defined]
        kinds = list(record["edit_kind"])  # type: ignore[call-overload]
        stats = list(record["editor_stats"])  # type: ignore[call-overload]
        editors = list(row.get("editors") or [])  # type: ignore[call-overload]
        which = list(row.get("line_editor") or [-1] * len(edited))  # type: ignore[call-overload]
        if not len(kinds) == len(which) == len(edited) or len(stats) != len(editors):
            raise ValueError(
                "edit_kind, line_editor and labels differ in length, or editor_stats and editors"
            )
        fates = []
        for touched, kind, index in zip(edited, kinds, which, strict=True):
            if not touched:
                if kind is not None:
                    raise ValueError(f"an unedited line has the edit kind {kind!r}")
                fates.append(Fate(EditKind.SURVIVED))
                continue
            if index is None or index < 0:
                fates.append(Fate(EditKind(kind)))
                continue
            editor, stat = editors[index], stats[index]
            fates.append(
                Fate(
                    EditKind(kind),
                    editor_of(str(editor.get("kind"))),
                    CommitSize(int(stat["files"]), int(stat["added"]), int(stat["deleted"])),
                    float(editor["days_after"]),
                    str(editor.get("sha")),
                )
            )
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
        raise DataSourceError(f"{where}: malformed edit sidecar record: {error}") from error
    return fates


def read_rows(path: Path | None = None) -> Iterator[dict[str, object]]:
    """The raw JSON rows of a wild file, in file order; a malformed row is an error naming file and line."""
    path = path or data_dir() / WILD_FILE
    if not path.is_file():
        raise DataSourceError(f"no in-the-wild data at {path}; set {DATA_DIR_ENV} to the data directory")
    number = 0
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise DataSourceError(f"{path}:{number}: a row must be a JSON object")
                yield row
    except json.JSONDecodeError as error:
        raise DataSourceError(f"{path}:{number}: not a JSON row: {error}") from error
    except (OSError, EOFError, UnicodeDecodeError) as error:  # the line after the last good one is unreadable
        raise DataSourceError(f"{path}:{number + 1}: not a readable JSON-lines gzip row: {error}") from error


def chunk_added(added: Sequence[int], context_lines: int, max_lines: int) -> list[list[int]]:
    """Group sorted added line numbers so that each group plus its context fits in `max_lines` lines.

    >>> chunk_added([1, 2, 50], context_lines=2, max_lines=10)
    [[1, 2], [50]]
    """
    chunks: list[list[int]] = []
    for line in added:
        if chunks and (line + context_lines) - (chunks[-1][0] - context_lines) + 1 <= max_lines:
            chunks[-1].append(line)
        else:
            chunks.append([line])
    return chunks


def examples_from_row(
    row: dict[str, object], context_lines: int = CONTEXT_LINES, max_lines: int = MAX_WINDOW_LINES
) -> list[WildExample]:
    """One row (an AI commit x one file) -> one example per window of added lines."""
    try:
        lines = str(row["after_content"]).splitlines(keepends=True)
        added = [int(n) for n in row["added_lines"]]  # type: ignore[attr-defined]
        edited = dict(zip(added, row["labels_edited"], strict=True))  # type: ignore[call-overload]
        human = dict(zip(added, row["labels_edited_by_human"], strict=True))  # type: ignore[call-overload]
        sha, path = str(row["sha"]), str(row["path"])
        when = datetime.fromisoformat(str(row["committer_date"])).astimezone(UTC)
        intent = str(row["subject"])
    except (KeyError, TypeError, ValueError) as error:
        raise DataSourceError(f"malformed in-the-wild row {row.get('sha')!r}: {error}") from error
    if any(not 1 <= n <= len(lines) for n in added):
        raise DataSourceError(f"row {sha}:{path} has added lines outside its file")
    lines = [ln if ln.endswith("\n") else ln + "\n" for ln in lines]
    examples = []
    for part, chunk in enumerate(chunk_added(sorted(added), context_lines, max_lines)):
        first = max(1, chunk[0] - context_lines)
        last = min(len(lines), chunk[-1] + context_lines)
        examples.append(
            WildExample(
                key=f"{sha}:{path}#{part}",
                commit=sha,
                path=path,
                committed_at=when,
                intent=intent,
                text="".join(lines[first - 1 : last]),
                first_line=first,
                added=tuple(n - first + 1 for n in chunk),
                edited=tuple(int(edited[n]) for n in chunk),
                edited_by_human=tuple(int(human[n]) for n in chunk),
            )
        )
    return examples


def load_wild(
    path: Path | None = None, context_lines: int = CONTEXT_LINES, max_lines: int = MAX_WINDOW_LINES
) -> list[WildExample]:
    """Every in-the-wild example, ordered by commit date then key."""
    examples = [ex for row in read_rows(path) for ex in examples_from_row(row, context_lines, max_lines)]
    return sorted(examples, key=lambda ex: (ex.committed_at, ex.key))


def date_split(
    examples: Iterable[WildExample], train_fraction: float = TRAIN_FRACTION
) -> tuple[list[WildExample], list[WildExample]]:
    """Earlier commits train, later commits test; a commit never straddles the cut.

    The cut is the commit date below which `train_fraction` of the distinct commits fall.
    """
    examples = list(examples)
    dates = sorted({(ex.committed_at, ex.commit) for ex in examples})
    if not dates:
        return [], []
    cut = dates[min(len(dates) - 1, int(len(dates) * train_fraction))]
    earlier = [ex for ex in examples if (ex.committed_at, ex.commit) < cut]
    later = [ex for ex in examples if (ex.committed_at, ex.commit) >= cut]
    return earlier, later


def sample_commits(examples: Sequence[WildExample], n_commits: int, seed: int = 0) -> list[WildExample]:
    """All examples of `n_commits` commits drawn uniformly (whole commits, so a replay sees whole PRs).

    The draw is a prefix of one seeded shuffle, so a smaller sample is part of every larger one (and of
    its cached features). Examples come back in that shuffled commit order.
    """
    commits = sorted({ex.commit for ex in examples})
    random.Random(seed).shuffle(commits)
    rank = {sha: k for k, sha in enumerate(commits[:n_commits])}
    return sorted((ex for ex in examples if ex.commit in rank), key=lambda ex: (rank[ex.commit], ex.key))


def split_sample(
    examples: Sequence[WildExample],
    commits_per_split: int | None,
    train_fraction: float = TRAIN_FRACTION,
    seed: int = 0,
) -> tuple[list[WildExample], list[WildExample]]:
    """The date split, each side cut to `commits_per_split` uniformly drawn commits (None: all)."""
    earlier, later = date_split(examples, train_fraction)
    if commits_per_split is None:
        return earlier, later
    return sample_commits(earlier, commits_per_split, seed), sample_commits(later, commits_per_split, seed)
