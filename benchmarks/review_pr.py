"""Benchmark: wall time and peak RSS of reviewing a local PR with N AI-added lines (default 1,000).

    python benchmarks/review_pr.py [--lines 1000] [--probe DIR] [--threads 2]

Builds a real git repository whose one AI-authored commit (Co-authored-by: Claude) adds N lines of
Python across several files, then runs the whole review (snapshot, attribution, scoring, decisions,
plan). The supervisor is the real SmolLM2-135M-Instruct. With --probe (or a shipped probe) the trained
probe is used; otherwise an untrained probe of the same shape stands in — the forward pass, which is
almost all of the cost, is identical, but its probabilities mean nothing (the script says which).
The hidden-state cache is off, so this is the cold cost of a first review.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import git

FUNCTION = '''
def {name}(values, limit={k}):
    """Return the running totals of values, stopping at limit."""
    totals = []
    running = 0
    for index, value in enumerate(values):
        if index >= limit:
            break
        running += value * {k}
        totals.append(running)
    return totals
'''
LINES_PER_FUNCTION = FUNCTION.count("\n")


def build_repo(root: Path, n_lines: int, files: int = 10) -> None:
    repo = git.Repo.init(root, initial_branch="main")
    actor = git.Actor("Ada", "ada@example.com")
    (root / "README.md").write_text("bench\n")
    repo.index.add(["README.md"])
    repo.index.commit("base", author=actor, committer=actor)
    repo.create_head("feature").checkout()
    per_file = n_lines // files
    names = []
    for f in range(files):
        body = "".join(
            FUNCTION.format(name=f"total_{f}_{k}", k=k + 1) for k in range(per_file // LINES_PER_FUNCTION + 1)
        )
        text = "\n".join(body.splitlines()[:per_file]) + "\n"
        (root / f"module_{f}.py").write_text(text)
        names.append(f"module_{f}.py")
    repo.index.add(names)
    message = "Add running totals\n\nCo-authored-by: Claude <noreply@anthropic.com>"
    repo.index.commit(message, author=actor, committer=actor)


def load_scorer(probe: str | None):  # type: ignore[no-untyped-def]
    from scoring.errors import ProbeError
    from scoring.scorer import Scorer

    try:
        return Scorer.load(probe=probe), "trained probe"
    except ProbeError:
        if probe is not None:
            raise
    from dataclasses import asdict

    import torch

    from scoring.calibration import PlattCalibrator
    from scoring.features import WindowConfig
    from scoring.probe import ProbeCard, ProbeConfig, SpanProbe
    from scoring.supervisor import load_supervisor, tokenizer_hash

    config = ProbeConfig(layers=(15,))
    supervisor = load_supervisor(None, max_layer=15)
    torch.manual_seed(0)
    hidden = int(supervisor.model.config.hidden_size)
    probe = SpanProbe(config, hidden * len(config.layers))
    card = ProbeCard(
        version="untrained-benchmark",
        supervisor={"fingerprint": supervisor.fingerprint, "model": supervisor.name},
        tokenizer_hash=tokenizer_hash(supervisor.tokenizer),
        config=config.to_dict(),
        input_size=hidden * len(config.layers),
        window=asdict(WindowConfig()),
        calibration={"pr": PlattCalibrator().to_dict()},
    )
    return Scorer(supervisor, probe, card), "UNTRAINED probe (timing only; probabilities meaningless)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1000, help="AI-added lines in the PR")
    parser.add_argument("--probe", help="probe directory (default: the shipped probe, else an untrained one)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    args = parser.parse_args()

    import torch

    from bot.config import load_settings
    from bot.review import review
    from bot.snapshot import local_snapshot

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        build_repo(root, args.lines)
        started, cpu_started = time.perf_counter(), time.process_time()
        scorer, kind = load_scorer(args.probe)
        loaded = time.perf_counter()
        snapshot = local_snapshot(root, "main", "feature")
        snapped = time.perf_counter()
        outcome = review(snapshot, lambda: scorer, load_settings(None, env={}))
        done, cpu_done = time.perf_counter(), time.process_time()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"scorer: {kind}; torch threads: {args.threads}; python {sys.version.split()[0]}")
    print(f"PR: {outcome.coverage.line()}")
    print(f"load scorer      {loaded - started:7.1f} s")
    print(f"snapshot (git)   {snapped - loaded:7.1f} s")
    print(
        f"review (score+)  {done - snapped:7.1f} s   ({outcome.coverage.scored_lines / (done - snapped):.0f} lines/s)"
    )
    print(f"total            {done - started:7.1f} s   (target < 60 s on 2 cores for 1,000 lines)")
    print(
        f"CPU time         {cpu_done - cpu_started:7.1f} s   (user+sys of this process; wall on a busy machine is longer)"
    )
    print(f"peak RSS         {rss_mb:7.0f} MB")
    print(f"gate: {outcome.gate.conclusion.value}; inline comments planned: {len(outcome.plan.new)}")


if __name__ == "__main__":
    main()
