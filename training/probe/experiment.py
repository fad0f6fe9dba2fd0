"""The training and evaluation runs behind `redline train` and `redline eval`: load data, extract
features once, train and compare on identical folds, fit both calibrations, save the probe.

The I/O edge of training/: reads the MIAP dataset and the wild file, loads the supervisor, writes the
probe artifact. The maths is in train.py and evaluate.py.
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from scoring.calibration import PlattCalibrator
from scoring.card import ProbeCard, ProbeConfig
from scoring.decisions import Thresholds
from scoring.errors import ProbeError
from scoring.folds import group_folds
from scoring.metrics import summarize
from scoring.probe.cache import HiddenStateCache
from scoring.probe.features import WindowConfig
from scoring.probe.span_probe import SpanProbe, load_probe, save_probe
from scoring.probe.supervisor import Supervisor, load_supervisor, tokenizer_hash
from training.data.dataset import load_dataset
from training.probe.evaluate import Scaling, cross_fit, replay, split_by_text
from training.probe.features import (
    ALL_EXTRAS,
    EXTRACT_LAYERS,
    STATISTIC_FEATURES,
    Encoded,
    ExtractionReport,
    LabelledText,
    encode,
    features,
    from_program,
    from_wild,
)
from training.probe.train import (
    N_FOLDS,
    FeatureTable,
    Prediction,
    TrainConfig,
    fit,
    out_of_fold,
    predict_items,
    select_and_fit,
)
from training.thresholds import COMMENT_THRESHOLD_RULE, choose_comment_threshold
from training.wild.reader import load_wild, split_sample

DEFAULT_DATASET = Path("~/.cache/redline/datasets/miap")
DEFAULT_WILD_COMMITS = 100  # per date split; see docs/evaluation.md for the extraction budget


@dataclass(frozen=True, slots=True)
class DataPlan:
    """What to read. programs: cap on MIAP programs (whole problems, seeded; None: all);
    wild_commits: AI commits per date split (0: no wild data)."""

    dataset: Path | None = DEFAULT_DATASET
    programs: int | None = None
    wild_commits: int = DEFAULT_WILD_COMMITS
    model: str | None = None
    seed: int = 0


@dataclass(slots=True)
class Corpus:
    """Encoded texts with their features (one superset extraction) and per-token supervisor statistics."""

    encoded: list[Encoded]
    table: FeatureTable
    stats: list[dict[str, np.ndarray]]
    report: ExtractionReport

    def subset(self, items: np.ndarray) -> Corpus:
        return Corpus(
            [self.encoded[i] for i in items],
            FeatureTable(
                [self.table.arrays[i] for i in items],
                self.table.layers,
                self.table.layer_width,
                self.table.extra_features,
            ),
            [self.stats[i] for i in items],
            self.report,
        )


def load_miap(plan: DataPlan) -> list[LabelledText]:
    """Labelled MIAP programs (failing programs without a repair have unknown labels and are left out)."""
    if plan.dataset is None:
        return []
    path = plan.dataset.expanduser()
    if not (path / "programs.jsonl").is_file() and not path.is_file():
        return []
    rows = [r for r in load_dataset(path) if r.labelled and r.code.strip()]
    problems = sorted({r.problem_id for r in rows})
    random.Random(plan.seed).shuffle(problems)
    rank = {pid: k for k, pid in enumerate(problems)}
    # Problems in one seeded order: a smaller cap is a prefix of a larger one (and of its cached features).
    rows.sort(key=lambda r: (rank[r.problem_id], r.id))
    if plan.programs is not None and len(rows) > plan.programs:
        last = rank[rows[plan.programs - 1].problem_id]  # whole problems, so grouped folds stay meaningful
        rows = [r for r in rows if rank[r.problem_id] <= last]
    return [from_program(r) for r in rows]


def load_wild_split(plan: DataPlan) -> tuple[list[LabelledText], list[LabelledText]]:
    earlier, later = split_sample(load_wild(), plan.wild_commits, seed=plan.seed)
    return [from_wild(e) for e in earlier], [from_wild(e) for e in later]


def prepare(
    supervisor: Supervisor, items: list[LabelledText], label: str, cache: HiddenStateCache | None = None
) -> Corpus:
    """Encode and extract (cached, resumable) every layer and extra feature any candidate may use."""
    encoded = [encode(supervisor.tokenizer, item) for item in items]
    config = ProbeConfig(layers=EXTRACT_LAYERS, extra_features=ALL_EXTRAS)
    arrays, report = features(supervisor, encoded, config, cache, label=label)
    width = len(EXTRACT_LAYERS) * supervisor.hidden_size
    stats = [{n: a[:, width + ALL_EXTRAS.index(n)].copy() for n in STATISTIC_FEATURES} for a in arrays]
    compact = [a if np.abs(a).max(initial=0) > 60000 else a.astype(np.float16) for a in arrays]
    return Corpus(
        encoded, FeatureTable(compact, EXTRACT_LAYERS, supervisor.hidden_size, ALL_EXTRAS), stats, report
    )


def open_supervisor(plan: DataPlan) -> Supervisor:
    return load_supervisor(plan.model, lm_head=True)


# ----------------------------------------------------------------------------- the shipped probe
@dataclass(slots=True)
class ShippedProbe:
    config: TrainConfig
    probe: SpanProbe
    card: ProbeCard
    oof: list[Prediction] = field(default_factory=list)
    seconds: float = 0.0


def choose_config(candidates: list[TrainConfig], corpus: Corpus, seed: int = 0) -> TrainConfig:
    """One candidate, chosen on a grouped validation split of the training corpus only."""
    if len(candidates) == 1:
        return candidates[0]
    everything = np.arange(len(corpus.encoded))
    return select_and_fit(candidates, corpus.table, corpus.encoded, everything, seed).config


def train_shipped(
    supervisor: Supervisor,
    config: TrainConfig,
    corpus: Corpus,
    pr_corpus: Corpus | None,
    description: dict[str, object],
    version: str,
    held_out: Corpus | None = None,
) -> ShippedProbe:
    """Train on the whole corpus; BENCHMARK calibration = Platt on 5-fold out-of-fold logits of the same
    config; PR calibration = Platt on the probe's logits over the earlier wild split (never trained on), where
    the default comment threshold is chosen too; its hit rate is then measured on the later split
    (`held_out`)."""
    started = time.perf_counter()
    everything = np.arange(len(corpus.encoded))
    folds = group_folds([e.item.group for e in corpus.encoded], N_FOLDS, seed=0)
    oof, _ = out_of_fold([config], corpus.table, corpus.encoded, folds)
    probe = fit(config, corpus.table, corpus.encoded, everything)
    labels = np.concatenate([e.item.line_labels for e in corpus.encoded]).astype(float)
    calibration = {"benchmark": PlattCalibrator.fit(np.concatenate([p.lines for p in oof]), labels).to_dict()}
    decisions: dict[str, object] = {}
    if pr_corpus is not None and pr_corpus.encoded:
        pr_items = np.arange(len(pr_corpus.encoded))
        pr_logits = np.concatenate(
            [p.lines for p in predict_items(probe, config, pr_corpus.table, pr_corpus.encoded, pr_items)]
        )
        pr_labels = np.concatenate([e.item.line_labels for e in pr_corpus.encoded]).astype(float)
        try:
            pr_platt = PlattCalibrator.fit(pr_logits, pr_labels)
        except ProbeError:
            pr_platt = None  # no edited line in the earlier split: the scorer falls back to the benchmark one
        if pr_platt is not None:
            calibration["pr"] = pr_platt.to_dict()
            decisions = comment_decisions(
                probe, config, pr_platt, pr_platt.apply(pr_logits), pr_corpus, held_out
            )
    oof_logits = np.concatenate([p.lines for p in oof])
    groups = np.concatenate([[e.item.group] * len(e.item.lines) for e in corpus.encoded])
    generated = np.concatenate([np.asarray(e.item.generated, dtype=bool) for e in corpus.encoded])
    platt = cross_fit(oof_logits, labels, groups, Scaling.PLATT)
    metrics = {
        "line level, 5-fold out-of-fold, Platt cross-fitted": {
            "all lines": asdict(summarize(platt, labels)),
            "generated lines": asdict(
                summarize(
                    cross_fit(oof_logits[generated], labels[generated], groups[generated], Scaling.PLATT),
                    labels[generated],
                )
            ),
        }
    }
    card = ProbeCard(
        version=version,
        supervisor={
            "fingerprint": supervisor.fingerprint,
            "model": "smollm2" if "SmolLM2" in supervisor.name else supervisor.name,
        },
        tokenizer_hash=tokenizer_hash(supervisor.tokenizer),
        config=config.probe.to_dict(),
        input_size=int(corpus.table.columns(config.probe).size),
        window=asdict(WindowConfig()),
        calibration=calibration,
        training_data={**description, "train_config": config.to_dict()},
        metrics=metrics,
        decisions=decisions,
    )
    return ShippedProbe(config, probe, card, oof, time.perf_counter() - started)


def comment_decisions(
    probe: SpanProbe,
    config: TrainConfig,
    pr_platt: PlattCalibrator,
    early_p: np.ndarray,
    earlier: Corpus,
    later: Corpus | None,
) -> dict[str, object]:
    """The card's `decisions`: the comment threshold chosen on the earlier wild split from its PR-calibrated
    line probabilities `early_p`, and the comments it gives when the later split is replayed as pull requests
    through scoring.decisions."""
    early_labels = np.concatenate([e.item.line_labels for e in earlier.encoded]).astype(float)
    choice = choose_comment_threshold(early_p, early_labels)
    decisions: dict[str, object] = {
        "comment_threshold": round(choice.threshold, 4),
        "meaning": "comment on a line when P(a person edits it later), PR calibration, is at least this",
        "rule": f"{COMMENT_THRESHOLD_RULE} (earlier split)",
        "chosen_on": {
            "data": f"in-the-wild, earlier split: {len({e.item.group for e in earlier.encoded})} "
            f"AI commits, {early_labels.size} added lines, labelled by later human edits",
            "hit_rate": round(choice.hit_rate, 4),
            "base_rate": round(choice.base_rate, 4),
            "lift": round(choice.lift, 3),
            "share_commented": round(choice.share_commented, 4),
            "met_2x_target": choice.met_target,
        },
    }
    if later is not None and later.encoded:
        predictions = predict_items(probe, config, later.table, later.encoded, np.arange(len(later.encoded)))
        lines_p = split_by_text(pr_platt.apply(np.concatenate([p.lines for p in predictions])), later.encoded)
        hunks_p = split_by_text(
            pr_platt.apply(np.concatenate([p.hunks for p in predictions])), later.encoded, "hunks"
        )
        result = replay(later.encoded, lines_p, hunks_p, Thresholds(comment=choice.threshold))
        decisions["held_out"] = {
            "data": f"in-the-wild, later split (never trained or tuned on): {result.commits} AI commits "
            f"replayed as pull requests, {result.lines} added lines",
            "hit_rate": None if result.commented == 0 else round(result.hit_rate, 4),
            "base_rate": round(result.base_rate, 4),
            "commented_lines": result.commented,
            "comments_per_commit": round(result.comments_per_commit, 3),
            "gate_failure_rate": round(result.gate_failure_rate, 4),
            "gate_threshold": result.gate_threshold,
        }
    return decisions


def load_shipped(directory: Path, supervisor: Supervisor) -> ShippedProbe | None:
    """The probe in `directory` if it was trained by `redline train` on this supervisor, else None."""
    try:
        probe, card = load_probe(directory)
    except ProbeError:
        return None
    if (
        card.supervisor.get("fingerprint") != supervisor.fingerprint
        or "train_config" not in card.training_data
    ):
        return None
    settings = {k: v for k, v in dict(card.training_data["train_config"]).items()}
    return ShippedProbe(TrainConfig().override(**settings), probe, card)


def save(shipped: ShippedProbe, directory: Path) -> None:
    shipped.card.training_data["wall_seconds"] = round(shipped.seconds, 1)
    save_probe(directory, shipped.probe, shipped.card)
