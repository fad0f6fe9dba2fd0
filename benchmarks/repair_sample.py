"""Repair quality on a sample of failing programs of a built dataset: how much of each program the
patch of each stage edits, re-run with the current repair code and the dataset's own oracle and pool.

    python benchmarks/repair_sample.py ~/.cache/redline/datasets/miap --benchmark humaneval --sample 60

Prints the median share of generated lines (not blank, not copied from the prompt) that the paper-style
patch (closest passing candidate) and the best patch label edited, the share of programs whose best
patch edits at most one generated line, the degenerate count and the methods that won. Sandbox runs
come from (and go to) the build's cache, so a second run is fast.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path

from training.data.build import DEGENERATE_SHARE, BuildConfig, _oracle, _repair_sandbox, _sandbox
from training.data.dataset import load_dataset
from training.data.generations import load_generations
from training.data.labels import generated_lines, patch_line_labels
from training.data.minimize import Budget
from training.data.problems import Benchmark, load_problems
from training.data.repairs import Candidate, find_repair


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path, help="a built dataset directory")
    parser.add_argument("--benchmark", default="humaneval", choices=[str(b) for b in Benchmark])
    parser.add_argument("--sample", type=int, default=60, help="failing programs drawn (seed 0)")
    parser.add_argument("--checks", type=int, default=120, help="oracle runs per program")
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds per program")
    args = parser.parse_args()
    rows = load_dataset(args.dataset.expanduser())
    rows = [r for r in rows if not r.passes and r.benchmark == args.benchmark]
    random.Random(0).shuffle(rows)
    rows = rows[: args.sample]
    config = BuildConfig(name=args.dataset.name)
    problems = load_problems((Benchmark(args.benchmark),))
    problems = {pid: problems[pid] for pid in {r.problem_id for r in rows}}
    pools: dict[str, list[Candidate]] = defaultdict(list)
    for generation in load_generations(problems):
        pools[generation.problem_id].append(Candidate(generation.code, generation.generator))
    recorder = _sandbox(config)
    oracles = {pid: _oracle(problem, recorder, config.max_inputs) for pid, problem in problems.items()}
    recorder.close()
    sandbox = _repair_sandbox(config)
    passing = {
        pid: {c.code for c in pools[pid] if sandbox.check(c.code, oracles[pid]).passed} | {p.reference}
        for pid, p in problems.items()
    }
    figures: dict[str, list] = defaultdict(list)
    started = time.monotonic()
    for row in rows:
        oracle, pool = oracles[row.problem_id], [Candidate(problems[row.problem_id].reference, "reference")]
        pool += pools[row.problem_id]
        report = find_repair(
            row.code,
            pool,
            set(passing[row.problem_id]),
            lambda code, oracle=oracle: _compiles(code) and sandbox.check(code, oracle).passed,
            Budget(args.checks, args.seconds),
            frozenset(c.code for c in pool),
        )
        generated = generated_lines(row.code, row.copied_from_prompt)
        for name, edits in (("paper", report.paper), ("best", report.best)):
            labels = patch_line_labels(row.code, edits)
            edited = sum(labels[i] for i in generated)
            figures[name].append(edited / len(generated) if generated else 0.0)
            figures[f"{name}_edited"].append(edited)
        figures["method"].append(str(report.method))
        figures["checks"].append(report.checks)
    sandbox.close()
    best, best_edited = figures["best"], figures["best_edited"]
    print(f"{len(rows)} failing {args.benchmark} programs of {args.dataset} (seed 0), {args.checks} checks")
    paper = statistics.median(figures["paper"])
    print(f"median share of generated lines edited: paper {paper:.3f}, best {statistics.median(best):.3f}")
    print(f"at most one edited generated line: {statistics.fmean(e <= 1 for e in best_edited):.3f}")
    print(
        f"degenerate: {sum(s > DEGENERATE_SHARE and e > 1 for s, e in zip(best, best_edited, strict=True))}"
    )
    methods = dict(Counter(figures["method"]))
    print(f"methods: {methods}; median checks {statistics.median(figures['checks'])}")
    print(f"{time.monotonic() - started:.0f} s")


def _compiles(code: str) -> bool:
    try:  # syntax errors never reach the sandbox, as in the build
        compile(code, "<candidate>", "exec")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


if __name__ == "__main__":
    main()
