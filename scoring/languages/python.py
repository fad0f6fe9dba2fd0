"""Line kinds of Python source from the standard library's parser: `ast` for statements, `tokenize` for the
lines a syntax tree does not keep (comments, `else:` and `finally:` headers, string continuation lines).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings

import numpy as np

from scoring.languages import KIND_INDEX, PYTHON, LineSyntax, empty_kinds

CLOSING = re.compile(r"^[)\]}]+[,:;]?$")
LOGGING_ROOTS = re.compile(r"^(print|log\w*|logger|logging)$")
STATEMENT_KINDS: dict[type[ast.AST], str] = {
    ast.FunctionDef: "def",
    ast.AsyncFunctionDef: "def",
    ast.ClassDef: "class",
    ast.Import: "import",
    ast.ImportFrom: "import",
    ast.Return: "return",
    ast.If: "condition",
    ast.Match: "condition",
    ast.match_case: "condition",
    ast.For: "loop",
    ast.AsyncFor: "loop",
    ast.While: "loop",
    ast.Try: "exception",
    ast.TryStar: "exception",
    ast.ExceptHandler: "exception",
    ast.Raise: "exception",
    ast.With: "with",
    ast.AsyncWith: "with",
    ast.Assert: "assert",
    ast.Assign: "assignment",
    ast.AugAssign: "assignment",
    ast.AnnAssign: "assignment",
}
# Headers that the syntax tree folds into their statement: the line's first token names them.
HEADER_KINDS = {"else": "condition", "finally": "exception"}
# Python 3.12 splits an f-string into start, middle and end tokens; a line that starts in any is in a string.
STRING_TOKENS = frozenset(
    {
        tokenize.STRING,
        *(
            getattr(tokenize, f"{prefix}STRING_{part}")
            for prefix in ("F", "T")
            for part in ("START", "MIDDLE", "END")
            if hasattr(tokenize, f"{prefix}STRING_{part}")
        ),
    }
)


def _root_name(node: ast.expr) -> str | None:
    """The leftmost name of a callee chain: `logger` in `logger.info(...)`, `print` in `print(...)`."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.value if not isinstance(node, ast.Call) else node.func
    return node.id if isinstance(node, ast.Name) else None


def _mark(kinds: np.ndarray, line: int, kind: str) -> None:
    if 1 <= line <= len(kinds):
        kinds[line - 1, KIND_INDEX[kind]] = 1.0


def line_syntax(text: str, n_lines: int) -> LineSyntax:
    source = text.replace("\r\n", "\n").replace("\r", " ")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in the PR's strings are not ours
            tree = ast.parse(source)
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except SyntaxError as error:
        return LineSyntax(PYTHON, False, f"syntax error at line {error.lineno}", empty_kinds(n_lines))
    except (tokenize.TokenError, ValueError, RecursionError, MemoryError) as error:
        return LineSyntax(PYTHON, False, f"does not parse ({type(error).__name__})", empty_kinds(n_lines))
    kinds = empty_kinds(n_lines)
    try:
        for node in ast.walk(tree):
            kind = STATEMENT_KINDS.get(type(node))
            if kind is not None:
                # A match case has no position of its own in Python 3.11: its pattern's is where it starts.
                where = node.pattern if isinstance(node, ast.match_case) else node
                _mark(kinds, getattr(where, "lineno", 0), kind)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                for decorator in node.decorator_list:
                    _mark(kinds, decorator.lineno, "decorator")
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                root = _root_name(node.value.func)
                if root is not None and LOGGING_ROOTS.match(root):
                    _mark(kinds, node.lineno, "logging")
    except RecursionError:
        return LineSyntax(PYTHON, False, "does not parse (nested too deeply)", empty_kinds(n_lines))
    first_token_seen: set[int] = set()
    for token in tokens:
        if token.type in (
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.ENDMARKER,
        ):
            continue
        line = token.start[0]
        if token.type in STRING_TOKENS:
            # A string that spans lines: its continuation lines start inside it.
            for inner in range(line + 1, token.end[0] + 1):
                if inner not in first_token_seen:
                    first_token_seen.add(inner)
                    _mark(kinds, inner, "string")
        if line in first_token_seen:
            continue
        first_token_seen.add(line)
        if token.type == tokenize.COMMENT:
            _mark(kinds, line, "comment")
        elif token.type in STRING_TOKENS:
            _mark(kinds, line, "string")
        elif token.type == tokenize.NAME and token.string in HEADER_KINDS:
            _mark(kinds, line, HEADER_KINDS[token.string])
    for number, line_text in enumerate(source.split("\n")[:n_lines], start=1):
        if CLOSING.match(line_text.strip()):
            _mark(kinds, number, "closing")
    return LineSyntax(PYTHON, True, None, kinds)
