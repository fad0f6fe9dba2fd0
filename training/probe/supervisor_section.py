"""The evaluation page's section on the supervisor, written from a `SupervisorResult` and nothing else."""

from __future__ import annotations

import math

import numpy as np

from scoring.metrics import Interval
from training.probe.wild_supervisor import OUTER_FOLDS, SHIPPED, SupervisorResult

TOLERANCE = 0.02  # the half-width the interval of what the supervisor adds is asked to stay within


def _fmt(value: float) -> str:
    return f"{value:.3f}" if np.isfinite(value) else "n/a"


def _interval(value: Interval) -> str:
    return f"{value.point:+.3f} (95 % interval {value.low:+.3f} to {value.high:+.3f})"


def adds(result: SupervisorResult) -> bool:
    """The supervisor adds when the bootstrap interval of its gain lies above zero."""
    return bool(np.isfinite(result.added.low) and result.added.low > 0)


def verdict(result: SupervisorResult) -> str:
    """Sentences from the numbers: what the supervisor adds to the PR features, how sure, and at what cost."""
    won, of = result.wins()
    ratio = float(result.cost.get("supervisor_ms_per_1000_lines", np.nan)) / max(
        float(result.cost.get("pr_features_ms_per_1000_lines", np.nan)), 1e-9
    )
    times = f"{ratio:,.0f}" if ratio >= 10 else f"{ratio:.1f}"
    half = (result.added.high - result.added.low) / 2
    precise = f"within ±{TOLERANCE}"
    if half > TOLERANCE:  # the half-width shrinks about as 1/sqrt(commits per repository)
        needed = math.ceil(result.commits_per_repo * (half / TOLERANCE) ** 2)
        precise = f"wider than ±{TOLERANCE}: about {needed} commits per repository would bring it within"
    if result.commits_per_repo < 2:  # one commit per repository: every redraw is the same lines
        precise = "meaningless with one commit per repository"
    head = "The supervisor " + ("adds" if adds(result) else "does not add") + " to the PR features"
    return (
        f"{head}: {_interval(result.added)} mean AUC on `{result.label}` (the shipped recipe + supervisor vs "
        "the shipped recipe alone, same lines, same folds; the interval redraws commits inside each "
        f"held-out repository, half-width {half:.3f}, {precise}), better on {won} of {of} "
        f"held-out repositories, at {times}× the cost per line of the recipe's features. From one repository "
        f"to the next the gain varies more: {_interval(result.across_repositories())} as a t interval over "
        "the repositories."
    )


def supervisor_section(result: SupervisorResult) -> str:
    lines = [
        "### Does the supervisor add to the PR features?",
        "",
        (
            f"Judged on `{result.label}`, on a seeded sample of {result.commits_per_repo} whole commits per "
            f"repository ({result.commits} commits, {result.rows} files, {result.lines:,} added lines; the "
            f"same lines for every method). Repositories are held out in {OUTER_FOLDS} groups "
            "(GroupKFold), the same folds for every method. (a) and (b) are trained on all lines of the "
            "training repositories; (f) and (g) on their sampled lines, (f) with the shipped probe's "
            f"configuration ({result.probe_config.get('epochs')} epochs) and the target's labels, and (g) "
            "reads (b)'s and (f)'s out-of-fold log-odds on the training repositories (GroupKFold inside "
            "them); (c)–(e) are not trained. Mean AUC over held-out repositories:"
        ),
        "",
        f"| method | `{result.label}` |",
        "|---|---:|",
    ]
    lines += [
        f"| ({method}) {name} | {_fmt(result.mean(method))} |" for method, name in result.methods.items()
    ]
    lines += ["| repositories where (g) beats (b) | {} of {} |".format(*result.wins()), ""]
    cost = result.cost
    supervisor_ms = float(cost["supervisor_ms_per_1000_lines"])
    lines += [
        f"Cost per 1,000 added lines, measured on {int(cost['supervisor_cost_lines']):,} added lines: PR "
        f"features ({SHIPPED}) {float(cost['pr_features_ms_per_1000_lines']):,.1f} ms; supervisor pass "
        f"(SmolLM2 layers + statistics + probe, CPU) {supervisor_ms:,.0f} ms, with "
        f"{100 * float(cost['supervisor_cold_share']):.0f} % of cache reads cold"
        + (f", machine load {cost['load']}" if cost.get("load") else "")
        + ". Training the probes and regressions of every fold took "
        f"{float(cost['held_out_seconds']) / 60:.0f} min.",
        "",
        verdict(result),
        "",
        (
            f"Reproduce: `python benchmarks/wild_supervisor.py --commits {result.commits_per_repo}` (the "
            "same commit sample serves every row; a smaller sample is part of a larger one)."
        ),
        "",
    ]
    return "\n".join(lines)
