"""Per-token probe inputs: supervisor hidden states at the probe's layers, read window by window, plus
optional extra per-token features. Shared by the scorer and by training, so both see identical inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from scoring.card import ProbeConfig
from scoring.errors import ProbeError
from scoring.probe.cache import HiddenStateCache, WindowCache
from scoring.probe.supervisor import Supervisor
from scoring.static import STATIC_FEATURES
from scoring.windows import TokenizedText, Window, intent_prefix, plan_windows

STATISTICS = ("logprobs", "entropy")


@dataclass(frozen=True, slots=True)
class WindowConfig:
    """size: tokens per model call, intent prefix included; overlap: context tokens repeated from the
    previous window; max_intent_tokens: how much of the intent (task, PR title/body, commits) is read."""

    size: int = 1024
    overlap: int = 128
    max_intent_tokens: int = 256


def _column(text: TokenizedText) -> np.ndarray:
    lines = text.line_of_token() - 1
    return np.asarray(
        [c[0] - text.line_starts[line] for c, line in zip(text.cover, lines, strict=True)], dtype=np.float32
    )


def _indent(text: TokenizedText) -> np.ndarray:
    widths = []
    for number in range(1, text.n_lines + 1):
        line = text.text[slice(*text.line_range(number))]
        stripped = line.lstrip(" \t")
        widths.append(len(line[: len(line) - len(stripped)].expandtabs(4)))
    per_token: np.ndarray = np.asarray(widths, dtype=np.float32)[text.line_of_token() - 1]
    return per_token


TEXT_FEATURES: dict[str, Callable[[TokenizedText], np.ndarray]] = {
    # Scaled to roughly unit range; the probe z-scores its inputs anyway.
    "column": lambda text: _column(text) / 80.0,
    "indent": lambda text: _indent(text) / 4.0,
    "line_start": lambda text: (_column(text) == 0).astype(np.float32),
    "position": lambda text: np.arange(text.n_tokens, dtype=np.float32) / max(text.n_tokens, 1),
    **STATIC_FEATURES,  # parses, ast_depth, ast_kind_*, has_compare, undefined_name, ... (scoring/static.py)
}
LM_FEATURES = {"surprisal": "logprobs", "entropy": "entropy"}


def needs_lm_head(config: ProbeConfig) -> bool:
    return any(name in LM_FEATURES for name in config.extra_features)


@dataclass(frozen=True, slots=True)
class _Job:
    text: int
    window: Window
    input_ids: tuple[int, ...]
    prefix: int
    # Positions of input_ids whose token statistics are read (None: all), when the caller named the tokens
    # it needs; part of the statistics' cache key.
    positions: tuple[int, ...] | None = None


@dataclass(slots=True)
class WorkReport:
    """What one token_features call fed the supervisor, in tokens (a benchmark's and a test's view).

    windows: planned; skipped: windows that own no needed token and were not run; cached: answered from
    the cache; forwarded: tokens of the windows run (cache misses); prefix / overlap: of those, intent
    prefix and context repeated from the previous window; needed: tokens whose features were asked for.
    """

    windows: int = 0
    skipped: int = 0
    cached: int = 0
    forwarded: int = 0
    prefix: int = 0
    overlap: int = 0
    needed: int = 0

    @property
    def reread_share(self) -> float:
        """Share of the tokens run that are re-read context (intent prefix, window overlap)."""
        return (self.prefix + self.overlap) / self.forwarded if self.forwarded else 0.0


def plan_jobs(
    supervisor: Supervisor,
    texts: Sequence[TokenizedText],
    intents: Sequence[str | None],
    window: WindowConfig,
    needed: Sequence[np.ndarray | None] | None = None,
    report: WorkReport | None = None,
) -> list[_Job]:
    """The windows to run. With `needed` (per text, a bool per token, or None for all) a window that owns no
    needed token is left out and a window ends at its last needed token: the model is causal, so what it
    computes for the tokens kept is exactly what the whole window would give them."""
    size = min(window.size, supervisor.max_positions)
    jobs: list[_Job] = []
    for index, (text, intent) in enumerate(zip(texts, intents, strict=True)):
        prefix = intent_prefix(supervisor.tokenizer, intent, min(window.max_intent_tokens, size // 2))
        wanted = None if needed is None else needed[index]
        for part in plan_windows(text.n_tokens, size - len(prefix), window.overlap):
            if report is not None:
                report.windows += 1
            positions = None
            if wanted is not None:
                hits = np.flatnonzero(wanted[part.own_start : part.end])
                if not hits.size:
                    if report is not None:
                        report.skipped += 1
                    continue
                part = Window(part.start, part.own_start + int(hits[-1]) + 1, part.own_start)
                offset = len(prefix) - part.start
                positions = tuple(
                    int(i) + offset
                    for i in np.flatnonzero(wanted[part.own_start : part.end]) + part.own_start
                )
            if report is not None:
                report.needed += (
                    int(wanted[part.own_start : part.end].sum())
                    if wanted is not None
                    else part.end - part.own_start
                )
            jobs.append(
                _Job(index, part, tuple(prefix) + text.ids[part.start : part.end], len(prefix), positions)
            )
    return jobs


def token_features(
    supervisor: Supervisor,
    texts: Sequence[TokenizedText],
    intents: Sequence[str | None],
    config: ProbeConfig,
    window: WindowConfig = WindowConfig(),
    cache: HiddenStateCache | WindowCache | None = None,
    batch_size: int = 8,
    on_batch: Callable[[int], None] | None = None,
    needed: Sequence[np.ndarray | None] | None = None,
    report: WorkReport | None = None,
) -> list[np.ndarray]:
    """[tokens, input_size] features for each text; `on_batch(tokens)` reports progress.

    needed: per text, a bool per token whose features will be read (None: every token). Rows of tokens
    not needed are left zero and the windows and LM-head positions they alone would cost are not run;
    the needed rows equal those of a call without `needed`. report: filled with the work done.
    """
    unknown = [n for n in config.extra_features if n not in TEXT_FEATURES and n not in LM_FEATURES]
    if unknown:
        raise ProbeError(
            f"unknown extra features {unknown}; known: {sorted(TEXT_FEATURES) + sorted(LM_FEATURES)}"
        )
    stats = needs_lm_head(config)
    keys: list[int | str] = [*config.layers, *(STATISTICS if stats else ())]
    jobs = plan_jobs(supervisor, texts, intents, window, needed, report)

    results = _run(supervisor, jobs, keys, stats, cache, batch_size, on_batch, report)
    width = len(config.layers) * supervisor.hidden_size
    outputs = [np.zeros((t.n_tokens, width + len(config.extra_features)), dtype=np.float32) for t in texts]
    statistics = [{name: np.zeros(t.n_tokens, dtype=np.float32) for name in STATISTICS} for t in texts]
    for job, arrays in zip(jobs, results, strict=True):
        keep = slice(job.prefix + job.window.own_start - job.window.start, len(job.input_ids))
        rows = slice(job.window.own_start, job.window.end)
        for block, layer in enumerate(config.layers):
            outputs[job.text][rows, block * supervisor.hidden_size : (block + 1) * supervisor.hidden_size] = (
                arrays[layer][keep]
            )
        if stats:
            for name in STATISTICS:
                statistics[job.text][name][rows] = np.nan_to_num(arrays[name][keep], nan=0.0)
    for out, text, stat in zip(outputs, texts, statistics, strict=True):
        for column, name in enumerate(config.extra_features, start=width):
            out[:, column] = (
                -stat[LM_FEATURES[name]]
                if name == "surprisal"
                else (stat[LM_FEATURES[name]] if name in LM_FEATURES else TEXT_FEATURES[name](text))
            )
    return outputs


def _key(cache: HiddenStateCache | WindowCache, fingerprint: str, key: int | str, job: _Job) -> str:
    if isinstance(key, str) and job.positions is not None:  # statistics exist only at the positions asked
        key = f"{key}@" + ",".join(map(str, job.positions))
    return cache.key(fingerprint, key, job.input_ids)


def _run(
    supervisor: Supervisor,
    jobs: list[_Job],
    keys: list[int | str],
    stats: bool,
    cache: HiddenStateCache | WindowCache | None,
    batch_size: int,
    on_batch: Callable[[int], None] | None,
    report: WorkReport | None = None,
) -> list[dict[int | str, np.ndarray]]:
    """Supervisor outputs for every job, from the cache where present; misses run in length-sorted batches."""
    results: list[dict[int | str, np.ndarray]] = [{} for _ in jobs]
    missing = []
    for position, job in enumerate(jobs):
        if cache is not None:
            found = {k: cache.get(_key(cache, supervisor.fingerprint, k, job)) for k in keys}
            if all(v is not None for v in found.values()):
                results[position] = {k: v.astype(np.float32) for k, v in found.items() if v is not None}
                if report is not None:
                    report.cached += 1
                if on_batch:
                    on_batch(len(job.input_ids) - job.prefix)
                continue
        missing.append(position)
        if report is not None:
            report.forwarded += len(job.input_ids)
            report.prefix += job.prefix
            report.overlap += job.window.own_start - job.window.start
    missing.sort(key=lambda p: len(jobs[p].input_ids))
    layers = [k for k in keys if isinstance(k, int)]
    for start in range(0, len(missing), batch_size):
        batch = missing[start : start + batch_size]
        length = max(len(jobs[p].input_ids) for p in batch)
        ids = torch.zeros((len(batch), length), dtype=torch.long)
        mask = torch.zeros((len(batch), length), dtype=torch.long)
        positions = torch.zeros((len(batch), length), dtype=torch.bool)
        for row, position in enumerate(batch):
            job = jobs[position]
            ids[row, : len(job.input_ids)] = torch.tensor(job.input_ids)
            mask[row, : len(job.input_ids)] = 1
            if job.positions is None:
                positions[row, : len(job.input_ids)] = True
            else:
                positions[row, list(job.positions)] = True
        output = supervisor.forward(ids, mask, layers, logprobs=stats, positions=positions if stats else None)
        for row, position in enumerate(batch):
            n = len(jobs[position].input_ids)
            arrays: dict[int | str, np.ndarray] = {
                k: output.hidden[k][row, :n].float().numpy() for k in layers
            }
            if stats:
                assert output.logprobs is not None and output.entropy is not None
                arrays["logprobs"] = output.logprobs[row, :n].numpy()
                arrays["entropy"] = output.entropy[row, :n].numpy()
            if cache is not None:
                arrays = {
                    key: cache.put(_key(cache, supervisor.fingerprint, key, jobs[position]), array).astype(
                        np.float32
                    )
                    for key, array in arrays.items()
                }
            results[position] = arrays
        if on_batch:
            on_batch(sum(len(jobs[p].input_ids) - jobs[p].prefix for p in batch))
    return results
