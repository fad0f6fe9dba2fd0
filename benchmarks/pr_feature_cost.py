"""What each PR-model feature family costs, in ms per 1,000 AI-added lines (`python benchmarks/pr_feature_cost.py`).

Line, diff, change and static (AST) features: `scoring.pr_features.file_features` over a sample of wild rows (pure
Python, no I/O). History: `bot.history.repository_histories` (git blame + log per file) on the last
commits of a local repository (default: this checkout), as a review computes it; its cost is mostly
process starts, so it is per file rather than per line. Prints `uptime` with the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.history import repository_histories
from scoring.diff import parse
from scoring.pr_features import ChangeSize, Family, file_features
from training.wild.reader import read_rows, wild_files

SETS = {
    "line": (Family.LINE,),
    "line + diff": (Family.LINE, Family.DIFF),
    "line + diff + change": (Family.LINE, Family.DIFF, Family.CHANGE),
    "line + diff + static": (Family.LINE, Family.DIFF, Family.STATIC),
}


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=400, help="wild rows sampled for the pure features")
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--commits", type=int, default=10, help="recent commits of --repo whose history is read")
    args = parser.parse_args()

    rows = [r for path in wild_files() for r in read_rows(path)]
    sample = random.Random(0).sample(rows, min(args.rows, len(rows)))
    parsed = [(parse(str(r["hunks"]))[0], str(r["after_content"]).splitlines()) for r in sample]
    lines = sum(len(r["added_lines"]) for r in sample)  # type: ignore[arg-type]
    print(f"load: {os.getloadavg()[0]:.2f} (1-minute); {len(sample)} wild rows, {lines:,} added lines")
    for name, families in SETS.items():
        best = float("inf")
        for _ in range(3):  # the fastest of three: the machine is shared
            started = time.perf_counter()
            for diff, text in parsed:
                file_features(diff, text, ChangeSize(1, 10), None, families)
            best = min(best, time.perf_counter() - started)
        print(f"{name:28s} {1000 * best / lines * 1000:8.1f} ms per 1,000 lines")

    shas = _git(args.repo, "rev-list", "--no-merges", f"--max-count={args.commits}", "HEAD").split()
    files = history_lines = 0
    started = time.perf_counter()
    for sha in shas:
        parent = _git(args.repo, "rev-parse", f"{sha}^").strip()
        diffs = [d for d in parse(_git(args.repo, "diff", "-M", parent, sha, "--", "*.py")) if d.hunks and not d.skip]
        when = datetime.fromtimestamp(int(_git(args.repo, "show", "-s", "--format=%ct", sha)), UTC)
        repository_histories(args.repo, parent, diffs, when)
        files += len(diffs)
        history_lines += sum(len(d.added) for d in diffs)
    seconds = time.perf_counter() - started
    print(f"{'history (git)':28s} {1000 * seconds / max(1, history_lines) * 1000:8.1f} ms per 1,000 lines "
          f"({1000 * seconds / max(1, files):.0f} ms per file; {files} files, {history_lines:,} lines, "
          f"{len(shas)} commits of {args.repo.name})")


if __name__ == "__main__":
    main()
