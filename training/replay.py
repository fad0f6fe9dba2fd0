"""Comments and the merge gate replayed on labelled lines, commit by commit, through the bot's own rules.

The one replay of every evaluation: the PR model's leave-one-repository-out (training/wild) and the probe's
(training/probe). A commit stands for the PR a reviewer reads; its lines and hunks are decided by
`scoring.decisions.decide` (comment threshold, per-review cap, gate) and the verdicts are counted against the
labels. Pure: arrays in, counts out; numpy and scoring only, so training the PR model needs no torch.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scoring.decisions import GateConclusion, Thresholds, decide
from scoring.types import LineScore, ScoredHunk


@dataclass(frozen=True, slots=True)
class Replay:
    """What a replay counted. thresholds: what decided (None where replays at different thresholds were
    pooled); commented: lines that got a comment, hits: those that are positives; gate_failures: commits whose
    gate failed."""

    thresholds: Thresholds | None
    lines: int
    positives: int
    commented: int
    hits: int
    commits: int = 0
    gate_failures: int = 0

    @property
    def threshold(self) -> float:
        """The comment threshold (NaN for pooled replays)."""
        return self.thresholds.comment if self.thresholds is not None else float("nan")

    @property
    def gate_threshold(self) -> float:
        return self.thresholds.gate if self.thresholds is not None else float("nan")

    @property
    def hit_rate(self) -> float:
        return self.hits / self.commented if self.commented else float("nan")

    @property
    def base_rate(self) -> float:
        return self.positives / self.lines if self.lines else float("nan")

    @property
    def lift(self) -> float:
        return self.hit_rate / self.base_rate if self.positives and self.commented else float("nan")

    @property
    def per_100_lines(self) -> float:
        return 100.0 * self.commented / self.lines if self.lines else float("nan")

    @property
    def comments_per_commit(self) -> float:
        return self.commented / self.commits if self.commits else float("nan")

    @property
    def gate_failure_rate(self) -> float:
        return self.gate_failures / self.commits if self.commits else float("nan")


def uncapped(threshold: float) -> Thresholds:
    """Comments at `threshold` with no per-review cap and a gate that never fails: what the threshold itself
    does, as the evaluation's comment lift and the gate's share of flagged hunks measure it."""
    return Thresholds(comment=threshold, gate=1.0, max_comments=sys.maxsize)


def replay(
    probabilities: np.ndarray,
    labels: np.ndarray,
    commits: np.ndarray,
    thresholds: Thresholds,
    hunks: Sequence[tuple[str, ScoredHunk]] = (),
    paths: Sequence[str] | None = None,
    line_numbers: Sequence[int] | None = None,
) -> Replay:
    """Decide each commit's lines (`probabilities`, `labels`, grouped by `commits`) and its `hunks` ((commit,
    hunk) pairs) as a review would, and count the comments, their hits and the failed gates.

    `paths` and `line_numbers` place each line (they break ties between equal probabilities at the cap, as in
    a review); without them a line is its row.
    """
    p, y = np.asarray(probabilities, dtype=float), np.asarray(labels, dtype=float)
    if not len(p) == len(y) == len(commits):
        raise ValueError(f"{len(p)} probabilities, {len(y)} labels and {len(commits)} commits: one per line")
    where = list(paths) if paths is not None else [""] * len(p)
    numbers = list(line_numbers) if line_numbers is not None else list(range(len(p)))
    rows: dict[str, list[int]] = {}
    for row, commit in enumerate(np.asarray(commits).tolist()):
        rows.setdefault(str(commit), []).append(row)
    hunks_of: dict[str, list[ScoredHunk]] = {}
    for commit, hunk in hunks:
        hunks_of.setdefault(commit, []).append(hunk)
        rows.setdefault(commit, [])  # a commit whose hunks have no scored line still meets the gate
    commented = hits = failures = 0
    for commit, members in rows.items():
        lines = [LineScore(where[r], numbers[r], float(p[r])) for r in members]
        truth = {(where[r], numbers[r]): y[r] for r in members}
        decision = decide(lines, hunks_of.get(commit, ()), thresholds)
        commented += len(decision.commented)
        hits += int(sum(truth[(d.path, d.line)] for d in decision.commented))
        failures += decision.gate.conclusion is GateConclusion.FAILURE
    return Replay(thresholds, len(p), int(y.sum()), commented, hits, len(rows), failures)


def pooled(replays: Sequence[Replay]) -> Replay:
    """Several replays (one per held-out fold, each at its own threshold) counted as one."""
    return Replay(
        None,
        *(
            sum(getattr(r, name) for r in replays)
            for name in ("lines", "positives", "commented", "hits", "commits", "gate_failures")
        ),
    )
