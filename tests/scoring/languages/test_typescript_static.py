"""Static and structure signals of TypeScript from tree-sitter: the same feature on the same construct as
Python's (scoring.static), behind scoring.languages' one interface."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import static
from scoring.languages import static_lines, structure, token_structure
from scoring.languages.typescript_static import analyse

KINDS = [f"ast_kind_{kind}" for kind in static.StatementKind]


def kinds_of(path: str, text: str, line: int) -> list[str]:
    values = static_lines(path, text).values
    return [name for name in KINDS if values[name][line - 1]]


# (Python, TypeScript): the same construct, line for line (a closing brace is past Python's last line).
CONSTRUCTS = [
    ("if a:\n    b()", "if (a) {\n  b();\n}"),
    ("while a:\n    b()", "while (a) {\n  b();\n}"),
    ("for x in xs:\n    b()", "for (const x of xs) {\n  b();\n}"),
    ("return 1", "return 1;"),
    ("raise ValueError(a)", "throw new Error(a);"),
    ("x = 1", "const x = 1;"),
    ("x += 1", "x += 1;"),
    ("x.y = 1", "x.y = 1;"),
    ("f(x)", "f(x);"),
    ("import os", 'import os from "os";'),
    ("from m import a as b", 'import { a as b } from "m";'),
    ("def f(a):\n    return a", "function f(a) {\n  return a;\n}"),
    ("class C:\n    x = 1", "class C {\n  x = 1;\n}"),
    ("@cache\ndef f():\n    pass", "class C {\n  @cache\n  f() {}\n}"),
    ("try:\n    b()\nexcept E:\n    c()", "try {\n  b();\n} catch (e) {\n  c();\n}"),
]


@pytest.mark.parametrize(("python", "typescript"), CONSTRUCTS)
def test_a_construct_has_the_same_statement_kind_and_block_depth_as_in_python(
    python: str, typescript: str
) -> None:
    if python.startswith("@"):  # a method's decorator: the class adds one line and one block
        assert kinds_of("m.ts", typescript, 2) == kinds_of("m.py", python, 1) == ["ast_kind_def"]
        assert kinds_of("m.ts", typescript, 3) == kinds_of("m.py", python, 2) == ["ast_kind_def"]
        return
    ts, py = static_lines("m.ts", typescript).values, static_lines("m.py", python).values
    assert ts["parses"].all() and py["parses"].all()
    for line in range(1, python.count("\n") + 2):
        assert kinds_of("m.ts", typescript, line) == kinds_of("m.py", python, line), line
        assert ts["ast_depth"][line - 1] == py["ast_depth"][line - 1], line
    assert kinds_of("m.ts", typescript, 1) or python.startswith("try")  # a try statement has no kind
    assert py["ast_depth"].max() == 0.25 or "\n" not in python


FUNCTION_PY = """def f(a, b=1, *c):
    if a and b:
        for x in c:
            if x > 1:
                y = os.path.join(str(x), "a b")
    return a
"""
FUNCTION_TS = """function f(a: number, b = 1, ...c: number[]) {
  if (a && b) {
    for (const x of c) {
      if (x > 1) {
        y = path.join(String(x), "a b");
      }
    }
  }
  return a;
}
"""


def test_a_function_has_the_same_structure_as_in_python() -> None:
    py, ts = structure("m.py", FUNCTION_PY), structure("m.ts", FUNCTION_TS)
    assert py.parses and ts.parses
    for name in ("function_branches", "function_depth", "function_params"):
        assert ts.values[name][4] == py.values[name][4], name  # the `y = ...` line
    assert ts.values["function_branches"][0] == 4  # if, &&, for, if
    assert ts.values["function_params"][0] == 3
    assert ts.values["function_depth"][0] == 4
    assert ts.values["function_lines"][0] == 10 and py.values["function_lines"][0] == 6
    assert ts.function_first.tolist() == [1] * 10 + [0] and ts.function_last[0] == 10
    # the lines: an `if` with a chain is two control elements, the assignment two calls and one write
    for name, line in (("control", 1), ("calls", 4), ("writes", 4), ("depth", 4)):
        assert ts.values[name][line] == py.values[name][line], name
    assert ts.values["depth"].tolist() == [0, 1, 2, 3, 4, 3, 2, 1, 1, 0, 0]


def test_a_ternary_is_control_and_no_branch_and_a_chain_of_one_operator_is_one() -> None:
    text = "function f(a, b, c) {\n  return a && b && c ? (a || b) ?? c : 0;\n}\n"
    tree = structure("m.ts", text)
    # ternary, the && chain, the || in parentheses, ?? : four control elements; three of them branch
    assert tree.values["control"][1] == 4
    assert tree.values["function_branches"][1] == 3


def test_switch_cases_are_branches_and_their_statements_one_block_in() -> None:
    text = "\n".join(
        [
            "function f(v) {",
            "  switch (v) {",
            "    case 1:",
            "      g();",
            "      break;",
            "    default:",
            "      h();",
            "  }",
            "}",
        ]
    )
    tree, values = structure("m.ts", text), static_lines("m.ts", text).values
    assert tree.values["function_branches"][0] == 2
    assert tree.values["depth"].tolist() == [0, 1, 1, 2, 2, 1, 2, 1, 0]
    assert values["ast_depth"].tolist() == [0.0, 0.25, 0.0, 0.5, 0.5, 0.0, 0.5, 0.0, 0.0]


def test_else_if_is_its_ifs_level_and_a_brace_less_body_is_one_block_in() -> None:
    text = "if (a) {\n  b();\n} else if (c)\n  d();\nelse\n  e();\n"
    values = static_lines("m.ts", text).values
    assert values["ast_kind_condition"].tolist()[:6] == [1, 0, 1, 0, 0, 0]
    assert values["ast_depth"].tolist()[:6] == [0.0, 0.25, 0.0, 0.25, 0.0, 0.25]
    assert structure("m.ts", text).values["depth"].tolist()[:6] == [0, 1, 0, 1, 0, 1]


def test_a_callbacks_statements_are_statements_and_not_its_calls() -> None:
    text = 'describe("x", () => {\n  const y = 1;\n  expect(y).toBe(1);\n});\n'
    values = static_lines("m.test.ts", text).values
    assert values["ast_kind_call"].tolist() == [1, 0, 1, 1, 0]
    assert values["ast_kind_assign"].tolist() == [0, 1, 0, 0, 0]
    assert values["ast_depth"].tolist() == [0.0, 0.25, 0.25, 0.0, 0.0]
    assert values["undefined_name"].tolist() == [0] * 5  # the test runner's globals are known


def test_flags_compare_numbers_and_subscripts() -> None:
    text = 'const a = items[0];\nif (a === "x" || a instanceof B) {}\nconst s = "10";\n'
    values = static_lines("m.ts", text).values
    assert values["has_subscript"].tolist() == [1, 0, 0, 0]
    assert values["has_compare"].tolist() == [0, 1, 0, 0]
    assert values["has_numeric_literal"].tolist() == [1, 0, 0, 0]  # a string of digits is no number


def test_undefined_names_are_those_declared_nowhere_in_the_file_and_no_global() -> None:
    text = """import { a } from "m";
import * as ns from "n";
class Box extends Base {}
function f(p: number, { q }: Opts, ...rest: number[]): void {
  console.log(a, ns.b, p, q, rest, new Box(), missing);
  try { g(); } catch (error) { throw error; }
}
enum E { A }
const { x, y: [z] } = f(1, {}, E.A);
export { x, z };
export { w } from "other";
"""
    values = static_lines("m.ts", text).values
    assert np.flatnonzero(values["undefined_name"]).tolist() == [2, 4, 5]  # Base; missing; g


def test_jsx_intrinsic_elements_are_no_names_and_components_are() -> None:
    text = "\n".join(
        [
            'import { List } from "l";',
            "export const App = () => (",
            "  <div>",
            "    <List />",
            "    <Missing />",
            "  </div>",
            ");",
            "",
        ]
    )
    values = static_lines("app.tsx", text).values
    assert values["parses"][0] == 1
    assert np.flatnonzero(values["undefined_name"]).tolist() == [4]
    assert not static_lines("app.ts", text).values["parses"].any()  # JSX needs the TSX grammar


def test_unused_assignments_are_a_functions_names_it_never_reads() -> None:
    text = """const moduleLevel = 1;
function f(a: number) {
  const unused = a;
  const _meant = a;
  let read = 0;
  let later = 1;
  later = 2;
  const inClosure = 3;
  return () => read + inClosure;
}
"""
    values = static_lines("m.ts", text).values
    assert np.flatnonzero(values["unused_assignment"]).tolist() == [2, 5, 6]  # unused, later twice


def test_an_assignment_in_a_closure_belongs_to_the_function_that_declares_the_name() -> None:
    text = "function f() {\n  let seen = false;\n  run(() => {\n    seen = true;\n  });\n  return seen;\n}\n"
    assert not static_lines("m.ts", text).values["unused_assignment"].any()
    text = text.replace("  return seen;\n", "")
    assert np.flatnonzero(static_lines("m.ts", text).values["unused_assignment"]).tolist() == [1, 3]


def test_line_tokens_names_and_volume() -> None:
    tokens, mean, longest, volume = token_structure("m.ts", "const total = items.length > 0 ? 1 : 2; // note")
    # operators const = . > ? : ; and operands total items length 0 1 2: 13 tokens, 13 distinct
    assert (tokens, mean, longest) == (13.0, 16 / 3, 6.0)
    assert volume == pytest.approx(13 * math.log2(13))
    assert token_structure("m.ts", 'f(`a ${b}`, "c d", this)')[0] == 8.0  # f ( ` ` , " " , this )
    assert token_structure("m.ts", "") == (0.0, 0.0, 0.0, 0.0)


def test_a_file_with_a_syntax_error_gets_zeros_and_parses_zero() -> None:
    text = "function f( {\n  return 1;\n}\n"
    values = static_lines("m.ts", text).values
    assert set(values) == set(static.FEATURES)
    assert all(len(array) == 4 and not array.any() for array in values.values())
    tree = structure("m.tsx", text)
    assert not tree.parses and not any(array.any() for array in tree.values.values())
    assert not static_lines("m.go", "package main\n").values["parses"].any()


def test_values_are_read_only_and_parsed_once() -> None:
    text = "const a = 1;\n"
    assert analyse(text) is analyse(text)
    with pytest.raises(ValueError, match="read-only"):
        analyse(text).values["parses"][0] = 0.0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "",
                    "if (a) {",
                    "} else {",
                    "}",
                    "const x = f(1);",
                    "function g(a, ...b) {",
                    "  return a ?? b[0];",
                    "<div>{x}</div>",
                    "class C { @d m() {} }",
                    "x => {",
                    "`${",
                    "/* open",
                    "switch (v) { case 1: break; }",
                ]
            ),
            st.text(max_size=20),
        ),
        max_size=20,
    ),
    st.sampled_from(["m.ts", "m.tsx"]),
)
def test_any_text_gives_one_row_per_line_and_never_raises(lines: list[str], path: str) -> None:
    text = "\n".join(lines)
    n_lines = text.count("\n") + 1
    values = static_lines(path, text).values
    assert set(values) == set(static.FEATURES)
    assert all(array.shape == (n_lines,) and np.isfinite(array).all() for array in values.values())
    tree = structure(path, text)
    assert all(array.shape == (n_lines,) for array in tree.values.values())
    assert tree.function_first.shape == tree.function_last.shape == (n_lines,)
    assert (tree.function_first <= tree.function_last).all()
    assert all(math.isfinite(v) for line in text.split("\n") for v in token_structure(path, line))


def test_clear_caches_forgets_every_parse_of_both_languages() -> None:
    from scoring.languages import clear_caches, line_syntax, static_lines, typescript, typescript_static

    static_lines("a.ts", "const x = 1;\n")
    static_lines("a.py", "x = 1\n")
    line_syntax("b.ts", "let y = 2;\n")
    caches = (line_syntax, typescript.parse, typescript_static._signals)
    assert all(c.cache_info().currsize for c in caches)
    clear_caches()
    assert not any(c.cache_info().currsize for c in caches)
