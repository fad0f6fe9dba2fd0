"""Static signals on the MIAP dataset: time of scoring.static per program and per token, and each signal's
line-level AUC against the MIAP line labels (no model: pure static computation); then the same signals on
the in-the-wild examples (lines added by AI commits, labelled by a later human edit).

Run: python benchmarks/static_signals.py [DATASET_DIR]   (default ~/.cache/redline/datasets/miap)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from scoring.metrics import auc
from scoring.probe.supervisor import load_tokenizer
from scoring.static import FEATURES, STATIC_FEATURES, analyse
from scoring.windows import tokenize
from training.data.dataset import load_dataset
from training.probe.features import from_program

REFERENCE = "indent"  # an existing text feature, for scale


def cross_validated_auc(values: dict[str, np.ndarray], y: np.ndarray) -> float:
    """Out-of-fold AUC of a logistic regression on every static feature (the dataset's problem folds;
    sklearn defaults, nothing tuned)."""
    from sklearn.linear_model import LogisticRegression

    x = np.stack([values[name] for name in FEATURES], axis=1)
    folds = values["fold"]
    scores = np.zeros(y.size)
    for fold in np.unique(folds):
        train = folds != fold
        model = LogisticRegression(max_iter=1000).fit(x[train], y[train])
        scores[~train] = model.decision_function(x[~train])
    return auc(scores, y)


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "~/.cache/redline/datasets/miap").expanduser()
    rows = [r for r in load_dataset(path) if r.labelled]
    items = [from_program(r) for r in rows]
    started = time.perf_counter()
    analyses = [analyse.__wrapped__(item.text) for item in items]  # uncached: the real cost
    seconds = time.perf_counter() - started
    n_lines = sum(len(a.values["parses"]) for a in analyses)
    print(
        f"{len(items)} labelled programs, {n_lines} lines: analyse {seconds:.2f} s "
        f"({1000 * seconds / len(items):.2f} ms/program); "
        f"parses {np.mean([a.parses for a in analyses]):.3f}, "
        f"whole module {np.mean([a.whole_module for a in analyses]):.3f}"
    )

    tokenizer = load_tokenizer()
    texts = [tokenize(tokenizer, item.text) for item in items]
    analyse.cache_clear()
    started = time.perf_counter()
    for text in texts:
        for name in FEATURES:
            STATIC_FEATURES[name](text)
    seconds = time.perf_counter() - started
    n_tokens = sum(t.n_tokens for t in texts)
    print(
        f"all {len(FEATURES)} token features (parse included): {seconds:.2f} s for {n_tokens} tokens "
        f"({n_tokens / seconds:,.0f} tokens/s)"
    )

    def line_table(keep):  # type: ignore[no-untyped-def]
        values = {name: [] for name in (*FEATURES, REFERENCE, "fold")}
        labels = []
        for row, item, result in zip(rows, items, analyses, strict=True):
            if not keep(item):
                continue
            for line, label, generated in zip(item.lines, item.line_labels, item.generated, strict=True):
                if not generated:
                    continue
                labels.append(label)
                values["fold"].append(row.fold)
                for name in FEATURES:
                    values[name].append(result.values[name][line - 1])
                text = item.text.split("\n")[line - 1]
                values[REFERENCE].append(len(text) - len(text.lstrip(" \t")))
        return {k: np.asarray(v) for k, v in values.items()}, np.asarray(labels)

    populations = {
        "(ii) generated lines, all programs": lambda item: True,
        "(iii) generated lines, failing programs": lambda item: item.failing,
        "(iii') generated lines, failing, non-degenerate": lambda item: item.failing and not item.degenerate,
    }
    tables = {label: line_table(keep) for label, keep in populations.items()}
    for label, (values, y) in tables.items():
        print(f"\n{label}: {y.size} lines, base rate {y.mean():.3f}")
        print("| feature | AUC | share of lines on | P(edited) on | P(edited) off |")
        print("|---|---|---|---|---|")
        for name in (*FEATURES, REFERENCE):
            on = values[name] > 0
            rate_on = y[on].mean() if on.any() else float("nan")
            rate_off = y[~on].mean() if (~on).any() else float("nan")
            print(
                f"| {name} | {auc(values[name], y):.3f} | {on.mean():.3f} | {rate_on:.3f} | {rate_off:.3f} |"
            )
        print(
            "| all static features, logistic regression, 5-fold by problem | "
            f"{cross_validated_auc(values, y):.3f} |"
        )
    wild()


def wild() -> None:
    from training.wild.reader import load_wild

    examples = [e for e in load_wild() if e.path.endswith(".py")]
    results = [analyse(e.text) for e in examples]
    print(
        f"\nin the wild: {len(examples)} .py windows; parse {np.mean([r.parses for r in results]):.3f}, "
        f"as a whole module {np.mean([r.whole_module for r in results]):.3f}"
    )
    values: dict[str, list[float]] = {n: [] for n in FEATURES}
    labels = []
    for example, result in zip(examples, results, strict=True):
        for line, label in zip(example.added, example.edited_by_human, strict=True):
            labels.append(label)
            for name in FEATURES:
                values[name].append(result.values[name][line - 1])
    y = np.asarray(labels)
    print(f"added lines: {y.size}, human-edit base rate {y.mean():.3f}")
    print("| feature | AUC | share of lines on | P(edited) on | P(edited) off |")
    print("|---|---|---|---|---|")
    for name in FEATURES:
        v = np.asarray(values[name])
        on = v > 0
        rate_on = y[on].mean() if on.any() else float("nan")
        rate_off = y[~on].mean() if (~on).any() else float("nan")
        print(f"| {name} | {auc(v, y):.3f} | {on.mean():.3f} | {rate_on:.3f} | {rate_off:.3f} |")


if __name__ == "__main__":
    main()
