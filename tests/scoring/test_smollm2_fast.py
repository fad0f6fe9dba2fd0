"""The fast scoring path on the real SmolLM2 and the shipped probe (layers 15 and 22, LM head): the same
probabilities as the reference path that runs every window and every LM-head position (issue 12)."""

from __future__ import annotations

import pytest

from scoring.probe.features import WorkReport
from scoring.probe.scorer import Scorer
from scoring.types import Span

pytestmark = pytest.mark.slow

FUNCTION = '''
def total_{k}(values, limit={k}):
    """Return the running totals of values, stopping at limit."""
    totals = []
    running = 0
    for index, value in enumerate(values):
        if index >= limit:
            break
        running += value * {k}
        totals.append(running)
    return totals
'''


def test_fast_path_equals_the_reference_path_on_the_shipped_probe() -> None:
    scorer = Scorer.load()
    scorer.cache = None
    text = "".join(FUNCTION.format(k=k) for k in range(24))  # about 2,900 tokens: three windows
    n_lines = text.count("\n")
    middle = n_lines // 2
    spans = [Span.lines(n) for n in range(middle, middle + 12)] + [
        Span.lines(middle, middle + 11),
        Span.lines(3),
    ]
    scorer.fast, scorer.report = False, WorkReport()
    reference = scorer.score(text, spans, intent="Add running totals")
    slow = scorer.report
    scorer.fast, scorer.report = True, WorkReport()
    fast = scorer.score(text, spans, intent="Add running totals")
    assert [s.probability for s in fast] == pytest.approx([s.probability for s in reference], abs=1e-4)
    assert scorer.report.forwarded < slow.forwarded
