"""Line edits and ddmin, with literal programs and a literal oracle."""

from __future__ import annotations

from training.data.minimize import (
    Budget,
    Edit,
    EditKind,
    apply_edits,
    code_edits,
    code_hunks,
    code_lines,
    comparable_lines,
    ddmin,
    line_edits,
)

GENERATED = (
    "def f(xs):\n    total = 0\n    for x in xs:\n        total -= x\n    print(total)\n    return total\n"
)
FIXED = "def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total\n"


def test_line_edits_turn_the_program_into_the_candidate():
    edits = line_edits(GENERATED, FIXED)
    assert edits == (Edit(3, 0, EditKind.REPLACE, "        total += x"), Edit(4, 0, EditKind.DELETE))
    assert apply_edits(GENERATED, edits) == FIXED
    assert apply_edits(GENERATED, ()) == GENERATED


def test_insertions_are_edits_that_count():
    edits = line_edits("def f():\n    return 1\n", "def f():\n    x = 1\n    y = 2\n    return 1\n")
    assert [(e.kind, e.at, e.order) for e in edits] == [(EditKind.INSERT, 1, 0), (EditKind.INSERT, 1, 1)]
    assert apply_edits("def f():\n    return 1\n", edits) == "def f():\n    x = 1\n    y = 2\n    return 1\n"


def test_ddmin_keeps_only_the_edit_the_oracle_needs():
    edits = line_edits(GENERATED, FIXED)
    calls = []

    def passes(subset):
        calls.append(subset)
        return "total += x" in apply_edits(GENERATED, subset)

    assert ddmin(edits, passes, Budget(checks=50, seconds=10)) == (edits[0],)
    assert len(calls) <= 4


def test_ddmin_finds_a_pair_that_must_go_together():
    edits = tuple(Edit(i, 0, EditKind.REPLACE, f"line {i}") for i in range(8))
    needed = {edits[2], edits[5]}
    result = ddmin(edits, lambda subset: needed <= set(subset), Budget(checks=100, seconds=10))
    assert set(result) == needed


def test_ddmin_stops_when_the_budget_is_spent_and_returns_a_passing_set():
    edits = tuple(Edit(i, 0, EditKind.REPLACE, f"line {i}") for i in range(16))
    result = ddmin(edits, lambda subset: edits[7] in subset, Budget(checks=2, seconds=10))
    assert edits[7] in result and len(result) < 16


def test_code_edits_leave_blank_lines_alone():
    generated = "def f(xs):\n\n    return xs\n"
    candidate = "\ndef f(xs):\n    return sorted(xs)\n"
    assert code_edits(generated, candidate) == (Edit(2, 0, EditKind.REPLACE, "    return sorted(xs)"),)
    assert apply_edits(generated, line_edits(generated, candidate)) == candidate


def test_comments_and_docstrings_are_not_code_lines():
    code = (
        'def f(x):\n    """Twice x.\n\n    Really.\n    """\n    # double it\n    y = x * 2  # why\n'
        "    return y\n"
    )
    assert code_lines(code) == [0, 6, 7]
    assert comparable_lines(code)[5:7] == ["", "    y = x * 2"]


def test_a_one_line_function_keeps_its_code_line():
    assert code_lines('def f(): """doc"""\nx = "#"  # note\n') == [0, 1]
    assert comparable_lines('x = "#"  # note\n') == ['x = "#"']


def test_a_candidate_with_other_comments_and_docstring_differs_only_where_the_code_does():
    generated = 'def f(x):\n    """Doc."""\n    # add one\n    y = x + 2\n    return y\n'
    candidate = "def f(x):\n    y = x + 1  # the fix\n    return y   \n"
    assert code_edits(generated, candidate) == (Edit(3, 0, EditKind.REPLACE, "    y = x + 1  # the fix"),)
    patched = apply_edits(generated, code_edits(generated, candidate))
    assert patched == 'def f(x):\n    """Doc."""\n    # add one\n    y = x + 1  # the fix\n    return y\n'


def test_code_hunks_split_the_diff_into_changed_blocks_and_inserts_go_before_the_next_code_line():
    generated = "def f(x):\n    a = 1\n    b = 2\n    # done\n    return a\n"
    candidate = "def f(x):\n    a = 0\n    b = 2\n    c = 3\n    return a\n"
    assert code_hunks(generated, candidate) == [
        (Edit(1, 0, EditKind.REPLACE, "    a = 0"),),
        (Edit(4, 0, EditKind.INSERT, "    c = 3"),),
    ]


def test_code_lines_of_a_program_that_does_not_parse_still_skip_blanks_and_comments():
    assert code_lines("def f(:\n\n    # x\n    return 1\n") == [0, 3]
