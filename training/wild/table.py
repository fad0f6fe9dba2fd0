"""The in-the-wild lines as one table for the PR model: features, both labels and the group keys.

Every repository file in `wild/` with its history and edit sidecars -> one row per added line: repository
(the LORO group), commit, commit time, agent rule, the features of `scoring.pr_features` (all families), the
target of `scoring.target` (a person changed the line's content in a focused commit) and the older labels.
Built once per repository file and cached as .npz keyed by the data files' sizes and mtimes and the feature
list and version, so evaluation and training re-read it in seconds.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from scoring.diff import parse
from scoring.errors import DataSourceError
from scoring.pr_features import FEATURE_VERSION, ChangeSize, Family, FileHistory, feature_names, file_features
from training.wild.reader import edits_file, history_file, line_fates, read_rows, wild_files

ALL_FAMILIES = tuple(Family)
# The labels a LineTable carries: the target first, then today's secondary labels.
LABELS = ("target", "edited_by_human", "edited")


@dataclass(frozen=True)
class LineTable:
    """Added lines of AI commits in the wild. Arrays are aligned; `features` columns are `names`."""

    names: tuple[str, ...]
    features: np.ndarray  # [lines x names], raw (unscaled)
    repo: np.ndarray  # str: owner/name, the leave-one-out group
    commit: np.ndarray  # str: sha, the bootstrap group
    time: np.ndarray  # float: commit time, seconds since the epoch
    agent: np.ndarray  # str: the mining rule that marked the commit as an AI's
    edited: np.ndarray  # int 0/1: any later commit edited the line
    edited_by_human: np.ndarray  # int 0/1: the first later editor was a person
    target: np.ndarray  # int 0/1: scoring.target's event (content changed by a person in a focused commit)
    kind: np.ndarray  # str: the first later edit's kind (scoring.target.EditKind)
    sweeping: np.ndarray  # int: 1 the editing commit was sweeping, 0 focused, -1 unknown or not edited

    def __len__(self) -> int:
        return len(self.repo)

    def label(self, name: str) -> np.ndarray:
        if name not in LABELS:
            raise ValueError(f"unknown label {name!r}")
        return getattr(self, name)

    def columns(self, names: tuple[str, ...]) -> np.ndarray:
        index = {name: k for k, name in enumerate(self.names)}
        return self.features[:, [index[name] for name in names]]

    def subset(self, mask: np.ndarray) -> LineTable:
        return LineTable(
            self.names,
            self.features[mask],
            self.repo[mask],
            self.commit[mask],
            self.time[mask],
            self.agent[mask],
            self.edited[mask],
            self.edited_by_human[mask],
            self.target[mask],
            self.kind[mask],
            self.sweeping[mask],
        )

    @property
    def repos(self) -> list[str]:
        return sorted(set(self.repo.tolist()))


def concat(tables: Sequence[LineTable]) -> LineTable:
    """The lines of several tables (of one feature list) as one: two languages' repositories, for one fit."""
    names = {t.names for t in tables}
    if len(names) != 1:
        raise ValueError("tables with different feature lists cannot be joined")
    fields = (
        "features",
        "repo",
        "commit",
        "time",
        "agent",
        "edited",
        "edited_by_human",
        "target",
        "kind",
        "sweeping",
    )
    return LineTable(tables[0].names, *(np.concatenate([getattr(t, f) for t in tables]) for f in fields))


def _history(record: dict[str, object], row: dict[str, object], where: str) -> FileHistory:
    if (record.get("sha"), record.get("path")) != (row["sha"], row["path"]):
        raise DataSourceError(f"{where}: history sidecar is not aligned with the data file")
    # JSON values: the sidecar's README fixes their types, and a wrong one is a DataSourceError below.
    r: dict[str, Any] = record
    try:
        return FileHistory(
            int(r["file_commits_90d"]),
            int(r["file_commits_365d"]),
            int(r["file_authors_365d"]),
            float(r["file_age_days"] or 0.0),
            int(r["repo_commits_90d"]),
            tuple(r["line_age_above_days"] or ()),
            tuple(r["line_age_below_days"] or ()),
            tuple(r["neighbour_changes_365d"] or ()),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise DataSourceError(f"{where}: malformed history record: {error}") from error


def file_table(path: Path) -> dict[str, np.ndarray]:
    """The lines of one repository's file (with its sidecars) as arrays."""
    rows = list(read_rows(path))
    sidecar = history_file(path)
    histories = list(read_rows(sidecar)) if sidecar.is_file() else [None] * len(rows)
    if len(histories) != len(rows):
        raise DataSourceError(f"{sidecar} has {len(histories)} rows, {path} has {len(rows)}")
    edits = list(read_rows(edits_file(path))) if edits_file(path).is_file() else []
    if len(edits) != len(rows):
        raise DataSourceError(
            f"{edits_file(path)} has {len(edits)} rows, {path} has {len(rows)}: every wild row "
            "needs its edit sidecar record (what each later edit was)"
        )
    change_size: Counter[str] = Counter()
    change_files: Counter[str] = Counter()
    for row in rows:
        change_files[str(row.get("sha"))] += 1
        change_size[str(row.get("sha"))] += len(row.get("added_lines") or [])  # type: ignore[arg-type]
    names = feature_names(ALL_FAMILIES)
    parts: dict[str, list[object]] = {
        k: [] for k in ("repo", "commit", "time", "agent", "edited", "human", "target", "kind", "sweeping")
    }
    blocks = []
    for number, (row, record, edit) in enumerate(zip(rows, histories, edits, strict=True), start=1):
        where = f"{path}:{number}"
        try:
            sha, added = str(row["sha"]), [int(n) for n in row["added_lines"]]  # type: ignore[attr-defined]
            diffs = [d for d in parse(str(row["hunks"])) if d.hunks]
            history = _history(record, row, where) if record is not None else None
            when = datetime.fromisoformat(str(row["committer_date"])).astimezone(UTC).timestamp()
            lines, matrix = file_features(
                diffs[0],
                str(row["after_content"]).splitlines(),
                ChangeSize(change_files[sha], change_size[sha]),
                history,
                ALL_FAMILIES,
            )
            edited = [int(v) for v in row["labels_edited"]]  # type: ignore[attr-defined]
            human = [int(v) for v in row["labels_edited_by_human"]]  # type: ignore[attr-defined]
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise DataSourceError(f"{where}: malformed in-the-wild row: {error!r}") from error
        if list(lines) != sorted(added) or len(edited) != len(added) or len(human) != len(added):
            raise DataSourceError(
                f"{where}: the diff's added lines do not match `added_lines` and its labels"
            )
        fates = line_fates(row, edit, f"{edits_file(path)}:{number}")
        order = np.argsort(added)
        blocks.append(matrix)
        parts["repo"] += [str(row["repo"])] * len(added)
        parts["commit"] += [sha] * len(added)
        parts["time"] += [when] * len(added)
        parts["agent"] += [str(row.get("ai_rule"))] * len(added)
        parts["edited"] += [edited[k] for k in order]
        parts["human"] += [human[k] for k in order]
        parts["target"] += [int(fates[k].is_target) for k in order]
        parts["kind"] += [fates[k].kind.value for k in order]
        parts["sweeping"] += [-1 if fates[k].sweeping is None else int(fates[k].sweeping) for k in order]
    features = np.vstack(blocks) if blocks else np.zeros((0, len(names)))
    return {
        "features": features,
        "repo": np.array(parts["repo"], dtype=str),
        "commit": np.array(parts["commit"], dtype=str),
        "time": np.array(parts["time"], dtype=np.float64),
        "agent": np.array(parts["agent"], dtype=str),
        "edited": np.array(parts["edited"], dtype=np.int8),
        "edited_by_human": np.array(parts["human"], dtype=np.int8),
        "target": np.array(parts["target"], dtype=np.int8),
        "kind": np.array(parts["kind"], dtype=str),
        "sweeping": np.array(parts["sweeping"], dtype=np.int8),
    }


def _key(path: Path) -> str:
    """One repository's cache key: its data files' names, sizes and mtimes, the feature list and version."""
    sidecars = [f for f in (history_file(path), edits_file(path)) if f.is_file()]
    stamp = [(f.name, f.stat().st_size, int(f.stat().st_mtime)) for f in (path, *sidecars)]
    return hashlib.sha256(
        json.dumps([stamp, feature_names(ALL_FAMILIES), FEATURE_VERSION, LABELS]).encode()
    ).hexdigest()[:16]


def cache_file(path: Path, cache_dir: Path) -> Path:
    return cache_dir / f"wild-file-{path.name.split('.')[0]}-{_key(path)}.npz"


def load_table(
    directory: Path | None = None, cache_dir: Path | None = None, progress: bool = True
) -> LineTable:
    """Every wild repository's lines. Each repository's table is cached in `cache_dir` as it is built, so an
    interrupted build resumes with the next repository and a changed file rebuilds only its own."""
    from tqdm import tqdm

    tables = []
    for path in tqdm(wild_files(directory), desc="wild files", disable=not progress):
        cached = cache_file(path, cache_dir) if cache_dir else None
        if cached is not None and cached.is_file():
            tables.append(dict(np.load(cached)))
            continue
        tables.append(file_table(path))
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(".partial.npz")
            np.savez_compressed(partial, **tables[-1])
            partial.replace(cached)  # never a half-written cache file under the real name
    data = {k: np.concatenate([t[k] for t in tables]) for k in tables[0]}
    return LineTable(
        feature_names(ALL_FAMILIES),
        data["features"],
        data["repo"],
        data["commit"],
        data["time"],
        data["agent"],
        data["edited"],
        data["edited_by_human"],
        data["target"],
        data["kind"],
        data["sweeping"],
    )
