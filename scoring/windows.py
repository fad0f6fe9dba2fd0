"""Exact character ↔ token ↔ line mapping, and the overlapping windows a long text is read in.

Pure given a tokenizer: no model, no torch.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.errors import SpanError
from scoring.types import Span, SpanKind

INTENT_SEPARATOR = "\n\n"


@dataclass(frozen=True, slots=True)
class TokenizedText:
    """A text and its tokens.

    cover[i] is the character interval [start, end) token i stands for. The intervals partition the text
    in order: a token the tokenizer maps to characters already covered (the second byte-piece of one
    character) gets an empty interval at that point, and whitespace a tokenizer leaves out of its offsets
    goes to the token before it.
    """

    text: str
    ids: tuple[int, ...]
    cover: tuple[tuple[int, int], ...]
    line_starts: tuple[int, ...]

    @property
    def n_tokens(self) -> int:
        return len(self.ids)

    @property
    def n_lines(self) -> int:
        return len(self.line_starts)

    def line_range(self, line: int) -> tuple[int, int]:
        """Characters of 1-based `line`, its line break included: [start, end)."""
        if not 1 <= line <= self.n_lines:
            raise SpanError(f"line {line} is outside the text's 1..{self.n_lines} lines")
        end = self.line_starts[line] if line < self.n_lines else len(self.text)
        return self.line_starts[line - 1], end

    def char_range(self, span: Span) -> tuple[int, int]:
        if span.kind is SpanKind.TEXT:
            return 0, len(self.text)
        if span.kind is SpanKind.LINES:
            if span.end < span.start:
                raise SpanError(f"{span}: the last line comes before the first")
            return self.line_range(span.start)[0], self.line_range(span.end)[1]
        if not 0 <= span.start <= span.end <= len(self.text):
            raise SpanError(f"{span} is outside the text's 0:{len(self.text)} characters")
        return span.start, span.end

    def tokens_of(self, span: Span) -> np.ndarray:
        """Indices of the tokens a span touches: every token whose interval overlaps the span's characters.

        A line that starts or ends inside a token (a token such as "\\n    " that carries one line's break
        and the next line's indent) shares that token with its neighbour.
        """
        start, end = self.char_range(span)
        if start == end:
            return np.zeros(0, dtype=np.int64)
        starts = [c[0] for c in self.cover]
        first = max(bisect.bisect_right(starts, start) - 1, 0)
        chosen = []
        for index in range(first, self.n_tokens):
            token_start, token_end = self.cover[index]
            if token_start >= end:
                break
            empty_inside = token_start == token_end and start <= token_start < end
            if (token_start < end and token_end > start) or empty_inside:
                chosen.append(index)
        return np.asarray(chosen, dtype=np.int64)

    def line_of_token(self) -> np.ndarray:
        """1-based line of each token's first character (the line a token starts on)."""
        return np.asarray([bisect.bisect_right(self.line_starts, c[0]) for c in self.cover], dtype=np.int64)


def line_starts(text: str) -> tuple[int, ...]:
    """Character offset of each line's first character. Lines end at "\\n" only (a "\\r\\n" keeps its "\\r" in
    the line) and a final line without a break still counts; an empty text has one empty line."""
    starts = [0]
    position = text.find("\n")
    while position != -1 and position + 1 < len(text):
        starts.append(position + 1)
        position = text.find("\n", position + 1)
    return tuple(starts)


def tokenize(tokenizer: Any, text: str) -> TokenizedText:
    """Tokenize without special tokens and build the exact character cover of every token."""
    if not text:
        return TokenizedText(text, (), (), line_starts(text))
    encoding = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids = tuple(int(i) for i in encoding["input_ids"])
    offsets = [(int(a), int(b)) for a, b in encoding["offset_mapping"]]
    boundaries = [0]
    for start, _end in offsets[1:]:
        boundaries.append(min(max(boundaries[-1], start), len(text)))
    boundaries.append(len(text))
    cover = tuple((boundaries[i], boundaries[i + 1]) for i in range(len(ids)))
    return TokenizedText(text, ids, cover, line_starts(text))


def span_mask(tokenized: TokenizedText, spans: Sequence[Span]) -> np.ndarray:
    """[spans, tokens] boolean membership matrix: the one structure every span query is answered from."""
    mask = np.zeros((len(spans), tokenized.n_tokens), dtype=bool)
    for row, span in enumerate(spans):
        mask[row, tokenized.tokens_of(span)] = True
    return mask


@dataclass(frozen=True, slots=True)
class Window:
    """Tokens [start, end) of the text are fed to the model; the features of tokens [own_start, end) are
    kept from this window (the first `overlap` tokens only give context, except in the first window)."""

    start: int
    end: int
    own_start: int


def plan_windows(n_tokens: int, size: int, overlap: int) -> list[Window]:
    """Overlapping windows of at most `size` tokens whose owned parts partition 0..n_tokens."""
    if size <= overlap or size < 1:
        raise SpanError(f"window size {size} must exceed the overlap {overlap}")
    if n_tokens == 0:
        return []
    windows = [Window(0, min(size, n_tokens), 0)]
    while windows[-1].end < n_tokens:
        own_start = windows[-1].end
        start = own_start - overlap
        windows.append(Window(start, min(start + size, n_tokens), own_start))
    return windows


def intent_prefix(tokenizer: Any, intent: str | None, max_tokens: int) -> list[int]:
    """BOS (if the tokenizer has one) + the first `max_tokens` tokens of the intent and a blank line."""
    prefix = [] if tokenizer.bos_token_id is None else [int(tokenizer.bos_token_id)]
    if intent and intent.strip() and max_tokens > 0:
        ids = tokenizer(intent.strip() + INTENT_SEPARATOR, add_special_tokens=False)["input_ids"]
        if len(ids) > max_tokens:
            separator = tokenizer(INTENT_SEPARATOR, add_special_tokens=False)["input_ids"]
            ids = ids[: max_tokens - len(separator)] + separator
        prefix.extend(int(i) for i in ids)
    return prefix


# A line past this many supervisor tokens is not read at all (a data literal, minified code, an embedded
# blob): it is half a default window, and one 20,000-character line (~15,500 SmolLM2 tokens) once cost
# 200 s and GBs of memory for a score nobody can act on. Its span is reported skipped with the reason.
MAX_LINE_TOKENS = 512
# A text past this many tokens (after the long lines are left out) is refused: the probe inputs alone
# are ~4.7 KB a token for the shipped probe, so the cap bounds them near 1 GB.
MAX_TEXT_TOKENS = 200_000


@dataclass(frozen=True, slots=True)
class CappedText:
    """What the supervisor reads of a text: its tokens without those of lines longer than the cap.

    text: the kept tokens over the same text and line starts (their cover no longer partitions the text:
    the long lines' characters have no token). kept: their indices in the full tokenization.
    long_lines: 1-based line -> its token count, for each line left out. token_lines: the line of every
    token of the full tokenization.
    """

    text: TokenizedText
    kept: np.ndarray
    long_lines: dict[int, int]
    token_lines: np.ndarray
    max_line_tokens: int

    def skip_reasons(self, full_mask: np.ndarray) -> list[str | None]:
        """Per span (a row of the full tokenization's span mask): why it has no token left, or None."""
        reasons: list[str | None] = []
        for row in full_mask:
            if not self.long_lines or not row.any() or row[self.kept].any():
                reasons.append(None)
                continue
            line = int(self.token_lines[row][0])
            reasons.append(
                f"line {line} has {self.long_lines[line]:,} supervisor tokens, over the cap of "
                f"{self.max_line_tokens} per line"
            )
        return reasons


def cap_line_tokens(tokenized: TokenizedText, max_line_tokens: int = MAX_LINE_TOKENS) -> CappedText:
    """Leave out the tokens of every line with more than `max_line_tokens` tokens (counted by start line)."""
    lines = tokenized.line_of_token()
    counts = np.bincount(lines, minlength=tokenized.n_lines + 1)
    long_lines = {int(n): int(counts[n]) for n in np.flatnonzero(counts > max_line_tokens)}
    if not long_lines:
        return CappedText(tokenized, np.arange(tokenized.n_tokens), {}, lines, max_line_tokens)
    kept = np.flatnonzero(~np.isin(lines, list(long_lines)))
    reduced = TokenizedText(
        tokenized.text,
        tuple(tokenized.ids[i] for i in kept),
        tuple(tokenized.cover[i] for i in kept),
        tokenized.line_starts,
    )
    return CappedText(reduced, kept, long_lines, lines, max_line_tokens)
