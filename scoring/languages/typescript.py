"""Line kinds of TypeScript (and TSX) source from tree-sitter's grammars.

Each kind is a tree-sitter query; a line has the kind when a captured node starts on it (definitions: when
the defined name is on it, so a decorator above a method is its own line, as in Python).
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

import numpy as np

from scoring.languages import CACHE_TEXTS, KIND_INDEX, TYPESCRIPT, LineSyntax, empty_kinds

if TYPE_CHECKING:
    import tree_sitter

CLOSING = re.compile(r"^[)\]}]+[,:;]?$")
ASSERT_ROOTS = frozenset({"assert", "expect"})
LOGGING_ROOTS = re.compile(r"^(console|print|log\w*|logger|logging)$")
FUNCTION_VALUE = "[(arrow_function) (function_expression) (generator_function)]"
KIND_QUERY = f"""
(function_declaration name: (_) @def)
(generator_function_declaration name: (_) @def)
(function_signature name: (_) @def)
(method_definition name: (_) @def)
(method_signature name: (_) @def)
(abstract_method_signature name: (_) @def)
(variable_declarator name: (_) @def value: {FUNCTION_VALUE})
(public_field_definition name: (_) @def value: {FUNCTION_VALUE})
(class_declaration name: (_) @class)
(abstract_class_declaration name: (_) @class)
(interface_declaration name: (_) @class)
(enum_declaration name: (_) @class)
(type_alias_declaration name: (_) @class)
(import_statement) @import
(return_statement) @return
[(if_statement) (else_clause) (switch_statement) (switch_case) (switch_default)] @condition
[(for_statement) (for_in_statement) (while_statement) (do_statement)] @loop
[(try_statement) (catch_clause) (finally_clause) (throw_statement)] @exception
(decorator) @decorator
(lexical_declaration (variable_declarator value: (_))) @assignment
(variable_declaration (variable_declarator value: (_))) @assignment
(public_field_definition value: (_)) @assignment
(expression_statement [(assignment_expression) (augmented_assignment_expression)]) @assignment
(expression_statement) @statement
[(comment) (string) (template_string)] @text
"""


@functools.cache
def _grammar(tsx: bool) -> tuple[tree_sitter.Parser, tree_sitter.Query]:
    import tree_sitter
    import tree_sitter_typescript

    language = tree_sitter.Language(
        tree_sitter_typescript.language_tsx() if tsx else tree_sitter_typescript.language_typescript()
    )
    return tree_sitter.Parser(language), tree_sitter.Query(language, KIND_QUERY)


def _root_name(node: tree_sitter.Node) -> str | None:
    """The leftmost identifier of a statement's expression: `expect` in `await expect(a).toBe(b)`."""
    for _ in range(64):  # a chain deeper than this is no logging or assertion call
        if node.type == "identifier":
            return node.text.decode("utf-8", "replace") if node.text is not None else None
        child = node.child_by_field_name("function") or node.child_by_field_name("object")
        if child is None:
            child = node.named_child(0) if node.type in ("expression_statement", "await_expression") else None
        if child is None:
            return None
        node = child
    return None


def _first_error_line(root: tree_sitter.Node) -> int:
    node = root
    while True:
        child = next((c for c in node.children if c.has_error or c.is_missing), None)
        if child is None or node.is_error or node.is_missing:
            return node.start_point.row + 1
        node = child


@functools.lru_cache(maxsize=CACHE_TEXTS)
def parse(text: str, tsx: bool = False) -> tree_sitter.Tree | None:
    """The syntax tree of `text` (errors included: see `has_error`), parsed once for its line kinds and its
    static and structure signals; None when tree-sitter-typescript is not installed."""
    try:
        parser, _ = _grammar(tsx)
    except ImportError:
        return None
    return parser.parse(text.encode("utf-8", "surrogatepass"))


def line_syntax(text: str, n_lines: int, tsx: bool = False) -> LineSyntax:
    tree = parse(text, tsx)
    if tree is None:
        reason = "no parser for typescript (tree-sitter-typescript is not installed)"
        return LineSyntax(TYPESCRIPT, False, reason, empty_kinds(n_lines))
    import tree_sitter

    _, query = _grammar(tsx)
    source = text.encode("utf-8", "surrogatepass")
    if tree.root_node.has_error:
        reason = f"syntax error at line {_first_error_line(tree.root_node)}"
        return LineSyntax(TYPESCRIPT, False, reason, empty_kinds(n_lines))
    rows = source.split(b"\n")[:n_lines]
    first_column = np.array([len(row) - len(row.lstrip()) for row in rows] + [0] * (n_lines - len(rows)))
    kinds = empty_kinds(n_lines)

    def mark(row: int, kind: str) -> None:
        if 0 <= row < n_lines:
            kinds[row, KIND_INDEX[kind]] = 1.0

    for name, nodes in tree_sitter.QueryCursor(query).captures(tree.root_node).items():
        for node in nodes:
            row = node.start_point.row
            if name == "statement":
                root = _root_name(node)
                if root in ASSERT_ROOTS:
                    mark(row, "assert")
                elif root is not None and LOGGING_ROOTS.match(root):
                    mark(row, "logging")
            elif name == "text":
                kind = "comment" if node.type == "comment" else "string"
                if node.start_point.column == first_column[row]:
                    mark(row, kind)
                end = node.end_point
                for inner in range(row + 1, min(end.row, n_lines - 1) + 1):
                    if inner < end.row or first_column[inner] < end.column:
                        mark(inner, kind)
            else:
                mark(row, name)
    for number, row_text in enumerate(rows):
        if CLOSING.match(row_text.strip().decode("utf-8", "replace")):
            mark(number, "closing")
    return LineSyntax(TYPESCRIPT, True, None, kinds)
