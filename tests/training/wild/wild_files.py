"""Write small wild repository files (with history and edit sidecars) in the data/wild schema, for tests."""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from pathlib import Path


def row(
    repo: str,
    sha: str,
    day: int,
    lines: Sequence[str],
    edited: Sequence[int],
    path: str = "pkg/mod.py",
    human: Sequence[int] | None = None,
) -> dict[str, object]:
    """A commit that appends `lines` to a one-line file; labels per added line."""
    after = ["import os", *lines]
    human = list(human if human is not None else edited)
    # one editor per row: a person's focused commit when any line is human-edited, else an AI follow-up
    editors = [
        {"sha": "e" + sha, "kind": "human" if any(human) else "ai", "days_after": 3.0, "is_merge": False}
    ]
    hunk = [f"@@ -1,1 +1,{len(after)} @@", " import os", *(f"+{text}" for text in lines)]
    return {
        "repo": repo,
        "sha": sha,
        "parent_sha": "p" + sha,
        "path": path,
        "old_path": None,
        "file_status": "M",
        "committer_date": f"2025-01-{day:02d}T10:00:00+00:00",
        "subject": "Add things",
        "ai_rule": "claude",
        "after_content": "\n".join(after) + "\n",
        "added_lines": list(range(2, len(after) + 1)),
        "labels_edited": list(edited),
        "labels_edited_by_human": human,
        "line_editor": [0 if e else -1 for e in edited],
        "editors": editors if any(edited) else [],
        "hunks": f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n" + "\n".join(hunk) + "\n",
    }


def history(record: dict[str, object], commits_90d: int = 1) -> dict[str, object]:
    n = len(record["added_lines"])  # type: ignore[arg-type]
    return {
        "sha": record["sha"],
        "path": record["path"],
        "pre_path": record["path"],
        "file_is_new": 0,
        "file_commits_90d": commits_90d,
        "file_commits_365d": commits_90d + 1,
        "file_authors_365d": 1,
        "file_age_days": 100.0,
        "repo_commits_90d": 50,
        "line_age_above_days": [10.0] * n,
        "line_age_below_days": [None] * n,
        "neighbour_changes_365d": [1] * n,
    }


def edits(record: dict[str, object], kind: str = "modified", files: int = 2) -> dict[str, object]:
    """The edit sidecar record: every edited line's first edit is `kind`, in a commit of `files` files."""
    return {
        "sha": record["sha"],
        "path": record["path"],
        "edit_kind": [kind if e else None for e in record["labels_edited"]],  # type: ignore[attr-defined]
        "edit_similarity": [0.5 if e and kind == "modified" else None for e in record["labels_edited"]],  # type: ignore[attr-defined]
        "editor_stats": [
            {"files": files, "added": 10, "deleted": 5, "fix_subject": False} for _ in record["editors"]
        ],
    }  # type: ignore[attr-defined]


def write(
    directory: Path,
    stem: str,
    rows: Sequence[dict[str, object]],
    histories: Sequence[dict[str, object]] | None = None,
    edit_records: Sequence[dict[str, object]] | None = None,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stem}.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in rows)
    with gzip.open(directory / f"{stem}.history.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(h) + "\n" for h in (histories or [history(r) for r in rows]))
    (directory / "edits").mkdir(exist_ok=True)
    with gzip.open(directory / "edits" / f"{stem}.edits.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(e) + "\n" for e in (edit_records or [edits(r) for r in rows]))
    return path
