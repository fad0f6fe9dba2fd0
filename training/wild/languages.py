"""One model or two: which model scores TypeScript, judged leave-one-repository-out on its repositories.

For each held-out TypeScript repository and label, on identical test lines, every candidate is fitted by the
same pipeline as the shipped model (nested feature selection, pairwise ranking candidates, Platt calibration,
comment threshold), each on its own training repositories:

- the Python model: every Python repository (what scores TypeScript if nothing is done);
- both languages: every Python repository and the other TypeScript ones, with the `typescript` indicator;
- the TypeScript model: the other TypeScript repositories only;

beside two references that learn nothing: line length alone, and the training mix's base rate. The rule that
picks the shipped candidate (`LANGUAGE_RULE`) reads the held-out figures of the repositories with enough
positives; no candidate ever sees the repository it is judged on. Pure over `LineTable`s; no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from scoring.pr_model import PRModel
from training.thresholds import choose_comment_threshold
from training.wild.loro import RepoResult, _result
from training.wild.pr_train import balanced_rate
from training.wild.table import LineTable, concat

TS_DIR = "wild-ts"  # the TypeScript repositories' folder in the data directory
PYTHON_MODEL = "Python model"
BOTH = "both languages"
TYPESCRIPT_MODEL = "TypeScript model"
CANDIDATES = (PYTHON_MODEL, BOTH, TYPESCRIPT_MODEL)
LENGTH = "line length"
MIN_POSITIVES = 30  # held-out repositories with fewer target positives are shown but do not decide
MIN_GAIN = 0.005  # a candidate that needs more data must beat the Python model by more than this
LANGUAGE_RULE = (
    f"the candidate with the best mean target AUC over the held-out TypeScript repositories with at least "
    f"{MIN_POSITIVES} positives; a candidate that needs TypeScript training data must beat the Python model "
    f"by more than {MIN_GAIN}, and every candidate is fitted by the shipped model's own pipeline"
)


@dataclass
class LanguageReport:
    """Every method on every held-out TypeScript repository, for one label."""

    label: str
    results: list[RepoResult] = field(default_factory=list)
    positives: dict[str, int] = field(default_factory=dict)
    selections: dict[str, dict[str, str]] = field(default_factory=dict)  # candidate -> repo -> feature set

    def deciding_repos(self) -> list[str]:
        return sorted(r for r, n in self.positives.items() if n >= MIN_POSITIVES)

    def mean_auc(self, method: str, repos: Sequence[str] | None = None) -> float:
        wanted = set(repos if repos is not None else self.deciding_repos())
        values = [r.summary.auc for r in self.results if r.method == method and r.repo in wanted]
        finite = [v for v in values if np.isfinite(v)]
        return float(np.mean(finite)) if finite else float("nan")

    def result(self, repo: str, method: str) -> RepoResult:
        return next(r for r in self.results if r.repo == repo and r.method == method)


def choose(report: LanguageReport) -> str:
    """`LANGUAGE_RULE` over a target-label report."""
    scores = {name: report.mean_auc(name) for name in CANDIDATES}
    best = max(CANDIDATES, key=lambda n: scores[n] if np.isfinite(scores[n]) else -1.0)
    if best != PYTHON_MODEL and not scores[best] > scores[PYTHON_MODEL] + MIN_GAIN:
        return PYTHON_MODEL
    return best


# (training lines, label, a feature set chosen before or None) -> the model and the feature set it used
Fitter = Callable[[LineTable, str, str | None], tuple[PRModel, str]]


def evaluate(
    python: LineTable,
    typescript: LineTable,
    label: str,
    fit_model: Fitter,
    progress: Callable[[str], None] | None = None,
    selections: dict[str, dict[str, str]] | None = None,
) -> LanguageReport:
    """Leave each TypeScript repository out; `fit_model` is the shipped model's pipeline. `selections` (from
    the target's report) reuses each fit's feature set, chosen on the same training repositories."""
    report = LanguageReport(label)

    def chosen(candidate: str, repo: str) -> str | None:
        return (selections or {}).get(candidate, {}).get(repo)

    first = typescript.repos[0] if typescript.repos else ""
    python_fit = fit_model(python, label, chosen(PYTHON_MODEL, first))
    base = balanced_rate(python.label(label), python.repo)
    for repo in typescript.repos:
        if progress:
            progress(repo)
        held = typescript.repo == repo
        test, others = typescript.subset(held), typescript.subset(~held)
        report.positives[repo] = int(test.target.sum())
        both = concat([python, others])
        trained = {
            PYTHON_MODEL: (python_fit, python),
            BOTH: (fit_model(both, label, chosen(BOTH, repo)), both),
            TYPESCRIPT_MODEL: (fit_model(others, label, chosen(TYPESCRIPT_MODEL, repo)), others),
        }
        report.results.append(_result(repo, "base rate", np.full(len(test), base), test, label, 1.0))
        length = test.columns(("length",))[:, 0]
        report.results.append(_result(repo, LENGTH, length, test, label, None))
        for name, ((model, feature_set), train) in trained.items():
            train_p = model.probabilities(train.columns(model.names))
            threshold = choose_comment_threshold(train_p, train.label(label).astype(float)).threshold
            p = model.probabilities(test.columns(model.names))
            report.results.append(_result(repo, name, p, test, label, threshold))
            report.selections.setdefault(name, {})[repo] = feature_set
    return report


def unparsed_share(table: LineTable) -> float:
    """The share of lines in files their language's parser could not read (they keep the neutral features)."""
    return float(1.0 - table.columns(("parsed",))[:, 0].mean()) if len(table) else float("nan")


def describe(typescript: LineTable) -> str:
    return (
        f"`data/wild-ts/`, {len(typescript.repos)} public TypeScript repositories, {len(typescript):,} lines "
        "that "
        f"AI agents added in {len(set(typescript.commit.tolist())):,} commits, "
        f"{int(typescript.target.sum()):,} "
        f"of them target positives; {100 * unparsed_share(typescript):.1f} % of the lines are in files "
        "tree-sitter's TypeScript grammar could not read, which are scored with the neutral features only"
    )


def _f(value: float) -> str:
    return f"{value:.3f}" if np.isfinite(value) else "–"


def _auc_cell(r: RepoResult) -> str:
    i = r.auc_interval
    return f"{_f(r.summary.auc)} [{_f(i.low)}, {_f(i.high)}]" if np.isfinite(i.low) else _f(r.summary.auc)


def card(reports: dict[str, LanguageReport], chosen: str) -> dict[str, object]:
    """What the shipped card records: the rule, the choice and the figures it was chosen on."""
    target = reports["target"]
    return {
        "chosen": chosen,
        "rule": LANGUAGE_RULE,
        "deciding_repositories": target.deciding_repos(),
        "mean_auc": {
            label: {m: report.mean_auc(m) for m in (*CANDIDATES, LENGTH)} for label, report in reports.items()
        },
        "mean_within_pr_auc": {
            m: float(np.nanmean([target.result(r, m).within_pr.auc for r in target.deciding_repos()]))
            for m in (*CANDIDATES, LENGTH)
        },
    }


def render(reports: dict[str, LanguageReport], chosen: str, data: str) -> list[str]:
    """The per-language section of docs/evaluation.md."""
    target = reports["target"]
    deciding = target.deciding_repos()
    methods = (LENGTH, *CANDIDATES)
    out = [
        "### TypeScript: one model or two",
        "",
        (
            f"Data: {data}. Each TypeScript repository is held out in turn; every candidate is fitted by the "
            "shipped model's pipeline on its own training repositories (the Python model on the Python "
            "repositories; both languages on those and the other TypeScript repositories; the TypeScript "
            "model on "
            "the other TypeScript repositories only). Line length alone is the reference that learns "
            "nothing. "
            f"AUC with a 95 % interval resampling whole commits; within-PR AUC inside each commit. Rule: "
            f"{LANGUAGE_RULE}. **Chosen: {chosen}.** Repositories with fewer than {MIN_POSITIVES} target "
            "positives are shown but do not decide."
        ),
        "",
    ]
    for label, report in reports.items():
        what = "the target event" if label == "target" else "today's looser label, any edit by a person"
        out += [
            f"Per held-out TypeScript repository, {what} (AUC [interval] / within-PR AUC):",
            "",
            "| repository | lines | positives | " + " | ".join(methods) + " |",
            "|---|---|---|" + "---|" * len(methods),
        ]
        for repo in sorted(report.positives):
            first = report.result(repo, LENGTH).summary
            cells = [
                f"{_auc_cell(report.result(repo, m))} / {_f(report.result(repo, m).within_pr.auc)}"
                for m in methods
            ]
            out.append(f"| {repo} | {first.n:,} | {first.positives:,} | " + " | ".join(cells) + " |")
        means = [_f(report.mean_auc(m, deciding)) for m in methods]
        out += [
            f"| **mean, {len(deciding)} repositories with ≥ {MIN_POSITIVES} target positives** | | | "
            + " | ".join(means)
            + " |",
            "",
        ]
    return [*out, FLAT, ""]


# Said under the tables: a candidate whose Platt slope is clipped to 0 gives one probability to every line.
FLAT = (
    "An AUC of 0.500 [0.500, 0.500] means the candidate gave every line the same probability: the slope of "
    "its calibration, fitted on its training repositories' out-of-fold predictions, came out at or below 0 "
    "(no ranking survived from one of those repositories to another) and is set to 0."
)
