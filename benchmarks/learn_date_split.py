"""Does learning a repository pay? A date split in each of the 21 wild repositories (issue 21, item 3).

    python benchmarks/learn_date_split.py [--output docs/learn.md]

For each repository: the starting model is a LORO model (the shipped model's feature set, fitted with
`pr_train.fit` and calibrated with `calibrated_model` on the *other* 20 repositories, on the target), because
the shipped model itself was trained on every repository's later commits too. The repository's earlier 60 %
of commits learn (`training.wild.learn.learn`: the shrinkage is chosen by forward chaining inside that part
only), its later 40 % judge: AUC and ECE of the starting model and of the repository model on the target.
Means over repositories with >= 50 target lines in their earlier part, against the issue's targets. Reads the
cached wild table (`load_table`); never rebuilds it.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scoring.cache import cache_root
from scoring.metrics import auc, ece
from scoring.pr_model import load_pr_model
from training.wild.learn import (
    MIN_POSITIVES,
    Learned,
    RepoLines,
    learn,
    shrunk_fit,
    start_weights,
)
from training.wild.loro import DATE_SPLIT, _earlier
from training.wild.pr_train import calibrated_model, families_of, out_of_fold_logits
from training.wild.reader import wild_files
from training.wild.table import LineTable, cache_file, load_table

LABEL = "target"
TARGET_GAIN, TARGET_WORST, TARGET_ECE = 0.03, -0.02, 0.03
LEARN_COMMAND = """`redline learn [--repo PATH]` fits the same model on a checkout's own history (the \
default branch's AI commits
by the review's attribution rules, each line's fate by bot.feedback.fates) and writes it to
`<git common dir>/redline/pr_model.json` only when the rule moves the weights; `redline review` (and
`review --github` in the Action's checkout) then scores with it where the settings name the default PR model.
On a 5,000-commit repository built by `python benchmarks/learn_timing.py` (2,024 AI commits, 14,874 lines) it
took 43 s on 2 shared cores.
"""


@dataclass(frozen=True)
class Row:
    repo: str
    early_lines: int
    early_positives: int
    later_lines: int
    later_positives: int
    shipped_auc: float
    repo_auc: float
    shipped_ece: float
    repo_ece: float
    learned: Learned
    best_auc: float  # the validation's best shrinkage taken whatever the rule says (a diagnostic, not chosen)

    @property
    def gain(self) -> float:
        return self.repo_auc - self.shipped_auc


def repo_lines(table: LineTable, names: tuple[str, ...]) -> RepoLines:
    return RepoLines(table.columns(names), table.target.astype(int), table.commit, table.time)


def judge(table: LineTable, repo: str) -> Row:
    names = load_pr_model().names
    held = table.repo == repo
    train, test = table.subset(~held), table.subset(held)
    oof = out_of_fold_logits(train, names, LABEL)
    start = calibrated_model(train, families_of(names), names, LABEL, oof, {"version": f"loro-{repo}"})
    early = _earlier(test, DATE_SPLIT)
    learning, later = test.subset(early), test.subset(~early)
    learned = learn(start, repo_lines(learning, names))
    y = later.target.astype(float)
    x = later.columns(names)
    p_start, p_repo = start.probabilities(x), learned.model.probabilities(x)
    best_auc = float("nan")
    if learned.validation is not None and learned.validation.blocks:
        gains = learned.validation.gain
        best = max((s for s in gains if math.isfinite(gains[s])), key=lambda s: gains[s])
        z = start.linear.standardised(learning.columns(names))
        b, b0 = shrunk_fit(z, learning.target.astype(float), *start_weights(start), best)
        best_auc = auc(start.linear.standardised(x) @ b + b0, y)
    return Row(
        repo,
        len(learning),
        int(learning.target.sum()),
        len(later),
        int(y.sum()),
        auc(p_start, y),
        auc(p_repo, y),
        ece(p_start, y),
        ece(p_repo, y),
        learned,
        best_auc,
    )


def _f(value: float, signed: bool = False) -> str:
    return "–" if not math.isfinite(value) else (f"{value:+.3f}" if signed else f"{value:.3f}")


def _shrinkage(learned: Learned) -> str:
    if learned.validation is None:
        return "kept (few positives)"
    return "kept (no clear gain)" if learned.kept_shipped else str(learned.card.get("shrinkage"))


def markdown(rows: list[Row], seconds: float) -> str:
    counted = [r for r in rows if r.early_positives >= MIN_POSITIVES and math.isfinite(r.gain)]
    gains = [r.gain for r in counted]
    mean_gain = float(np.mean(gains)) if gains else float("nan")
    worst = min(counted, key=lambda r: r.gain) if counted else None
    ece_start = float(np.mean([r.shipped_ece for r in counted])) if counted else float("nan")
    ece_repo = float(np.mean([r.repo_ece for r in counted])) if counted else float("nan")
    moved = [r for r in rows if math.isfinite(r.learned.shrinkage)]
    forced = [r.best_auc - r.shipped_auc for r in counted if math.isfinite(r.best_auc)]
    lines = [
        "## Learning the repository: a date split in each wild repository",
        "",
        (
            "Written by `python benchmarks/learn_date_split.py` (issue 21, item 3). In each of the 21 wild "
            f"repositories the earlier {DATE_SPLIT:.0%} of commits learn and the later {1 - DATE_SPLIT:.0%} "
            "judge, on the target (a person changes the line's content within 90 days, in a focused commit). "
            "The starting model is the shipped model's feature set fitted and calibrated on the *other* 20 "
            "repositories (LORO): the shipped model itself saw every repository's later commits. The "
            "repository model (`training/wild/learn.py`) pulls the starting weights toward the repository's "
            "own lines by an L2 penalty toward them, strength chosen by forward chaining over 5 commit-time "
            "blocks of the earlier part only (never a later commit for an earlier one), from a grid that "
            "starts at infinity (the starting weights) and keeps them unless the gain is clear; then Platt "
            f"on the out-of-fold log-odds. Fewer than {MIN_POSITIVES} "
            "target lines in the earlier part: the starting model stays."
        ),
        "",
        (
            "| repository | earlier lines (target) | later lines (target) | shrinkage | AUC start | AUC repo "
            "| gain | ECE start | ECE repo | AUC, best validated shrinkage forced |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.repo} | {r.early_lines:,} ({r.early_positives}) | {r.later_lines:,} ({r.later_positives}) "
            f"| {_shrinkage(r.learned)} | "
            f"{_f(r.shipped_auc)} | {_f(r.repo_auc)} | {_f(r.gain, True)} "
            f"| {_f(r.shipped_ece)} | {_f(r.repo_ece)} | {_f(r.best_auc)} |"
        )
    verdict = [
        ("mean AUC gain", f"{_f(mean_gain, True)}", f">= +{TARGET_GAIN}", mean_gain >= TARGET_GAIN),
        (
            "worst repository",
            f"{_f(worst.gain, True) if worst else '–'} ({worst.repo if worst else '–'})",
            f">= {TARGET_WORST}",
            bool(worst and worst.gain >= TARGET_WORST),
        ),
        ("mean ECE, repository model", _f(ece_repo), f"<= {TARGET_ECE}", ece_repo <= TARGET_ECE),
    ]
    lines += [
        "",
        (
            f"Over the {len(counted)} repositories with >= {MIN_POSITIVES} target lines in their earlier "
            f"part (mean ECE of the starting model {_f(ece_start)}); the weights moved (finite shrinkage) in "
            f"{len(moved)} of {len(rows)} repositories. {seconds:.0f} s on this machine."
        ),
        (
            "The last column is a diagnostic, never a choice: the later part's AUC had the shrinkage with "
            "the best forward-chained validation AUC been taken without the rule's test of a clear gain: "
            f"mean gain {_f(float(np.mean(forced)) if forced else float('nan'), True)}, worst "
            f"{_f(min(forced) if forced else float('nan'), True)} over the same repositories."
        ),
        "",
        "| figure | measured | target | met |",
        "|---|---|---|---|",
        *[
            f"| {name} | {value} | {target} | {'yes' if ok else 'no'} |"
            for name, value, target, ok in verdict
        ],
        "",
        LEARN_COMMAND,
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output", type=Path, default=Path("docs/learn.md"), help="markdown section to write"
    )
    parser.add_argument("--repo", action="append", help="only this repository (repeatable)")
    args = parser.parse_args()
    cache = cache_root() / "wild"
    if not all(cache_file(path, cache).is_file() for path in wild_files(None)):
        raise SystemExit(f"no cached wild table in {cache}: run `redline eval --part pr` once to build it")
    table = load_table(cache_dir=cache, progress=False)
    started = time.perf_counter()
    rows = []
    for repo in args.repo or table.repos:
        row = judge(table, repo)
        rows.append(row)
        print(
            f"{repo:40s} early {row.early_lines:6d} ({row.early_positives:4d}) later {row.later_lines:6d} "
            f"({row.later_positives:4d})  AUC {_f(row.shipped_auc)} -> {_f(row.repo_auc)} "
            f"({_f(row.gain, True)}; best forced {_f(row.best_auc)})  ECE "
            f"{_f(row.shipped_ece)} -> {_f(row.repo_ece)}  {row.learned.reason}",
            flush=True,
        )
    text = markdown(rows, time.perf_counter() - started)
    print(text)
    args.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
