from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from scoring.card import ProbeConfig
from scoring.probe.cache import HiddenStateCache
from scoring.probe.features import WindowConfig, token_features
from scoring.probe.scorer import Scorer
from scoring.probe.testing import planted_examples, tiny_scorer
from scoring.types import Span
from scoring.windows import tokenize


def test_probe_learns_the_planted_signal_on_unseen_programs(trained_scorer: Scorer) -> None:
    probabilities, labels = [], []
    for text, y in planted_examples(40, seed=7):
        scores = trained_scorer.score(text, [Span.lines(i + 1) for i in range(len(y))])
        probabilities += [s.probability for s in scores]
        labels += y
    assert roc_auc_score(labels, probabilities) > 0.9


def test_a_span_scores_the_same_whatever_else_is_queried(trained_scorer: Scorer) -> None:
    text = planted_examples(1, seed=3)[0][0]
    alone = trained_scorer.score(text, [Span.lines(2)])[0]
    crowd = trained_scorer.score(text, [Span.whole(), Span.lines(1), Span.lines(2), Span.chars(0, 5)])[2]
    assert alone.probability == pytest.approx(crowd.probability, abs=1e-6)


def test_a_text_longer_than_the_window_is_read_in_windows_and_every_line_scored() -> None:
    scorer = tiny_scorer(window=WindowConfig(size=48, overlap=8, max_intent_tokens=8))
    text = "".join(t for t, _ in planted_examples(12, seed=5))
    n_lines = text.count("\n")
    scores = scorer.score(
        text, [Span.lines(i) for i in range(1, n_lines + 1)], intent="a long task text " * 10
    )
    assert all(np.isfinite(s.probability) and s.n_tokens > 0 for s in scores)


def test_windows_that_hold_the_whole_text_give_identical_features(trained_scorer: Scorer) -> None:
    supervisor, config = trained_scorer.supervisor, trained_scorer.probe.config
    text = tokenize(supervisor.tokenizer, planted_examples(1, seed=6)[0][0])
    small = token_features(supervisor, [text], [None], config, WindowConfig(size=120, overlap=8))[0]
    large = token_features(supervisor, [text], [None], config, WindowConfig(size=400, overlap=8))[0]
    assert np.allclose(small, large, atol=1e-5)


def test_batched_extraction_equals_one_text_at_a_time(trained_scorer: Scorer) -> None:
    supervisor, config = trained_scorer.supervisor, trained_scorer.probe.config
    texts = [tokenize(supervisor.tokenizer, t) for t, _ in planted_examples(5, seed=8)]
    together = token_features(supervisor, texts, ["intent"] * 5, config, batch_size=5)
    alone = [token_features(supervisor, [t], ["intent"], config)[0] for t in texts]
    for a, b in zip(together, alone, strict=True):
        assert np.allclose(a, b, atol=1e-4)


def test_cached_features_equal_fresh_ones_and_skip_the_model(tmp_path: Path, trained_scorer: Scorer) -> None:
    supervisor, config = trained_scorer.supervisor, trained_scorer.probe.config
    texts = [tokenize(supervisor.tokenizer, t) for t, _ in planted_examples(3, seed=9)]
    cache = HiddenStateCache(tmp_path)
    first = token_features(supervisor, texts, [None] * 3, config, cache=cache)
    calls = []
    hook = supervisor.model.register_forward_hook(lambda *a: calls.append(1))
    try:
        second = token_features(supervisor, texts, [None] * 3, config, cache=cache)
    finally:
        hook.remove()
    assert not calls
    for a, b in zip(first, second, strict=True):
        assert np.array_equal(a, b)


def test_extra_features_widen_the_input_and_still_learn() -> None:
    config = ProbeConfig(
        layers=(1,), hidden=8, dropout=0.0, extra_features=("surprisal", "entropy", "column", "indent")
    )
    scorer = tiny_scorer(config=config)
    assert scorer.card.input_size == 32 + 4
    probabilities, labels = [], []
    for text, y in planted_examples(40, seed=10):
        probabilities += [
            s.probability for s in scorer.score(text, [Span.lines(i + 1) for i in range(len(y))])
        ]
        labels += y
    assert roc_auc_score(labels, probabilities) > 0.9


def test_empty_text_and_empty_span_give_nan_not_an_error(trained_scorer: Scorer) -> None:
    assert np.isnan(trained_scorer.score("", [Span.whole()])[0].probability)
    assert np.isnan(trained_scorer.score("x = 1\n", [Span.chars(2, 2)])[0].probability)


def _long_line(tokenizer, at_least: int) -> str:  # type: ignore[no-untyped-def]
    line = "values = [" + ", ".join(str(k) for k in range(at_least)) + "]\n"
    assert len(tokenizer(line)["input_ids"]) > at_least
    return line


def test_a_line_past_the_token_cap_is_skipped_with_its_reason_and_never_read(trained_scorer: Scorer) -> None:
    from scoring.windows import MAX_LINE_TOKENS

    before, after = "total = 1  # bug\nreturn items\n", "if count > index:\n    left.append(node)\n"
    long = _long_line(trained_scorer.supervisor.tokenizer, MAX_LINE_TOKENS)
    spans = [Span.lines(i) for i in range(1, 6)] + [Span.lines(2, 4)]
    seen: list[int] = []
    hook = trained_scorer.supervisor.model.get_input_embeddings().register_forward_hook(
        lambda _m, inputs, _o: seen.append(int(inputs[0].shape[1]))
    )
    try:
        scores = trained_scorer.score(before + long + after, spans)
    finally:
        hook.remove()
    skipped = scores[2]
    assert np.isnan(skipped.probability) and skipped.n_tokens == 0
    assert skipped.skipped is not None and f"over the cap of {MAX_LINE_TOKENS} per line" in skipped.skipped
    assert all(s.skipped is None and np.isfinite(s.probability) for i, s in enumerate(scores) if i != 2)
    assert max(seen) <= trained_scorer.window.size and sum(seen) < MAX_LINE_TOKENS
    # The other lines read exactly as in the text without the long line.
    without = trained_scorer.score(before + after, [Span.lines(i) for i in range(1, 5)])
    assert [s.logit for s in scores[:2] + scores[3:5]] == pytest.approx([s.logit for s in without], abs=1e-5)


def test_a_text_past_the_token_cap_is_refused_before_the_model_runs() -> None:
    from scoring.errors import SpanError

    scorer = tiny_scorer(steps=1)
    scorer.max_text_tokens = 10
    with pytest.raises(SpanError, match="over the cap of 10 per text"):
        scorer.score("def add(a, b):\n    return a + b\n", [Span.whole()])
