"""The supervisor probe's scorer: text + spans (+ intent) -> calibrated P(a person edits each span).

One supervisor pass per window of the text answers every span; nothing here touches GitHub or the web.
It answers scoring.registry's `ScorerProtocol`; the registry builds it (after checking the `probe` extra
is installed) when the settings name the probe.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from scoring.calibration import calibrate, calibrator_from_dict
from scoring.errors import ProbeError, SpanError
from scoring.types import CalibrationMode, CalibrationSource, Span, SpanScore
from scoring.windows import (
    MAX_LINE_TOKENS,
    MAX_TEXT_TOKENS,
    cap_line_tokens,
    span_mask,
    tokenize,
)

if TYPE_CHECKING:
    from scoring.card import ModelCard, ProbeCard
    from scoring.pr_features import FileChange
    from scoring.probe.cache import HiddenStateCache, WindowCache
    from scoring.probe.features import WorkReport
    from scoring.probe.span_probe import SpanProbe
    from scoring.probe.supervisor import Supervisor


def __getattr__(name: str) -> object:
    """span_probe's DEFAULT_PROBE_DIR without importing torch at module import (tests may set it here)."""
    if name == "DEFAULT_PROBE_DIR":
        from scoring.probe.span_probe import DEFAULT_PROBE_DIR

        return DEFAULT_PROBE_DIR
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Scorer:
    def __init__(
        self,
        supervisor: Supervisor,
        probe: SpanProbe,
        card: ProbeCard,
        cache: HiddenStateCache | WindowCache | None = None,
    ) -> None:
        from scoring.probe.features import WindowConfig
        from scoring.probe.supervisor import tokenizer_hash

        expected = card.supervisor.get("fingerprint")
        if expected != supervisor.fingerprint:
            raise ProbeError(
                f"this probe was trained on supervisor {expected!r} but {supervisor.fingerprint!r} is "
                f"loaded; use the probe's supervisor (--model {card.supervisor.get('model', '?')}) or "
                "retrain with `redline train`"
            )
        if card.tokenizer_hash != tokenizer_hash(supervisor.tokenizer):
            raise ProbeError("this probe was trained on another tokenizer than the loaded supervisor's")
        self.supervisor = supervisor
        self.probe = probe.eval()
        self.card = card
        self.window = WindowConfig(**card.window)
        self.cache = cache
        # Token caps (scoring.windows): past them a line is skipped with a reason and a text refused.
        self.max_line_tokens = MAX_LINE_TOKENS
        self.max_text_tokens = MAX_TEXT_TOKENS
        # fast: run only the windows and LM-head positions the spans read (False: the reference path,
        # every window and position, as training reads them; the probabilities are the same).
        self.fast = True
        self.report: WorkReport | None = None  # set one to add up the work of the next score calls
        self.calibrators = {CalibrationMode(k): calibrator_from_dict(v) for k, v in card.calibration.items()}
        if not self.calibrators:
            raise ProbeError("the probe card has no calibration; refit it with `redline train`")

    @property
    def probe_version(self) -> str:
        return self.card.version

    @property
    def model_version(self) -> str:
        return self.card.version

    @property
    def model_card(self) -> ModelCard:
        return self.card.model_card()

    @property
    def fingerprint(self) -> str:
        return self.supervisor.fingerprint

    @property
    def calibration(self) -> CalibrationSource:
        return CalibrationSource.SHIPPED

    @property
    def reads_history(self) -> bool:
        return False

    @classmethod
    def load(
        cls, model: str | None = None, probe: str | Path | None = None, cache_dir: Path | None = None
    ) -> Scorer:
        """The shipped probe (or `probe`) on its supervisor (or `model`, which must match the probe's).

        Window outputs are cached by content: on disk in `cache_dir` (or $REDLINE_HIDDEN_CACHE_DIR), bounded
        at DISK_WINDOW_CACHE_BYTES, else in this process's memory."""
        from scoring.cache import WINDOW_DIR_ENV
        from scoring.probe.cache import DISK_WINDOW_CACHE_BYTES, HiddenStateCache, WindowCache
        from scoring.probe.features import needs_lm_head
        from scoring.probe.span_probe import CARD_FILE, load_probe
        from scoring.probe.supervisor import load_supervisor

        default = globals().get("DEFAULT_PROBE_DIR") or __getattr__("DEFAULT_PROBE_DIR")
        directory = Path(probe) if probe is not None else Path(default)  # type: ignore[arg-type]
        if probe is None and not (directory / CARD_FILE).is_file():
            raise ProbeError(
                "no probe is installed: this redline ships without trained weights. Train one with "
                "`redline data build` then `redline train` (docs/training.md), or pass --probe DIR."
            )
        weights, card = load_probe(directory)
        supervisor = load_supervisor(
            model or card.supervisor.get("model"),
            max_layer=max(card.probe_config.layers),
            lm_head=needs_lm_head(card.probe_config),
        )
        # On disk (the CLI's default, the Action's cached directory), a review of a new push re-runs only
        # the windows whose tokens changed; in memory, a long-lived App worker does so across pushes.
        disk = cache_dir or os.environ.get(WINDOW_DIR_ENV)
        if not disk:
            return cls(supervisor, weights, card, WindowCache())
        cache = HiddenStateCache(Path(disk), exact=True, max_bytes=DISK_WINDOW_CACHE_BYTES)
        cache.prune()
        return cls(supervisor, weights, card, cache)

    def calibration_for(self, mode: CalibrationMode) -> CalibrationMode:
        """The mode asked for if the card has it, else the card's other calibration."""
        return mode if mode in self.calibrators else next(iter(self.calibrators))

    def logits(self, text: str, spans: Sequence[Span], intent: str | None = None) -> np.ndarray:
        """Raw probe logits [spans]; nan for a span that covers no token."""
        return self._logits(text, spans, intent)[0]

    def _logits(
        self, text: str, spans: Sequence[Span], intent: str | None
    ) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
        """Logits, tokens read per span, and why a span was skipped (its lines are past the token cap)."""
        tokenized = tokenize(self.supervisor.tokenizer, text)
        full_mask = span_mask(tokenized, spans)  # raises SpanError before any model cost
        capped = cap_line_tokens(tokenized, self.max_line_tokens)
        if capped.text.n_tokens > self.max_text_tokens:
            raise SpanError(
                f"the text has {capped.text.n_tokens:,} supervisor tokens, over the cap of "
                f"{self.max_text_tokens:,} per text"
            )
        mask, skipped = full_mask[:, capped.kept], capped.skip_reasons(full_mask)
        if capped.text.n_tokens == 0 or not spans:
            return np.full(len(spans), np.nan), mask.sum(1), skipped
        import torch

        from scoring.probe.features import token_features
        from scoring.probe.span_probe import SpanIndex

        # Only the tokens some span reads: windows and LM-head positions no span needs are not run.
        needed = np.asarray(mask.any(0)) if self.fast else None
        (features,) = token_features(
            self.supervisor,
            [capped.text],
            [intent],
            self.probe.config,
            self.window,
            self.cache,
            needed=[needed],
            report=self.report,
        )
        with torch.inference_mode():
            logits = self.probe(torch.from_numpy(features), SpanIndex.from_mask(mask))
        return logits.double().numpy(), mask.sum(1), skipped

    def score(
        self,
        text: str,
        spans: Sequence[Span],
        intent: str | None = None,
        mode: CalibrationMode = CalibrationMode.PR,
        change: FileChange | None = None,
    ) -> list[SpanScore]:
        """Calibrated probabilities for `spans` of `text`, read with `intent` (task, PR title/body, commits).
        The supervisor reads text, not diffs: `change` (a diff-aware scorer's input) is not used.

        A line longer than `max_line_tokens` is left out of what the supervisor reads; a span with no
        other token gets probability nan and its SpanScore.skipped says why.
        """
        logits, counts, skipped = self._logits(text, spans, intent)
        probabilities = calibrate(self.calibrators[self.calibration_for(mode)], logits)
        return [
            SpanScore(span, float(p), float(z), int(n), why)
            for span, p, z, n, why in zip(spans, probabilities, logits, counts, skipped, strict=True)
        ]
