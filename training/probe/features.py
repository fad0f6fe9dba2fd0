"""Supervisor features for probe training and evaluation: labelled texts -> cached per-token features.

Runs `scoring.probe.features.token_features` (the scorer's own code path, so training sees exactly the inputs
the scorer will) through the hidden-state cache: resumable, with a progress bar, ETA and tokens/s.
Also gives the supervisor baselines per line (min / mean token log-probability, mean entropy).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.cache import cache_root
from scoring.card import ProbeConfig
from scoring.probe.cache import HiddenStateCache
from scoring.probe.features import token_features
from scoring.probe.supervisor import Supervisor
from scoring.static import STATIC_FEATURES
from scoring.types import Span
from scoring.windows import TokenizedText, tokenize
from training.data.dataset import ProgramRow
from training.data.labels import lines_to_intervals
from training.data.labels import token_labels as token_labels_of
from training.data.minimize import split_lines
from training.wild.reader import WildExample

# One full forward pass caches everything the probe search and the baselines read: the paper's middle
# layer, the 3/4-depth layer, and the per-token log-probability and entropy.
EXTRACT_LAYERS = (15, 22)
STATISTIC_FEATURES = ("surprisal", "entropy")
# Every extra feature scoring.probe.features knows; probe candidates pick their columns from this superset.
ALL_EXTRAS = (*STATISTIC_FEATURES, "column", "indent", "line_start", "position", *STATIC_FEATURES)
CHUNK_TEXTS = 32  # texts per token_features call: the cache is written as each batch finishes


@dataclass(frozen=True, slots=True)
class LabelledText:
    """One text to score with labels for some of its lines.

    group:        cross-validation unit (problem id, or commit sha in the wild): never split across folds
    lines:        1-based scored lines; line_labels / generated aligned with them
    generated:    False for a line copied from the prompt (left out of the "generated lines" population)
    hunks:        runs of scored lines (first, last), the spans a PR shows as hunks
    edited_intervals / insert_points: what the minimal repair changes, in characters of `text` (token
                  labels on any tokenizer); None where only line labels exist (in the wild)
    failing:      the program-level label (the program fails its tests / some line is edited)
    degenerate:   the best repair rewrites most of the program (localisation labels say little)
    """

    key: str
    group: str
    source: str
    generator: str
    intent: str
    text: str
    lines: tuple[int, ...]
    line_labels: tuple[int, ...]
    generated: tuple[bool, ...]
    hunks: tuple[tuple[int, int], ...]
    edited_intervals: tuple[tuple[int, int], ...] | None
    insert_points: tuple[int, ...]
    failing: bool
    degenerate: bool = False


def from_wild(example: WildExample, human_only: bool = True) -> LabelledText:
    """A wild example as a labelled text; `human_only` labels by "a person edited it" (the PR meaning)."""
    labels = example.edited_by_human if human_only else example.edited
    return LabelledText(
        key=example.key,
        group=example.commit,
        source="wild/aider",
        generator="aider",
        intent=example.intent,
        text=example.text,
        lines=example.added,
        line_labels=labels,
        generated=tuple(True for _ in example.added),
        hunks=tuple(example.hunks()),
        edited_intervals=None,
        insert_points=(),
        failing=any(labels),
    )


def from_program(row: ProgramRow) -> LabelledText:
    """A labelled MIAP program; its non-blank lines are scored (blank lines carry no decision)."""
    lines = split_lines(row.code)
    scored = [i for i, line in enumerate(lines) if line.strip()]
    intervals = [tuple(i) for i in row.edited_intervals] + [
        tuple(i) for i in lines_to_intervals(row.code, row.dead_lines)
    ]
    return LabelledText(
        key=row.id,
        group=row.problem_id,
        source=row.benchmark,
        generator=row.generator_family,
        intent=row.intent,
        text=row.code,
        lines=tuple(i + 1 for i in scored),
        line_labels=tuple(int(row.line_labels[i]) for i in scored),
        generated=tuple(not row.copied_from_prompt[i] for i in scored),
        hunks=(),
        edited_intervals=tuple((int(a), int(b)) for a, b in intervals),
        insert_points=tuple(int(p) for p in row.insert_points),
        failing=not row.passes,
        degenerate=row.degenerate,
    )


@dataclass(frozen=True, slots=True)
class Encoded:
    """A labelled text on the supervisor's tokenizer.

    line_spans / line_tokens: sparse membership (span k of `lines` holds token line_tokens[j] where
    line_spans[j] == k), as scoring.probe.span_probe.SpanIndex takes it.
    hunk_spans / hunk_tokens: the same for the hunks.
    token_labels: 0/1 per token, nan where unknown (no token labels, or the token is outside scored lines).
    """

    item: LabelledText
    tokens: TokenizedText
    line_spans: np.ndarray
    line_tokens: np.ndarray
    hunk_spans: np.ndarray
    hunk_tokens: np.ndarray
    token_labels: np.ndarray


def _sparse(tokens: TokenizedText, spans: Sequence[Span]) -> tuple[np.ndarray, np.ndarray]:
    members = [tokens.tokens_of(span) for span in spans]
    if not members:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    span_ids = np.concatenate([np.full(len(m), k, dtype=np.int64) for k, m in enumerate(members)])
    return span_ids, np.concatenate(members).astype(np.int64)


def encode(tokenizer: Any, item: LabelledText) -> Encoded:
    tokens = tokenize(tokenizer, item.text)
    line_spans, line_tokens = _sparse(tokens, [Span.lines(line) for line in item.lines])
    hunk_spans, hunk_tokens = _sparse(tokens, [Span.lines(a, b) for a, b in item.hunks])
    token_labels = np.full(tokens.n_tokens, np.nan, dtype=np.float32)
    if item.edited_intervals is not None and tokens.n_tokens:
        every = token_labels_of(tokens.cover, item.edited_intervals, item.insert_points)
        token_labels[line_tokens] = np.asarray(every, dtype=np.float32)[line_tokens]
    return Encoded(item, tokens, line_spans, line_tokens, hunk_spans, hunk_tokens, token_labels)


def default_cache() -> HiddenStateCache:
    return HiddenStateCache(cache_root() / "hidden-states")


@dataclass(frozen=True, slots=True)
class ExtractionReport:
    texts: int
    tokens: int
    seconds: float

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else float("nan")


def features(
    supervisor: Supervisor,
    encoded: Sequence[Encoded],
    config: ProbeConfig,
    cache: HiddenStateCache | None = None,
    label: str = "features",
) -> tuple[list[np.ndarray], ExtractionReport]:
    """[tokens, input_size] probe inputs per text, read from the cache or computed (with a progress bar).

    Interrupt and rerun at will: every finished batch is in the cache, so a rerun resumes.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    cache = cache or default_cache()
    total = sum(e.tokens.n_tokens for e in encoded)
    out: list[np.ndarray] = []
    started = time.perf_counter()
    columns = (
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("tokens"),
        TextColumn("{task.fields[rate]:>6.0f} tok/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task(label, total=total, rate=0.0)

        def advance(tokens: int) -> None:
            progress.advance(task, tokens)
            done = progress.tasks[0].completed
            progress.update(task, rate=done / max(time.perf_counter() - started, 1e-9))

        for start in range(0, len(encoded), CHUNK_TEXTS):
            chunk = encoded[start : start + CHUNK_TEXTS]
            out.extend(
                token_features(
                    supervisor,
                    [e.tokens for e in chunk],
                    [e.item.intent for e in chunk],
                    config,
                    cache=cache,
                    on_batch=advance,
                )
            )
    return out, ExtractionReport(len(encoded), total, time.perf_counter() - started)


def extract(
    supervisor: Supervisor, encoded: Sequence[Encoded], cache: HiddenStateCache | None = None
) -> tuple[list[dict[str, np.ndarray]], ExtractionReport]:
    """Run the supervisor once over every text, caching every layer and statistic used later.

    Returns per text the token statistics ("surprisal", "entropy": [tokens]) for the baselines.
    """
    config = ProbeConfig(layers=EXTRACT_LAYERS, extra_features=STATISTIC_FEATURES)
    arrays, report = features(supervisor, encoded, config, cache, label="supervisor")
    width = len(EXTRACT_LAYERS) * supervisor.hidden_size
    stats = [{name: a[:, width + k].copy() for k, name in enumerate(STATISTIC_FEATURES)} for a in arrays]
    return stats, report


def line_baselines(encoded: Encoded, stats: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Supervisor-only line scores (higher = more likely edited), one per scored line.

    min_logprob: the most surprising token's surprisal; mean_logprob: mean surprisal; entropy: mean
    predictive entropy. The first token of the text has no prediction and counts as 0.
    """
    n = len(encoded.item.lines)
    result = {}
    for name, values, reduce in (
        ("min_logprob", stats["surprisal"], "amax"),
        ("mean_logprob", stats["surprisal"], "mean"),
        ("entropy", stats["entropy"], "mean"),
    ):
        scores = np.zeros(n, dtype=np.float64)
        if encoded.line_tokens.size:
            scores = np.full(n, -np.inf if reduce == "amax" else 0.0)
            if reduce == "amax":
                np.maximum.at(scores, encoded.line_spans, values[encoded.line_tokens])
            else:
                np.add.at(scores, encoded.line_spans, values[encoded.line_tokens])
                scores /= np.maximum(np.bincount(encoded.line_spans, minlength=n), 1)
            scores[~np.isfinite(scores)] = 0.0
        result[name] = scores
    return result
