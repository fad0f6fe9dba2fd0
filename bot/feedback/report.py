"""The weekly calibration report: did redline's probabilities mean what they said?

`build` turns outcome lines (scored lines whose PR closed) into a Report with every figure and its
bootstrap interval (metrics from scoring.metrics only); `render_markdown` writes the issue body with a
Mermaid reliability chart; `write_png` draws the same chart. No GitHub, no database.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.feedback.recalibration import MIN_RECALIBRATION_CLASS, MIN_RECALIBRATION_LINES, Recalibration, recalibrate
from bot.feedback.types import GateRecord, OutcomeLine
from scoring import metrics
from scoring.metrics import Interval, ReliabilityBin
from scoring.types import CalibrationSource

BOOTSTRAP_RESAMPLES = 1000


@dataclass(frozen=True, slots=True)
class Report:
    """Every figure of one repository's report for [since, until)."""

    repo: str
    since: dt.datetime
    until: dt.datetime
    lines_scored: int
    prs_scored: int
    prs_closed: int
    prs_unmerged_excluded: int
    n_lines: int
    positives: int
    base_rate: float
    auc: Interval
    bss: Interval
    ece: Interval
    ece_mass: float
    drift: Interval  # mean predicted minus observed rate; 0 when the calibration holds on average
    bins: tuple[ReliabilityBin, ...]
    comments: int  # posted comments on lines with an outcome
    comment_hits: int  # ... of which the line was then edited or deleted
    gated_prs: int
    gate_failures: int
    gate_overrides: int
    repository_calibrated_share: float  # share of lines whose probability came from a repository recalibration
    recalibration: Recalibration | None

    @property
    def hit_rate(self) -> float:
        return self.comment_hits / self.comments if self.comments else float("nan")

    @property
    def week(self) -> str:
        year, week, _ = (self.until - dt.timedelta(seconds=1)).isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def title(self) -> str:
        return f"redline calibration report {self.week}"


def _drift(p: np.ndarray, y: np.ndarray) -> float:
    return float(p.mean() - y.mean()) if p.size else float("nan")


def build(
    repo: str,
    since: dt.datetime,
    until: dt.datetime,
    outcomes: Sequence[OutcomeLine],
    gates: Sequence[GateRecord],
    lines_scored: int,
    prs_scored: int,
    history: Sequence[OutcomeLine] = (),
    include_unmerged: bool = False,
    seed: int = 0,
) -> Report:
    """The report of `outcomes` (lines whose PR closed in the period).

    Unmerged PRs are left out unless `include_unmerged`: their lines were never "kept" by anyone.
    `history` (all merged outcomes so far, same probe version) feeds the per-repository recalibration.
    """
    used = [o for o in outcomes if include_unmerged or o.merged]
    closed = {(o.repo, o.number, o.merged) for o in outcomes}
    p = np.array([o.probability for o in used], dtype=np.float64)
    y = np.array([float(o.edited) for o in used], dtype=np.float64)
    groups = np.array([f"{o.repo}#{o.number}" for o in used], dtype=object)

    def interval(metric: object) -> Interval:
        return metrics.bootstrap_interval(metric, p, y, groups=groups,  # type: ignore[arg-type]
                                          n_resamples=BOOTSTRAP_RESAMPLES, seed=seed)

    commented = [o for o in used if o.commented]
    return Report(
        repo=repo, since=since, until=until, lines_scored=lines_scored, prs_scored=prs_scored,
        prs_closed=len({(r, n) for r, n, _ in closed}),
        prs_unmerged_excluded=0 if include_unmerged else len({(r, n) for r, n, m in closed if not m}),
        n_lines=len(used), positives=int(y.sum()), base_rate=float(y.mean()) if y.size else float("nan"),
        auc=interval(metrics.auc), bss=interval(metrics.brier_skill_score), ece=interval(metrics.ece),
        ece_mass=metrics.ece(p, y, strategy=metrics.BinStrategy.MASS), drift=interval(_drift),
        bins=tuple(metrics.reliability_bins(p, y)),
        comments=len(commented), comment_hits=sum(o.edited for o in commented),
        gated_prs=len(gates), gate_failures=sum(g.conclusion == "failure" for g in gates),
        gate_overrides=sum(g.overridden for g in gates),
        repository_calibrated_share=(sum(o.calibration != CalibrationSource.SHIPPED for o in used) / len(used)) if used else 0.0,
        recalibration=recalibrate(history, seed=seed),
    )


def _fmt(value: float, digits: int = 3) -> str:
    return "n/a" if math.isnan(value) else f"{value:.{digits}f}"


def _ci(interval: Interval) -> str:
    if math.isnan(interval.point):
        return "n/a"
    if math.isnan(interval.low):
        return _fmt(interval.point)
    return f"{_fmt(interval.point)} (95% CI {_fmt(interval.low)} to {_fmt(interval.high)})"


def mermaid_chart(bins: Sequence[ReliabilityBin]) -> str:
    """A Mermaid xychart GitHub renders: observed edit rate (bars) against mean predicted (line) per bin."""
    labels = ", ".join(f'"{b.lower:.1f}-{b.upper:.1f}"' for b in bins)
    observed = ", ".join(f"{b.observed_rate:.3f}" for b in bins)
    predicted = ", ".join(f"{b.mean_predicted:.3f}" for b in bins)
    return "\n".join([
        "```mermaid",
        "xychart-beta",
        '    title "Reliability: observed edit rate (bars) vs mean predicted (line)"',
        f'    x-axis "predicted probability" [{labels}]',
        '    y-axis "rate" 0 --> 1',
        f"    bar [{observed}]",
        f"    line [{predicted}]",
        "```",
    ])


def render_markdown(report: Report, png_name: str | None = None) -> str:
    """The issue body."""
    r = report
    period = f"{r.since:%Y-%m-%d %H:%M} to {r.until:%Y-%m-%d %H:%M} UTC"
    out = [
        f"## redline calibration report for `{r.repo}`, {r.week}",
        "",
        f"Period: {period}. A line counts as **edited** when a later commit of its pull request changed or "
        "deleted it before the PR closed (whitespace-only changes do not count).",
        "",
        "| | |",
        "|---|---|",
        f"| lines scored / PRs reviewed | {r.lines_scored} / {r.prs_scored} |",
        f"| PRs closed | {r.prs_closed} ({r.prs_unmerged_excluded} unmerged, left out) |",
        f"| lines with an outcome | {r.n_lines} ({r.positives} edited) |",
        f"| base rate (share edited) | {_fmt(r.base_rate)} |",
        f"| AUC | {_ci(r.auc)} |",
        f"| Brier skill score | {_ci(r.bss)} |",
        f"| ECE, 10 equal-width bins | {_ci(r.ece)} |",
        f"| ECE, 10 equal-mass bins | {_fmt(r.ece_mass)} |",
        f"| drift: mean predicted minus observed | {_ci(r.drift)} |",
        f"| comment hit rate (commented lines then edited) | {_fmt(r.hit_rate)} ({r.comment_hits} of {r.comments}) |",
        f"| gate: PRs gated / failed / overridden by label | {r.gated_prs} / {r.gate_failures} / {r.gate_overrides} |",
        f"| lines shown with this repository's recalibration | {_fmt(r.repository_calibrated_share, 2)} |",
        "",
        "Intervals are 95% percentile bootstrap intervals over pull requests "
        f"({BOOTSTRAP_RESAMPLES} resamples). AUC is n/a when every line had the same outcome.",
        "",
    ]
    if r.bins:
        out += ["### Reliability diagram", "", mermaid_chart(r.bins), ""]
        out += ["| predicted bin | lines | mean predicted | observed |", "|---|---|---|---|"]
        out += [f"| {b.lower:.1f}-{b.upper:.1f} | {b.count} | {b.mean_predicted:.3f} | {b.observed_rate:.3f} |"
                for b in r.bins]
        out.append("")
    if png_name:
        out += [f"The same diagram as a picture: `{png_name}`.", ""]
    out += ["### Per-repository recalibration", ""]
    rc = r.recalibration
    if rc is None:
        out.append(f"Not fitted yet: it needs {MIN_RECALIBRATION_LINES} lines with outcomes and "
                   f"{MIN_RECALIBRATION_CLASS} of each outcome.")
    else:
        verdict = "applied from now on" if rc.applied else "not applied (it did not beat the calibration in use)"
        out += [
            f"Platt scaling fitted on {rc.n_lines} lines ({rc.positives} edited): {verdict}.",
            f"Out-of-fold Brier {_fmt(rc.brier_current_cv)} in use vs {_fmt(rc.brier_refit_cv)} refit; "
            f"ECE {_fmt(rc.ece_current_cv)} vs {_fmt(rc.ece_refit_cv)}.",
            f"Parameters: `{json.dumps(rc.params, sort_keys=True)}`",
        ]
    out += ["", "<!-- redline:weekly-report -->"]
    return "\n".join(out)


def write_png(report: Report, path: Path) -> Path:
    """Draw the reliability diagram (observed vs predicted per bin, sized by count) to `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    if report.bins:
        sizes = [20 + 200 * b.count / max(b.count for b in report.bins) for b in report.bins]
        ax.scatter([b.mean_predicted for b in report.bins], [b.observed_rate for b in report.bins], s=sizes,
                   label="bins (area ~ lines)")
        ax.plot([b.mean_predicted for b in report.bins], [b.observed_rate for b in report.bins])
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="predicted probability of an edit", ylabel="observed edit rate",
           title=f"{report.repo} {report.week} (n={report.n_lines})")
    ax.legend(loc="upper left")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
