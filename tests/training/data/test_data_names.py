"""Adopting the generated program's names in a candidate before the two are diffed."""

from __future__ import annotations

from training.data.names import adopt_names, rename


def test_parameters_are_matched_by_function_and_position():
    generated = "def pick(t, n=2):\n    return t[n]\n"
    candidate = "def pick(items, k=2):\n    return sorted(items)[k] + call(k=k)\n"
    assert adopt_names(generated, candidate) == "def pick(t, n=2):\n    return sorted(t)[n] + call(k=n)\n"


def test_locals_follow_lines_that_differ_only_in_names():
    generated = "def f(a):\n    res = 0\n    for x in a:\n        res += x * x\n    return res\n"
    candidate = "def f(a):\n    total = 0\n    for item in a:\n        total += item\n    return total\n"
    assert adopt_names(generated, candidate) == (
        "def f(a):\n    res = 0\n    for x in a:\n        res += x\n    return res\n"
    )


def test_a_name_the_candidate_already_uses_is_not_taken():
    generated = "def f(a, b):\n    return a - b\n"
    candidate = "def f(x, a):\n    return x - a\n"  # a swap: both names stay consistent
    assert adopt_names(generated, candidate) == "def f(a, b):\n    return a - b\n"
    clash = "def f(x, y):\n    b = 1\n    return x - y * b\n"  # `b` is taken by a local: `y` stays
    assert adopt_names(generated, clash) == "def f(a, y):\n    b = 1\n    return a - y * b\n"


def test_builtins_attributes_and_unparsable_programs_are_left_alone():
    generated = "def f(s):\n    return s.lower()\n"
    assert adopt_names(generated, "def f(s):\n    return s.upper()\n") == "def f(s):\n    return s.upper()\n"
    assert adopt_names("def f(:\n", "def f(x):\n    return x\n") == "def f(x):\n    return x\n"
    assert rename("obj.x = x\n", {"x": "y"}) == "obj.x = y\n"
    assert rename("a = x\nb = x\n", {"x": "y"}, range(2, 3)) == "a = x\nb = y\n"
