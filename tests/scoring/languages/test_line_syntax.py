"""Line kinds from each language's parser: the same kind on the same construct in Python and TypeScript."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.languages import LINE_KINDS, NEUTRAL_ONLY, language_of, line_syntax

PYTHON = """import os
@cache
def load(path):
    \"\"\"Read it.
    All of it.\"\"\"
    # the header first
    if path:
        print(path)
    elif other:
        value = 2
    else:
        raise ValueError(path)
    for line in lines:
        total += 1
    try:
        with open(path) as f:
            pass
    except OSError:
        logger.warning("x")
    finally:
        pass
    assert total
    return (
        total
    )
class Box:
    pass
"""

TYPESCRIPT = """import { readFile } from "fs";
@Injectable()
export function load(path: string): number {
  const note = `Read it.
  All of it.`;
  // the header first
  if (path) {
    console.log(path);
  } else if (other) {
    value = 2;
  } else {
    throw new Error(path);
  }
  for (const line of lines) {
    total += 1;
  }
  try {
    run();
  } catch (error) {
    logger.warn("x");
  } finally {
    done();
  }
  expect(total).toBe(3);
  return (
    total
  );
}
interface Box {}
"""


def kinds_by_line(path: str, text: str) -> list[set[str]]:
    syntax = line_syntax(path, text)
    assert syntax.parses, syntax.reason
    return [{LINE_KINDS[k] for k in np.flatnonzero(row)} for row in syntax.kinds]


def test_python_lines_get_their_kinds() -> None:
    kinds = kinds_by_line("a.py", PYTHON)
    assert kinds[0] == {"import"} and kinds[1] == {"decorator"} and kinds[2] == {"def"}
    assert kinds[3] == kinds[4] == {"string"}  # a docstring's continuation line is inside the string
    assert kinds[5] == {"comment"}
    assert kinds[6] == kinds[8] == kinds[10] == {"condition"}  # if, elif, else
    assert kinds[7] == {"logging"} and kinds[9] == {"assignment"} and kinds[11] == {"exception"}
    assert kinds[12] == {"loop"} and kinds[13] == {"assignment"}
    assert kinds[14] == kinds[17] == kinds[19] == {"exception"}  # try, except, finally
    assert kinds[15] == {"with"} and kinds[18] == {"logging"}
    assert kinds[21] == {"assert"} and kinds[22] == {"return"} and kinds[24] == {"closing"}
    assert kinds[25] == {"class"}


def test_typescript_lines_mean_what_python_lines_mean() -> None:
    kinds = kinds_by_line("src/a.ts", TYPESCRIPT)
    assert kinds[0] == {"import"} and kinds[1] == {"decorator"} and kinds[2] == {"def"}
    assert kinds[3] == {"assignment"} and kinds[4] == {"string"}
    assert kinds[5] == {"comment"}
    assert kinds[6] == kinds[8] == kinds[10] == {"condition"}  # if, else if, else
    assert kinds[7] == {"logging"} and kinds[9] == {"assignment"} and kinds[11] == {"exception"}
    assert kinds[13] == {"loop"} and kinds[14] == {"assignment"}
    assert kinds[16] == kinds[18] == kinds[20] == {"exception"}  # try, catch, finally
    assert kinds[19] == {"logging"} and kinds[23] == {"assert"} and kinds[24] == {"return"}
    assert kinds[26] == {"closing"} and kinds[28] == {"class"}


def test_tsx_files_read_with_the_tsx_grammar() -> None:
    text = "export const App = () => {\n  return <div className='x'>{items}</div>;\n};\n"
    assert not line_syntax("App.ts", text).parses  # JSX is not TypeScript
    assert kinds_by_line("App.tsx", text)[:2] == [{"def", "assignment"}, {"return"}]


def test_a_file_that_does_not_parse_says_why_and_has_no_kinds() -> None:
    for path, text in (("a.py", "def broken(:\n    pass\n"), ("a.ts", "x\nfunction (: {\n")):
        syntax = line_syntax(path, text)
        assert not syntax.parses and syntax.reason is not None and "syntax error at line" in syntax.reason
        assert not syntax.kinds.any()
    other = line_syntax("main.go", "package main\n")
    assert other.reason == "no parser for go" and other.language == "go"
    assert "neutral" in NEUTRAL_ONLY


def test_languages_by_extension() -> None:
    assert [language_of(p) for p in ("a.py", "b.TS", "c.tsx", "d.go", "Makefile")] == [
        "python",
        "typescript",
        "typescript",
        "go",
        "other",
    ]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["a.py", "a.ts", "a.tsx", "a.rs"]))
def test_any_text_gives_one_row_per_line_and_never_raises(text: str, path: str) -> None:
    syntax = line_syntax(path, text)
    assert syntax.kinds.shape == (text.count("\n") + 1, len(LINE_KINDS))
    assert syntax.parses == (syntax.reason is None)
    assert set(np.unique(syntax.kinds)) <= {0.0, 1.0}
