"""The LORO section of docs/evaluation.md, its figure, and the summary the PR model's card carries.

Text only from `LoroReport` values: every number on the page comes from the run that writes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from scoring.metrics import BinStrategy, reliability_bins
from training.probe.evaluate import COMMENT_THRESHOLD_RULE
from training.wild.loro import LoroReport, agent_breakdown
from training.wild.pr_train import (
    BASELINE, FEATURE_SETS, SELECTION_RULE, FeatureCosts, finite_mean, measured_costs,
)
from training.wild.table import LineTable

SECTION_END = "<!-- end of the PR-model section; the benchmark (MIAP) evaluation follows -->"
# benchmarks/wild_supervisor.py owns the block between these markers; `redline train-pr` carries it over.
SUPERVISOR_START = "<!-- supervisor comparison: written by benchmarks/wild_supervisor.py -->"
SUPERVISOR_END = "<!-- end of the supervisor comparison -->"
FIGURE_CAPTION = (
    "Each panel: one repository the model never saw; x the predicted probability that a person edits the line "
    "(as shipped, before any repo prior), y the share of lines people really edited, in 10 equal-width bins; "
    "point size grows with the lines in the bin, bins with fewer than 20 lines are drawn hollow.")
TARGET_AUC = 0.70
TARGET_LIFT = 2.0
TARGET_COMMENTS = 0.5
TARGET_BSS = 0.05
TARGET_ECE = 0.03
METHODS = ("base rate", "model-free baseline", "PR model")


def _f(value: float, digits: int = 3) -> str:
    return "–" if not np.isfinite(value) else f"{value:.{digits}f}"


def headline(report: LoroReport) -> dict[str, Any]:
    """The numbers the card and the README quote, for one label."""
    model, base = report.method_rows("PR model"), report.method_rows("model-free baseline")
    better = [m.summary.auc > b.summary.auc for m, b in zip(model, base, strict=True)
              if np.isfinite(m.summary.auc) and np.isfinite(b.summary.auc)]
    pooled = report.pooled_replay.get("PR model")
    with_prior = [p.with_prior for p in report.priors]
    return {
        "label": report.label,
        "repositories": len(model),
        "mean_auc": {m: report.mean(m, lambda r: r.summary.auc) for m in METHODS[1:]},
        "mean_auprc": {m: report.mean(m, lambda r: r.summary.auprc) for m in METHODS[1:]},
        "beats_baseline": f"{sum(better)} of {len(better)}",
        "pooled_replay": None if pooled is None else {
            "comments_per_100_lines": pooled.per_100_lines, "hit_rate": pooled.hit_rate,
            "base_rate": pooled.base_rate, "lift": pooled.lift},
        "mean_bss_ece_without_prior": [float(np.nanmean([p.without.bss for p in report.priors])),
                                       float(np.nanmean([p.without.ece_width for p in report.priors]))],
        "mean_bss_ece_with_prior": [float(np.nanmean([s.bss for s in with_prior])),
                                    float(np.nanmean([s.ece_width for s in with_prior]))],
        "selected": {name: list(report.selections.values()).count(name) for name in FEATURE_SETS},
    }


def _repo_table(report: LoroReport, table: LineTable) -> list[str]:
    model = {r.repo: r for r in report.method_rows("PR model")}
    base = {r.repo: r for r in report.method_rows("model-free baseline")}
    rows = ["| repository | lines | commits | base rate | PR model AUC [95 % CI, commits] | baseline AUC | AUPRC | "
            "Brier | BSS | ECE | threshold | comments / 100 lines | hit rate | lift | features chosen |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for repo in sorted(model):
        m, b = model[repo], base[repo]
        s, rp = m.summary, m.replay
        rows.append(
            f"| {repo} | {s.n:,} | {m.commits} | {_f(s.base_rate)} | {_f(s.auc)} [{_f(m.auc_interval.low, 2)}, "
            f"{_f(m.auc_interval.high, 2)}] | {_f(b.summary.auc)} | {_f(s.auprc)} | {_f(s.brier)} | {_f(s.bss)} | "
            f"{_f(s.ece_width)} | {_f(rp.threshold)} | {_f(rp.per_100_lines, 1)} | {_f(rp.hit_rate)} | "
            f"{_f(rp.lift, 2)} | {report.selections.get(repo, '')} |")
    means = ["| **mean of repositories** | | | "
             f"{_f(float(np.mean([r.summary.base_rate for r in model.values()])))} | "
             f"**{_f(report.mean('PR model', lambda r: r.summary.auc))}** | "
             f"**{_f(report.mean('model-free baseline', lambda r: r.summary.auc))}** | "
             f"{_f(report.mean('PR model', lambda r: r.summary.auprc))} | "
             f"{_f(report.mean('PR model', lambda r: r.summary.brier))} | "
             f"{_f(report.mean('PR model', lambda r: r.summary.bss))} | "
             f"{_f(report.mean('PR model', lambda r: r.summary.ece_width))} | | "
             f"{_f(report.mean('PR model', lambda r: r.replay.per_100_lines), 1)} | "
             f"{_f(report.mean('PR model', lambda r: r.replay.hit_rate))} | "
             f"{_f(report.mean('PR model', lambda r: r.replay.lift), 2)} | |"]
    return rows + means


def _methods_table(report: LoroReport) -> list[str]:
    rows = ["| method | mean AUC | mean AUPRC | mean Brier | mean BSS (own base rate) | mean ECE | "
            "pooled comments / 100 lines | pooled hit rate | pooled lift |", "|---|---|---|---|---|---|---|---|---|"]
    for method in METHODS:
        pooled = report.pooled_replay.get(method)
        rows.append(
            f"| {method} | {_f(report.mean(method, lambda r: r.summary.auc))} | "
            f"{_f(report.mean(method, lambda r: r.summary.auprc))} | "
            f"{_f(report.mean(method, lambda r: r.summary.brier))} | "
            f"{_f(report.mean(method, lambda r: r.summary.bss))} | "
            f"{_f(report.mean(method, lambda r: r.summary.ece_width))} | "
            + (f"{_f(pooled.per_100_lines, 1)} | {_f(pooled.hit_rate)} | {_f(pooled.lift, 2)} |" if pooled
               else "0 | – | – |"))
    return rows


def _prior_table(report: LoroReport) -> list[str]:
    rows = ["| repository | prior (earliest 40 % of commits) | later rate | BSS without | BSS with | ECE without | "
            "ECE with |", "|---|---|---|---|---|---|---|"]
    for p in report.priors:
        rows.append(f"| {p.repo} | {_f(p.prior)} | {_f(p.later_rate)} | {_f(p.without.bss)} | "
                    f"{_f(p.with_prior.bss)} | {_f(p.without.ece_width)} | {_f(p.with_prior.ece_width)} |")
    h = headline(report)
    rows.append(f"| **mean** | | | {_f(h['mean_bss_ece_without_prior'][0])} | **{_f(h['mean_bss_ece_with_prior'][0])}** "
                f"| {_f(h['mean_bss_ece_without_prior'][1])} | **{_f(h['mean_bss_ece_with_prior'][1])}** |")
    return rows


def _date_table(report: LoroReport) -> list[str]:
    rows = ["| repository | train lines (earlier 60 %) | test lines | LORO model AUC | own-history model AUC |",
            "|---|---|---|---|---|"]
    for d in report.date_splits:
        rows.append(f"| {d.repo} | {d.train_lines:,} | {d.test_lines:,} | {_f(d.loro_auc)} | {_f(d.own_auc)} |")
    loro = np.nanmean([d.loro_auc for d in report.date_splits])
    own = np.nanmean([d.own_auc for d in report.date_splits])
    rows.append(f"| **mean** | | | **{_f(float(loro))}** | **{_f(float(own))}** |")
    return rows


def _candidate_table(report: LoroReport, costs: FeatureCosts) -> list[str]:
    rows = ["| feature set | ms per 1,000 lines at review time | mean inner AUC (training repositories) | chosen | "
            "LORO mean AUC if always used (never used to choose) |", "|---|---|---|---|---|"]
    chosen = list(report.selections.values())
    for name in FEATURE_SETS:
        inner = [folds[name] for folds in report.inner_auc.values() if name in folds]
        rows.append(f"| {name} | {_f(costs.ms_per_1000_lines.get(name, float('nan')), 1)} | "
                    f"{_f(finite_mean(inner))} | {chosen.count(name)} of {len(chosen)} | "
                    f"{_f(finite_mean(report.fixed_auc.get(name, {}).values()))} |")
    return rows


def supervisor_block(page_text: str) -> str:
    """The supervisor comparison already on the page, markers included ("" when there is none)."""
    if SUPERVISOR_START not in page_text or SUPERVISOR_END not in page_text:
        return ""
    return SUPERVISOR_START + page_text.split(SUPERVISOR_START, 1)[1].split(SUPERVISOR_END, 1)[0] + SUPERVISOR_END


def with_supervisor_block(page_text: str, section: str) -> str:
    """The page with `section` as its supervisor comparison: in place of the old one, else before the
    reliability figure (or the end of the PR-model section)."""
    block = f"{SUPERVISOR_START}\n{section.strip()}\n{SUPERVISOR_END}"
    old = supervisor_block(page_text)
    if old:
        return page_text.replace(old, block, 1)
    for anchor in ("### Reliability per held-out repository", SECTION_END):
        if anchor in page_text:
            return page_text.replace(anchor, f"{block}\n\n{anchor}", 1)
    raise ValueError("the page has no PR-model section: run `redline train-pr` first")


def _targets(h: dict[str, Any]) -> list[str]:
    auc_model, auc_base = h["mean_auc"]["PR model"], h["mean_auc"]["model-free baseline"]
    wins, total = (int(x) for x in h["beats_baseline"].split(" of "))
    pooled = h["pooled_replay"] or {}
    bss, ece = h["mean_bss_ece_with_prior"]

    def verdict(ok: bool, gap: str) -> str:
        return "met" if ok else f"**missed** ({gap})"

    return [
        f"- LORO mean AUC ≥ {TARGET_AUC:.2f}: {_f(auc_model)} — "
        + verdict(auc_model >= TARGET_AUC, f"short by {TARGET_AUC - auc_model:.3f}"),
        f"- above the model-free baseline ({_f(auc_base)}) on at least 3 repositories in 4: {wins} of {total} — "
        + verdict(wins >= 0.75 * total, f"{int(np.ceil(0.75 * total)) - wins} repositories short"),
        f"- pooled comment lift ≥ {TARGET_LIFT:g}× at ≥ {TARGET_COMMENTS} comments per 100 AI lines: lift "
        f"{_f(pooled.get('lift', float('nan')), 2)} at {_f(pooled.get('comments_per_100_lines', float('nan')), 1)} — "
        + verdict(pooled.get("lift", 0) >= TARGET_LIFT and pooled.get("comments_per_100_lines", 0) >= TARGET_COMMENTS,
                  "see the replay columns"),
        f"- with the repo prior, mean BSS ≥ {TARGET_BSS} and mean ECE ≤ {TARGET_ECE}: BSS {_f(bss)}, ECE {_f(ece)} — "
        + verdict(bss >= TARGET_BSS and ece <= TARGET_ECE, "see the prior table"),
    ]


def render(reports: dict[str, LoroReport], table: LineTable, figure: str | None, reproduce: str,
           supervisor: str = "") -> str:
    human = reports["edited_by_human"]
    h = headline(human)
    costs = measured_costs()
    out = [
        "# Evaluation",
        "",
        "## The PR model on repositories it never saw (leave-one-repository-out)",
        "",
        f"Data: `data/wild/`, {len(table.repos)} public repositories, {len(table):,} lines that AI agents added in "
        f"{len(set(table.commit.tolist())):,} commits, each labelled by whether a later commit edited it "
        "(`edited`) and whether that first editor was a person (`edited_by_human`, the headline label). "
        "For each repository the models are trained on all the others and judged on it; the PR model's feature "
        "set is chosen by cross-validation over the training repositories only (repositories dealt into "
        f"folds, never split) as {SELECTION_RULE}, calibrated on their out-of-fold predictions (slope from the ranking inside "
        "each repository), and the comment threshold is chosen on the fitted model's probabilities for the "
        f"training lines by the rule: {COMMENT_THRESHOLD_RULE}. Intervals are "
        "95 % bootstrap percentiles resampling whole commits. BSS is against the held-out repository's own base "
        "rate. Every method below is judged on identical folds.",
        "",
        f"Reproduce: `{reproduce}`",
        "",
        "### Targets (human-edit label)",
        "",
        *_targets(h),
        "",
        "### Methods, mean over held-out repositories (human-edit label)",
        "",
        *_methods_table(human),
        "",
        f"The model-free baseline is a logistic regression on {len(BASELINE)} features of the issue's list "
        "(length, indentation, line kind, test file, position and size of its hunk, file size, new file). "
        "Candidate feature sets of the PR model: " + "; ".join(FEATURE_SETS) + ". Chosen per held-out "
        "repository: " + ", ".join(f"{k} {v}×" for k, v in h["selected"].items() if v) + ".",
        "",
        "### What each feature set costs and buys",
        "",
        "The cost is the time to compute the set's features for 1,000 AI-added lines at review time "
        f"({costs.measured}). The inner AUC is what the selection saw, averaged over the held-out folds; the "
        "last column is each set fitted on the training repositories and judged on the held-out one, shown so "
        "a reader can see what each family buys on unseen repositories (human-edit label).",
        "",
        *_candidate_table(human, costs),
        "",
        "### Per repository (human-edit label)",
        "",
        *_repo_table(human, table),
        "",
    ]
    if "edited" in reports:
        out += ["### Methods, mean over held-out repositories (any later edit, AI follow-ups included)", "",
                *_methods_table(reports["edited"]), "", "### Per repository (any later edit)", "",
                *_repo_table(reports["edited"], table), ""]
    out += [
        "### Calibration that travels: the repository prior",
        "",
        "A repository's edit rate is not the training mix's. The prior is estimated from the held-out "
        "repository's earliest 40 % of AI commits (their labels, shrunk toward the training rate by "
        "200 pseudo-lines) and the model's log-odds are shifted by logit(prior) − logit(training rate); "
        "both rows are judged on the remaining later 60 % only (human-edit label).",
        "",
        *_prior_table(human),
        "",
        "### What a repository's own history buys (date split)",
        "",
        "Within each repository: a model with the PR model's features fitted on its earlier 60 % of commits, "
        "against the LORO model, both judged on the later 40 % (human-edit label).",
        "",
        *_date_table(human),
        "",
        "### Per agent (human-edit label)",
        "",
        "| agent rule | repositories | lines | mean held-out AUC on its lines |",
        "|---|---|---|---|",
        *[f"| {agent} | {n} | {lines:,} | {_f(value)} |"
          for agent, (n, lines, value) in agent_breakdown(human, table).items()],
        "",
    ]
    if supervisor:
        out += [supervisor, ""]
    if figure:
        out += ["### Reliability per held-out repository", "",
                f"![Reliability of the PR model's probabilities on each held-out repository]({figure})", "",
                FIGURE_CAPTION, ""]
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
            ax.scatter(b.mean_predicted, b.observed_rate, s=8 + 40 * np.sqrt(b.count / max(1, mask.sum())),
                       facecolors="none" if b.count < 20 else "C0", edgecolors="C0")
        ax.plot([0, 1], [0, 1], color="grey", lw=0.6)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_title(repo.split("/")[-1], fontsize=8)
        ax.tick_params(labelsize=6)
    for ax in list(axes.flat)[len(repos):]:
        ax.axis("off")
    fig.suptitle("PR model on held-out repositories: predicted vs observed human-edit rate", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def card_summary(reports: dict[str, LoroReport], table: LineTable) -> dict[str, Any]:
    return {
        "data": f"data/wild: {len(table.repos)} repositories, {len(table):,} AI-added lines",
        "labels": {label: headline(r) for label, r in reports.items()},
        "per_repository": {r.repo: {"auc": r.summary.auc, "bss": r.summary.bss, "ece": r.summary.ece_width,
                                    "base_rate": r.summary.base_rate}
                           for r in reports["edited_by_human"].method_rows("PR model")},
        "per_agent": {a: {"repositories": n, "lines": lines, "mean_auc": v}
                      for a, (n, lines, v) in agent_breakdown(reports["edited_by_human"], table).items()},
    }
