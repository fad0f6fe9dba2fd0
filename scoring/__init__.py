"""redline's scoring engine: diff -> AI-written lines -> the PR model (or the supervisor probe) -> P(a person
edits a line).

The public API is `__all__`; names load lazily, so `import scoring.errors` imports nothing else and only
the names of scoring.probe (the supervisor probe: torch, transformers) import torch. `load_scorer` picks
the model the settings name; `PRScorer` is the default engine.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "load_scorer": "scoring.registry",
    "ModelChoice": "scoring.registry",
    "ScorerProtocol": "scoring.registry",
    "PRScorer": "scoring.pr_scorer",
    "Scorer": "scoring.probe.scorer",
    "Span": "scoring.types",
    "SpanScore": "scoring.types",
    "CalibrationMode": "scoring.types",
    "ProbeConfig": "scoring.card",
    "ProbeCard": "scoring.card",
    "SpanProbe": "scoring.probe.span_probe",
    "SpanIndex": "scoring.probe.span_probe",
    "load_probe": "scoring.probe.span_probe",
    "save_probe": "scoring.probe.span_probe",
    "PlattCalibrator": "scoring.calibration",
    "IsotonicCalibrator": "scoring.calibration",
    "Supervisor": "scoring.probe.supervisor",
    "load_supervisor": "scoring.probe.supervisor",
    "load_tokenizer": "scoring.probe.supervisor",
    "WindowConfig": "scoring.probe.features",
    "token_features": "scoring.probe.features",
    "HiddenStateCache": "scoring.probe.cache",
    "tokenize": "scoring.windows",
    "TokenizedText": "scoring.windows",
    "RedlineError": "scoring.errors",
}
# Built from the lazy-import table above, the one list of the public names (test_public_api pins it).
__all__ = sorted(_EXPORTS)  # noqa: PLE0605


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'scoring' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
