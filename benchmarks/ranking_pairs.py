"""Does the ranking objective rank better inside a PR with more sampled pairs per commit? (issue 21, item 2)

    python benchmarks/ranking_pairs.py [--pairs 40 100 500 2000] [--sets "baseline features" ...]

Leave-one-repository-out over the wild repositories on the target: for each feature set and number of
(positive, negative) pairs drawn per commit, `BalancedLogit(pairwise=True)` is fitted on the other
repositories and its log-odds judged on the held-out one. Prints the mean over repositories of the AUC, the
within-PR AUC and the top-3 precision. No selection, no calibration (ranking metrics need neither). Reads the
cached wild table (`load_table`), building it if it is missing.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from scoring.cache import cache_root
from scoring.metrics import auc, within_groups
from training.wild.estimator import PAIRS_PER_COMMIT, BalancedLogit
from training.wild.loro import TOP_K
from training.wild.pr_train import FEATURE_SETS
from training.wild.table import load_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[PAIRS_PER_COMMIT, 100, 500, 2000])
    parser.add_argument(
        "--sets",
        nargs="+",
        default=["baseline features", "baseline + relative", "baseline + relative + structure"],
        help="feature sets of training.wild.pr_train.FEATURE_SETS",
    )
    args = parser.parse_args()
    table = load_table(cache_dir=cache_root() / "wild")
    print(f"load {os.getloadavg()[0]:.2f}; {len(table.repos)} repositories, {len(table):,} lines", flush=True)
    started = time.perf_counter()
    rows: dict[tuple[str, int], list[tuple[float, float, float]]] = {}
    for repo in table.repos:
        held = table.repo == repo
        train, test = table.subset(~held), table.subset(held)
        y = test.label("target")
        for name in args.sets:
            names = FEATURE_SETS[name]
            for pairs in args.pairs:
                estimator = BalancedLogit(names, pairwise=True, pairs_per_commit=pairs).fit(
                    train.columns(names), train.label("target"), groups=train.repo, commits=train.commit
                )
                scores = estimator.decision_function(test.columns(names))
                inside = within_groups(scores, y, test.commit, TOP_K)
                rows.setdefault((name, pairs), []).append((auc(scores, y), inside.auc, inside.top_k))
        print(f"  held out: {repo} ({time.perf_counter() - started:.0f} s)", flush=True)
    print(f"\n| feature set | pairs per commit | mean AUC | within-PR AUC | top-{TOP_K} precision |")
    print("|---|---|---|---|---|")
    for (name, pairs), values in rows.items():
        a, w, k = np.nanmean(np.array(values, dtype=float), axis=0)
        print(f"| {name} | {pairs} | {a:.3f} | {w:.3f} | {k:.3f} |")


if __name__ == "__main__":
    main()
