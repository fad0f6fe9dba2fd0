"""Leave-one-repository-out (LORO): train on every other wild repository, judge on the one left out.

For each held-out repository and label, on identical folds: the base rate, the model-free baseline and the
PR model (its feature families chosen by nested selection inside the training repositories). Per repository:
AUC (with a bootstrap interval over commits), AUPRC, Brier, BSS against its own base rate, ECE, and the
comment replay at the threshold the training repositories chose. The repo prior is estimated from the
held-out repository's earliest commits only and judged on its later ones; the date split shows what a
repository's own labels buy. Pure over a `LineTable`; no model, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from scoring.metrics import (
    Interval,
    MetricSummary,
    WithinGroup,
    auc,
    bootstrap_interval,
    summarize,
    within_groups,
)
from scoring.pr_model import PRModel
from training.replay import Replay, pooled, replay, uncapped
from training.thresholds import choose_comment_threshold
from training.wild.hunks import fit_hunk_model, gate_threshold, hunks_of
from training.wild.pr_train import (
    BASELINE,
    FEATURE_SETS,
    Selection,
    balanced_rate,
    calibrated_model,
    families_of,
    fit,
    is_pairwise,
    logits,
    select,
)
from training.wild.table import LineTable, concat

LABELS = ("target", "edited_by_human")  # scoring.target's event first, today's label beside it
MIN_POSITIVES = 50  # repositories with fewer positives give AUCs too noisy to average on their own
TOP_K = 3  # lines a reviewer reads first in one PR
PRIOR_SHARE = 0.4  # the held-out repository's earliest commits that estimate its prior (never scored)
PRIOR_STRENGTH = 200.0  # lines: a prior from a few commits leans on the training mix's rate
DATE_SPLIT = 0.6  # within a repository: earlier commits train, later test
BOOTSTRAP = 200


@dataclass(frozen=True)
class RepoResult:
    """One method on one held-out repository."""

    repo: str
    method: str
    summary: MetricSummary
    auc_interval: Interval
    replay: Replay
    commits: int
    within_pr: WithinGroup  # ranking inside each commit (a PR), top-3 precision against a random 3


@dataclass(frozen=True)
class PriorResult:
    """Calibration on a held-out repository's later commits, without and with its estimated prior."""

    repo: str
    prior: float
    later_rate: float
    without: MetricSummary
    with_prior: MetricSummary


@dataclass(frozen=True)
class HunkResult:
    """The hunk model on one held-out repository: its metrics over hunks, the gate at the training cut."""

    repo: str
    summary: MetricSummary
    gate: Replay  # "commented" = hunks the gate fires on; hit rate = share of them with a target line


@dataclass(frozen=True)
class DateSplitResult:
    """AUC on a repository's later commits: the LORO model vs a model fitted on its own earlier commits."""

    repo: str
    loro_auc: float
    own_auc: float
    train_lines: int
    test_lines: int


@dataclass
class LoroReport:
    label: str
    results: list[RepoResult] = field(default_factory=list)
    selections: dict[str, str] = field(default_factory=dict)  # held-out repo -> chosen candidate
    inner_auc: dict[str, dict[str, float]] = field(default_factory=dict)
    # candidate -> held-out repo -> AUC of that feature set fitted on the other repositories: what each set
    # would have scored, shown beside its cost; never an input to any choice
    fixed_auc: dict[str, dict[str, float]] = field(default_factory=dict)
    priors: list[PriorResult] = field(default_factory=list)
    date_splits: list[DateSplitResult] = field(default_factory=list)
    hunks: list[HunkResult] = field(default_factory=list)
    pooled_gate: Replay | None = None
    pooled_replay: dict[str, Replay] = field(default_factory=dict)
    predictions: dict[str, np.ndarray] = field(
        default_factory=dict
    )  # method -> held-out probability per line

    def method_rows(self, method: str) -> list[RepoResult]:
        return [r for r in self.results if r.method == method]

    def mean(
        self,
        method: str,
        metric: Callable[[RepoResult], float],
        weighted: bool = False,
        min_positives: int = 0,
    ) -> float:
        """Mean over held-out repositories: plain, weighted by each repository's positives, or over those
        with at least `min_positives`."""
        rows = [
            r
            for r in self.method_rows(method)
            if np.isfinite(metric(r)) and r.summary.positives >= min_positives
        ]
        if not rows:
            return float("nan")
        weights = [r.summary.positives for r in rows] if weighted else None
        if weights is not None and not sum(weights):
            return float("nan")
        return float(np.average([metric(r) for r in rows], weights=weights))


def _earlier(table: LineTable, share: float) -> np.ndarray:
    """Lines of the commits in the first `share` of a repository's commits by time (whole commits)."""
    first: dict[str, float] = {}
    for sha, when in zip(table.commit, table.time, strict=True):
        first[sha] = min(when, first.get(sha, when))
    ordered = sorted(first, key=lambda sha: (first[sha], sha))
    cut = set(ordered[: round(share * len(ordered))])
    return np.isin(table.commit, list(cut))


def estimate_prior(labels: np.ndarray, fallback: float, strength: float = PRIOR_STRENGTH) -> float:
    """The repository's edit rate from its own labelled lines, shrunk toward `fallback` when they are few."""
    return float((labels.sum() + strength * fallback) / (len(labels) + strength))


def _result(
    repo: str, method: str, p: np.ndarray, test: LineTable, label: str, threshold: float | None
) -> RepoResult:
    """One method's metrics on a held-out repository; `threshold` None: its scores are no probabilities (line
    length), so it comments on nothing."""
    y = test.label(label).astype(float)
    interval = bootstrap_interval(auc, p, y, groups=test.commit, n_resamples=BOOTSTRAP)
    comments = (p, threshold) if threshold is not None else (np.zeros(len(p)), 1.0)
    return RepoResult(
        repo,
        method,
        summarize(p, y),
        interval,
        replay(comments[0], y, test.commit, uncapped(comments[1])),
        len(set(test.commit)),
        within_groups(p, y, test.commit, TOP_K),
    )


def held_out_models(
    train: LineTable, label: str, chosen: str | None = None
) -> tuple[dict[str, PRModel], Selection]:
    """The baseline and the selected PR model, each fitted and calibrated on `train` only. `chosen`: a feature
    set selected before on the same training repositories (for the other label), instead of selecting
    again."""
    if chosen is None:
        selection = select(train, label)
    else:
        both = {n: FEATURE_SETS[n] for n in ("baseline features", chosen)}
        selection = replace(select(train, label, both), name=chosen)
    names = FEATURE_SETS[selection.name]
    models = {
        "PR model": calibrated_model(
            train,
            families_of(names),
            names,
            label,
            selection.oof_logits,
            pairwise=is_pairwise(selection.name),
        ),
        "model-free baseline": calibrated_model(
            train, families_of(BASELINE), BASELINE, label, selection.all_oof["baseline features"]
        ),
    }
    return models, selection


def evaluate_label(
    table: LineTable,
    label: str,
    repos: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
    selections: dict[str, str] | None = None,
    extra: LineTable | None = None,
) -> LoroReport:
    """LORO for one label. `selections` (held-out repository -> feature set, from the headline label's run)
    reuses those choices: they were made on the same training repositories, so nothing is learnt twice.
    `extra`: lines every fold also trains on and none is judged on (another language's repositories)."""
    report = LoroReport(label)
    for repo in repos or table.repos:
        if progress:
            progress(repo)
        held = table.repo == repo
        train, test = table.subset(~held), table.subset(held)
        if extra is not None:
            train = concat([train, extra])
        y = test.label(label).astype(float)
        models, selection = held_out_models(train, label, (selections or {}).get(repo))
        report.selections[repo], report.inner_auc[repo] = selection.name, selection.inner_auc
        report.hunks.append(_hunks(repo, models["PR model"], selection.oof_logits, train, test, label))
        base = balanced_rate(train.label(label), train.repo)
        report.results.append(_result(repo, "base rate", np.full(len(test), base), test, label, 1.0))
        for method, model in models.items():
            train_p = model.probabilities(train.columns(model.names))
            threshold = choose_comment_threshold(train_p, train.label(label).astype(float)).threshold
            p = model.probabilities(test.columns(model.names))
            report.results.append(_result(repo, method, p, test, label, threshold))
            report.predictions.setdefault(method, np.full(len(table), np.nan))[held] = p
        if selections is None:
            for name, names in FEATURE_SETS.items():
                fitted = fit(train, names, label, is_pairwise(name))
                report.fixed_auc.setdefault(name, {})[repo] = auc(logits(fitted, test), y)
        report.priors.append(_prior(repo, models["PR model"], test, label, base))
        report.date_splits.append(_date_split(repo, models["PR model"], test, label))
    if report.hunks:
        report.pooled_gate = pooled([h.gate for h in report.hunks])
    for method in report.predictions:
        report.pooled_replay[method] = pooled([r.replay for r in report.method_rows(method)])
    return report


def fitted_hunk_model(
    model: PRModel, oof_logits: np.ndarray, train: LineTable, label: str
) -> tuple[PRModel, float, Replay]:
    """`model` with its hunk model fitted on the training repositories' hunks (line probabilities from the
    selection's out-of-fold logits, calibrated as `model` is), the gate threshold chosen on them, and what
    that threshold does on those hunks."""
    train_hunks = hunks_of(train, model.calibration.apply(oof_logits), label)
    hunk_model = fit_hunk_model(train_hunks)
    p = hunk_model.probabilities(train_hunks.max_log_odds, train_hunks.mean_log_odds, train_hunks.lines)
    threshold = gate_threshold(p)
    gate = replay(p, train_hunks.label.astype(float), train_hunks.commit, uncapped(threshold))
    return replace(model, hunk=hunk_model), threshold, gate


def _hunks(
    repo: str, model: PRModel, oof_logits: np.ndarray, train: LineTable, test: LineTable, label: str
) -> HunkResult:
    with_hunks, threshold, _ = fitted_hunk_model(model, oof_logits, train, label)
    assert with_hunks.hunk is not None
    held = hunks_of(test, model.probabilities(test.columns(model.names)), label)
    p = with_hunks.hunk.probabilities(held.max_log_odds, held.mean_log_odds, held.lines)
    y = held.label.astype(float)
    return HunkResult(repo, summarize(p, y), replay(p, y, held.commit, uncapped(threshold)))


def _prior(repo: str, model: PRModel, test: LineTable, label: str, fallback: float) -> PriorResult:
    early = _earlier(test, PRIOR_SHARE)
    later = test.subset(~early)
    prior = estimate_prior(test.label(label)[early].astype(float), fallback)
    features = later.columns(model.names)
    y = later.label(label).astype(float)
    return PriorResult(
        repo,
        prior,
        float(y.mean()) if len(y) else float("nan"),
        summarize(model.probabilities(features), y),
        summarize(model.probabilities(features, prior=prior), y),
    )


def _date_split(repo: str, model: PRModel, test: LineTable, label: str) -> DateSplitResult:
    early = _earlier(test, DATE_SPLIT)
    own_train, later = test.subset(early), test.subset(~early)
    y = later.label(label).astype(float)
    loro_auc = auc(model.probabilities(later.columns(model.names)), y)
    if len(np.unique(own_train.label(label))) < 2 or not len(later):
        own = float("nan")
    else:
        own = auc(logits(fit(own_train, model.names, label), later), y)
    return DateSplitResult(repo, loro_auc, own, len(own_train), len(later))


def agent_breakdown(
    report: LoroReport, table: LineTable, method: str = "PR model"
) -> dict[str, tuple[int, int, float]]:
    """Per agent rule: repositories, lines, and the mean over repositories of the held-out AUC on its
    lines."""
    p, y = report.predictions[method], table.label(report.label)
    out: dict[str, tuple[list[float], int]] = {}
    for agent in np.unique(table.agent):
        values, lines = [], 0
        for repo in np.unique(table.repo[table.agent == agent]):
            mask = (table.agent == agent) & (table.repo == repo) & np.isfinite(p)
            lines += int(mask.sum())
            values.append(auc(p[mask], y[mask]))
        out[str(agent)] = ([v for v in values if np.isfinite(v)], lines)
    return {a: (len(v), n, float(np.mean(v)) if v else float("nan")) for a, (v, n) in sorted(out.items())}
