"""Line edits and ddmin, with literal programs and a literal oracle."""

from __future__ import annotations

from training.minimize import Budget, Edit, EditKind, apply_edits, ddmin, line_edits, significant

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


def test_blank_line_edits_are_not_significant():
    generated = "def f(xs):\n\n    return xs\n"
    candidate = "\ndef f(xs):\n    return sorted(xs)\n"
    edits = line_edits(generated, candidate, blank_aware=True)
    assert significant(generated, edits) == (Edit(2, 0, EditKind.REPLACE, "    return sorted(xs)"),)
    assert apply_edits(generated, edits).split("\n").count("") == apply_edits(generated, ()).split(
        "\n"
    ).count("")
    assert apply_edits(generated, line_edits(generated, candidate)) == candidate
