"""Write small wild repository files (and history sidecars) in the data/wild schema, for tests."""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from pathlib import Path


def row(repo: str, sha: str, day: int, lines: Sequence[str], edited: Sequence[int], path: str = "pkg/mod.py",
        human: Sequence[int] | None = None) -> dict[str, object]:
    """A commit that appends `lines` to a one-line file; labels per added line."""
    after = ["import os", *lines]
    hunk = [f"@@ -1,1 +1,{len(after)} @@", " import os", *(f"+{text}" for text in lines)]
    return {
        "repo": repo, "sha": sha, "parent_sha": "p" + sha, "path": path, "old_path": None, "file_status": "M",
        "committer_date": f"2025-01-{day:02d}T10:00:00+00:00", "subject": "Add things", "ai_rule": "claude",
        "after_content": "\n".join(after) + "\n", "added_lines": list(range(2, len(after) + 1)),
        "labels_edited": list(edited), "labels_edited_by_human": list(human if human is not None else edited),
        "hunks": f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n" + "\n".join(hunk) + "\n",
    }


def history(record: dict[str, object], commits_90d: int = 1) -> dict[str, object]:
    n = len(record["added_lines"])  # type: ignore[arg-type]
    return {"sha": record["sha"], "path": record["path"], "pre_path": record["path"], "file_is_new": 0,
            "file_commits_90d": commits_90d, "file_commits_365d": commits_90d + 1, "file_authors_365d": 1,
            "file_age_days": 100.0, "repo_commits_90d": 50, "line_age_above_days": [10.0] * n,
            "line_age_below_days": [None] * n, "neighbour_changes_365d": [1] * n}


def write(directory: Path, stem: str, rows: Sequence[dict[str, object]],
          histories: Sequence[dict[str, object]] | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stem}.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in rows)
    with gzip.open(directory / f"{stem}.history.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(h) + "\n" for h in (histories or [history(r) for r in rows]))
    return path
