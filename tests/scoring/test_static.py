from __future__ import annotations

import numpy as np
import pytest

from scoring.card import ProbeConfig
from scoring.probe.features import TEXT_FEATURES, token_features
from scoring.probe.supervisor import Supervisor
from scoring.probe.testing import tiny_tokenizer
from scoring.static import FEATURES, STATIC_FEATURES, analyse, token_values
from scoring.windows import line_starts, tokenize

PROGRAM = """\
import os
from math import sqrt as root

@cache
def area(sides, scale=1.5):
    total = 0
    unused = os.sep
    for side in sides[1:]:
        total += side * scale
    if total > 10 and \\
            root(total) < 3:
        return totl
    elif total:
        print(total)
    return [s for s in sides if s == 2]
"""


def lines(source: str, name: str) -> list[int]:
    return analyse(source).lines_with(name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ast_kind_import", [1, 2]),
        ("ast_kind_def", [4, 5]),  # decorator and header, not the body
        ("ast_kind_assign", [6, 7, 9]),
        ("ast_kind_loop", [8]),
        ("ast_kind_condition", [10, 11, 13]),  # a test over two lines, and the elif
        ("ast_kind_return", [12, 15]),
        ("ast_kind_call", [14]),
        ("has_compare", [10, 11, 15]),
        ("has_numeric_literal", [5, 6, 8, 10, 11, 15]),
        ("has_subscript", [8]),
        ("undefined_name", [4, 12]),  # `cache` and the misspelt `totl`; builtins and imports resolve
        ("unused_assignment", [7]),
    ],
)
def test_each_signal_marks_exactly_its_lines(name: str, expected: list[int]) -> None:
    assert lines(PROGRAM, name) == expected


def test_depth_counts_enclosing_blocks_and_an_elif_sits_at_its_ifs_level() -> None:
    depth = analyse(PROGRAM).values["ast_depth"] * 4
    assert depth[[0, 4, 5, 8, 9, 12, 13]].tolist() == [0, 0, 1, 2, 1, 1, 2]
    assert depth[2] == 0  # a blank line belongs to no statement


def test_names_resolve_through_enclosing_functions_but_not_through_a_class_body() -> None:
    source = (
        "def outer(n):\n"
        "    def inner():\n"
        "        return n\n"
        "    return inner\n"
        "class Box:\n"
        "    size = 3\n"
        "    def get(self):\n"
        "        return size\n"
        "    doubled = [size * 2]\n"
    )
    assert lines(source, "undefined_name") == [8]


def test_global_declarations_walrus_and_comprehension_targets_bind_names() -> None:
    source = (
        "def setup():\n"
        "    global config\n"
        "    config = 1\n"
        "def use():\n"
        "    if any((hit := x) > 2 for x in range(5)):\n"
        "        return hit, config\n"
    )
    assert lines(source, "undefined_name") == []


def test_names_read_later_or_in_a_nested_function_are_not_unused() -> None:
    source = (
        "def f():\n"
        "    a = 1\n"
        "    b = 2\n"
        "    _ignored = 3\n"
        "    def g():\n"
        "        return b\n"
        "    return a, g\n"
        "module_level = 4\n"
    )
    assert lines(source, "unused_assignment") == []
    assert lines(source.replace("return a, g", "return g"), "unused_assignment") == [2]


def test_a_star_import_makes_no_name_undefined() -> None:
    assert lines("from os.path import *\nprint(join('a', 'b'))\n", "undefined_name") == []
    assert lines("print(join('a', 'b'))\n", "undefined_name") == [1]


@pytest.mark.parametrize(
    "text",
    [
        "a = 1\nb = 2\nc = 3\nd = = 4\ne = 5\nf = 6\ng = 7\n",  # a syntax error no window of it repairs
        "function f(a) {\n  return a === 1 ? [a] : null;\n}\n",  # JavaScript
        "}\n  }\n)\n",  # a fragment of brackets only
        "x = 1\0\n",  # a NUL byte
    ],
)
def test_text_that_does_not_parse_gives_zeros_and_parses_zero(text: str) -> None:
    result = analyse(text)
    assert not result.parses
    assert all(len(v) == len(line_starts(text)) and not v.any() for v in result.values.values())


def test_a_window_cut_out_of_a_file_is_read_as_python_but_names_are_not_resolved() -> None:
    # Starts two blocks deep, ends in a cut statement, and its names are bound outside it.
    window = "        y = items[1]\n    else:\n        return y > limit\n    total = compute(\n"
    result = analyse(window)
    assert result.parses and not result.whole_module
    assert result.lines_with("ast_kind_return") == [3] and result.lines_with("has_compare") == [3]
    assert result.values["ast_depth"].tolist() == [0.5, 0, 0.5, 0]  # the `else:` line opens no statement
    assert result.lines_with("undefined_name") == [] and result.lines_with("parses") == [1, 2, 3, 4]


def test_a_window_keeps_at_least_half_of_its_code_lines() -> None:
    assert analyse("x = 1\n}\n}\n}\n").parses is False
    assert analyse("x = 1\ny = 2\n}\n}\n").lines_with("ast_kind_assign") == [1, 2]


def test_empty_text_is_an_empty_module_with_one_line_and_no_tokens() -> None:
    result = analyse("")
    assert result.parses and result.lines_with("parses") == [1]
    assert not any(result.lines_with(name) for name in FEATURES if name != "parses")
    assert token_values("parses", tokenize(tiny_tokenizer(), "")).shape == (0,)


def test_parse_warnings_are_not_raised_or_shown() -> None:
    # An invalid escape warns at parse time; pytest's filterwarnings=error would make it raise.
    assert analyse('pattern = "\\d+"\n').parses


@pytest.mark.parametrize(("terms", "parses"), [(2000, True), (20000, False)])
def test_deep_expressions_are_analysed_iteratively_or_refused_quietly(terms: int, parses: bool) -> None:
    result = analyse("x = " + " + ".join(["1"] * terms) + "\n")
    assert result.parses is parses and result.lines_with("has_numeric_literal") == ([1] if parses else [])


def test_crlf_line_breaks_and_tabs_keep_the_line_numbers() -> None:
    source = "def f(a):\r\n\tif a[0] == 1:\r\n\t\treturn missing\r\n\treturn a\r\n"
    assert lines(source, "has_compare") == [2]
    assert lines(source, "undefined_name") == [3]
    assert analyse(source).values["ast_depth"].tolist() == [0, 0.25, 0.5, 0.25]


def test_a_lone_carriage_return_does_not_shift_later_lines() -> None:
    # Python would break the line at the lone "\r"; the tokenizer's lines do not, and lines must agree.
    source = "a = 1 # note\rstill the comment\nb = c\n"
    assert lines(source, "undefined_name") == [2]


def test_a_line_spanning_several_tokens_gives_each_token_the_lines_value() -> None:
    text = tokenize(tiny_tokenizer(), "total = 0\nif total > 10:\n    print(missing_name)\n")
    values = token_values("undefined_name", text)
    on_line = text.line_of_token()
    assert (on_line == 3).sum() > 2
    assert values.tolist() == [float(line == 3) for line in on_line]


def test_every_static_feature_is_registered_and_roughly_in_unit_range() -> None:
    assert tuple(STATIC_FEATURES) == FEATURES
    assert all(TEXT_FEATURES[name] is STATIC_FEATURES[name] for name in FEATURES)
    text = tokenize(tiny_tokenizer(), PROGRAM)
    for name in FEATURES:
        values = TEXT_FEATURES[name](text)
        assert values.shape == (text.n_tokens,) and 0.0 <= values.min() <= values.max() <= 1.0


def test_token_features_with_static_extras_match_the_functions(tiny: Supervisor) -> None:
    texts = [tokenize(tiny.tokenizer, t) for t in (PROGRAM, "def broken(:\n", "")]
    config = ProbeConfig(layers=(1,), extra_features=FEATURES)
    outputs = token_features(tiny, texts, [None] * len(texts), config)
    for text, out in zip(texts, outputs, strict=True):
        expected = np.stack([STATIC_FEATURES[n](text) for n in FEATURES], axis=1)
        expected = expected.reshape(text.n_tokens, len(FEATURES))
        np.testing.assert_array_equal(out[:, tiny.hidden_size :], expected)
    assert outputs[0][:, tiny.hidden_size].all() and not outputs[1][:, tiny.hidden_size :].any()
