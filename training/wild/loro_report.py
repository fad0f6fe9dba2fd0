"""The LORO section of docs/evaluation.md, its figure, and the summary the PR model's card carries.

Text only from `LoroReport` values: every number on the page comes from the run that writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from scoring.metrics import BinStrategy, reliability_bins
from scoring.target import FOCUSED_MAX_FILES, FOCUSED_MAX_LINES, TARGET_MEANING, WINDOW_DAYS, EditKind
from training.thresholds import COMMENT_THRESHOLD_RULE
from training.wild.hunks import GATE_RULE
from training.wild.loro import MIN_POSITIVES, TOP_K, LoroReport, agent_breakdown
from training.wild.pr_train import (
    BASELINE,
    FEATURE_SETS,
    SELECTION_RULE,
    FeatureCosts,
    finite_mean,
    measured_costs,
)
from training.wild.table import LineTable

SECTION_END = "<!-- end of the PR-model section; the benchmark (MIAP) evaluation follows -->"
# benchmarks/wild_supervisor.py owns the block between these markers; `redline eval --part pr` keeps it.
SUPERVISOR_START = "<!-- supervisor comparison: written by benchmarks/wild_supervisor.py -->"
SUPERVISOR_END = "<!-- end of the supervisor comparison -->"
FIGURE_CAPTION = (
    "Each panel: one repository the model never saw; x the predicted probability that a person changes the "
    "line's content in a focused commit (as shipped, before any repo prior), y the share of lines where that "
    "happened, in 10 equal-width bins; "
    "point size grows with the lines in the bin, bins with fewer than 20 lines are drawn hollow."
)
TARGET_AUC = 0.70
TARGET_WITHIN_PR_AUC = 0.68
TARGET_TOP_K_LIFT = 2.0
TARGET_LIFT = 2.0
TARGET_COMMENTS = 1.0
TARGET_BSS = 0.05
TARGET_ECE = 0.03
METHODS = ("base rate", "model-free baseline", "PR model")


def _f(value: float, digits: int = 3) -> str:
    return "–" if not np.isfinite(value) else f"{value:.{digits}f}"


def _means(report: LoroReport, method: str, metric: Any) -> dict[str, float]:
    return {
        "plain": report.mean(method, metric),
        "weighted_by_positives": report.mean(method, metric, weighted=True),
        f"repositories_with_{MIN_POSITIVES}_positives": report.mean(
            method, metric, min_positives=MIN_POSITIVES
        ),
    }


def headline(report: LoroReport) -> dict[str, Any]:
    """The numbers the card and the README quote, for one label."""
    model, base = report.method_rows("PR model"), report.method_rows("model-free baseline")
    better = [
        m.summary.auc > b.summary.auc
        for m, b in zip(model, base, strict=True)
        if np.isfinite(m.summary.auc) and np.isfinite(b.summary.auc)
    ]
    pooled = report.pooled_replay.get("PR model")
    with_prior = [p.with_prior for p in report.priors]
    return {
        "label": report.label,
        "repositories": len(model),
        "repositories_with_enough_positives": sum(r.summary.positives >= MIN_POSITIVES for r in model),
        "mean_auc": {m: report.mean(m, lambda r: r.summary.auc) for m in METHODS[1:]},
        "mean_auc_by": {m: _means(report, m, lambda r: r.summary.auc) for m in METHODS[1:]},
        "mean_within_pr_auc": {m: report.mean(m, lambda r: r.within_pr.auc) for m in METHODS[1:]},
        f"mean_top{TOP_K}_precision": {m: report.mean(m, lambda r: r.within_pr.top_k) for m in METHODS[1:]},
        f"mean_random{TOP_K}_precision": report.mean("PR model", lambda r: r.within_pr.random_k),
        "mean_base_rate": report.mean("PR model", lambda r: r.summary.base_rate),
        "mean_auprc": {m: report.mean(m, lambda r: r.summary.auprc) for m in METHODS[1:]},
        "beats_baseline": f"{sum(better)} of {len(better)}",
        "pooled_replay": None
        if pooled is None
        else {
            "comments_per_100_lines": pooled.per_100_lines,
            "hit_rate": pooled.hit_rate,
            "base_rate": pooled.base_rate,
            "lift": pooled.lift,
        },
        "mean_bss_ece_without_prior": [
            float(np.nanmean([p.without.bss for p in report.priors])),
            float(np.nanmean([p.without.ece_width for p in report.priors])),
        ],
        "mean_bss_ece_with_prior": [
            float(np.nanmean([s.bss for s in with_prior])),
            float(np.nanmean([s.ece_width for s in with_prior])),
        ],
        "selected": {name: list(report.selections.values()).count(name) for name in FEATURE_SETS},
        "hunks": _hunk_headline(report),
    }


def _hunk_headline(report: LoroReport) -> dict[str, Any]:
    gate = report.pooled_gate
    return {
        "mean_auc": float(np.nanmean([h.summary.auc for h in report.hunks]))
        if report.hunks
        else float("nan"),
        "mean_ece": float(np.nanmean([h.summary.ece_width for h in report.hunks]))
        if report.hunks
        else float("nan"),
        "pooled_gate": None
        if gate is None
        else {
            "hunks": gate.lines,
            "fired": gate.commented,
            "hit_rate": gate.hit_rate,
            "base_rate": gate.base_rate,
            "lift": gate.lift,
        },
    }


def _repo_table(report: LoroReport, table: LineTable) -> list[str]:
    model = {r.repo: r for r in report.method_rows("PR model")}
    base = {r.repo: r for r in report.method_rows("model-free baseline")}
    rows = [
        (
            "| repository | lines | commits | positives | base rate | PR model AUC [95 % CI, commits] | "
            "baseline AUC | "
            f"within-PR AUC (PRs) | top-{TOP_K} precision (random {TOP_K}) | AUPRC | Brier | BSS | ECE | "
            "threshold | "
            "comments / 100 lines | hit rate | lift | features chosen |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for repo in sorted(model):
        m, b = model[repo], base[repo]
        s, rp, w = m.summary, m.replay, m.within_pr
        rows.append(
            f"| {repo} | {s.n:,} | {m.commits} | {s.positives:,} | {_f(s.base_rate)} | {_f(s.auc)} "
            f"[{_f(m.auc_interval.low, 2)}, {_f(m.auc_interval.high, 2)}] | {_f(b.summary.auc)} | "
            f"{_f(w.auc)} "
            f"({w.groups}) | {_f(w.top_k)} ({_f(w.random_k)}) | {_f(s.auprc)} | {_f(s.brier)} | {_f(s.bss)} "
            "| "
            f"{_f(s.ece_width)} | {_f(rp.threshold)} | {_f(rp.per_100_lines, 1)} | {_f(rp.hit_rate)} | "
            f"{_f(rp.lift, 2)} | {report.selections.get(repo, '')} |"
        )
    means = [
        (
            "| **mean of repositories** | | | | "
            f"{_f(report.mean('PR model', lambda r: r.summary.base_rate))} | "
            f"**{_f(report.mean('PR model', lambda r: r.summary.auc))}** | "
            f"**{_f(report.mean('model-free baseline', lambda r: r.summary.auc))}** | "
            f"**{_f(report.mean('PR model', lambda r: r.within_pr.auc))}** | "
            f"**{_f(report.mean('PR model', lambda r: r.within_pr.top_k))}** "
            f"({_f(report.mean('PR model', lambda r: r.within_pr.random_k))}) | "
            f"{_f(report.mean('PR model', lambda r: r.summary.auprc))} | "
            f"{_f(report.mean('PR model', lambda r: r.summary.brier))} | "
            f"{_f(report.mean('PR model', lambda r: r.summary.bss))} | "
            f"{_f(report.mean('PR model', lambda r: r.summary.ece_width))} | | "
            f"{_f(report.mean('PR model', lambda r: r.replay.per_100_lines), 1)} | "
            f"{_f(report.mean('PR model', lambda r: r.replay.hit_rate))} | "
            f"{_f(report.mean('PR model', lambda r: r.replay.lift), 2)} | |"
        )
    ]
    return rows + means


def _methods_table(report: LoroReport) -> list[str]:
    rows = [
        (
            f"| method | mean AUC | AUC weighted by positives | AUC, repos with ≥ {MIN_POSITIVES} positives "
            "| "
            f"mean within-PR AUC | mean top-{TOP_K} precision | mean AUPRC | mean Brier | mean BSS (own base "
            "rate) | "
            "mean ECE | pooled comments / 100 lines | pooled hit rate | pooled lift |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for method in METHODS:
        pooled = report.pooled_replay.get(method)
        by = _means(report, method, lambda r: r.summary.auc)
        rows.append(
            f"| {method} | {_f(by['plain'])} | {_f(by['weighted_by_positives'])} | "
            f"{_f(by[f'repositories_with_{MIN_POSITIVES}_positives'])} | "
            f"{_f(report.mean(method, lambda r: r.within_pr.auc))} | "
            f"{_f(report.mean(method, lambda r: r.within_pr.top_k))} | "
            f"{_f(report.mean(method, lambda r: r.summary.auprc))} | "
            f"{_f(report.mean(method, lambda r: r.summary.brier))} | "
            f"{_f(report.mean(method, lambda r: r.summary.bss))} | "
            f"{_f(report.mean(method, lambda r: r.summary.ece_width))} | "
            + (
                f"{_f(pooled.per_100_lines, 1)} | {_f(pooled.hit_rate)} | {_f(pooled.lift, 2)} |"
                if pooled
                else "0 | – | – |"
            )
        )
    return rows


def _fate_table(table: LineTable) -> list[str]:
    """Counts of the first later edit by kind and commit scope, over lines a person edited first."""
    human = table.edited_by_human == 1
    rows = [
        "| first later edit (by a person) | focused commit | sweeping commit | all |",
        "|---|---|---|---|",
    ]
    for kind in EditKind:
        if kind is EditKind.SURVIVED:
            continue
        of_kind = human & (table.kind == kind.value)
        focused, sweeping = (
            int((of_kind & (table.sweeping == 0)).sum()),
            int((of_kind & (table.sweeping == 1)).sum()),
        )
        rows.append(f"| {kind.value} | {focused:,} | {sweeping:,} | {int(of_kind.sum()):,} |")
    rows.append(f"| **all** | | | **{int(human.sum()):,}** of {len(table):,} lines |")
    return rows


def _prior_table(report: LoroReport) -> list[str]:
    rows = [
        (
            "| repository | prior (earliest 40 % of commits) | later rate | BSS without | BSS with | ECE "
            "without | "
            "ECE with |"
        ),
        "|---|---|---|---|---|---|---|",
    ]
    for p in report.priors:
        rows.append(
            f"| {p.repo} | {_f(p.prior)} | {_f(p.later_rate)} | {_f(p.without.bss)} | "
            f"{_f(p.with_prior.bss)} | {_f(p.without.ece_width)} | {_f(p.with_prior.ece_width)} |"
        )
    h = headline(report)
    rows.append(
        f"| **mean** | | | {_f(h['mean_bss_ece_without_prior'][0])} | "
        f"**{_f(h['mean_bss_ece_with_prior'][0])}** "
        f"| {_f(h['mean_bss_ece_without_prior'][1])} | **{_f(h['mean_bss_ece_with_prior'][1])}** |"
    )
    return rows


def _date_table(report: LoroReport) -> list[str]:
    rows = [
        "| repository | train lines (earlier 60 %) | test lines | LORO model AUC | own-history model AUC |",
        "|---|---|---|---|---|",
    ]
    for d in report.date_splits:
        rows.append(
            f"| {d.repo} | {d.train_lines:,} | {d.test_lines:,} | {_f(d.loro_auc)} | {_f(d.own_auc)} |"
        )
    loro = np.nanmean([d.loro_auc for d in report.date_splits])
    own = np.nanmean([d.own_auc for d in report.date_splits])
    rows.append(f"| **mean** | | | **{_f(float(loro))}** | **{_f(float(own))}** |")
    return rows


def _candidate_table(report: LoroReport, costs: FeatureCosts) -> list[str]:
    rows = [
        (
            "| feature set | ms per 1,000 lines at review time | mean inner AUC (training repositories) | "
            "chosen | "
            "LORO mean AUC if always used (never used to choose) |"
        ),
        "|---|---|---|---|---|",
    ]
    chosen = list(report.selections.values())
    for name in FEATURE_SETS:
        inner = [folds[name] for folds in report.inner_auc.values() if name in folds]
        rows.append(
            f"| {name} | {_f(costs.ms_per_1000_lines.get(name, float('nan')), 1)} | "
            f"{_f(finite_mean(inner))} | {chosen.count(name)} of {len(chosen)} | "
            f"{_f(finite_mean(report.fixed_auc.get(name, {}).values()))} |"
        )
    return rows


def _hunk_section(report: LoroReport) -> list[str]:
    rows = [
        (
            "| repository | hunks | base rate (hunks with a target line) | hunk AUC | Brier | BSS | ECE | "
            "gate threshold | "
            "gate fires on | hit rate | lift |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for h in report.hunks:
        s, g = h.summary, h.gate
        rows.append(
            f"| {h.repo} | {s.n:,} | {_f(s.base_rate)} | {_f(s.auc)} | {_f(s.brier)} | {_f(s.bss)} | "
            f"{_f(s.ece_width)} | {_f(g.threshold)} | "
            f"{_f(100 * g.commented / g.lines if g.lines else float('nan'), 1)} % | "
            f"{_f(g.hit_rate)} | {_f(g.lift, 2)} |"
        )

    def mean(metric: Any) -> str:
        return _f(float(np.nanmean([metric(h) for h in report.hunks])) if report.hunks else float("nan"))

    rows.append(
        f"| **mean** | | {mean(lambda h: h.summary.base_rate)} | **{mean(lambda h: h.summary.auc)}** | "
        f"{mean(lambda h: h.summary.brier)} | {mean(lambda h: h.summary.bss)} | "
        f"**{mean(lambda h: h.summary.ece_width)}** | | | | |"
    )
    pooled = report.pooled_gate
    tail = (
        []
        if pooled is None
        else [
            "",
            (
                f"Pooled over the held-out repositories the gate fired on {pooled.commented:,} of "
                f"{pooled.lines:,} hunks "
                f"({_f(100 * pooled.commented / pooled.lines if pooled.lines else float('nan'), 1)} %), and "
                f"{_f(100 * pooled.hit_rate, 1)} % of those had a line a person went on to change, against "
                f"{_f(100 * pooled.base_rate, 1)} % of all hunks ({_f(pooled.lift, 2)}×)."
            ),
        ]
    )
    return [
        "### The merge gate: a probability for each hunk",
        "",
        (
            "A hunk (a diff hunk's AI-added lines) gets P(at least one of its lines gets the target edit) "
            "from its "
            "lines' calibrated log-odds (the riskiest and the mean) and its size, by a repository-balanced "
            "logistic "
            "regression fitted on the training repositories' hunks, from out-of-fold line probabilities. The "
            "gate's "
            f"threshold is chosen in each fold on the training hunks: {GATE_RULE}. Per held-out repository:"
        ),
        "",
        *rows,
        *tail,
        "",
    ]


STALE_HEADING = "### The supervisor, not yet measured on the target"


def _on_target(block: str) -> bool:
    """Whether a supervisor comparison was measured on the target (older ones name the older labels)."""
    return "`target`" in block


def _stale_supervisor_note(block: str) -> list[str]:
    """A supervisor comparison measured before the target existed says so above it."""
    if _on_target(block):
        return []
    return [
        STALE_HEADING,
        "",
        (
            "The comparison below was measured on the earlier labels (`edited_by_human`, `edited`) with an "
            "earlier "
            "feature set, on 3 commits per repository; it has not been re-run on the target "
            "(`python benchmarks/wild_supervisor.py --commits N`; 3 commits per repository took about 3 "
            "hours of "
            "CPU here, and an interval of ±0.02 on the AUC difference needs many more). Until it is, the "
            "supervisor is not a candidate of the selection."
        ),
        "",
    ]


def supervisor_block(page_text: str) -> str:
    """The supervisor comparison already on the page, markers included ("" when there is none)."""
    if SUPERVISOR_START not in page_text or SUPERVISOR_END not in page_text:
        return ""
    return (
        SUPERVISOR_START
        + page_text.split(SUPERVISOR_START, 1)[1].split(SUPERVISOR_END, 1)[0]
        + SUPERVISOR_END
    )


def with_supervisor_block(page_text: str, section: str) -> str:
    """The page with `section` as its supervisor comparison: in place of the old one, else before the
    reliability figure (or the end of the PR-model section)."""
    block = f"{SUPERVISOR_START}\n{section.strip()}\n{SUPERVISOR_END}"
    if _on_target(section) and STALE_HEADING in page_text and SUPERVISOR_START in page_text:
        head, rest = page_text.split(STALE_HEADING, 1)  # the note above an older block no longer holds
        page_text = head + rest[rest.index(SUPERVISOR_START) :]
    old = supervisor_block(page_text)
    if old:
        return page_text.replace(old, block, 1)
    for anchor in ("### Reliability per held-out repository", SECTION_END):
        if anchor in page_text:
            return page_text.replace(anchor, f"{block}\n\n{anchor}", 1)
    raise ValueError("the page has no PR-model section: run `redline eval --part pr` first")


def _targets(h: dict[str, Any]) -> list[str]:
    auc_model, auc_base = h["mean_auc"]["PR model"], h["mean_auc"]["model-free baseline"]
    within = h["mean_within_pr_auc"]["PR model"]
    top, rate = h[f"mean_top{TOP_K}_precision"]["PR model"], h["mean_base_rate"]
    pooled = h["pooled_replay"] or {}
    lift, per_100 = pooled.get("lift", float("nan")), pooled.get("comments_per_100_lines", float("nan"))

    def verdict(ok: bool, gap: str) -> str:
        return "met" if ok else f"**missed** ({gap})"

    return [
        f"- mean AUC ≥ {TARGET_AUC:.2f}: {_f(auc_model)} (model-free baseline {_f(auc_base)}) — "
        + verdict(auc_model >= TARGET_AUC, f"short by {TARGET_AUC - auc_model:.3f}"),
        f"- mean within-PR AUC ≥ {TARGET_WITHIN_PR_AUC:.2f}: {_f(within)} — "
        + verdict(within >= TARGET_WITHIN_PR_AUC, f"short by {TARGET_WITHIN_PR_AUC - within:.3f}"),
        f"- mean top-{TOP_K} precision ≥ {TARGET_TOP_K_LIFT:g}× the mean base rate ({_f(rate)}): {_f(top)} = "
        f"{_f(top / rate if rate else float('nan'), 2)}× — "
        + verdict(top >= TARGET_TOP_K_LIFT * rate, f"short by {TARGET_TOP_K_LIFT * rate - top:.3f}"),
        f"- pooled comment lift ≥ {TARGET_LIFT:g}× at ≥ {TARGET_COMMENTS:g} comment per 100 AI lines: lift "
        f"{_f(lift, 2)} at {_f(per_100, 1)} — "
        + verdict(
            lift >= TARGET_LIFT and per_100 >= TARGET_COMMENTS,
            f"lift short by {max(0.0, TARGET_LIFT - lift):.2f}, comments short by "
            f"{max(0.0, TARGET_COMMENTS - per_100):.1f} per 100 lines",
        ),
    ]


def _target_section(table: LineTable) -> list[str]:
    rate = float(table.target.mean())
    return [
        "### What redline predicts",
        "",
        (
            f"Every probability redline prints is {TARGET_MEANING}. In the wild data a line is a positive "
            "when its "
            f"first later edit within the {WINDOW_DAYS:g}-day window was made by a person, changed its "
            "content "
            "(edit kind `modified` of the edit sidecars), and came in a focused commit: at most "
            f"{FOCUSED_MAX_FILES} files and {FOCUSED_MAX_LINES:,} changed lines. Moves, re-formats, merges, "
            "unmatched "
            "edits, deletions and anything inside a sweeping commit are negatives; focused deletions too, "
            "since a "
            "hunk that only removes lines says the code was no longer wanted, not what was wrong with it. "
            "The rules "
            "live in `scoring/target.py`, which the bot's outcome tracking and weekly report also use. "
            "Counts over "
            "all 21 repositories (lines whose first later editor was a person):"
        ),
        "",
        *_fate_table(table),
        "",
        (
            f"Target positives: {int(table.target.sum()):,} of {len(table):,} lines ({rate:.1%}); today's "
            "looser "
            f"label (first later editor a person, any kind of edit): {int(table.edited_by_human.sum()):,} "
            f"({float(table.edited_by_human.mean()):.1%}). Both are evaluated below, on identical folds."
        ),
        "",
    ]


def render(
    reports: dict[str, LoroReport],
    table: LineTable,
    figure: str | None,
    reproduce: str,
    supervisor: str = "",
    by_language: Sequence[str] = (),
) -> str:
    target = reports["target"]
    h = headline(target)
    costs = measured_costs()
    out = [
        "# Evaluation",
        "",
        "## The PR model on repositories it never saw (leave-one-repository-out)",
        "",
        (
            f"Data: `data/wild/`, {len(table.repos)} public repositories, {len(table):,} lines that AI "
            "agents added in "
            f"{len(set(table.commit.tolist())):,} commits, each labelled by what its first later edit was "
            "(the edit "
            "sidecars). For each repository the models are trained on all the others and judged on it; the "
            "PR "
            "model's feature set is chosen by cross-validation over the training repositories only "
            "(repositories "
            f"dealt into folds, never split) as {SELECTION_RULE}, calibrated on their out-of-fold "
            "predictions (slope "
            "from the ranking inside each repository), and the comment threshold is chosen on the fitted "
            "model's "
            f"probabilities for the training lines by the rule: {COMMENT_THRESHOLD_RULE}. Intervals are 95 % "
            "bootstrap percentiles resampling whole commits. BSS is against the held-out repository's own "
            "base rate. "
            "Within-PR AUC is the AUC inside each AI commit with both kinds of line (a commit stands for the "
            "PR a "
            f"reviewer reads), averaged over commits, then over repositories; top-{TOP_K} precision is the "
            "share of "
            f"each commit's {TOP_K} highest-scored lines that are positives (commits with at least {TOP_K} "
            "lines), "
            f"beside it in brackets the share for {TOP_K} random lines of the same commits. Means over "
            "repositories "
            f"are plain, weighted by each repository's positives, and over the repositories with at least "
            f"{MIN_POSITIVES} positives ({h['repositories_with_enough_positives']} of {h['repositories']}). "
            "Every "
            "method below is judged on identical folds."
        ),
        "",
        f"Reproduce: `{reproduce}`",
        "",
        *_target_section(table),
        "### Targets (the target event)",
        "",
        *_targets(h),
        "",
        "### Methods, mean over held-out repositories (the target event)",
        "",
        *_methods_table(target),
        "",
        f"The model-free baseline is a logistic regression on {len(BASELINE)} features "
        "(length, indentation, line kind, test file, position and size of its hunk, file size, new file). "
        "Candidate feature sets of the PR model: " + "; ".join(FEATURE_SETS) + ". Chosen per held-out "
        "repository: " + ", ".join(f"{k} {v}×" for k, v in h["selected"].items() if v) + ".",
        "",
        "### What each feature set costs and buys",
        "",
        (
            "The cost is the time to compute the set's features for 1,000 AI-added lines at review time "
            f"({costs.measured}). The inner AUC is what the selection saw, averaged over the held-out folds; "
            "the "
            "last column is each set fitted on the training repositories and judged on the held-out one, "
            "shown so "
            "a reader can see what each family buys on unseen repositories (the target event)."
        ),
        "",
        *_candidate_table(target, costs),
        "",
        "### Per repository (the target event)",
        "",
        *_repo_table(target, table),
        "",
    ]
    if "edited_by_human" in reports:
        old = reports["edited_by_human"]
        out += [
            "### Today's looser label beside it: the first later editor was a person (any kind of edit)",
            "",
            "The same folds, with the feature sets the target's selection chose.",
            "",
            *_methods_table(old),
            "",
            "Per repository:",
            "",
            *_repo_table(old, table),
            "",
        ]
    out += [
        "### Calibration that travels: the repository prior",
        "",
        (
            "A repository's rate of the target event is not the training mix's. The prior is estimated from "
            "the "
            "held-out repository's earliest 40 % of AI commits (their labels, shrunk toward the training "
            "rate by "
            "200 pseudo-lines) and the model's log-odds are shifted by logit(prior) − logit(training rate); "
            "both rows are judged on the remaining later 60 % only (the target event)."
        ),
        "",
        *_prior_table(target),
        "",
        "### What a repository's own history buys (date split)",
        "",
        (
            "Within each repository: a model with the PR model's features fitted on its earlier 60 % of "
            "commits, "
            "against the LORO model, both judged on the later 40 % (the target event)."
        ),
        "",
        *_date_table(target),
        "",
        "### Per agent (the target event)",
        "",
        "| agent rule | repositories | lines | mean held-out AUC on its lines |",
        "|---|---|---|---|",
        *[
            f"| {agent} | {n} | {lines:,} | {_f(value)} |"
            for agent, (n, lines, value) in agent_breakdown(target, table).items()
        ],
        "",
    ]
    out += _hunk_section(target)
    out += by_language
    if supervisor:
        out += [*_stale_supervisor_note(supervisor), supervisor, ""]
    if figure:
        out += [
            "### Reliability per held-out repository",
            "",
            f"![Reliability of the PR model's probabilities on each held-out repository]({figure})",
            "",
            FIGURE_CAPTION,
            "",
        ]
    out.append(SECTION_END)
    return "\n".join(out) + "\n"


def reliability_figure(report: LoroReport, table: LineTable, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    repos = table.repos
    cols = 6
    rows = int(np.ceil(len(repos) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2.4 * cols, 2.4 * rows), squeeze=False)
    p_all, y_all = report.predictions["PR model"], table.label(report.label)
    for ax, repo in zip(axes.flat, repos, strict=False):
        mask = (table.repo == repo) & np.isfinite(p_all)
        for b in reliability_bins(p_all[mask], y_all[mask], strategy=BinStrategy.WIDTH):
            ax.scatter(
                b.mean_predicted,
                b.observed_rate,
                s=8 + 40 * np.sqrt(b.count / max(1, mask.sum())),
                facecolors="none" if b.count < 20 else "C0",
                edgecolors="C0",
            )
        ax.plot([0, 1], [0, 1], color="grey", lw=0.6)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_title(repo.split("/")[-1], fontsize=8)
        ax.tick_params(labelsize=6)
    for ax in list(axes.flat)[len(repos) :]:
        ax.axis("off")
    fig.suptitle(
        "PR model on held-out repositories: predicted vs observed rate of the target event", fontsize=10
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def card_summary(reports: dict[str, LoroReport], table: LineTable) -> dict[str, Any]:
    return {
        "data": f"data/wild: {len(table.repos)} repositories, {len(table):,} AI-added lines",
        "target": TARGET_MEANING,
        "labels": {label: headline(r) for label, r in reports.items()},
        "per_repository": {
            r.repo: {
                "auc": r.summary.auc,
                "bss": r.summary.bss,
                "ece": r.summary.ece_width,
                "base_rate": r.summary.base_rate,
            }
            for r in reports["target"].method_rows("PR model")
        },
        "per_agent": {
            a: {"repositories": n, "lines": lines, "mean_auc": v}
            for a, (n, lines, v) in agent_breakdown(reports["target"], table).items()
        },
    }
