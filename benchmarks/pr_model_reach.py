"""How high the shipped PR model's probabilities go on the wild lines, and so whether its gate can fire.

    python benchmarks/pr_model_reach.py [--wild-dir DIR] [--prior 0.4]

Over every wild line (the lines it was trained on, so an upper bound for unseen ones): the highest line
probability at the training mix's rate and with a repository prior, and the share of lines at or above the
card's comment threshold and the default gate threshold (a hunk's probability is its riskiest line's).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scoring.cache import cache_root
from scoring.decisions import DEFAULT_GATE_THRESHOLD
from scoring.pr_model import load_pr_model
from training.wild.table import load_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wild-dir", type=Path, default=None, help="wild data directory (default: data dir)")
    parser.add_argument("--prior", type=float, default=0.4, help="a repository edit rate to shift to")
    args = parser.parse_args()

    model = load_pr_model()
    table = load_table(args.wild_dir, cache_dir=cache_root() / "wild")
    features = table.columns(model.names)
    comment = model.comment_threshold
    print(f"{model.version} on {len(table):,} wild lines of {len(table.repos)} repositories")
    for what, prior in (
        (f"training rate {model.base_rate:.3f}", None),
        (f"repository prior {args.prior}", args.prior),
    ):
        p = model.probabilities(features, prior=prior)
        share = {t: float((p >= t).mean()) for t in (comment, DEFAULT_GATE_THRESHOLD) if t is not None}
        print(
            f"{what}: highest line probability {p.max():.2f}; "
            + ", ".join(f"{100 * s:.1f} % of lines at or above {t:.3f}" for t, s in share.items())
        )


if __name__ == "__main__":
    main()
