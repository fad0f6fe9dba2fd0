"""redline's scoring engine: supervisor LM + span-query probe + calibration -> P(a person edits a span).

The public API is `__all__`; names load lazily so `import scoring.errors` does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Scorer": "scoring.scorer",
    "ScorerProtocol": "scoring.scorer",
    "Span": "scoring.types",
    "SpanScore": "scoring.types",
    "CalibrationMode": "scoring.types",
    "ProbeConfig": "scoring.probe",
    "ProbeCard": "scoring.probe",
    "SpanProbe": "scoring.probe",
    "SpanIndex": "scoring.probe",
    "load_probe": "scoring.probe",
    "save_probe": "scoring.probe",
    "PlattCalibrator": "scoring.calibration",
    "IsotonicCalibrator": "scoring.calibration",
    "Supervisor": "scoring.supervisor",
    "load_supervisor": "scoring.supervisor",
    "load_tokenizer": "scoring.supervisor",
    "WindowConfig": "scoring.features",
    "token_features": "scoring.features",
    "HiddenStateCache": "scoring.cache",
    "tokenize": "scoring.windows",
    "TokenizedText": "scoring.windows",
    "RedlineError": "scoring.errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'scoring' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
