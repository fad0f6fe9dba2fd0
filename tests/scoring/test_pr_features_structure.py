"""scoring.pr_features STRUCTURE and RELATIVE families: the line and its function from the syntax tree, and
the line against the rest of its file."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import static
from scoring.diff import parse
from scoring.errors import DiffParseError
from scoring.pr_features import ChangeSize, Family, feature_names, file_features

NEW = (Family.STRUCTURE, Family.RELATIVE)


def diff_of(text: list[str], added: set[int], path: str = "m.py") -> str:
    """A one-hunk diff of `text` whose `added` lines (1-based) are added and the rest kept."""
    body = "".join(
        ("+" if number in added else " ") + line + "\n" for number, line in enumerate(text, start=1)
    )
    return (
        f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"
        f"@@ -1,{len(text) - len(added)} +1,{len(text)} @@\n{body}"
    )


def features(
    text: list[str], added: set[int], families: tuple[Family, ...] = NEW
) -> dict[int, dict[str, float]]:
    (diff,) = parse(diff_of(text, added))
    lines, matrix = file_features(diff, text, ChangeSize(1, len(added)), None, families)
    names = feature_names(families)
    return {
        number: dict(zip(names, row.tolist(), strict=True)) for number, row in zip(lines, matrix, strict=True)
    }


NESTED = [
    "import os",  # 1
    "",  # 2
    "",  # 3
    "def f(a, b=1, *c):",  # 4
    "    if a and b:",  # 5
    "        for x in c:",  # 6
    "            if x > 1:",  # 7
    '                y = os.path.join(str(x), "a b")',  # 8
    "    return a",  # 9
    "",  # 10
    "",  # 11
    "def g():",  # 12
    "    return 1",  # 13
]


def test_a_nested_if_in_a_function_the_pr_adds() -> None:
    row = features(NESTED, set(range(4, 10)) | {13})
    inner = row[7]
    assert inner["struct_parses"] == 1.0 and inner["struct_in_function"] == 1.0
    assert inner["struct_control"] == 2  # the if and its comparison
    assert inner["struct_depth"] == 3  # function body, if, for
    assert inner["struct_function_branches"] == 4  # if, `and`, for, if
    assert inner["struct_function_lines"] == 6
    assert inner["struct_function_depth"] == 4  # the deepest block, counted from the def
    assert inner["struct_function_params"] == 3
    assert inner["struct_function_added"] == 1.0
    assert row[5]["struct_control"] == 2  # if, and
    assignment = row[8]
    assert assignment["struct_calls"] == 2 and assignment["struct_writes"] == 1
    assert (
        assignment["struct_name_max"] == 4 and assignment["struct_name_mean"] == 2.5
    )  # y os path join str x
    assert row[4]["struct_depth"] == 0 and row[4]["struct_function_branches"] == 4
    # g's body is added but not its def line: not a function this PR adds
    assert row[13]["struct_in_function"] == 1.0 and row[13]["struct_function_added"] == 0.0
    assert row[13]["struct_function_branches"] == 0 and row[13]["struct_function_params"] == 0


def test_match_cases_are_branches_and_blocks() -> None:
    text = [
        "def f(x):",
        "    match x:",
        "        case [1, *rest]:",
        "            return rest",
        "        case _:",
        "            return None",
    ]
    row = features(text, set(range(1, 7)), (Family.STRUCTURE,))
    assert (
        row[4]["struct_depth"] == 2 and row[4]["struct_function_branches"] == 2
    )  # a case body: one block in
    assert row[3]["struct_depth"] == 1 and row[1]["struct_function_depth"] == 2
    assert row[2]["struct_control"] == 1 and row[1]["struct_function_added"] == 1.0


def test_an_except_body_is_one_block_in_like_the_try_body() -> None:
    text = ["try:", "    a = 1", "except ValueError as e:", "    a = 2", "finally:", "    a = 3"]
    row = features(text, {2, 3, 4, 6}, (Family.STRUCTURE,))
    assert [row[n]["struct_depth"] for n in (2, 3, 4, 6)] == [1, 0, 1, 1]
    assert row[1 + 1]["struct_in_function"] == 0.0


def test_module_level_lines_have_no_function() -> None:
    row = features(NESTED, {1, 2})
    for name in (
        "struct_in_function",
        "struct_function_branches",
        "struct_function_lines",
        "struct_function_depth",
        "struct_function_params",
        "struct_function_added",
    ):
        assert row[1][name] == 0.0 and row[2][name] == 0.0
    assert row[2]["struct_tokens"] == 0.0 and row[2]["struct_volume"] == 0.0


def test_halstead_volume_and_tokens_of_a_line() -> None:
    tokens, mean, longest, volume = static.token_structure('total = price * 2  # "a comment"')
    assert tokens == 5 and longest == 5 and mean == 5.0  # total = price * 2; names total, price
    assert volume == 5 * math.log2(5)
    assert static.token_structure('x = "a b c"')[0] == 3  # a string is one operand
    assert static.token_structure("if x is None:")[2] == 1  # keywords and None are not identifiers


def test_a_long_line_in_a_file_of_short_lines_is_long_for_its_file() -> None:
    text = [f"x{k} = {k}" for k in range(20)]
    text[10] = "    " + "result = compute(alpha, beta, gamma, delta, epsilon, zeta, eta, theta)"
    text = ["if True:" if k == 9 else line for k, line in enumerate(text)]
    row = features(text, {3, 4, 11})
    long = row[11]
    assert long["rel_length_file"] > 1.0 and long["rel_tokens_file"] > 1.0
    assert long["rel_length_added"] > 0.0 and long["rel_length_rank"] > 0.8
    assert long["rel_indent_file"] == 1.0  # one level deeper than the file's usual line
    assert row[3]["rel_length_file"] <= 0.0 and row[3]["rel_length_rank"] < 0.5  # "x2 = 2" is short here


def test_relative_features_do_not_depend_on_the_code_style() -> None:
    four = ["def f():", "    if a:", "        b = 1", "    return b"]
    two = [line.replace("    ", "  ") for line in four]
    tabs = [line.replace("    ", "\t") for line in four]
    indent = [
        [row["rel_indent_file"] for row in features(text, {3}, (Family.RELATIVE,)).values()]
        for text in (four, two, tabs)
    ]
    assert indent[0] == indent[1] == indent[2] == [1.0]


def test_a_file_that_does_not_parse_has_zero_structure_and_does_not_raise() -> None:
    broken = [line + " {" for line in NESTED]
    row = features(broken, {5, 7, 8}, (Family.STRUCTURE,))
    assert all(value == 0.0 for values in row.values() for value in values.values())
    assert not static.structure("def f(:\n  pass\n").parses


def test_lines_past_the_text_and_an_empty_file_give_zeros() -> None:
    (diff,) = parse(diff_of(["a = 1", "b = 2"], {2}))
    lines, matrix = file_features(diff, [], ChangeSize(1, 1), None, NEW)
    assert lines == (2,) and matrix.shape == (1, len(feature_names(NEW))) and np.isfinite(matrix).all()


CODE_LINES = st.sampled_from(
    [
        "",
        "x = 1",
        "def f(a, *b, **c):",
        "    return a",
        "class C:",
        "    if a and not b or c:",
        "\tpass",
        "        for i in range(3):",
        "  # a comment",
        'print("unterminated',
        "}",
        "lambda: (yield)",
        "    elif x:",
        "try:",
        "except Exception as e:",
        "match x:",
        "    case [1, *rest]:",
        "@decorator",
        "'''",
        "\\",
        "x = (",
    ]
)


PARSED: list[int] = []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(CODE_LINES, st.text(max_size=30).map(lambda s: s.replace("\r", ""))),
        min_size=1,
        max_size=25,
    ),
    st.data(),
    st.sampled_from(["m.py", "m.ts", "m.tsx"]),
)
def test_any_text_with_any_added_lines_gives_a_finite_matrix_for_every_family(
    text: list[str],
    data: st.DataObject,
    path: str,
) -> None:
    text = [line for chunk in text for line in chunk.split("\n")]
    added = data.draw(st.sets(st.integers(1, len(text)), min_size=1))
    try:
        (diff,) = parse(diff_of(text, added, path))
    except (
        DiffParseError
    ):  # a line the diff format cannot carry (a stray "\\ No newline" marker, a form feed...)
        return
    PARSED.append(len(text))
    for family in Family:
        lines, matrix = file_features(diff, text, ChangeSize(1, len(added)), None, (family,))
        assert matrix.shape == (len(lines), len(feature_names((family,))))
        assert np.isfinite(matrix).all()
    lines, matrix = file_features(diff, text, ChangeSize(1, len(added)), None, tuple(Family))
    assert matrix.shape == (len(lines), len(feature_names(tuple(Family)))) and np.isfinite(matrix).all()


def test_the_property_test_reaches_file_features() -> None:
    test_any_text_with_any_added_lines_gives_a_finite_matrix_for_every_family()
    assert len(PARSED) >= 50  # most drawn texts make a diff; the property is not checked vacuously
