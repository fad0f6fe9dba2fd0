"""The bundled example reviewed with the real SmolLM2 supervisor and the shipped probe (slow)."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.examples import build_example
from bot.review import review
from bot.snapshot import local_snapshot
from scoring.errors import ProbeError


@pytest.fixture(scope="module")
def real_scorer():
    from scoring.probe.scorer import Scorer

    try:
        return Scorer.load()
    except ProbeError as error:
        pytest.skip(f"no shipped probe yet: {error}")


@pytest.mark.slow
def test_example_review_with_the_real_model_comments_only_above_threshold(tmp_path, real_scorer):
    example = build_example(tmp_path / "inventory")
    settings = load_settings(None, env={})
    outcome = review(local_snapshot(example.path, example.base, example.head), lambda: real_scorer, settings)
    threshold = settings.decision_thresholds(real_scorer.card.decisions.get("comment_threshold")).comment
    assert outcome.error is None
    assert outcome.coverage.scored_lines == outcome.coverage.ai_lines == 31
    flagged = outcome.decision.commented + outcome.decision.over_cap
    commented = {(d.path, d.line) for d in flagged}
    for finding in outcome.scored:
        assert 0.0 <= finding.probability <= 1.0
        assert ((finding.path, finding.line) in commented) == (finding.probability >= threshold)
    assert "Co-authored-by: Claude" in outcome.scored[0].why
