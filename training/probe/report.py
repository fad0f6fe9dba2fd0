"""`redline eval`: every comparison of docs/evaluation.md in one run, then the page and its figures.

Sections: MIAP side by side on identical folds (populations, levels, per source / generator,
leave-one-source-out) and in the wild (zero-shot, trained on the earlier split, replay as PRs).
"""

from __future__ import annotations

import math
import textwrap
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from scoring.calibration import PlattCalibrator, logit
from scoring.decisions import Thresholds
from scoring.folds import group_folds
from scoring.metrics import BinStrategy, MetricSummary, auc, reliability_bins, summarize
from scoring.probe.span_probe import SpanProbe
from training.probe.evaluate import (
    Lines,
    Population,
    Replay,
    Row,
    Scaling,
    constant_base_rate,
    cross_fit,
    evaluate_scores,
    hunk_arrays,
    level_summary,
    line_logits,
    program_arrays,
    replay,
    split_by_text,
    token_arrays,
)
from training.probe.experiment import Corpus, ShippedProbe
from training.probe.features import line_baselines
from training.probe.train import N_FOLDS, Prediction, TrainConfig, fit, out_of_fold, predict_items
from training.thresholds import COMMENT_THRESHOLD_RULE, choose_comment_threshold

PROBE_SCALINGS = (Scaling.RAW, Scaling.PLATT, Scaling.ISOTONIC)
BASELINE_SCALINGS = (Scaling.PLATT, Scaling.ISOTONIC)
MIAP_POPULATIONS = tuple(Population)
BASELINES = ("min_logprob", "mean_logprob", "entropy")


@dataclass(slots=True)
class Results:
    """Everything docs/evaluation.md shows; `tables` maps a section title to its rows."""

    notes: list[str] = field(default_factory=list)
    rows: dict[str, list[Row]] = field(default_factory=dict)
    levels: list[tuple[str, str, MetricSummary, tuple[float, float]]] = field(default_factory=list)
    breakdown: list[tuple[str, str, str, MetricSummary]] = field(default_factory=list)
    loso: list[tuple[str, str, MetricSummary, float]] = field(default_factory=list)
    wild: list[tuple[str, str, MetricSummary]] = field(default_factory=list)
    replays: list[tuple[str, Replay]] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    figures: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def _baseline_scores(corpus: Corpus) -> dict[str, np.ndarray]:
    per_text = [line_baselines(e, s) for e, s in zip(corpus.encoded, corpus.stats, strict=True)]
    return {name: np.concatenate([b[name] for b in per_text]) for name in BASELINES}


def evaluate_miap(
    corpus: Corpus, paper: TrainConfig, candidates: Sequence[TrainConfig], results: Results
) -> None:
    lines = Lines.of(corpus.encoded)
    folds = group_folds([e.item.group for e in corpus.encoded], N_FOLDS, seed=0)
    line_folds = np.concatenate(
        [np.full(len(e.item.lines), f) for e, f in zip(corpus.encoded, folds, strict=True)]
    )
    paper_oof, _ = out_of_fold([paper], corpus.table, corpus.encoded, folds)
    best_oof, trained = out_of_fold(candidates, corpus.table, corpus.encoded, folds)
    results.selected = [t.config.name for t in trained]
    rows = evaluate_scores(
        "base rate",
        logit(constant_base_rate(lines, line_folds)),
        lines,
        MIAP_POPULATIONS,
        (Scaling.RAW,),
        ranks=False,
    )
    for name, scores in _baseline_scores(corpus).items():
        rows += evaluate_scores(
            f"supervisor {name.replace('_', ' ')}", scores, lines, MIAP_POPULATIONS, BASELINE_SCALINGS
        )
    for name, oof in (("paper probe", paper_oof), ("selected probe", best_oof)):
        rows += evaluate_scores(name, line_logits(oof), lines, MIAP_POPULATIONS, PROBE_SCALINGS)
        for level, arrays in (
            ("tokens", token_arrays(corpus.encoded, oof)),
            ("programs", program_arrays(corpus.encoded, oof)),
        ):
            if arrays[1].size and 0 < arrays[1].mean() < 1:
                summary, interval = level_summary(*arrays)
                results.levels.append((name, level, summary, (interval.low, interval.high)))
        generated = lines.mask(Population.GENERATED)
        for attribute in ("sources", "generators"):
            values = getattr(lines, attribute)
            for value in sorted(set(values[generated])):
                mask = generated & (values == value)
                raw = line_logits(oof)[mask]
                p = cross_fit(raw, lines.labels[mask], lines.groups[mask], Scaling.PLATT)
                summary = replace(summarize(p, lines.labels[mask]), auc=auc(raw, lines.labels[mask]))
                results.breakdown.append((name, attribute[:-1], str(value), summary))
    results.rows["MIAP, line level, 5-fold grouped by problem"] = rows
    best_probability = cross_fit(line_logits(best_oof), lines.labels, lines.groups, Scaling.PLATT)
    mask = lines.mask(Population.GENERATED)
    results.figures["miap_selected_generated"] = (best_probability[mask], lines.labels[mask])
    most_selected = Counter(results.selected).most_common(1)[0][0]
    best = next(c for c in candidates if c.name == most_selected)
    leave_one_source_out(corpus, paper, best, results)


LOSO_MIN_PROGRAMS = 20  # a held-out generator family smaller than this says nothing (and costs two trainings)


def leave_one_source_out(corpus: Corpus, paper: TrainConfig, best: TrainConfig, results: Results) -> None:
    """Hold out each benchmark, then each generator family. A held-out family's problems are left out of
    training too, so the probe never saw the task, only other tasks by other generators."""
    benchmarks = np.array([e.item.source for e in corpus.encoded])
    families = np.array([e.item.generator for e in corpus.encoded])
    problems = np.array([e.item.group for e in corpus.encoded])
    for kind, values in (("benchmark", benchmarks), ("generator family", families)):
        if len(set(values)) < 2:
            results.notes.append(f"Leave-one-out by {kind} needs at least two; the dataset has one.")
            continue
        for held_out in sorted(set(values)):
            test_items = np.nonzero(values == held_out)[0]
            if kind == "generator family" and test_items.size < LOSO_MIN_PROGRAMS:
                continue
            train = values != held_out
            if kind == "generator family":  # benchmarks never share problems; generators do
                train &= ~np.isin(problems, problems[test_items])
            train_items = np.nonzero(train)[0]
            if train_items.size < LOSO_MIN_PROGRAMS:
                continue
            _held_out_scores(corpus, (paper, best), train_items, test_items, f"{kind}: {held_out}", results)


def _held_out_scores(
    corpus: Corpus,
    configs: Sequence[TrainConfig],
    train_items: np.ndarray,
    test_items: np.ndarray,
    label: str,
    results: Results,
) -> None:
    lines = Lines.of([corpus.encoded[i] for i in test_items])
    mask = lines.mask(Population.GENERATED)
    for config in configs:
        probe = fit(config, corpus.table, corpus.encoded, train_items)
        scores = line_logits(predict_items(probe, config, corpus.table, corpus.encoded, test_items))
        rescaled = cross_fit(scores[mask], lines.labels[mask], lines.groups[mask], Scaling.PLATT)
        raw = summarize(
            cross_fit(scores[mask], lines.labels[mask], lines.groups[mask], Scaling.RAW), lines.labels[mask]
        )
        summary = replace(summarize(rescaled, lines.labels[mask]), auc=auc(scores[mask], lines.labels[mask]))
        results.loso.append((f"{config.name}", label, summary, raw.bss))


def evaluate_wild(
    shipped: ShippedProbe | None,
    earlier: Corpus,
    later: Corpus,
    paper: TrainConfig,
    best: TrainConfig,
    results: Results,
) -> None:
    """Zero-shot (the shipped probe, PR calibration from the earlier split), then trained on the earlier
    split."""
    late_lines = Lines.of(later.encoded)
    early_lines = Lines.of(earlier.encoded)
    early_base = _baseline_scores(earlier)
    late_base = _baseline_scores(later)
    base_rate = early_lines.labels.mean()
    results.wild.append(
        (
            "base rate of the earlier split",
            "later",
            summarize(np.full(len(late_lines.labels), base_rate), late_lines.labels, base_rate),
        )
    )
    for name in BASELINES:
        platt = PlattCalibrator.fit(early_base[name], early_lines.labels)
        results.wild.append(
            (
                f"supervisor {name.replace('_', ' ')} (Platt on earlier)",
                "later",
                summarize(platt.apply(late_base[name]), late_lines.labels),
            )
        )
    every_late = np.arange(len(later.encoded))
    every_early = np.arange(len(earlier.encoded))
    contenders: list[tuple[str, SpanProbe, TrainConfig, list[Prediction]]] = []
    if shipped is not None:  # zero-shot: the probe never saw wild data, its earlier logits are clean
        early = predict_items(shipped.probe, shipped.config, earlier.table, earlier.encoded, every_early)
        contenders.append(("shipped probe, zero-shot", shipped.probe, shipped.config, early))
    for config in (best,):  # one config: each costs six trainings (fit + 5 folds for its calibration)
        probe = fit(config, earlier.table, earlier.encoded, every_early)
        folds = group_folds([e.item.group for e in earlier.encoded], N_FOLDS, seed=0)
        oof, _ = out_of_fold([config], earlier.table, earlier.encoded, folds)
        contenders.append((f"{config.name}, trained on earlier", probe, config, oof))
    shipped_probe = shipped.probe if shipped is not None else None
    card_threshold = shipped.card.decisions.get("comment_threshold") if shipped is not None else None
    for name, probe, config, early_pred in contenders:
        late_pred = predict_items(probe, config, later.table, later.encoded, every_late)
        early_oof = line_logits(early_pred)
        calibrator = PlattCalibrator.fit(early_oof, early_lines.labels)
        late_logits = line_logits(late_pred)
        probability = calibrator.apply(late_logits)
        raw = summarize(1 / (1 + np.exp(-late_logits)), late_lines.labels)
        results.wild.append((f"{name}: raw", "later", raw))
        results.wild.append(
            (f"{name}: PR calibration (Platt on earlier)", "later", summarize(probability, late_lines.labels))
        )
        hunk_scores, hunk_labels, _ = hunk_arrays(later.encoded, late_pred)
        results.wild.append(
            (f"{name}: hunks, PR calibration", "later", summarize(calibrator.apply(hunk_scores), hunk_labels))
        )
        late_lines_p = split_by_text(probability, later.encoded)
        late_hunks_p = split_by_text(calibrator.apply(hunk_scores), later.encoded, "hunks")
        shipped_defaults = probe is shipped_probe and card_threshold is not None
        defaults = (
            Thresholds(comment=float(card_threshold))
            if shipped_defaults and card_threshold is not None
            else Thresholds()
        )
        results.replays.append(
            (f"{name}, the bot's defaults", replay(later.encoded, late_lines_p, late_hunks_p, defaults))
        )
        # The same replay with thresholds set on the earlier split (the card's rule for comments; the gate on
        # its top 5 % of hunks); no later-split information is used.
        early_hunks = calibrator.apply(hunk_arrays(earlier.encoded, early_pred)[0])
        chosen = choose_comment_threshold(calibrator.apply(early_oof), early_lines.labels)
        tuned = Thresholds(
            comment=chosen.threshold, gate=float(np.quantile(early_hunks, 0.95)) if early_hunks.size else 0.8
        )
        results.replays.append(
            (f"{name}, thresholds from earlier", replay(later.encoded, late_lines_p, late_hunks_p, tuned))
        )
        results.figures[f"wild_{name.split(',')[0].replace(' ', '_')}"] = (probability, late_lines.labels)


# ----------------------------------------------------------------------------- rendering
def _f(value: float, digits: int = 3) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _table(header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def figure_text(name: str) -> tuple[str, str]:
    """(title, caption) of the reliability figure `name` (no .png), for the page and the picture."""
    reading = (
        "Each point is a group of lines: across, their mean predicted probability of an edit; up, the "
        "share of them that was edited. On the dashed diagonal a probability can be taken at its word; "
        "below it, fewer edits happened than predicted. Circles: 10 equal-width bins; squares: 10 "
        "equal-mass bins."
    )
    if name.startswith("wild_"):
        probe = name.removeprefix("wild_").replace("_", " ")
        return (
            f"Real pull requests, {probe}: predicted edit probability against how often a person edited",
            "Lines of the later, held-out split of AI-authored commits from public repositories, replayed "
            "as pull requests; a line counts as edited when a later commit changed it. " + reading,
        )
    return (
        (
            "Benchmark programs, selected probe: predicted edit probability against how often the minimal "
            "repair edited"
        ),
        "Generated lines of the MIAP benchmark programs, probabilities out of fold (Platt scaling); a line "
        "counts as edited when the smallest passing repair changed it. " + reading,
    )


def save_figures(results: Results, directory: Path) -> list[str]:
    """Reliability diagrams (equal-width and equal-mass bins) as PNG; returns the file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    names = []
    for name, (probabilities, labels) in results.figures.items():
        figure, axis = plt.subplots(figsize=(4, 4))
        axis.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1)
        for strategy, marker in ((BinStrategy.WIDTH, "o"), (BinStrategy.MASS, "s")):
            bins = reliability_bins(probabilities, labels, strategy=strategy)
            axis.plot(
                [b.mean_predicted for b in bins],
                [b.observed_rate for b in bins],
                marker=marker,
                label=f"{strategy} bins",
            )
        axis.set_xlabel("predicted probability")
        axis.set_ylabel("observed edit rate")
        axis.set_title(textwrap.fill(figure_text(name)[0], 48), fontsize=8)
        axis.legend(fontsize=8)
        figure.tight_layout()
        figure.savefig(directory / f"{name}.png", dpi=100)
        plt.close(figure)
        names.append(f"{name}.png")
    return names


def render(results: Results, context: dict[str, str], figures: Sequence[str]) -> str:
    """docs/evaluation.md; `context` carries the data description, budgets and targets text."""
    out = [context["intro"]]
    for title, rows in results.rows.items():
        out.append(f"\n## {title}\n")
        out.append(
            _table(
                [
                    "method",
                    "population",
                    "scaling",
                    "lines",
                    "base rate",
                    "AUC [95% CI]",
                    "AUPRC",
                    "Brier",
                    "BSS",
                    "ECE (10 width)",
                    "ECE (10 mass)",
                ],
                [
                    [
                        r.method,
                        r.population,
                        str(r.scaling),
                        str(r.summary.n),
                        _f(r.summary.base_rate),
                        (
                            f"{_f(r.auc_interval.point)} [{_f(r.auc_interval.low, 2)}, "
                            f"{_f(r.auc_interval.high, 2)}]"
                        ),
                        _f(r.summary.auprc),
                        _f(r.summary.brier),
                        _f(r.summary.bss),
                        _f(r.summary.ece_width),
                        _f(r.summary.ece_mass),
                    ]
                    for r in rows
                ],
            )
        )
    if results.selected:
        out.append(
            f"\nCandidate chosen in each outer fold (inner validation split only): "
            f"{', '.join(results.selected)}.\n"
        )
    if results.levels:
        out.append("\n## Tokens and programs (Platt, cross-fitted)\n")
        out.append(
            _table(
                ["method", "level", "n", "base rate", "AUC [95% CI]", "BSS", "ECE (10 width)"],
                [
                    [
                        m,
                        lv,
                        str(s.n),
                        _f(s.base_rate),
                        f"{_f(s.auc)} [{_f(ci[0], 2)}, {_f(ci[1], 2)}]",
                        _f(s.bss),
                        _f(s.ece_width),
                    ]
                    for m, lv, s, ci in results.levels
                ],
            )
        )
    if results.breakdown:
        out.append("\n## Per benchmark and per generator (generated lines, Platt cross-fitted within each)\n")
        out.append(
            _table(
                ["method", "by", "value", "lines", "base rate", "AUC", "BSS", "ECE (10 width)"],
                [
                    [m, by, v, str(s.n), _f(s.base_rate), _f(s.auc), _f(s.bss), _f(s.ece_width)]
                    for m, by, v, s in results.breakdown
                ],
            )
        )
    if results.loso:
        out.append("\n## Leave one source out (generated lines of the held-out source)\n")
        out.append(
            "Each benchmark, then each generator family with at least "
            f"{LOSO_MIN_PROGRAMS} programs, is held out; a held-out family's problems are left out of "
            "training as well. BSS raw: the probe's own probabilities; BSS re-scaled: Platt "
            'cross-fitted on the held-out source (the paper\'s "after re-scaling").\n'
        )
        out.append(
            _table(
                ["probe", "held out", "lines", "base rate", "AUC", "BSS raw", "BSS re-scaled"],
                [
                    [m, src, str(s.n), _f(s.base_rate), _f(s.auc), _f(raw), _f(s.bss)]
                    for m, src, s, raw in results.loso
                ],
            )
        )
    if results.wild:
        out.append(f"\n## In the wild\n\n{context.get('wild', '')}\n")
        out.append(
            _table(
                [
                    "method",
                    "evaluated on",
                    "n",
                    "base rate",
                    "AUC",
                    "AUPRC",
                    "BSS",
                    "ECE (10 width)",
                    "ECE (10 mass)",
                ],
                [
                    [
                        m,
                        where,
                        str(s.n),
                        _f(s.base_rate),
                        _f(s.auc),
                        _f(s.auprc),
                        _f(s.bss),
                        _f(s.ece_width),
                        _f(s.ece_mass),
                    ]
                    for m, where, s in results.wild
                ],
            )
        )
    if results.replays:
        out.append("\n### Replay of later-split AI commits as pull requests (scoring + scoring.decisions)\n")
        out.append(
            '"The bot\'s defaults": for the shipped probe, the comment threshold its card records '
            '(chosen on the earlier split), else 0.5; gate 0.8. "Thresholds from earlier": the card\'s '
            f"rule applied to each probe's own earlier-split probabilities ({COMMENT_THRESHOLD_RULE}), and "
            "a gate on the top 5 % of earlier-split hunks.\n"
        )
        out.append(
            _table(
                [
                    "probe",
                    "comment / gate threshold",
                    "commits",
                    "lines",
                    "base rate (human edit)",
                    "comments",
                    "comment hit rate",
                    "hit rate / base rate",
                    "comments per commit",
                    "gate failure rate",
                ],
                [
                    [
                        m,
                        f"{r.threshold:.3f} / {r.gate_threshold:.3f}",
                        str(r.commits),
                        str(r.lines),
                        _f(r.base_rate),
                        str(r.commented),
                        _f(r.hit_rate),
                        _f(r.hit_rate / r.base_rate, 2) if r.base_rate else "–",
                        _f(r.comments_per_commit, 2),
                        _f(r.gate_failure_rate),
                    ]
                    for m, r in results.replays
                ],
            )
        )
    if figures:
        out.append("\n## Reliability diagrams\n")
        for name in figures:
            title, caption = figure_text(name.removesuffix(".png"))
            out += [f"**{title}**\n", f"![{title}](figures/{name})\n", f"*{caption}*\n"]
    if results.notes:
        out.append("\n## Notes\n")
        out += [f"- {note}" for note in results.notes]
    out.append(context.get("targets", ""))
    return "\n".join(out) + "\n"
