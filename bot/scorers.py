"""Which scorer a review uses: the PR model by default, the supervisor probe when configured or asked for."""

from __future__ import annotations

from bot.config import ModelSettings
from scoring.scorer import ScorerProtocol

PROBE = "probe"
DEFAULT = "default"


def review_scorer(settings: ModelSettings, model: str | None = None, probe: str | None = None) -> ScorerProtocol:
    """The PR model (`model.pr_model`), unless it is "probe" or a supervisor or probe is named (`--model`,
    `--probe`, `model.supervisor`, `model.probe`), which asks for the supervisor probe."""
    if settings.pr_model == PROBE or model or probe or settings.supervisor or settings.probe:
        from scoring.scorer import Scorer  # torch loads only when the supervisor really scores

        return Scorer.load(model or settings.supervisor, probe or settings.probe)
    from scoring.pr_scorer import PRScorer

    return PRScorer.load(None if settings.pr_model == DEFAULT else settings.pr_model)
