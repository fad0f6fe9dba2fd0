"""Which scorer a review uses: the PR model by default, the supervisor probe when configured or asked for."""

from __future__ import annotations

from pathlib import Path

from bot.config import ModelSettings
from scoring.scorer import ScorerProtocol

PROBE = "probe"
DEFAULT = "default"


def uses_probe(settings: ModelSettings, model: str | None = None, probe: str | None = None) -> bool:
    """Whether a review scores with the supervisor probe (torch, the `probe` extra) rather than the PR model:
    `model.pr_model` is "probe", or a supervisor or probe is named (`--model`, `--probe`, `model.supervisor`,
    `model.probe`)."""
    return bool(settings.pr_model == PROBE or model or probe or settings.supervisor or settings.probe)


def review_scorer(settings: ModelSettings, model: str | None = None, probe: str | None = None,
                  window_cache: Path | None = None) -> ScorerProtocol:
    """The PR model (`model.pr_model`), or the supervisor probe where `uses_probe` says so, keeping its
    window outputs in `window_cache` on disk (else $REDLINE_HIDDEN_CACHE_DIR, else in memory)."""
    if uses_probe(settings, model, probe):
        from scoring.scorer import Scorer  # torch loads only when the supervisor really scores

        return Scorer.load(model or settings.supervisor, probe or settings.probe, cache_dir=window_cache)
    from scoring.pr_scorer import PRScorer

    return PRScorer.load(None if settings.pr_model == DEFAULT else settings.pr_model)
