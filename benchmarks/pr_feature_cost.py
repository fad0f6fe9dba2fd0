"""What each PR-model feature family costs, in ms per 1,000 AI-added lines (`python
benchmarks/pr_feature_cost.py`).

Line, diff, change and static (AST) features: `scoring.pr_features.file_features` over a sample of wild rows
(pure Python, no I/O). History: `bot.history.repository_histories` (git blame + log per file) on the last
commits of a local repository (default: this checkout), as a review computes it; its cost is mostly
process starts, so it is per file rather than per line. Prints the load with the figures and writes each
PR-model candidate's cost (its pure families, plus history where it reads history), and the cost of each
family in FAMILIES_ALONE alone ("family: structure"), to --out, which `redline eval --part pr`
puts next to each candidate's AUC in docs/evaluation.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.history import repository_histories
from scoring.diff import parse
from scoring.languages import clear_caches
from scoring.pr_features import ChangeSize, Family, file_features
from training.wild.pr_train import COST_FILE, FEATURE_SETS, families_of
from training.wild.reader import read_rows, wild_files

# Families timed alone as well, keyed "family: <name>": added after the candidate sets were, so a selection
# that adds them has their cost to add to a set's.
FAMILIES_ALONE = (Family.LINE, Family.STATIC, Family.STRUCTURE, Family.RELATIVE)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def _without_history(names: tuple[str, ...]) -> tuple[Family, ...]:
    """The families of a feature set computed from the diff and files alone (timed on wild rows)."""
    return tuple(f for f in families_of(names) if f is not Family.HISTORY)


def _who(repo: Path) -> str:
    """The repository the history was read from, named without this machine's paths."""
    return "redline's own checkout" if repo.resolve() == Path(__file__).resolve().parents[1] else repo.name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=400, help="wild rows sampled for the pure features")
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument(
        "--commits", type=int, default=10, help="recent commits of --repo whose history is read"
    )
    parser.add_argument(
        "--out", type=Path, default=COST_FILE, help="where the per-candidate costs are written"
    )
    args = parser.parse_args()

    rows = [r for path in wild_files() for r in read_rows(path)]
    sample = random.Random(0).sample(rows, min(args.rows, len(rows)))
    parsed = [(parse(str(r["hunks"]))[0], str(r["after_content"]).splitlines()) for r in sample]
    lines = sum(len(r["added_lines"]) for r in sample)  # type: ignore[arg-type]
    load = os.getloadavg()
    print(f"load: {load[0]:.2f} (1-minute); {len(sample)} wild rows, {lines:,} added lines")

    def timed(families: tuple[Family, ...]) -> float:
        best = float("inf")
        for _ in range(3):  # the fastest of three: the machine is shared
            clear_caches()  # each row's file is parsed as a review parses it
            started = time.perf_counter()
            for diff, text in parsed:
                file_features(diff, text, ChangeSize(1, 10), None, families)
            best = min(best, time.perf_counter() - started)
        return 1000 * best / lines * 1000

    pure = {
        families: timed(families) for families in {_without_history(names) for names in FEATURE_SETS.values()}
    }
    # Each family alone, for families no candidate set names yet (they cost their own work over the rows).
    alone = {f"family: {family}": timed((family,)) for family in FAMILIES_ALONE}

    shas = _git(args.repo, "rev-list", "--no-merges", f"--max-count={args.commits}", "HEAD").split()
    files = history_lines = 0
    started = time.perf_counter()
    for sha in shas:
        parent = _git(args.repo, "rev-parse", f"{sha}^").strip()
        diffs = [
            d
            for d in parse(_git(args.repo, "diff", "-M", parent, sha, "--", "*.py"))
            if d.hunks and not d.skip
        ]
        when = datetime.fromtimestamp(int(_git(args.repo, "show", "-s", "--format=%ct", sha)), UTC)
        repository_histories(args.repo, parent, diffs, when)
        files += len(diffs)
        history_lines += sum(len(d.added) for d in diffs)
    seconds = time.perf_counter() - started
    history = 1000 * seconds / max(1, history_lines) * 1000
    print(
        f"{'history (git)':32s} {history:9.1f} ms per 1,000 lines "
        f"({1000 * seconds / max(1, files):.0f} ms per file; {files} files, {history_lines:,} lines, "
        f"{len(shas)} commits of {args.repo.name})"
    )

    costs = {}
    for name, names in FEATURE_SETS.items():
        costs[name] = pure[_without_history(names)] + (
            history if Family.HISTORY in families_of(names) else 0.0
        )
        print(f"{name:32s} {costs[name]:9.1f} ms per 1,000 lines")
    for name, cost in alone.items():
        costs[name] = cost
        print(f"{name:32s} {cost:9.1f} ms per 1,000 lines (this family alone)")
    args.out.write_text(
        json.dumps(
            {
                "ms_per_1000_lines": {k: round(v, 1) for k, v in costs.items()},
                "measured": f"python benchmarks/pr_feature_cost.py: pure features on {len(sample)} wild rows "
                f"({lines:,} lines), history on the last {len(shas)} commits of {_who(args.repo)} ({files} "
                f"files); load {load[0]:.2f} at the start, {datetime.now(UTC):%Y-%m-%d}",
            },
            indent=1,
        )
        + "\n"
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
