"""scoring.pr_features: one row of named features per added line, from the diff, the change and the
history."""

from __future__ import annotations

import numpy as np

from scoring import static
from scoring.diff import parse
from scoring.pr_features import ChangeSize, Family, FileHistory, feature_names, file_features, scaled

DIFF = """diff --git a/pkg/tests/test_mod.py b/pkg/tests/test_mod.py
--- a/pkg/tests/test_mod.py
+++ b/pkg/tests/test_mod.py
@@ -1,3 +1,4 @@
 import os
-x = 1
+x = 2
+y = 3
 def f():
@@ -12,2 +13,3 @@ def g():
     a = 1
+    return a
     pass
"""
AFTER = [
    "import os",
    "x = 2",
    "y = 3",
    "def f():",
    *["    pass"] * 7,
    "def g():",
    "    a = 1",
    "    return a",
    "    pass",
]


def test_every_added_line_gets_one_row_with_its_hunk_and_file_context() -> None:
    (diff,) = parse(DIFF)
    families = tuple(Family)
    history = FileHistory(3, 9, 2, 400.0, 120, (5.0, 5.0, 30.0), (None, 2.0, 7.0), (1, 1, 4))
    lines, matrix = file_features(diff, AFTER, ChangeSize(2, 10), history, families)
    row = dict(zip(feature_names(families), matrix.T, strict=True))
    assert lines == (2, 3, 14)
    assert matrix.shape == (3, len(feature_names(families)))
    assert row["run_length"].tolist() == [2, 2, 1]
    assert row["run_position"].tolist() == [0.0, 1.0, 0.0]
    assert row["hunk_removed"].tolist() == [1, 1, 0]  # the first hunk replaces `x = 1`
    assert row["hunk_index"].tolist() == [0, 0, 1]
    assert row["kind_assignment"].tolist() == [1, 1, 0]
    assert row["kind_return"].tolist() == [0, 0, 1]
    assert row["indent"].tolist() == [0, 0, 4]
    assert set(row["test_file"]) == {1.0} and set(row["new_file"]) == {0.0}
    assert row["change_files"].tolist() == [2, 2, 2] and row["change_added"].tolist() == [10, 10, 10]
    # history lists follow the added lines in order; a missing neighbour is -1 with its own flag
    assert row["line_age_above_days"].tolist() == [5.0, 5.0, 30.0]
    assert row["line_age_below_days"].tolist() == [-1.0, 2.0, 7.0]
    assert row["no_line_below"].tolist() == [1.0, 0.0, 0.0]
    assert row["neighbour_changes_365d"].tolist() == [1, 1, 4]
    # static signals come from the file's syntax tree after the change
    assert set(row["static_parses"]) == {1.0}
    assert row["static_ast_kind_assign"].tolist() == [1, 1, 0]
    assert row["static_ast_kind_return"].tolist() == [0, 0, 1]
    assert row["static_ast_depth"].tolist() == [0.0, 0.0, 0.25]  # one enclosing block, in units of 4


def test_a_file_that_is_not_python_has_no_static_signals() -> None:
    (diff,) = parse(DIFF)
    broken = [line + " {" for line in AFTER]
    _, matrix = file_features(diff, broken, ChangeSize(1, 3), None, (Family.STATIC,))
    assert matrix.shape == (3, len(feature_names((Family.STATIC,)))) and not matrix.any()


def test_an_added_last_empty_line_has_static_signals_of_zero() -> None:
    (diff,) = parse("diff --git a/v.py b/v.py\n--- a/v.py\n+++ b/v.py\n@@ -1 +1,2 @@\n-v = 1\n+v = 2\n+\n")
    lines, matrix = file_features(diff, ["v = 2", ""], ChangeSize(1, 2), None, (Family.STATIC,))
    row = dict(zip(feature_names((Family.STATIC,)), matrix.T, strict=True))
    assert lines == (1, 2) and row["static_ast_kind_assign"].tolist() == [1.0, 0.0]


def test_families_choose_the_columns_and_missing_history_reads_as_no_history() -> None:
    (diff,) = parse(DIFF)
    _, line_only = file_features(diff, AFTER, ChangeSize(1, 3), None, (Family.LINE,))
    assert line_only.shape == (3, len(feature_names((Family.LINE,))))
    _, with_history = file_features(diff, AFTER, ChangeSize(1, 3), None, (Family.HISTORY,))
    row = dict(zip(feature_names((Family.HISTORY,)), with_history.T, strict=True))
    assert row["file_commits_90d"].tolist() == [0, 0, 0]
    assert row["no_line_above"].tolist() == [1.0, 1.0, 1.0]


def test_counts_are_log_scaled_and_flags_are_not() -> None:
    names = ("length", "blank")
    out = scaled(np.array([[0.0, 1.0], [9.0, 0.0], [-1.0, 1.0]]), names)
    assert np.allclose(out[:, 0], [0.0, np.log(10.0), -np.log(2.0)])
    assert out[:, 1].tolist() == [1.0, 0.0, 1.0]


PYTHON_FILE = [
    "import os",
    "@cache",
    "def area(sides, scale=1.5, *rest):",
    "    total = 0",
    "    unused = os.sep",
    "    for side in sides[1:]:",
    "        if side > 2 and scale:",
    "            total += side * scale",
    "    return totl",
    "x = [s for s in area([1]) if s == 2]",
]


def columns(path: str, text: list[str], families: tuple[Family, ...]) -> dict[str, np.ndarray]:
    added = "".join(f"+{line}\n" for line in text)
    (diff,) = parse(
        f"diff --git a/{path} b/{path}\n--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(text)} @@\n{added}"
    )
    lines, matrix = file_features(diff, text, ChangeSize(1, len(text)), None, families)
    assert lines == tuple(range(1, len(text) + 1))
    return dict(zip(feature_names(families), matrix.T, strict=True))


def test_python_static_and_structure_are_scoring_statics_own_values() -> None:
    """The parser per language changes nothing for Python: its columns are static.analyse's and
    static.structure's values, bit for bit."""
    row = columns("m.py", PYTHON_FILE, (Family.STATIC, Family.STRUCTURE))
    source = "\n".join(PYTHON_FILE)
    for name, values in static.analyse(source).values.items():
        assert row[f"static_{name}"].tobytes() == values.astype(np.float64).tobytes(), name
    tree = static.structure(source)
    for name in (*static.STRUCTURE_LINE, *static.STRUCTURE_FUNCTION):
        assert row[f"struct_{name}"].tobytes() == tree.values[name].astype(np.float64).tobytes(), name
    tokens = np.array([static.token_structure(line) for line in PYTHON_FILE])
    for k, name in enumerate(static.STRUCTURE_TOKENS):
        assert row[f"struct_{name}"].tobytes() == tokens[:, k].tobytes(), name
    assert row["static_undefined_name"].tolist() == [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]  # cache, totl
    assert row["struct_function_params"][3] == 3 and set(row["struct_parses"]) == {1.0}


TYPESCRIPT_FILE = [
    'import { cache } from "c";',
    "export function area(sides: number[], scale = 1.5): number {",
    "  let total = 0;",
    "  for (const side of sides) {",
    "    if (side > 2 && scale) total += side * scale;",
    "  }",
    "  return totl;",
    "}",
]


def test_typescript_static_and_structure_come_from_its_parser_and_other_languages_get_zeros() -> None:
    families = (Family.STATIC, Family.STRUCTURE)
    row = columns("src/area.ts", TYPESCRIPT_FILE, families)
    assert set(row["static_parses"]) == {1.0} and set(row["struct_parses"]) == {1.0}
    assert row["static_ast_kind_loop"].tolist() == [0, 0, 0, 1, 0, 0, 0, 0]
    assert row["static_ast_kind_condition"].tolist() == [0, 0, 0, 0, 1, 0, 0, 0]
    assert row["static_undefined_name"].tolist() == [0, 0, 0, 0, 0, 0, 1, 0]  # totl
    assert row["struct_in_function"].tolist() == [0] + [1] * 7
    assert row["struct_function_added"].tolist() == [0] + [1] * 7
    assert row["struct_function_branches"][1] == 3  # for, if, &&
    assert row["struct_function_params"][1] == 2
    assert row["struct_tokens"][2] == 5  # let total = 0 ;
    # the same text in a language without a parser: zeros, "parses" 0
    assert not columns("src/area.go", TYPESCRIPT_FILE, families)["static_parses"].any()
    other = columns("src/area.go", TYPESCRIPT_FILE, families)
    assert not any(values.any() for values in other.values())
    broken = columns("src/area.ts", [*TYPESCRIPT_FILE, "}"], families)
    assert not any(values.any() for values in broken.values())
