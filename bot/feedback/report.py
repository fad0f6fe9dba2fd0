"""The weekly calibration report: did redline's probabilities mean what they said?

The probabilities are of scoring.target's event (a person changes the line's content within 90 days of
the merge, in a focused commit), so hit rate and calibration are measured against that, on the lines
whose fate after merge is known; a line nobody has touched before its 90 days are up is pending, never a
negative. Two older labels stay as visible columns: any later commit touched the line, and the line was
edited inside its PR. `build` turns outcome lines (scored lines whose PR closed) into a Report with every
figure and its bootstrap interval (metrics from scoring.metrics only); `verdict` says in one sentence whether
the comments were worth reading; `render_markdown` writes the issue body (verdict first) with a Mermaid
reliability chart; `write_png` draws the same chart. Bins with fewer than MIN_BIN_LINES lines are merged
with their neighbours. No GitHub, no database.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bot.feedback.recalibration import (
    MIN_RECALIBRATION_CLASS,
    MIN_RECALIBRATION_LINES,
    Recalibration,
    recalibrate,
)
from bot.feedback.types import GateRecord, OutcomeLine
from scoring import metrics, target
from scoring.metrics import Interval, ReliabilityBin
from scoring.types import CalibrationSource

BOOTSTRAP_RESAMPLES = 1000
MIN_BIN_LINES = 20  # a reliability bin with fewer lines is merged with its neighbour (or drawn hollow)
MIN_COMMENTS_FOR_VERDICT = 10  # fewer commented lines with an outcome: too few to judge the comments
SIGNIFICANCE = 0.05  # comments "beat chance" when this many hits would happen by chance less often
TITLE = "redline calibration report"


@dataclass(frozen=True, slots=True)
class Rates:
    """One label over the lines where it is known: how many had the event, overall and among commented
    lines."""

    lines: int
    events: int
    comments: int
    comment_events: int

    @property
    def base_rate(self) -> float:
        return self.events / self.lines if self.lines else float("nan")

    @property
    def hit_rate(self) -> float:
        return self.comment_events / self.comments if self.comments else float("nan")


def rates(lines: Sequence[OutcomeLine], label: Callable[[OutcomeLine], bool | None]) -> Rates:
    known = [(o.line.commented, bool(label(o))) for o in lines if label(o) is not None]
    return Rates(
        len(known), sum(e for _, e in known), sum(c for c, _ in known), sum(c and e for c, e in known)
    )


@dataclass(frozen=True, slots=True)
class FateCount:
    """Lines whose first edit after merge was of this kind, in a focused and in a sweeping commit."""

    kind: target.EditKind
    focused: int
    sweeping: int


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
    n_lines: int  # lines with an outcome of any kind
    measured: int  # ... of which the fate after merge was read
    pending: int  # ... of which nobody has touched yet and the 90 days have not passed
    target: Rates  # the event the probabilities are of; the calibration figures below are against it
    touched: Rates  # any later commit changed or removed the line (the older, looser label)
    in_pr: Rates  # edited or deleted inside its PR, before merge
    auc: Interval
    bss: Interval
    ece: Interval
    ece_mass: float
    drift: Interval  # mean predicted minus observed rate; 0 when the calibration holds on average
    bins: tuple[ReliabilityBin, ...]
    fates: tuple[FateCount, ...]  # every touched kind, in scoring.target's order
    survived: int  # nobody touched it and its 90 days have passed
    gated_prs: int
    gate_failures: int
    gate_overrides: int
    repository_calibrated_share: (
        float  # share of lines whose probability came from a repository recalibration
    )
    recalibration: Recalibration | None
    branch: str | None = None  # a local checkout's report: its AI commits on this branch stand in for PRs
    unread_reason: str | None = None  # why this run read no fates after merge (no clone, no checkout), if so

    @property
    def n_target(self) -> int:
        return self.target.lines

    @property
    def positives(self) -> int:
        return self.target.events

    @property
    def base_rate(self) -> float:
        return self.target.base_rate

    @property
    def comments(self) -> int:
        return self.target.comments

    @property
    def comment_hits(self) -> int:
        return self.target.comment_events

    @property
    def hit_rate(self) -> float:
        return self.target.hit_rate

    @property
    def week(self) -> str:
        """The ISO week the period mostly covers (its middle): Monday to Monday 06:00 is the week before."""
        year, week, _ = (self.since + (self.until - self.since) / 2).isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def title(self) -> str:
        last = self.until - dt.timedelta(seconds=1)
        return f"{TITLE} {self.week} ({self.since.day} {self.since:%b} to {last.day} {last:%b %Y})"

    @property
    def nothing_to_report(self) -> bool:
        """No line had an outcome in the period: no issue is filed."""
        return self.n_lines == 0


def _drift(p: np.ndarray, y: np.ndarray) -> float:
    return float(p.mean() - y.mean()) if p.size else float("nan")


def _fate_counts(lines: Sequence[OutcomeLine]) -> tuple[tuple[FateCount, ...], int]:
    fates = [o.after.fate for o in lines if o.after is not None and not o.after.pending]
    kinds = [k for k in target.EditKind if k is not target.EditKind.SURVIVED]
    return (
        tuple(
            FateCount(
                k,
                sum(f.kind is k and f.sweeping is False for f in fates),
                sum(f.kind is k and f.sweeping is True for f in fates),
            )
            for k in kinds
        ),
        sum(not f.touched for f in fates),
    )


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
    branch: str | None = None,
    unread_reason: str | None = None,
) -> Report:
    """The report of `outcomes` (lines whose PR closed in the period).

    Unmerged PRs are left out unless `include_unmerged`: their lines were never "kept" by anyone.
    `history` (all merged outcomes so far, same model version) feeds the per-repository recalibration.
    Calibration is against the target, on the lines where it is known.
    """
    used = [o for o in outcomes if include_unmerged or o.merged]
    closed = {(o.repo, o.number, o.merged) for o in outcomes}
    labelled = [o for o in used if o.target is not None]
    p = np.array([o.line.probability for o in labelled], dtype=np.float64)
    y = np.array([float(bool(o.target)) for o in labelled], dtype=np.float64)
    groups = np.array([f"{o.repo}#{o.number}" for o in labelled], dtype=object)

    def interval(metric: Callable[[NDArray[np.float64], NDArray[np.float64]], float]) -> Interval:
        return metrics.bootstrap_interval(
            metric,
            p,
            y,
            groups=groups,
            n_resamples=BOOTSTRAP_RESAMPLES,
            seed=seed,
        )

    fates, survived = _fate_counts(used)
    return Report(
        repo=repo,
        since=since,
        until=until,
        lines_scored=lines_scored,
        prs_scored=prs_scored,
        prs_closed=len({(r, n) for r, n, _ in closed}),
        prs_unmerged_excluded=0 if include_unmerged else len({(r, n) for r, n, m in closed if not m}),
        n_lines=len(used),
        measured=sum(o.after is not None for o in used),
        pending=sum(o.after is not None and o.after.pending for o in used),
        target=rates(used, lambda o: o.target),
        touched=rates(used, lambda o: o.after.touched if o.after else None),
        in_pr=rates(used, lambda o: o.edited),
        auc=interval(metrics.auc),
        bss=interval(metrics.brier_skill_score),
        ece=interval(metrics.ece),
        ece_mass=metrics.ece(p, y, strategy=metrics.BinStrategy.MASS),
        drift=interval(_drift),
        bins=tuple(metrics.reliability_bins(p, y)),
        fates=fates,
        survived=survived,
        gated_prs=len(gates),
        gate_failures=sum(g.conclusion == "failure" for g in gates),
        gate_overrides=sum(g.overridden for g in gates),
        repository_calibrated_share=(
            sum(o.calibration != CalibrationSource.SHIPPED for o in used) / len(used)
        )
        if used
        else 0.0,
        recalibration=recalibrate(history, seed=seed),
        branch=branch,
        unread_reason=unread_reason,
    )


def _fmt(value: float, digits: int = 3) -> str:
    return "n/a" if math.isnan(value) else f"{value:.{digits}f}"


def _ci(interval: Interval) -> str:
    if math.isnan(interval.point):
        return "n/a"
    if math.isnan(interval.low):
        return _fmt(interval.point)
    return f"{_fmt(interval.point)} (95% CI {_fmt(interval.low)} to {_fmt(interval.high)})"


def merge_sparse_bins(bins: Sequence[ReliabilityBin], min_lines: int = MIN_BIN_LINES) -> list[ReliabilityBin]:
    """Merge each run of neighbouring bins until it holds at least `min_lines` lines (a short tail joins
    the bin before it); counts and means stay exact. With fewer lines in all, one bin remains."""
    groups: list[list[ReliabilityBin]] = []
    for b in bins:
        if groups and sum(x.count for x in groups[-1]) < min_lines:
            groups[-1].append(b)
        else:
            groups.append([b])
    if len(groups) > 1 and sum(x.count for x in groups[-1]) < min_lines:
        groups[-2].extend(groups.pop())
    merged = []
    for group in groups:
        n = sum(b.count for b in group)
        merged.append(
            ReliabilityBin(
                group[0].lower,
                group[-1].upper,
                n,
                sum(b.mean_predicted * b.count for b in group) / n,
                sum(b.observed_rate * b.count for b in group) / n,
            )
        )
    return merged


def binomial_tail(hits: int, n: int, rate: float) -> float:
    """P(X >= hits) for X ~ Binomial(n, rate): how often chance alone gives this many hits."""
    return min(1.0, sum(math.comb(n, k) * rate**k * (1 - rate) ** (n - k) for k in range(hits, n + 1)))


def verdict(r: Report) -> str:
    """One plain sentence or two: were the comments worth reading, and did the probabilities hold?"""
    if r.nothing_to_report:
        return "Nothing to report: no line redline scored had an outcome in this period."
    if r.n_target == 0:
        return (
            f"No line's fate after merge is known yet: {r.pending} pending (nobody has changed them and "
            f"their 90 days have not passed), {r.n_lines - r.measured} not read from the repository's "
            f"history. Inside their pull requests, {r.in_pr.comment_events} of {r.in_pr.comments} "
            "commented lines were edited."
        )
    if r.comments >= MIN_COMMENTS_FOR_VERDICT and 0 < r.base_rate < 1:
        lift = r.hit_rate / r.base_rate
        chance = binomial_tail(r.comment_hits, r.comments, r.base_rate)
        seen = (
            f"a person changed the content of {r.comment_hits} of {r.comments} commented lines within 90 "
            f"days ({r.hit_rate:.0%}), against {r.base_rate:.0%} of all AI-written lines"
        )
        if lift > 1 and chance < SIGNIFICANCE:
            first = f"Comments were right {lift:.1f}× as often as a random AI-written line: {seen}."
        else:
            first = (
                f"Comments were no better than chance: {seen}. Raise `thresholds.comment` or turn "
                "comments off (`comments.max: 0`) until a report shows a lift."
            )
    else:
        auc = r.auc
        better = not math.isnan(auc.low) and auc.low > 0.5
        ranking = (
            f"the probabilities {'ranked' if better else 'did not rank'} lines people changed above "
            f"the others better than chance (AUC {_ci(auc)})"
        )
        first = (
            f"Too few commented lines to judge the comments ({r.comments}, at least "
            f"{MIN_COMMENTS_FOR_VERDICT} needed); over all {r.n_target} AI-written lines whose fate is "
            f"known, {ranking}."
        )
    drift, predicted, changed = r.drift, _fmt(r.drift.point + r.base_rate, 2), _fmt(r.base_rate, 2)
    if math.isnan(drift.low) or drift.low <= 0 <= drift.high:
        second = f"On average the probabilities held ({predicted} predicted, {changed} of lines changed)."
    else:
        direction = "too high" if drift.point > 0 else "too low"
        second = f"The probabilities ran {direction}: {predicted} predicted on average, {changed} changed."
    return f"{first} {second}"


def mermaid_chart(bins: Sequence[ReliabilityBin]) -> str:
    """A Mermaid xychart GitHub renders: observed edit rate (bars) against mean predicted (line) per bin,
    each bin labelled with its range and line count."""
    labels = ", ".join(f'"{b.lower:.2f}-{b.upper:.2f} (n={b.count})"' for b in bins)
    observed = ", ".join(f"{b.observed_rate:.3f}" for b in bins)
    predicted = ", ".join(f"{b.mean_predicted:.3f}" for b in bins)
    return "\n".join(
        [
            "```mermaid",
            "xychart-beta",
            '    title "Reliability: observed rate of the target (bars) vs mean predicted (line)"',
            f'    x-axis "predicted probability" [{labels}]',
            '    y-axis "rate" 0 --> 1',
            f"    bar [{observed}]",
            f"    line [{predicted}]",
            "```",
        ]
    )


def _rate(value: float, events: int, lines: int) -> str:
    return f"{_fmt(value)} ({events} of {lines})"


def render_markdown(report: Report, png_name: str | None = None) -> str:
    """The issue body."""
    r = report
    period = f"{r.since:%Y-%m-%d %H:%M} to {r.until:%Y-%m-%d %H:%M} UTC"
    bins = merge_sparse_bins(r.bins)
    labels = [
        ("**target**: a person changed its content within 90 days", r.target),
        ("any later commit touched it (the older, looser label)", r.touched),
        ("edited inside the PR, before merge", r.in_pr),
    ]
    if r.branch is None:
        data = (
            "lines of the pull requests that closed in it, followed on the default branch for 90 days after "
            "the merge"
        )
        units = [
            f"| lines scored / PRs reviewed | {r.lines_scored} / {r.prs_scored} |",
            f"| PRs closed | {r.prs_closed} ({r.prs_unmerged_excluded} unmerged, left out) |",
        ]
    else:
        data = (
            f"lines added by the AI commits of `{r.branch}` committed in it, each reviewed as a change of "
            "its own and followed on that branch for 90 days (a local checkout: no pull request, so no edits "
            "inside one and no gate)"
        )
        units = [f"| AI commits reviewed / lines scored | {r.prs_scored} / {r.lines_scored} |"]
    out = [
        f"**{verdict(r)}**",
        "",
        f"## redline calibration report for `{r.repo}`, {r.week}",
        "",
        (
            f"redline's probabilities are of one event, the **target**: {target.TARGET_MEANING}. Period: "
            f"{period}; {data} (`scoring/target.py`). A line nobody has touched whose 90 days have not "
            "passed is **pending**: it is left out of the hit rates and calibration, not counted as "
            "unchanged."
        ),
        "",
        "| | |",
        "|---|---|",
        *units,
        (
            f"| lines with an outcome | {r.n_lines}: {r.n_target} with the target known, {r.pending} "
            f"pending, {r.n_lines - r.measured} not read after merge |"
        ),
        "",
        *([f"Fates after merge were not read this time: {r.unread_reason}.", ""] if r.unread_reason else []),
        "### Hit rates",
        "",
        "Each row counts a different event as a hit; each rate is over the lines where that event is known.",
        "",
        "| what counts as a hit | commented lines (hit rate) | all lines (base rate) |",
        "|---|---|---|",
        *(
            f"| {name} | {_rate(x.hit_rate, x.comment_events, x.comments)} | "
            f"{_rate(x.base_rate, x.events, x.lines)} |"
            for name, x in labels
        ),
        "",
        f"### Calibration against the target ({r.n_target} lines with the target known)",
        "",
        "| | |",
        "|---|---|",
        f"| AUC | {_ci(r.auc)} |",
        f"| Brier skill score | {_ci(r.bss)} |",
        f"| ECE, 10 equal-width bins | {_ci(r.ece)} |",
        f"| ECE, 10 equal-mass bins | {_fmt(r.ece_mass)} |",
        f"| drift: mean predicted minus observed | {_ci(r.drift)} |",
        (
            "| gate: PRs gated / failed / overridden by label | "
            f"{r.gated_prs} / {r.gate_failures} / {r.gate_overrides} |"
        ),
        f"| lines shown with this repository's recalibration | {_fmt(r.repository_calibrated_share, 2)} |",
        "",
        (
            "Intervals are 95% percentile bootstrap intervals over pull requests "
            f"({BOOTSTRAP_RESAMPLES} resamples). AUC is n/a when every line had the same outcome."
        ),
        "",
        f"### Fates after merge ({r.measured - r.pending} lines whose fate is known)",
        "",
        (
            "The first later commit that changed or removed each line, by what it did; a sweeping commit "
            "changes more than 20 files or 1,000 lines. The target is `modified` in a focused commit by a "
            "person."
        ),
        "",
        "| first edit | focused commit | sweeping commit |",
        "|---|---|---|",
        *(f"| {f.kind.value} | {f.focused} | {f.sweeping} |" for f in r.fates),
        f"| survived (nobody touched it in 90 days) | {r.survived} | |",
        "",
    ]
    if bins:
        out += [
            "### Reliability diagram",
            "",
            (
                "Where the bars meet the line, a probability can be taken at its word. Bins of the 10 "
                f"equal-width ones with fewer than {MIN_BIN_LINES} lines are merged with their neighbours."
            ),
            "",
            mermaid_chart(bins),
            "",
        ]
        out += ["| predicted bin | lines | mean predicted | observed |", "|---|---|---|---|"]
        out += [
            f"| {b.lower:.2f}-{b.upper:.2f} | {b.count} | {b.mean_predicted:.3f} | {b.observed_rate:.3f} |"
            for b in bins
        ]
        out.append("")
    if png_name:
        out += [f"The same diagram as a picture: `{png_name}`.", ""]
    out += ["### Per-repository recalibration", ""]
    rc = r.recalibration
    if rc is None:
        out.append(
            f"Not fitted yet: it needs {MIN_RECALIBRATION_LINES} lines with the target known and "
            f"{MIN_RECALIBRATION_CLASS} of each outcome."
        )
    else:
        outcome = (
            "applied from now on" if rc.applied else "not applied (it did not beat the calibration in use)"
        )
        out += [
            f"Platt scaling fitted on {rc.n_lines} lines ({rc.positives} changed by a person): {outcome}.",
            (
                f"Out-of-fold Brier {_fmt(rc.brier_current_cv)} in use vs {_fmt(rc.brier_refit_cv)} refit; "
                f"ECE {_fmt(rc.ece_current_cv)} vs {_fmt(rc.ece_refit_cv)}."
            ),
            f"Parameters: `{json.dumps(rc.params, sort_keys=True)}`",
        ]
    out += ["", "<!-- redline:weekly-report -->"]
    return "\n".join(out)


def write_png(report: Report, path: Path) -> Path:
    """Draw the reliability diagram (observed vs predicted per bin, sized by count) to `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bins = merge_sparse_bins(report.bins)
    fig, ax = plt.subplots(figsize=(5.5, 5.5), dpi=100)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="probability = observed rate")
    if bins:
        x, y = [b.mean_predicted for b in bins], [b.observed_rate for b in bins]
        sizes = [30 + 250 * b.count / max(b.count for b in bins) for b in bins]
        ax.plot(x, y, color="tab:red", linewidth=1)
        full = [b.count >= MIN_BIN_LINES for b in bins]
        ax.scatter(
            [v for v, f in zip(x, full, strict=True) if f],
            [v for v, f in zip(y, full, strict=True) if f],
            s=[s for s, f in zip(sizes, full, strict=True) if f],
            color="tab:red",
            label="bin (area ~ lines)",
        )
        if not all(full):
            ax.scatter(
                [v for v, f in zip(x, full, strict=True) if not f],
                [v for v, f in zip(y, full, strict=True) if not f],
                s=[s for s, f in zip(sizes, full, strict=True) if not f],
                facecolors="none",
                edgecolors="tab:red",
                label=f"bin with < {MIN_BIN_LINES} lines",
            )
        for b in bins:
            ax.annotate(
                f"n={b.count}",
                (b.mean_predicted, b.observed_rate),
                textcoords="offset points",
                xytext=(6, -10),
                fontsize=8,
            )
    ax.set(
        xlim=(0, 1),
        ylim=(0, 1),
        xlabel="redline's probability that a person changes the line in 90 days",
        ylabel="share of those lines a person changed",
    )
    ax.set_title(
        f"Did redline's probabilities hold? {report.repo}, {report.week}\n"
        f"{report.n_target} AI-written lines with the target known",
        fontsize=10,
    )
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
