"""The fast scoring path (issue 12): only the windows and LM-head positions the spans read, window outputs
cached by content. It must give the reference path's probabilities and re-run only what changed."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from scoring.card import ProbeConfig
from scoring.probe.cache import WindowCache
from scoring.probe.features import WindowConfig, WorkReport, token_features
from scoring.probe.scorer import Scorer
from scoring.probe.supervisor import Supervisor, available_cores, set_threads
from scoring.probe.testing import planted_examples, tiny_scorer, tiny_supervisor
from scoring.types import Span
from scoring.windows import tokenize

STATS = ProbeConfig(layers=(1, 3), hidden=16, dropout=0.0, extra_features=("surprisal", "entropy", "indent"))
WINDOW = WindowConfig(size=96, overlap=16, max_intent_tokens=16)


@pytest.fixture(scope="module")
def stats_scorer() -> Scorer:
    """A trained tiny probe that reads two layers and the LM head's surprisal and entropy (the shipped
    kind)."""
    return tiny_scorer(config=STATS, window=WINDOW, steps=60)


def _file(seed: int, programs: int = 14) -> str:
    return "".join(text for text, _ in planted_examples(programs, seed=seed))


def test_lm_head_at_chosen_positions_equals_the_full_head_there() -> None:
    supervisor = tiny_supervisor(lm_head=True)
    ids = torch.tensor([list(tokenize(supervisor.tokenizer, _file(1, 3)).ids[:60])] * 2)
    mask = torch.ones_like(ids)
    full = supervisor.forward(ids, mask, [2], logprobs=True)
    chosen = torch.zeros_like(ids, dtype=torch.bool)
    chosen[0, 10:20] = chosen[1, 40:59] = True
    part = supervisor.forward(ids, mask, [2], logprobs=True, positions=chosen)
    assert part.logprobs is not None and full.logprobs is not None
    assert part.entropy is not None and full.entropy is not None
    assert torch.allclose(part.logprobs[chosen], full.logprobs[chosen], atol=1e-5)
    assert torch.allclose(part.entropy[chosen], full.entropy[chosen], atol=1e-5)
    assert torch.isnan(part.logprobs[~chosen]).all()


def test_fast_path_probabilities_equal_the_reference_path(stats_scorer: Scorer) -> None:
    text = _file(2)
    n_lines = text.count("\n")
    # A change in the middle of a long file: most windows own no scored token.
    spans = [Span.lines(n) for n in range(n_lines // 2, n_lines // 2 + 6)] + [
        Span.lines(n_lines // 2, n_lines // 2 + 5)
    ]
    stats_scorer.fast, stats_scorer.report = False, WorkReport()
    reference = stats_scorer.score(text, spans, intent="fix the totals")
    slow_work = stats_scorer.report
    stats_scorer.fast, stats_scorer.report = True, WorkReport()
    fast = stats_scorer.score(text, spans, intent="fix the totals")
    fast_work = stats_scorer.report
    stats_scorer.report = None
    assert [s.probability for s in fast] == pytest.approx([s.probability for s in reference], abs=1e-6)
    assert [s.logit for s in fast] == pytest.approx([s.logit for s in reference], abs=1e-5)
    assert fast_work.skipped > 0 and fast_work.forwarded < slow_work.forwarded / 2
    assert slow_work.skipped == 0 and slow_work.windows == fast_work.windows


def test_needed_rows_equal_a_full_read_and_the_rest_stay_zero() -> None:
    supervisor = tiny_supervisor(lm_head=True)
    text = tokenize(supervisor.tokenizer, _file(3))
    needed = np.zeros(text.n_tokens, dtype=bool)
    needed[[5, 6, 150, 151, 152, text.n_tokens - 40]] = True
    (full,) = token_features(supervisor, [text], ["intent"], STATS, WINDOW)
    (part,) = token_features(supervisor, [text], ["intent"], STATS, WINDOW, needed=[needed])
    np.testing.assert_allclose(part[needed], full[needed], atol=1e-5)
    # Windows end at their last needed token and windows with none are not run: those rows stay zero.
    assert not part[text.n_tokens - 39 :, : 2 * supervisor.hidden_size].any()
    assert not part[200:300, : 2 * supervisor.hidden_size].any()


def _pull_request(files: int = 10, lines_per_file: int = 100) -> dict[str, str]:
    out = {}
    for index in range(files):
        rows = "".join(text for text, _ in planted_examples(40, seed=100 + index)).splitlines(keepends=True)
        out[f"module_{index}.py"] = "".join(rows[:lines_per_file])
    return out


def _review(scorer: Scorer, texts: dict[str, str]) -> tuple[list[float], int]:
    before = scorer.supervisor.tokens_forwarded
    probabilities = []
    for text in texts.values():
        n_lines = text.count("\n")
        probabilities += [
            s.probability for s in scorer.score(text, [Span.lines(n) for n in range(1, n_lines + 1)])
        ]
    return probabilities, scorer.supervisor.tokens_forwarded - before


def test_re_review_after_a_one_line_push_runs_at_most_a_tenth_of_the_first(stats_scorer: Scorer) -> None:
    """A 1,000-line PR in 10 files, reviewed, then one line of one file changed and reviewed again: only
    that file's windows from the change on are re-run, counted in tokens forwarded through the model."""
    stats_scorer.cache = WindowCache()
    try:
        texts = _pull_request()
        assert sum(t.count("\n") for t in texts.values()) == 1000
        first, first_cost = _review(stats_scorer, texts)
        path = "module_4.py"
        rows = texts[path].splitlines(keepends=True)
        rows[60] = "    total = values + 1  # bug\n"
        pushed = {**texts, path: "".join(rows)}
        second, second_cost = _review(stats_scorer, pushed)
        assert first_cost > 0 and second_cost <= 0.10 * first_cost
        # Every unchanged file scores exactly as before; a fresh scorer agrees with the cached one.
        assert second[:400] == first[:400] and second[500:] == first[500:]
        stats_scorer.cache = None
        fresh, _ = _review(stats_scorer, pushed)
        assert second == pytest.approx(fresh, abs=1e-6)
    finally:
        stats_scorer.cache = None


def test_window_cache_is_bounded_and_exact() -> None:
    cache = WindowCache(max_bytes=3 * 400)
    arrays = [np.random.default_rng(k).standard_normal(100).astype(np.float32) for k in range(4)]
    for k, array in enumerate(arrays):
        cache.put(str(k), array)
    assert cache.get("0") is None and len(cache) == 3 and cache.bytes <= cache.max_bytes
    stored = cache.get("3")
    assert stored is not None and np.array_equal(stored, arrays[3]) and stored.dtype == np.float32


def test_threads_come_from_the_cores_this_process_may_use(monkeypatch: pytest.MonkeyPatch) -> None:
    previous = torch.get_num_threads()
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("REDLINE_THREADS", raising=False)
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0}, raising=False)
    try:
        assert available_cores() == 1 and set_threads() == 1 and torch.get_num_threads() == 1
        monkeypatch.setenv("REDLINE_THREADS", "2")
        assert set_threads() == 2
    finally:
        torch.set_num_threads(previous)


def test_supervisor_counts_its_model_calls(tiny: Supervisor) -> None:
    before = tiny.calls, tiny.tokens_forwarded
    ids = torch.ones((2, 7), dtype=torch.long)
    tiny.forward(ids, torch.ones_like(ids), [1])
    assert (tiny.calls - before[0], tiny.tokens_forwarded - before[1]) == (1, 14)
