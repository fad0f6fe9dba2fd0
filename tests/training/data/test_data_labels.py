"""Labels from a patch: character regions, lines, any tokenizer's tokens, dead code, prompt copies."""

from __future__ import annotations

import pytest

from scoring.windows import line_starts
from training.data.labels import (
    copied_from_prompt,
    line_labels,
    patch_line_labels,
    patch_regions,
    text_regions,
    token_labels,
    unreachable_lines,
)
from training.data.minimize import Edit, EditKind, line_edits

CODE = "def f(a, b):\n    if a < b:\n        return a\n    return b\n"


def test_a_changed_operator_marks_only_that_operator_and_its_line():
    edits = line_edits(CODE, CODE.replace("a < b", "a <= b"))
    intervals, points = patch_regions(CODE, edits)
    assert [CODE[s:e] for s, e in intervals] == ["<"]
    assert points == []
    assert line_labels(CODE, intervals, points) == [0, 1, 0, 0]


def test_a_deleted_line_is_edited_whole():
    intervals, _ = patch_regions(CODE, [Edit(2, 0, EditKind.DELETE)])
    assert [CODE[s:e] for s, e in intervals] == ["        return a"]


def test_an_inserted_line_marks_the_line_it_lands_before_only_with_insert_before():
    intervals, points = patch_regions(CODE, [Edit(1, 0, EditKind.INSERT, "    a = abs(a)")])
    assert intervals == [] and points == [line_starts(CODE)[1]]
    assert line_labels(CODE, intervals, points) == [0, 1, 0, 0]
    assert line_labels(CODE, intervals, points, insert_before=False) == [0, 0, 0, 0]


def test_an_insertion_at_the_end_marks_the_last_line():
    _, points = patch_regions(CODE, [Edit(4, 0, EditKind.INSERT, "x = 1")])
    assert line_labels(CODE, [], points) == [0, 0, 0, 1]


def test_token_labels_follow_any_tokenisation():
    intervals, points = patch_regions(CODE, line_edits(CODE, CODE.replace("a < b", "a <= b")))
    start = CODE.index("<")
    # A hand-written tokenisation: "    if a", " <", " b", ":\n" around the edit, plus the rest.
    cover = [(0, start - 1), (start - 1, start + 1), (start + 1, start + 3), (start + 3, len(CODE))]
    assert token_labels(cover, intervals, points) == [0, 1, 0, 0]
    one_char = [(i, i + 1) for i in range(len(CODE))]
    assert [i for i, v in enumerate(token_labels(one_char, intervals, points)) if v] == [start]


def test_insert_before_marks_the_next_token():
    cover = [(0, 3), (3, 6), (6, 9)]
    assert token_labels(cover, [], [3]) == [0, 1, 0]
    assert token_labels(cover, [], [3], insert_before=False) == [0, 0, 0]
    assert token_labels(cover, [], [9]) == [0, 0, 1]


def test_a_correct_body_inserted_above_dead_code_labels_the_dead_lines_edited():
    generated = "def f(xs):\n    out = xs[0]\n    for x in xs:\n        out = x\n    return out\n"
    hidden = [Edit(1, 0, EditKind.INSERT, "    return max(xs)")]
    assert unreachable_lines(generated, hidden) == [1, 2, 3, 4]


def test_a_function_redefined_below_makes_the_first_one_dead():
    generated = "def f(x):\n    return x - 1\n"
    shadow = [Edit(2, 0, EditKind.INSERT, "def f(x):"), Edit(2, 1, EditKind.INSERT, "    return x + 1")]
    assert unreachable_lines(generated, shadow) == [0, 1]


def test_patch_line_labels_mark_edited_and_hidden_lines():
    assert patch_line_labels(CODE, line_edits(CODE, CODE.replace("a < b", "a <= b"))) == [0, 1, 0, 0]
    # An early return inserted before line 1 marks line 1 (insert before) and hides lines 1-3.
    assert patch_line_labels(CODE, [Edit(1, 0, EditKind.INSERT, "    return min(a, b)")]) == [0, 1, 1, 1]


def test_ordinary_fixes_make_nothing_dead():
    assert unreachable_lines(CODE, line_edits(CODE, CODE.replace("a < b", "a <= b"))) == []


def test_whole_text_diff_gives_the_same_regions_for_a_one_token_change():
    assert text_regions(CODE, CODE.replace("a < b", "a <= b"))[0] == [(CODE.index("<"), CODE.index("<") + 1)]


def test_lines_repeating_the_prompt_are_flagged():
    prompt = 'def f(a, b):\n    """Smaller of a and b."""\n'
    code = 'def f(a, b):\n    """Smaller of a and b."""\n    return min(a, b)\n\n'
    assert copied_from_prompt(code, [prompt, ""]) == [True, True, False]


def test_token_labels_accept_code_embedded_after_an_intent():
    intent = "Return the smaller.\n"
    intervals, points = patch_regions(CODE, line_edits(CODE, CODE.replace("a < b", "a <= b")))
    text = intent + CODE
    one_char = [(i, i + 1) for i in range(len(text))]
    marked = [i for i, v in enumerate(token_labels(one_char, intervals, points, offset=len(intent))) if v]
    assert [text[i] for i in marked] == ["<"]


@pytest.mark.slow
def test_token_labels_on_the_supervisor_tokenizer():
    from scoring.probe.supervisor import load_tokenizer
    from scoring.windows import tokenize

    tokens = tokenize(load_tokenizer(), CODE)
    intervals, points = patch_regions(CODE, line_edits(CODE, CODE.replace("a < b", "a <= b")))
    labels = token_labels(tokens.cover, intervals, points)
    edited = [CODE[a:b] for (a, b), v in zip(tokens.cover, labels, strict=True) if v]
    assert edited and all("<" in piece for piece in edited)
    assert sum(labels) == len(edited) <= 2
