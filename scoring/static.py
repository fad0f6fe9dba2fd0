"""Static-analysis signals of Python source per line (statement kind, block depth, comparisons, numeric
literals, subscripts, undefined names, unused assignments), mapped to tokens as extra probe features.

Pure: stdlib `ast` only, nothing is run or imported; no input raises. A text that parses neither as a module
nor as a window cut out of one (another language, broken code) gives all-zero signals and `parses` = 0.
"""

from __future__ import annotations

import ast
import builtins
import enum
import functools
import keyword
import math
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from scoring.windows import TokenizedText, line_starts

DEPTH_SCALE_BLOCKS = 4.0  # ast_depth = enclosing blocks / 4: unit range for ordinary code, like `indent`
WINDOW_TRIM_LINES = 3  # lines a window of a file may cut mid-statement at either end
CACHE_TEXTS = 8  # token_features asks for every feature of one text in a row: parse it once
# Names every module can load without binding them; the rest of the builtins come from the interpreter.
IMPLICIT_NAMES = frozenset(
    {
        "__file__",
        "__builtins__",
        "__annotations__",
        "__path__",
        "__cached__",
        "__class__",
        "__qualname__",
        "__module__",
    }
)
KNOWN_NAMES = IMPLICIT_NAMES | frozenset(dir(builtins))
BODY_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


class StatementKind(enum.StrEnum):
    """Kinds of statement a line can belong to (a compound statement by its header lines only)."""

    CONDITION = "condition"  # if / elif / while test, assert
    RETURN = "return"  # return, raise, yield statement: hands a value or an error back
    ASSIGN = "assign"  # =, +=, annotated assignment
    LOOP = "loop"  # for header
    CALL = "call"  # a statement that is only a call
    DEF = "def"  # def / class header, decorators included
    IMPORT = "import"


NODES_OF_KIND: dict[StatementKind, tuple[type[ast.stmt], ...]] = {
    StatementKind.CONDITION: (ast.If, ast.While, ast.Assert),
    StatementKind.RETURN: (ast.Return, ast.Raise),  # a yield statement is an ast.Expr: see _kind
    StatementKind.ASSIGN: (ast.Assign, ast.AugAssign, ast.AnnAssign),
    StatementKind.LOOP: (ast.For, ast.AsyncFor),
    StatementKind.DEF: (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef),
    StatementKind.IMPORT: (ast.Import, ast.ImportFrom),
}
KIND_OF_NODE = {node: kind for kind, nodes in NODES_OF_KIND.items() for node in nodes}
FLAGS = ("has_compare", "has_numeric_literal", "has_subscript", "undefined_name", "unused_assignment")
FEATURES = ("parses", "ast_depth", *(f"ast_kind_{kind}" for kind in StatementKind), *FLAGS)


@dataclass(frozen=True, slots=True)
class StaticLines:
    """Static signals of one text: values[name][i] is feature `name` on 1-based line i + 1, lines split on
    "\\n" exactly as TokenizedText splits them.

    parses:       the text parses as Python, as a whole module or as a window cut out of a file (`parses`
                  is 1 on every line); otherwise every feature is 0 on every line
    whole_module: it parses as it is; only then are names resolved (undefined_name, unused_assignment),
                  since a window's names may be bound outside it
    """

    parses: bool
    whole_module: bool
    values: dict[str, np.ndarray]

    def lines_with(self, name: str) -> list[int]:
        """1-based lines where feature `name` is non-zero."""
        return [int(i) + 1 for i in np.flatnonzero(self.values[name])]


def token_values(name: str, text: TokenizedText) -> np.ndarray:
    """[tokens] value of static feature `name` on the line each token starts on."""
    values: np.ndarray = analyse(text.text).values[name][text.line_of_token() - 1]
    return values


STATIC_FEATURES: dict[str, Callable[[TokenizedText], np.ndarray]] = {
    name: functools.partial(token_values, name) for name in FEATURES
}


@functools.lru_cache(maxsize=CACHE_TEXTS)
def analyse(text: str) -> StaticLines:
    """Per-line static signals of `text`; never raises."""
    n_lines = len(line_starts(text))
    # Python also breaks lines at a lone "\r"; TokenizedText does not. "\r\n" -> "\n" keeps line numbers,
    # and a lone "\r" becomes a space so both agree on which line is which.
    source = text.replace("\r\n", "\n").replace("\r", " ")
    whole = _parse_module(source)
    parsed = (whole, 0) if whole is not None else _parse_window(source)
    values = {name: np.zeros(n_lines, dtype=np.float32) for name in FEATURES}
    if parsed is not None:
        try:
            _fill(*parsed, values, n_lines, resolve_names=whole is not None)
        except RecursionError:  # absurdly deep expressions: give up as for an unparsable text
            parsed = whole = None
            values = {name: np.zeros(n_lines, dtype=np.float32) for name in FEATURES}
    for array in values.values():
        array.flags.writeable = False  # shared through the cache
    return StaticLines(parsed is not None, whole is not None, values)


def _parse(source: str) -> ast.Module | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences and the like warn at parse time
        try:
            return ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            return None


@functools.lru_cache(maxsize=CACHE_TEXTS)
def _parse_module(source: str) -> ast.Module | None:
    """A whole text's tree, shared by analyse and structure (nothing changes a tree once parsed)."""
    return _parse(source)


def _parse_window(source: str) -> tuple[ast.Module, int] | None:
    """Parse a window cut out of a file (a PR hunk's context, an in-the-wild example): dummy `if 1:` blocks
    open the indentation levels it starts in, and up to WINDOW_TRIM_LINES lines cut mid-statement may be
    dropped at either end, keeping at least half of its code lines. Returns the tree and the number to add
    to its line numbers."""
    lines = source.split("\n")
    code = [_is_code(line) for line in lines]
    for first in range(min(WINDOW_TRIM_LINES, len(lines) - 1) + 1):
        for cut in range(min(WINDOW_TRIM_LINES, len(lines) - first - 1) + 1):
            body = lines[first : len(lines) - cut]
            kept = sum(code[first : len(lines) - cut])
            headers = _open_blocks(body)
            if kept == 0 or 2 * kept < sum(code) or not (first or cut or headers):
                continue
            tree = _parse("\n".join([*headers, *body]))
            if tree is not None:
                return tree, first - len(headers)
    return None


def _is_code(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _open_blocks(lines: list[str]) -> list[str]:
    """`if 1:` headers at every indentation level below the first code line's, outermost first."""
    indents = [line[: len(line) - len(line.lstrip(" \t"))] for line in lines if _is_code(line)]
    if not indents or not indents[0]:
        return []
    levels = sorted({"", *(i for i in indents if len(i) < len(indents[0]))}, key=len)
    return [f"{level}if 1:" for level in levels]


def _fill(
    tree: ast.Module, offset: int, values: dict[str, np.ndarray], n_lines: int, resolve_names: bool
) -> None:
    def mark(name: str, lines: Iterable[int], value: float = 1.0) -> None:
        for line in lines:
            if 1 <= line + offset <= n_lines:
                values[name][line + offset - 1] = max(values[name][line + offset - 1], value)

    values["parses"][:] = 1.0
    for statement, depth in _statements(tree.body, 0):
        lines = _own_lines(statement)
        mark("ast_depth", lines, depth / DEPTH_SCALE_BLOCKS)
        kind = _kind(statement)
        if kind is not None:
            mark(f"ast_kind_{kind}", lines)
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            mark("has_compare", _span(node))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float, complex):
            mark("has_numeric_literal", _span(node))
        elif isinstance(node, ast.Subscript):
            mark("has_subscript", _span(node.slice))
    if resolve_names:
        scopes = _Scopes(tree)
        mark("undefined_name", scopes.undefined_lines())
        mark("unused_assignment", scopes.unused_assignment_lines())


def _span(node: ast.AST) -> range:
    first = getattr(node, "lineno", 0)
    return range(first, (getattr(node, "end_lineno", None) or first) + 1)


def _kind(statement: ast.stmt) -> StatementKind | None:
    if isinstance(statement, ast.Expr):
        value = statement.value.value if isinstance(statement.value, ast.Await) else statement.value
        if isinstance(value, ast.Call):
            return StatementKind.CALL
        return StatementKind.RETURN if isinstance(value, ast.Yield | ast.YieldFrom) else None
    return KIND_OF_NODE.get(type(statement))


def _statements(body: list[ast.stmt], depth: int) -> Iterator[tuple[ast.stmt, int]]:
    """Every statement with the number of blocks around it (an `elif` counts as its `if`'s level)."""
    for statement in body:
        yield statement, depth
        for name in BODY_FIELDS:
            children = getattr(statement, name, None) or []
            elif_ = (
                name == "orelse"
                and len(children) == 1
                and isinstance(children[0], ast.If)
                and children[0].col_offset == statement.col_offset
            )
            for child in children:
                if isinstance(child, ast.stmt):
                    yield from _statements([child], depth if elif_ else depth + 1)
                else:  # an except handler or a match case: its body is one block in
                    yield from _statements(child.body, depth + 1)


def _own_lines(statement: ast.stmt) -> range:
    """The lines of a simple statement, or of a compound statement's header (decorators to the colon)."""
    first = min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", ()))])
    if not any(getattr(statement, name, None) for name in BODY_FIELDS):
        return range(first, (statement.end_lineno or statement.lineno) + 1)
    last = statement.lineno
    for name, value in ast.iter_fields(statement):
        if name in BODY_FIELDS:
            continue
        for part in value if isinstance(value, list) else [value]:
            if isinstance(part, ast.AST):
                last = max([last, *(getattr(n, "end_lineno", None) or 0 for n in ast.walk(part))])
    return range(first, last + 1)


class ScopeKind(enum.StrEnum):
    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"  # def, lambda
    COMPREHENSION = "comprehension"


@dataclass(slots=True, eq=False)
class _Scope:
    kind: ScopeKind
    parent: _Scope | None
    bound: set[str] = field(default_factory=set)
    declared_global: set[str] = field(default_factory=set)
    declared_nonlocal: set[str] = field(default_factory=set)
    loads: list[tuple[str, int]] = field(default_factory=list)  # (name, line)
    assignments: list[tuple[str, int]] = field(default_factory=list)  # plain `name = ...` targets
    children: list[_Scope] = field(default_factory=list)


class _Scopes:
    """Python's name binding rules over one module: which loads resolve nowhere, which plain assignments in
    a function are never read (in it or in any scope nested in it)."""

    def __init__(self, tree: ast.Module) -> None:
        self.module = _Scope(ScopeKind.MODULE, None)
        self.star_import = False
        self._collect(tree)

    def _new(self, kind: ScopeKind, parent: _Scope) -> _Scope:
        scope = _Scope(kind, parent)
        parent.children.append(scope)
        return scope

    def _collect(self, tree: ast.Module) -> None:
        # Iterative, so long chains such as `a + b + ... + z` do not hit the recursion limit here.
        stack: list[tuple[ast.AST, _Scope]] = [(tree, self.module)]
        while stack:
            node, scope = stack.pop()
            opened = self._open(node, scope)
            if opened is not None:
                stack += opened
                continue
            self._record(node, scope)
            # A walrus target binds outside any comprehension: _record did it; only the value is left.
            children = [node.value] if isinstance(node, ast.NamedExpr) else ast.iter_child_nodes(node)
            stack += [(child, scope) for child in children]

    def _open(self, node: ast.AST, scope: _Scope) -> list[tuple[ast.AST, _Scope]] | None:
        """For a node that opens a scope: its parts, each with the scope it is evaluated in."""
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            arguments = node.args
            every = [
                *arguments.posonlyargs,
                *arguments.args,
                *arguments.kwonlyargs,
                *(a for a in (arguments.vararg, arguments.kwarg) if a),
            ]
            outer: list[ast.AST] = [*arguments.defaults, *(d for d in arguments.kw_defaults if d)]
            if not isinstance(node, ast.Lambda):
                scope.bound.add(node.name)
                outer += [*node.decorator_list, *(a.annotation for a in every if a.annotation)]
                outer += [node.returns] if node.returns else []
            body = self._new(ScopeKind.FUNCTION, scope)
            body.bound.update(a.arg for a in every)
            inside = node.body if isinstance(node.body, list) else [node.body]
            return [(n, scope) for n in outer] + [(n, body) for n in inside]
        if isinstance(node, ast.ClassDef):
            scope.bound.add(node.name)
            body = self._new(ScopeKind.CLASS, scope)
            outer = [*node.decorator_list, *node.bases, *node.keywords]
            return [(n, scope) for n in outer] + [(n, body) for n in node.body]
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            body = self._new(ScopeKind.COMPREHENSION, scope)
            first, *rest = node.generators
            elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            # The first iterable is evaluated outside the comprehension's scope.
            return [(first.iter, scope)] + [(n, body) for n in [first.target, *first.ifs, *rest, *elements]]
        return None

    def _record(self, node: ast.AST, scope: _Scope) -> None:
        """Bindings, declarations and loads of one node that does not open a scope."""
        if isinstance(node, ast.Name):
            self._name(node, scope)
        elif isinstance(node, ast.Global):
            scope.declared_global.update(node.names)
        elif isinstance(node, ast.Nonlocal):
            scope.declared_nonlocal.update(node.names)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                self.star_import |= alias.name == "*"
                scope.bound.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            scope.bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            scope.bound.add(node.rest)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            scope.loads.append((node.target.id, node.target.lineno))  # `x += 1` reads x
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr):
            self._assignment(node, scope)

    def _name(self, node: ast.Name, scope: _Scope) -> None:
        if isinstance(node.ctx, ast.Store):
            scope.bound.add(node.id)
        else:  # Load, and Del, which needs a binding just as much
            scope.loads.append((node.id, node.lineno))

    def _assignment(self, node: ast.Assign | ast.AnnAssign | ast.NamedExpr, scope: _Scope) -> None:
        if isinstance(node, ast.NamedExpr):
            target_scope = scope
            while target_scope.parent is not None and target_scope.kind is ScopeKind.COMPREHENSION:
                target_scope = target_scope.parent
            target_scope.bound.add(node.target.id)
            target_scope.assignments.append((node.target.id, node.target.lineno))
            return
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if node.value else []
        scope.assignments += [(t.id, t.lineno) for t in targets if isinstance(t, ast.Name)]

    def _module_bound(self) -> set[str]:
        bound = set(self.module.bound)
        for scope in _subtree(self.module):
            bound |= scope.bound & scope.declared_global
        return bound

    def undefined_lines(self) -> list[int]:
        if self.star_import:
            return []
        module_bound = self._module_bound()
        return [
            line
            for scope in _subtree(self.module)
            for name, line in scope.loads
            if not self._resolves(name, scope, module_bound)
        ]

    @staticmethod
    def _resolves(name: str, scope: _Scope, module_bound: set[str]) -> bool:
        if name in scope.declared_nonlocal:
            return True
        if name in scope.declared_global or scope.kind is ScopeKind.MODULE:
            return name in module_bound or name in KNOWN_NAMES
        if name in scope.bound:
            return True
        outer = scope.parent
        while outer is not None and outer.kind is not ScopeKind.MODULE:
            # Nested scopes see enclosing functions and comprehensions, never an enclosing class body.
            visible = outer.kind is not ScopeKind.CLASS and name not in outer.declared_global
            if visible and name in outer.bound:
                return True
            outer = outer.parent
        return name in module_bound or name in KNOWN_NAMES

    def unused_assignment_lines(self) -> list[int]:
        lines = []
        for scope in _subtree(self.module):
            if scope.kind is not ScopeKind.FUNCTION:
                continue  # module and class names are read from outside
            read = {name for inner in _subtree(scope) for name, _ in inner.loads}
            skip = scope.declared_global | scope.declared_nonlocal
            lines += [
                line
                for name, line in scope.assignments
                if name not in read and name not in skip and not name.startswith("_")
            ]
        return lines


def _subtree(scope: _Scope) -> Iterator[_Scope]:
    pending = [scope]
    while pending:
        current = pending.pop()
        yield current
        pending += current.children


# ----------------------------------------------------------------------------- structure and complexity

STRUCTURE_LINE = ("control", "calls", "writes", "depth")
STRUCTURE_FUNCTION = ("function_branches", "function_lines", "function_depth", "function_params")
STRUCTURE_TOKENS = ("tokens", "name_mean", "name_max", "volume")
CONTROL_NODES = (
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.Try,
    ast.TryStar,
    ast.With,
    ast.AsyncWith,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Match,
)
BRANCH_NODES = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.ExceptHandler, ast.BoolOp, ast.match_case)
FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
WRITE_NODES = (ast.Name, ast.Attribute, ast.Subscript)
# A line's Python tokens: a string literal is one operand, a comment is no token.
_PY_TOKEN = re.compile(
    r"(?P<comment>#.*)"
    r"|(?P<string>[rbfuRBFU]{0,2}(?:\"\"\"|'''|\"(?:\\.|[^\"\\])*\"?|'(?:\\.|[^'\\])*'?))"
    r"|(?P<number>\.?\d[\w.]*)"
    r"|(?P<name>[^\W\d]\w*)"
    r"|(?P<op>\*\*=?|//=?|>>=?|<<=?|->|:=|\.\.\.|[-+*/%@&|^<>=!]=|[^\w\s])"
)
_OPERAND_KEYWORDS = frozenset({"True", "False", "None"})
_OPERATOR_KEYWORDS = frozenset(keyword.kwlist) - _OPERAND_KEYWORDS


@dataclass(frozen=True, slots=True)
class Structure:
    """Structure of one module per line (1-based line i + 1 at index i, lines split on "\\n").

    values[name] for name in STRUCTURE_LINE + STRUCTURE_FUNCTION: control elements (if/for/while/try/with/
    match, boolean ops, comparisons, conditional expressions) starting on the line, calls whose callee ends
    on it, writes (name, attribute and subscript assignment targets) on it, blocks around it; and of the
    innermost function around it (0 at module level): branches (if/for/while/except/boolean ops/match
    cases, nested functions' own excluded), lines from decorators to its end, its deepest block counted
    from its body, its parameters. function_first/last: that function's line span, 0 outside any.
    """

    parses: bool
    values: dict[str, np.ndarray]
    function_first: np.ndarray
    function_last: np.ndarray


@functools.lru_cache(maxsize=CACHE_TEXTS)
def structure(text: str) -> Structure:
    """Per-line structure of `text` as a whole module; a text that does not parse gives zeros. No raise."""
    n_lines = len(line_starts(text))
    tree = _parse_module(text.replace("\r\n", "\n").replace("\r", " "))
    if tree is not None:
        try:
            return _structure(tree, n_lines)
        except RecursionError:
            pass
    return empty_structure(n_lines)


def empty_static(n_lines: int) -> StaticLines:
    """The static signals of a text that does not parse: every feature 0 on every line, `parses` too."""
    values = {name: np.zeros(n_lines, dtype=np.float32) for name in FEATURES}
    for array in values.values():
        array.flags.writeable = False  # shared through the caches
    return StaticLines(False, False, values)


def empty_structure(n_lines: int) -> Structure:
    """The structure of a text that does not parse: zeros, `parses` False."""
    zeros = np.zeros(n_lines, dtype=np.int64)
    return Structure(
        False, {name: np.zeros(n_lines) for name in (*STRUCTURE_LINE, *STRUCTURE_FUNCTION)}, zeros, zeros
    )


def _structure(tree: ast.Module, n_lines: int) -> Structure:
    size = n_lines + 2  # room for a node's line number past the text's last line
    control, calls, writes, depth, branches = (np.zeros(size) for _ in range(5))
    owner = np.full(size, -1, dtype=np.int64)  # innermost function around each line
    functions: list[tuple[int, int, int]] = []  # (first, last, parameters)
    nodes = list(ast.walk(tree))  # breadth first: an outer block comes before the blocks inside it
    for node in nodes:
        if isinstance(node, ast.stmt | ast.ExceptHandler | ast.match_case):
            for name in BODY_FIELDS:
                children = getattr(node, name, None)
                # An except handler's or a match case's body is one block in, as in _statements.
                if not children or name in ("handlers", "cases"):
                    continue
                elif_ = (
                    name == "orelse"
                    and len(children) == 1
                    and isinstance(children[0], ast.If)
                    and children[0].col_offset == getattr(node, "col_offset", -1)
                )
                if not elif_:
                    depth[_first_line(children[0]) : _last_line(children[-1]) + 1] += 1
            if isinstance(node, FUNCTION_NODES):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                last = min(node.end_lineno or node.lineno, n_lines)
                arguments = node.args
                params = (
                    len(arguments.posonlyargs)
                    + len(arguments.args)
                    + len(arguments.kwonlyargs)
                    + (arguments.vararg is not None)
                    + (arguments.kwarg is not None)
                )
                owner[first : last + 1] = len(functions)
                functions.append((first, last, params))
    for node in nodes:
        line = _first_line(node)
        if not 1 <= line <= n_lines:
            continue
        if isinstance(node, CONTROL_NODES):
            control[line] += 1
        if isinstance(node, ast.Call):
            calls[min(n_lines, getattr(node.func, "end_lineno", None) or line)] += 1
        elif isinstance(node, WRITE_NODES) and isinstance(node.ctx, ast.Store):
            writes[line] += 1
        if isinstance(node, BRANCH_NODES) and owner[line] >= 0:
            branches[owner[line]] += 1
    values = {"control": control, "calls": calls, "writes": writes, "depth": depth}
    function_values = {name: np.zeros(size) for name in STRUCTURE_FUNCTION}
    first_of, last_of = np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64)
    for index, (first, last, params) in enumerate(functions):
        mine = np.flatnonzero(owner[: n_lines + 1] == index)
        if not len(mine):
            continue
        function_values["function_branches"][mine] = branches[index]
        function_values["function_lines"][mine] = last - first + 1
        function_values["function_depth"][mine] = depth[first : last + 1].max() - depth[first]
        function_values["function_params"][mine] = params
        first_of[mine], last_of[mine] = first, last
    values |= function_values
    return Structure(
        True,
        {name: array[1 : n_lines + 1] for name, array in values.items()},
        first_of[1 : n_lines + 1],
        last_of[1 : n_lines + 1],
    )


def _first_line(node: ast.AST) -> int:
    """A block's first line; a match case has no line of its own, its pattern has."""
    return node.pattern.lineno if isinstance(node, ast.match_case) else int(getattr(node, "lineno", 0))


def _last_line(node: ast.AST) -> int:
    if isinstance(node, ast.match_case):
        return _last_line(node.body[-1])
    end: int | None = getattr(node, "end_lineno", None)
    start: int = getattr(node, "lineno", 0)
    return end or start


def token_structure(line: str) -> tuple[float, float, float, float]:
    """(tokens, mean and longest identifier length, Halstead volume N log2 n) of one line of Python: keywords
    and punctuation are operators; names, numbers, strings, True/False/None operands; comments are ignored."""
    return halstead(line, _PY_TOKEN, _OPERATOR_KEYWORDS, _OPERAND_KEYWORDS)


def halstead(
    line: str, tokens: re.Pattern[str], operator_words: frozenset[str], operand_words: frozenset[str]
) -> tuple[float, float, float, float]:
    """`token_structure` for a language's token pattern (groups comment, op, name and the operand kinds) and
    its keywords that read as operators or as literal operands."""
    operators: list[str] = []
    operands: list[str] = []
    names: list[int] = []
    for match in tokens.finditer(line):
        kind, token = match.lastgroup, match.group()
        if kind == "comment":
            continue
        if kind == "op" or (kind == "name" and token in operator_words):
            operators.append(token)
        else:
            operands.append(token)
            if kind == "name" and token not in operand_words:
                names.append(len(token))
    total = len(operators) + len(operands)
    distinct = len(set(operators)) + len(set(operands))
    volume = total * math.log2(distinct) if distinct > 1 else 0.0
    mean = sum(names) / len(names) if names else 0.0
    return float(total), mean, float(max(names, default=0)), volume
