from __future__ import annotations

import itertools

import pytest

from scoring.errors import SpanError
from scoring.probe.testing import tiny_tokenizer
from scoring.types import Span
from scoring.windows import intent_prefix, line_starts, plan_windows, span_mask, tokenize

TRICKY = "def f(x):\r\n\treturn x  # é ü 漢字\r\n\n    y = 1\n\n\nz = 'last line without newline'"


def test_line_starts_count_final_line_without_newline_and_ignore_trailing_break() -> None:
    assert line_starts("a\nb") == (0, 2)
    assert line_starts("a\nb\n") == (0, 2)
    assert line_starts("") == (0,)
    assert line_starts("\n\n") == (0, 1)


@pytest.mark.parametrize("text", [TRICKY, "x", "  \t \n", "🙂🙂 ok\n漢字漢字\n"])
def test_cover_partitions_the_text_in_order(text: str) -> None:
    tokenized = tokenize(tiny_tokenizer(), text)
    assert tokenized.cover[0][0] == 0 and tokenized.cover[-1][1] == len(text)
    for (a, b), (c, d) in itertools.pairwise(tokenized.cover):
        assert a <= b == c <= d


def test_every_line_of_a_tricky_text_maps_to_the_tokens_that_spell_it() -> None:
    tokenized = tokenize(tiny_tokenizer(), TRICKY)
    assert tokenized.n_lines == 7
    for line in range(1, tokenized.n_lines + 1):
        start, end = tokenized.line_range(line)
        tokens = tokenized.tokens_of(Span.lines(line))
        assert len(tokens) > 0, f"line {line} has no token"
        spelled_from = min(tokenized.cover[t][0] for t in tokens)
        spelled_to = max(tokenized.cover[t][1] for t in tokens)
        assert spelled_from <= start and spelled_to >= end  # the tokens cover the whole line


def test_crlf_line_keeps_its_carriage_return() -> None:
    tokenized = tokenize(tiny_tokenizer(), TRICKY)
    start, end = tokenized.line_range(1)
    assert TRICKY[start:end] == "def f(x):\r\n"


def test_char_span_and_line_span_agree() -> None:
    tokenized = tokenize(tiny_tokenizer(), TRICKY)
    start, end = tokenized.line_range(2)
    assert list(tokenized.tokens_of(Span.chars(start, end))) == list(tokenized.tokens_of(Span.lines(2)))


def test_span_inside_one_token_still_selects_that_token() -> None:
    tokenized = tokenize(tiny_tokenizer(), "values = 1\n")
    assert len(tokenized.tokens_of(Span.chars(2, 3))) == 1


def test_spans_outside_the_text_raise_clear_errors() -> None:
    tokenized = tokenize(tiny_tokenizer(), "a\nb\n")
    with pytest.raises(SpanError, match="outside"):
        tokenized.tokens_of(Span.lines(3))
    with pytest.raises(SpanError, match="before the first"):
        tokenized.tokens_of(Span.lines(2, 1))
    with pytest.raises(SpanError, match="outside"):
        tokenized.tokens_of(Span.chars(0, 99))


def test_span_mask_rows_follow_the_spans() -> None:
    tokenized = tokenize(tiny_tokenizer(), "a = 1\nb = 2\n")
    mask = span_mask(tokenized, [Span.lines(1), Span.lines(2), Span.whole()])
    assert mask.shape == (3, tokenized.n_tokens)
    assert mask[2].all() and (mask[0] | mask[1]).all()


@pytest.mark.parametrize("n_tokens,size,overlap", [(0, 8, 2), (5, 8, 2), (8, 8, 2), (9, 8, 2), (100, 10, 3)])
def test_windows_own_every_token_exactly_once_with_context(n_tokens: int, size: int, overlap: int) -> None:
    windows = plan_windows(n_tokens, size, overlap)
    owned = [t for w in windows for t in range(w.own_start, w.end)]
    assert owned == list(range(n_tokens))
    for w in windows:
        assert w.end - w.start <= size
        assert w.own_start - w.start in (0, overlap)


def test_window_size_must_exceed_overlap() -> None:
    with pytest.raises(SpanError):
        plan_windows(10, 4, 4)


def test_intent_prefix_starts_with_bos_and_is_truncated() -> None:
    tokenizer = tiny_tokenizer()
    assert intent_prefix(tokenizer, None, 10) == [tokenizer.bos_token_id]
    long = intent_prefix(tokenizer, "value " * 200, 12)
    assert long[0] == tokenizer.bos_token_id and len(long) <= 13
