"""Does the supervisor (SmolLM2 + the shipped MIAP probe) add to the PR features on unseen repositories?

    python benchmarks/wild_supervisor.py --commits 5 [--wild-dir DIR] [--out /tmp/supervisor_section.md]

Repositories held out in groups, on a seeded sample of whole commits per repository
(training/probe/wild_supervisor.py), judged on the target: prints the mean AUC per method, what the
supervisor adds to the PR features with its interval, and the per-repository comparison; writes the
markdown section to --out and the numbers as JSON beside it (same stem, .json),
and puts the section into docs/evaluation.md (--docs), where `redline eval --part pr` keeps it.
The supervisor pass goes through the hidden-state cache, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

import numpy as np

from scoring.cache import cache_root
from scoring.probe.span_probe import DEFAULT_PROBE_DIR
from scoring.probe.supervisor import load_supervisor
from training.probe.experiment import load_shipped
from training.probe.supervisor_section import supervisor_section
from training.probe.wild_supervisor import DEFAULT_COMMITS, METHODS, run, sample_commits
from training.wild.loro_report import with_supervisor_block
from training.wild.table import load_table


def _load() -> str:
    try:
        uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return ""
    return uptime.split("load average:")[-1].strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=DEFAULT_COMMITS, help="whole commits per repository")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--wild-dir", type=Path, default=None, help="wild data directory (default: data dir)")
    parser.add_argument("--probe", type=Path, default=DEFAULT_PROBE_DIR, help="the MIAP probe run zero-shot")
    parser.add_argument(
        "--probe-epochs",
        type=int,
        default=None,
        help="epochs of each wild-probe training (default: the shipped probe's, 30); the comparison trains "
        "nine probes (three held-out folds, each with two inner folds for the stacked regression)",
    )
    parser.add_argument("--out", type=Path, default=Path("/tmp/supervisor_section.md"))
    parser.add_argument(
        "--docs",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "docs",
        help="the docs folder whose evaluation.md receives the section",
    )
    args = parser.parse_args()

    started = time.perf_counter()
    table = load_table(args.wild_dir, cache_dir=cache_root() / "wild")
    sample = sample_commits(args.wild_dir, args.commits, args.seed)
    print(
        f"{len(table.repos)} repositories; sample: {args.commits} commits per repository, {len(sample)} "
        f"files, {sum(len(s.added) for s in sample):,} added lines",
        flush=True,
    )
    supervisor = load_supervisor(None, lm_head=True)
    shipped = load_shipped(args.probe, supervisor)
    if shipped is None:
        raise SystemExit(f"no probe trained on this supervisor in {args.probe}")
    load_before = _load()
    result, _ = run(
        table,
        sample,
        supervisor,
        shipped.probe,
        shipped.config if args.probe_epochs is None else shipped.config.override(epochs=args.probe_epochs),
        args.commits,
        load=load_before,
        progress=lambda message: print(message, flush=True),
        cost_sample=sample_commits(args.wild_dir, 1, args.seed),  # a cold pass: what a review pays
    )
    result.cost["load"] = f"{load_before} (start of the pass), {_load()} (end)"

    print(f"\n{'method':66s} {result.label:>8s}")
    for method, name in METHODS.items():
        print(f"({method}) {name:62s} {result.mean(method):8.3f}")
    added, across = result.added, result.across_repositories()
    print(f"\nadded by the supervisor (g - b): {added.point:+.4f}")
    print(f"  commits redrawn inside each repository: [{added.low:+.4f}, {added.high:+.4f}]")
    print(f"  across repositories (t interval): [{across.low:+.4f}, {across.high:+.4f}]")
    won, of = result.wins()
    print(f"(g) shipped recipe + supervisor beats (b) the recipe alone on {won} of {of} repositories")
    for repo, g in sorted(result.auc["g"].items()):
        b = result.auc["b"][repo]
        mark = "+" if np.isfinite(g - b) and g > b else " "
        print(f"  {repo:40s} g {g:.3f}  b {b:.3f}  f {result.auc['f'][repo]:.3f}  {mark}")
    print(f"\ncost: {json.dumps(result.cost)}")

    section = supervisor_section(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(section)
    args.out.with_suffix(".json").write_text(json.dumps(result.to_dict(), indent=1, default=float) + "\n")
    page = args.docs / "evaluation.md"
    page.write_text(with_supervisor_block(page.read_text(encoding="utf-8"), section), encoding="utf-8")
    seconds = time.perf_counter() - started
    print(f"\n{section}\nwrote {args.out}, {args.out.with_suffix('.json')} and {page} in {seconds:.0f} s")


if __name__ == "__main__":
    main()
