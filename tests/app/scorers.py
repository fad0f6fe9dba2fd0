"""Scorer factories a worker subprocess loads through REDLINE_SCORER ("tests.app.scorers:tiny").

`tiny` and `stalling` are the real Scorer over the tiny random Llama (scoring.probe.testing), with the probe
the test session trained once and saved to REDLINE_TEST_PROBE_DIR (training it again in every worker takes a
minute on a busy machine); `stalling` also stalls its first call so a test can kill the worker mid-review.
`fixed` is a model-free stand-in for pure unit tests.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

from scoring.probe.scorer import Scorer
from scoring.probe.span_probe import load_probe, save_probe
from scoring.probe.testing import tiny_scorer, tiny_supervisor
from scoring.registry import ScorerProtocol
from scoring.types import CalibrationMode, CalibrationSource, Span, SpanScore

STALL_S = 300


def save_tiny(directory: Path) -> Path:
    """Train the tiny scorer's probe once and save it where `tiny` finds it."""
    scorer = tiny_scorer()
    save_probe(directory, scorer.probe, scorer.card)
    return directory


def tiny_from(directory: Path) -> Scorer:
    probe, card = load_probe(directory)
    return Scorer(tiny_supervisor(), probe, card)


def tiny() -> Scorer:
    return tiny_from(Path(os.environ["REDLINE_TEST_PROBE_DIR"]))


class _StallOnce:
    def __init__(self, inner: Scorer, marker: Path) -> None:
        self.inner = inner
        self.marker = marker
        self.model_version = inner.model_version
        self.model_card = inner.model_card
        self.fingerprint = inner.fingerprint
        self.calibration = inner.calibration
        self.reads_history = inner.reads_history

    def score(
        self,
        text: str,
        spans: Sequence[Span],
        intent: str | None = None,
        mode: CalibrationMode = CalibrationMode.PR,
        change: object = None,
    ) -> list[SpanScore]:
        try:
            self.marker.open("x").close()  # exactly one call, across processes, gets to stall
        except FileExistsError:
            return self.inner.score(text, spans, intent, mode, change=change)
        time.sleep(STALL_S)
        raise AssertionError("the test should have killed this worker")


class FixedScorer:
    """A stand-in scorer returning fixed logits (pure unit tests of wrappers and of the worker's choice)."""

    model_version = "probe-1"
    model_card = None
    fingerprint = "fixed-supervisor"
    calibration = CalibrationSource.SHIPPED
    reads_history = False

    def score(
        self,
        text: str,
        spans: Sequence[Span],
        intent: str | None = None,
        mode: CalibrationMode = CalibrationMode.PR,
        change: object = None,
    ) -> list[SpanScore]:
        return [
            SpanScore(span, 0.5, logit, 1)
            for span, logit in zip(spans, [0.0, 2.0, float("nan")], strict=False)
        ]


def fixed() -> FixedScorer:
    return FixedScorer()


def stalling() -> ScorerProtocol:
    return _StallOnce(tiny(), Path(os.environ["REDLINE_TEST_STALL_MARKER"]))
