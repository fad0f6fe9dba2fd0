"""STATIC and STRUCTURE signals of TypeScript (and TSX) source from tree-sitter's grammars: the features
scoring.static reads from Python's `ast`, each on the construct it means there.

- a statement's kind (StatementKind): `if`/`while`/`do` are conditions, `return`/`throw`/`yield` return,
  declarations and assignments (`=`, `+=`, `++`) assign, `for` loops, a statement that is only a call
  (`await` or `new` included) calls, functions, methods, classes, interfaces, enums and type aliases (and
  the decorators above them) define, `import` and `export ... from` import; a compound statement counts by
  its header lines only, a simple one by its lines less the statement blocks inside it (a callback's body);
- blocks (statement blocks, class, interface and enum bodies, switch cases' statements, a brace-less body)
  give the depth; `else if` is its `if`'s level, as `elif`;
- a function is a function declaration or expression, a method or an arrow function with a block body (an
  arrow with an expression body is a lambda, which Python does not count either); branches are `if`, loops,
  `catch`, switch cases and `&&`/`||`/`??` chains (a chain of one operator is one, as a BoolOp); a ternary is
  a control element, not a branch, as Python's conditional expression.

Pure: text in, arrays out; no input raises. A text whose tree has an ERROR or a MISSING node gives all-zero
signals and parses 0, as a Python text that does not parse (scoring.languages.line_syntax says where).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from scoring import static
from scoring.languages import typescript
from scoring.static import StatementKind

if TYPE_CHECKING:
    import tree_sitter

KIND_OF_TYPE: dict[str, StatementKind] = {
    "if_statement": StatementKind.CONDITION,
    "while_statement": StatementKind.CONDITION,
    "do_statement": StatementKind.CONDITION,
    "return_statement": StatementKind.RETURN,
    "throw_statement": StatementKind.RETURN,
    "lexical_declaration": StatementKind.ASSIGN,
    "variable_declaration": StatementKind.ASSIGN,
    "public_field_definition": StatementKind.ASSIGN,
    "enum_assignment": StatementKind.ASSIGN,
    "for_statement": StatementKind.LOOP,
    "for_in_statement": StatementKind.LOOP,
    "function_declaration": StatementKind.DEF,
    "generator_function_declaration": StatementKind.DEF,
    "function_signature": StatementKind.DEF,
    "method_definition": StatementKind.DEF,
    "method_signature": StatementKind.DEF,
    "abstract_method_signature": StatementKind.DEF,
    "class_declaration": StatementKind.DEF,
    "abstract_class_declaration": StatementKind.DEF,
    "interface_declaration": StatementKind.DEF,
    "enum_declaration": StatementKind.DEF,
    "type_alias_declaration": StatementKind.DEF,
    "decorator": StatementKind.DEF,  # a method's decorator is its sibling in the class body
    "import_statement": StatementKind.IMPORT,
}
EXPRESSION_KINDS: dict[str, StatementKind] = {
    "call_expression": StatementKind.CALL,
    "new_expression": StatementKind.CALL,
    "yield_expression": StatementKind.RETURN,
    "assignment_expression": StatementKind.ASSIGN,
    "augmented_assignment_expression": StatementKind.ASSIGN,
    "update_expression": StatementKind.ASSIGN,
}
# Nodes whose named children are statements, and the blocks they add around them.
STATEMENT_CONTAINERS = {
    "program": 0,
    "statement_block": 1,
    "class_body": 1,
    "interface_body": 1,
    "enum_body": 1,
}
BODY_FIELD = {  # the body of a compound statement; not a statement block: a brace-less body, one block in
    "if_statement": "consequence",
    "for_statement": "body",
    "for_in_statement": "body",
    "while_statement": "body",
    "do_statement": "body",
}
COMPOUND = frozenset(
    {
        *BODY_FIELD,
        "try_statement",
        "switch_statement",
        "function_declaration",
        "generator_function_declaration",
        "method_definition",
        "class_declaration",
        "abstract_class_declaration",
        "interface_declaration",
        "enum_declaration",
    }
)
# What a pattern writes: names, and members or items (`[this.a, b[0]] = pair`).
TARGET_TYPES = frozenset(
    {"identifier", "shorthand_property_identifier_pattern", "member_expression", "subscript_expression"}
)
NOT_HEADER = frozenset({"body", "consequence", "alternative", "handler", "finalizer"})
CONTROL_TYPES = frozenset(
    {
        "if_statement",
        "for_statement",
        "for_in_statement",
        "while_statement",
        "do_statement",
        "try_statement",
        "switch_statement",
        "ternary_expression",
    }
)
BRANCH_TYPES = frozenset(
    {
        "if_statement",
        "for_statement",
        "for_in_statement",
        "while_statement",
        "do_statement",
        "catch_clause",
        "switch_case",
        "switch_default",
    }
)
COMPARE_OPERATORS = frozenset({"==", "===", "!=", "!==", "<", ">", "<=", ">=", "instanceof", "in"})
LOGICAL_OPERATORS = frozenset({"&&", "||", "??"})
FUNCTION_TYPES = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "function_expression",
        "generator_function",
        "method_definition",
        "arrow_function",
    }
)
NAMED_DECLARATIONS = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "function_signature",
        "function_expression",
        "generator_function",
        "class_declaration",
        "abstract_class_declaration",
        "class",
        "enum_declaration",
        "interface_declaration",
        "type_alias_declaration",
    }
)
# Values a TypeScript file may read without declaring or importing them: the ECMAScript globals, the common
# browser and Node.js ones, and the test runners' (jest, vitest, mocha), which test files read undeclared.
KNOWN_GLOBALS = frozenset(
    {
        *("globalThis", "undefined", "NaN", "Infinity", "arguments", "eval", "isNaN", "isFinite"),
        *("parseInt", "parseFloat", "encodeURI", "encodeURIComponent", "decodeURI", "decodeURIComponent"),
        *("Object", "Function", "Array", "String", "Number", "Boolean", "Symbol", "BigInt", "Date", "RegExp"),
        *("Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError"),
        *("AggregateError", "Promise", "Proxy", "Reflect", "JSON", "Math", "Intl", "Atomics"),
        *("Map", "Set", "WeakMap", "WeakSet", "WeakRef", "FinalizationRegistry", "ArrayBuffer", "DataView"),
        *("SharedArrayBuffer", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array"),
        *("Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array"),
        *("console", "window", "document", "navigator", "location", "history", "localStorage"),
        *("sessionStorage", "fetch", "Request", "Response", "Headers", "FormData", "Blob", "File", "URL"),
        *("URLSearchParams", "TextEncoder", "TextDecoder", "AbortController", "AbortSignal", "crypto"),
        *("performance", "setTimeout", "clearTimeout", "setInterval", "clearInterval", "queueMicrotask"),
        *("requestAnimationFrame", "cancelAnimationFrame", "structuredClone", "atob", "btoa", "alert"),
        *("Event", "CustomEvent", "EventTarget", "Element", "HTMLElement", "Node", "WebSocket", "Worker"),
        *("self", "global", "process", "Buffer", "require", "module", "exports", "__dirname", "__filename"),
        *("describe", "it", "test", "expect", "beforeEach", "afterEach", "beforeAll", "afterAll"),
        *("jest", "vi", "suite", "before", "after"),
    }
)
# A line's TypeScript tokens: a string or template literal is one operand, a comment is no token.
_TS_TOKEN = re.compile(
    r"(?P<comment>//.*|/\*.*?(?:\*/|$))"
    r"|(?P<string>\"(?:\\.|[^\"\\])*\"?|'(?:\\.|[^'\\])*'?|`(?:\\.|[^`\\])*`?)"
    r"|(?P<number>\.?\d[\w.]*)"
    r"|(?P<name>[^\W\d][\w$]*|\$[\w$]*)"
    r"|(?P<op>>>>=|===|!==|\*\*=|<<=|>>=|>>>|&&=|\|\|=|\?\?=|\.\.\.|=>|\?\.|\?\?|\*\*|\+\+|--|&&|\|\|"
    r"|<<|>>|[-+*/%&|^<>=!]=|[^\w\s])"
)
_OPERAND_KEYWORDS = frozenset({"true", "false", "null", "undefined"})  # Python's True, False, None
# Reserved words and TypeScript's declaration keywords; `this` is an operand name, as Python's `self`.
_OPERATOR_KEYWORDS = frozenset(
    {
        *("break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do"),
        *("else", "enum", "export", "extends", "finally", "for", "function", "if", "import", "in"),
        *("instanceof", "new", "return", "super", "switch", "throw", "try", "typeof", "var", "void"),
        *("while", "with", "yield", "let", "static", "await", "async", "of", "as", "implements"),
        *("interface", "private", "protected", "public", "readonly", "declare", "abstract", "keyof"),
        *("namespace", "satisfies", "type"),
    }
)


@dataclass(slots=True)
class _Statement:
    node: tree_sitter.Node
    depth: int
    first_row: int
    inner: list[tuple[int, int]] = field(default_factory=list)  # rows of blocks inside a simple statement


@dataclass(slots=True)
class _Function:
    first_row: int
    last_row: int
    start_byte: int
    end_byte: int
    parent: int  # the function it is nested in, -1 at module level
    params: int
    structural: bool  # a function of STRUCTURE; an arrow with an expression body only scopes names
    declared: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Facts:
    """What one walk of the tree gathers; rows are 0-based."""

    statements: list[_Statement] = field(default_factory=list)
    blocks: list[tuple[int, int]] = field(default_factory=list)
    functions: list[_Function] = field(default_factory=list)
    compare: list[tuple[int, int]] = field(default_factory=list)
    numbers: list[tuple[int, int]] = field(default_factory=list)
    subscripts: list[tuple[int, int]] = field(default_factory=list)
    control: list[int] = field(default_factory=list)
    branches: list[int] = field(default_factory=list)
    calls: list[int] = field(default_factory=list)
    writes: list[int] = field(default_factory=list)
    declared: set[str] = field(default_factory=set)
    skipped: set[int] = field(default_factory=set)  # ids of identifiers that declare, not reference
    pure_writes: set[int] = field(default_factory=set)  # ids of `x` in `x = ...`
    references: list[tuple[str, int]] = field(default_factory=list)  # (name, row) of every reference
    reads: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # name -> start bytes
    # (name, row, function it is in, whether it declares the name there) of `x = ...` and `const x = ...`
    assignments: list[tuple[str, int, int, bool]] = field(default_factory=list)


def analyse(text: str, tsx: bool = False) -> static.StaticLines:
    """STATIC signals of `text` per line, scoring.static.FEATURES as scoring.static.analyse gives them."""
    return _signals(text, tsx)[0]


def structure(text: str, tsx: bool = False) -> static.Structure:
    """STRUCTURE of `text` per line, as scoring.static.structure gives it for Python."""
    return _signals(text, tsx)[1]


@functools.lru_cache(maxsize=static.CACHE_TEXTS)
def _signals(text: str, tsx: bool) -> tuple[static.StaticLines, static.Structure]:
    n_rows = text.count("\n") + 1
    tree = typescript.parse(text, tsx)
    if tree is None or tree.root_node.has_error:
        return static.empty_static(n_rows), static.empty_structure(n_rows)
    facts = _walk(tree.root_node)
    return _static_lines(facts, n_rows), _structure(facts, n_rows)


def _named(node: tree_sitter.Node) -> list[tree_sitter.Node]:
    return [child for child in node.named_children if child.type != "comment"]


def _targets(pattern: tree_sitter.Node) -> list[tree_sitter.Node]:
    """What a binding or assignment pattern writes: its identifiers and member or subscript targets."""
    out, pending = [], [pattern]
    while pending:
        node = pending.pop()
        kind = node.type
        if kind in TARGET_TYPES:
            out.append(node)
        elif kind in ("object_pattern", "array_pattern", "rest_pattern"):
            pending += reversed(_named(node))
        elif kind == "pair_pattern":
            pending += [n for n in [node.child_by_field_name("value")] if n is not None]
        elif kind in ("assignment_pattern", "object_assignment_pattern"):
            pending += [n for n in [node.child_by_field_name("left")] if n is not None]
    return out


def _text(node: tree_sitter.Node) -> str:
    return node.text.decode("utf-8", "replace") if node.text is not None else ""


def _operator(node: tree_sitter.Node) -> str:
    operator = node.child_by_field_name("operator")
    return operator.type if operator is not None else ""


def _walk(root: tree_sitter.Node) -> _Facts:
    """One pre-order walk (iterative: no recursion limit) over the whole tree."""
    facts = _Facts()
    # (node, blocks around it, index of the statement it is in, of the function it is in, is a statement,
    # first row when it is a statement that an `export`/`declare`/label in front of it starts earlier)
    stack: list[tuple[tree_sitter.Node, int, int, int, bool, int]] = [(root, 0, -1, -1, False, -1)]
    while stack:
        node, blocks, statement, function, is_statement, first_row = stack.pop()
        kind = node.type
        if is_statement and kind in ("export_statement", "ambient_declaration", "labeled_statement"):
            inner = node.child_by_field_name("declaration")
            if inner is None:
                inner = node.child_by_field_name("body")
            if inner is None and kind == "ambient_declaration":
                inner = next(iter(_named(node)), None)
            if inner is not None:  # transparent: the statement is what it wraps, from the wrapper's row
                start = node.start_point.row if first_row < 0 else first_row
                wrapped = _named(node)[::-1]
                stack += [(child, blocks, statement, function, child == inner, start) for child in wrapped]
                continue
        if is_statement:
            start = node.start_point.row if first_row < 0 else first_row
            facts.statements.append(_Statement(node, blocks, start))
            statement = len(facts.statements) - 1
        if kind in FUNCTION_TYPES:
            function = _function(node, function, facts)
        _record(node, kind, function, facts)
        children = _named(node)
        roles = _roles(node, kind, children, facts, statement)
        stack += [
            (child, blocks + delta, statement, function, child_is_statement, -1)
            for child, (delta, child_is_statement) in zip(children[::-1], roles[::-1], strict=True)
        ]
    return facts


def _roles(
    node: tree_sitter.Node, kind: str, children: list[tree_sitter.Node], facts: _Facts, statement: int
) -> list[tuple[int, bool]]:
    """For each named child: (blocks it adds, whether it is a statement); records the blocks it opens."""

    def block(first: tree_sitter.Node, last: tree_sitter.Node) -> None:
        rows = (first.start_point.row, last.end_point.row)
        facts.blocks.append(rows)
        if statement >= 0:
            facts.statements[statement].inner.append(rows)

    if kind in STATEMENT_CONTAINERS:
        delta = STATEMENT_CONTAINERS[kind]
        if delta and children:
            block(children[0], children[-1])
        return [(delta, True)] * len(children)
    if kind in ("switch_case", "switch_default"):
        body = node.children_by_field_name("body")
        body_ids = {child.id for child in body}
        body = [child for child in body if child.type != "comment"]
        if body:
            block(body[0], body[-1])
        return [(1, True) if child.id in body_ids else (0, False) for child in children]
    if kind == "else_clause" or kind in BODY_FIELD:
        body_node = children[0] if kind == "else_clause" and children else None
        if kind in BODY_FIELD:
            body_node = node.child_by_field_name(BODY_FIELD[kind])
        roles = []
        for child in children:
            if body_node is None or child.id != body_node.id or child.type == "statement_block":
                roles.append((0, False))
            elif kind == "else_clause" and child.type == "if_statement":
                roles.append((0, True))  # `else if` is its `if`'s level, as `elif`
            else:
                block(child, child)
                roles.append((1, True))
        return roles
    return [(0, False)] * len(children)


def _function(node: tree_sitter.Node, parent: int, facts: _Facts) -> int:
    first = node.start_point.row
    sibling = node.prev_named_sibling
    while sibling is not None and sibling.type in ("decorator", "comment"):  # a method's decorators
        first = min(first, sibling.start_point.row) if sibling.type == "decorator" else first
        sibling = sibling.prev_named_sibling
    parameters = node.child_by_field_name("parameters")
    params = len(_named(parameters)) if parameters is not None else 0
    if node.child_by_field_name("parameter") is not None:  # `x => ...`
        params = 1
    body = node.child_by_field_name("body")
    structural = node.type != "arrow_function" or (body is not None and body.type == "statement_block")
    facts.functions.append(
        _Function(first, node.end_point.row, node.start_byte, node.end_byte, parent, params, structural)
    )
    return len(facts.functions) - 1


def _record(node: tree_sitter.Node, kind: str, function: int, facts: _Facts) -> None:
    """Control, calls, writes, flags, declarations and references of one node."""
    row = node.start_point.row

    def declare(names: list[tree_sitter.Node], write: bool, scope: int = function) -> None:
        for name in names:
            if name.type in ("identifier", "shorthand_property_identifier_pattern", "type_identifier"):
                facts.skipped.add(name.id)
                facts.declared.add(_text(name))
                if scope >= 0:
                    facts.functions[scope].declared.add(_text(name))
            if write:
                facts.writes.append(name.start_point.row)

    if kind in CONTROL_TYPES:
        facts.control.append(row)
    if kind in BRANCH_TYPES:
        facts.branches.append(row)
    if kind == "binary_expression":
        operator = _operator(node)
        span = (row, node.end_point.row)
        if operator in COMPARE_OPERATORS:
            facts.control.append(row)
            facts.compare.append(span)
        elif operator in LOGICAL_OPERATORS:
            parent = node.parent
            # `a && b && c` is one chain, as Python's one BoolOp; a parenthesised operand is its own.
            if parent is None or parent.type != "binary_expression" or _operator(parent) != operator:
                facts.control.append(row)
                facts.branches.append(row)
    elif kind == "number":
        facts.numbers.append((row, node.end_point.row))
    elif kind == "subscript_expression":
        index = node.child_by_field_name("index")
        if index is not None:
            facts.subscripts.append((index.start_point.row, index.end_point.row))
    elif kind in ("call_expression", "new_expression"):
        callee = node.child_by_field_name("function" if kind == "call_expression" else "constructor")
        facts.calls.append((node if callee is None else callee).end_point.row)
    elif kind in ("identifier", "shorthand_property_identifier"):
        if node.id not in facts.skipped:
            spelled = _text(node)
            facts.references.append((spelled, row))
            if node.id not in facts.pure_writes:
                facts.reads[spelled].append(node.start_byte)
    elif kind == "variable_declarator":
        name = node.child_by_field_name("name")
        if name is not None:
            declare(_targets(name), write=True)
            if name.type == "identifier" and node.child_by_field_name("value") is not None:
                facts.assignments.append((_text(name), name.start_point.row, function, True))
    elif kind == "assignment_expression":
        left = node.child_by_field_name("left")
        if left is not None:
            targets = _targets(left)
            facts.writes += [target.start_point.row for target in targets]
            facts.pure_writes.update(t.id for t in targets if t.type == "identifier")
            if left.type == "identifier":
                facts.assignments.append((_text(left), left.start_point.row, function, False))
    elif kind in ("augmented_assignment_expression", "update_expression"):
        target = node.child_by_field_name("left" if kind == "augmented_assignment_expression" else "argument")
        # One write; the target is also read, as `x += 1` reads x.
        facts.writes.append((node if target is None else target).start_point.row)
    elif kind == "public_field_definition":
        facts.writes.append(row)
    elif kind in ("required_parameter", "optional_parameter", "catch_clause"):
        pattern = node.child_by_field_name("parameter" if kind == "catch_clause" else "pattern")
        if pattern is not None:
            declare(_targets(pattern), write=False)
    elif kind == "for_in_statement":
        left = node.child_by_field_name("left")
        if left is not None:
            declare(_targets(left), write=True)
    elif kind == "arrow_function":
        parameter = node.child_by_field_name("parameter")
        if parameter is not None:
            declare([parameter], write=False)
    if kind in NAMED_DECLARATIONS or kind in ("index_signature", "type_predicate"):
        name = node.child_by_field_name("name")
        # A function declaration's name is bound in the scope around it; an expression's, in its own.
        scope = function
        if kind in ("function_declaration", "generator_function_declaration") and function >= 0:
            scope = facts.functions[function].parent
        if name is not None:
            declare([name], write=False, scope=scope)
    elif kind in ("internal_module", "module"):
        name = node.child_by_field_name("name")
        pending = [name] if name is not None else []
        while pending:
            part = pending.pop()
            declare([part], write=False)
            pending += _named(part)
    elif kind in ("import_clause", "namespace_import", "import_require_clause"):
        declare([child for child in _named(node) if child.type == "identifier"][:1], write=False)
    elif kind == "import_specifier":
        name, alias = node.child_by_field_name("name"), node.child_by_field_name("alias")
        bound = alias if alias is not None else name
        if bound is not None:
            declare([bound], write=False)
        if alias is not None and name is not None:
            facts.skipped.add(name.id)
    elif kind == "export_specifier":
        alias = node.child_by_field_name("alias")
        exported = node.parent.parent if node.parent is not None else None
        if exported is not None and exported.child_by_field_name("source") is not None:
            facts.skipped.update(child.id for child in _named(node))  # `export { a } from "m"` reads no `a`
        elif alias is not None:
            facts.skipped.add(alias.id)
    elif kind in ("jsx_opening_element", "jsx_closing_element", "jsx_self_closing_element"):
        name = node.child_by_field_name("name")
        if name is not None and name.type == "identifier" and not _text(name)[:1].isupper():
            facts.skipped.add(name.id)  # <div>: an intrinsic element, no name in scope


def _own_rows(statement: _Statement) -> set[int]:
    """The rows a statement's kind and depth mark: a compound statement's header (an `if`'s condition, a
    function's signature, a `do`'s `do` and `while` lines), a simple statement's rows less its blocks."""
    node, first = statement.node, statement.first_row
    if node.type in COMPOUND:
        body_start = None
        for index, child in enumerate(node.children):
            if node.field_name_for_child(index) in ("body", "consequence"):
                body_start = child.start_byte
                break
        last, after = first, set[int]()
        for index, child in enumerate(node.children):
            header = child.is_named and child.type != "comment"
            if not header or node.field_name_for_child(index) in NOT_HEADER:
                continue
            if body_start is None or child.start_byte < body_start:
                last = max(last, child.end_point.row)
            else:
                after.update(range(child.start_point.row, child.end_point.row + 1))
        return set(range(first, last + 1)) | after
    rows = set(range(first, node.end_point.row + 1))
    for start, end in statement.inner:
        rows -= set(range(start, end + 1))
    return rows


def _kind(node: tree_sitter.Node) -> StatementKind | None:
    if node.type == "expression_statement":
        children = _named(node)
        expression = children[0] if children else None
        if expression is not None and expression.type == "await_expression":
            inner = _named(expression)
            expression = inner[0] if inner else None
        return EXPRESSION_KINDS.get(expression.type) if expression is not None else None
    if node.type == "export_statement":
        return StatementKind.IMPORT if node.child_by_field_name("source") is not None else None
    return KIND_OF_TYPE.get(node.type)


def _static_lines(facts: _Facts, n_rows: int) -> static.StaticLines:
    values = {name: np.zeros(n_rows, dtype=np.float32) for name in static.FEATURES}

    def mark(name: str, rows: set[int] | range | list[int], value: float = 1.0) -> None:
        for row in rows:
            if 0 <= row < n_rows:
                values[name][row] = max(values[name][row], value)

    values["parses"][:] = 1.0
    for statement in facts.statements:
        rows = _own_rows(statement)
        mark("ast_depth", rows, statement.depth / static.DEPTH_SCALE_BLOCKS)
        kind = _kind(statement.node)
        if kind is not None:
            mark(f"ast_kind_{kind}", rows)
    for name, spans in (
        ("has_compare", facts.compare),
        ("has_numeric_literal", facts.numbers),
        ("has_subscript", facts.subscripts),
    ):
        for first, last in spans:
            mark(name, range(first, last + 1))
    known = facts.declared | KNOWN_GLOBALS
    mark("undefined_name", [row for name, row in facts.references if name not in known])
    mark("unused_assignment", _unused_rows(facts))
    for array in values.values():
        array.flags.writeable = False  # shared through the cache
    return static.StaticLines(True, True, values)


def _unused_rows(facts: _Facts) -> list[int]:
    """Rows where a function assigns a plain name (`const x = ...`, `x = ...`) that the function declaring it
    never reads, in itself or in a function nested in it; names starting with "_" are meant unused.

    Why approximate: the name's function is the innermost one around the assignment that declares it (a
    parameter, a declaration, a function's name), and a read is any reference to the name inside that
    function's text, whatever block it is in. So block scopes and shadowing are not told apart (a read of a
    shadowing `x` in an inner block counts as reading the outer one): it errs towards 'read', never flags a
    name JavaScript reads, and module-level names (read from other modules) are never flagged, as in Python.
    """
    rows = []
    for name, row, function, declared_here in facts.assignments:
        if function < 0 or name.startswith("_"):
            continue
        owner = function
        while not declared_here and owner >= 0 and name not in facts.functions[owner].declared:
            owner = facts.functions[owner].parent
        if owner < 0:
            continue
        scope = facts.functions[owner]
        reads = facts.reads.get(name, [])
        first = bisect.bisect_left(reads, scope.start_byte)
        if first == len(reads) or reads[first] >= scope.end_byte:
            rows.append(row)
    return rows


def _structure(facts: _Facts, n_rows: int) -> static.Structure:
    control, calls, writes = (np.zeros(n_rows) for _ in range(3))
    for counts, rows in ((control, facts.control), (calls, facts.calls), (writes, facts.writes)):
        np.add.at(counts, np.clip(np.asarray(rows, dtype=np.int64), 0, n_rows - 1), 1.0)
    steps = np.zeros(n_rows + 1)
    for first, last in facts.blocks:
        steps[first] += 1
        steps[min(last, n_rows - 1) + 1] -= 1
    depth = np.cumsum(steps)[:n_rows]
    owner = np.full(n_rows, -1, dtype=np.int64)  # innermost function around each row
    functions = [f for f in facts.functions if f.structural]
    for index, function in enumerate(functions):  # pre-order: an inner function comes after its outer one
        owner[function.first_row : min(function.last_row, n_rows - 1) + 1] = index
    branches = np.zeros(len(functions) + 1)
    for row in facts.branches:
        branches[owner[min(row, n_rows - 1)]] += 1  # index -1 (no function) collects the rest
    values = {"control": control, "calls": calls, "writes": writes, "depth": depth}
    function_values = {name: np.zeros(n_rows) for name in static.STRUCTURE_FUNCTION}
    first_of, last_of = np.zeros(n_rows, dtype=np.int64), np.zeros(n_rows, dtype=np.int64)
    for index, function in enumerate(functions):
        mine = np.flatnonzero(owner == index)
        if not len(mine):
            continue
        first, last = function.first_row, min(function.last_row, n_rows - 1)
        function_values["function_branches"][mine] = branches[index]
        function_values["function_lines"][mine] = last - first + 1
        function_values["function_depth"][mine] = depth[first : last + 1].max() - depth[first]
        function_values["function_params"][mine] = function.params
        first_of[mine], last_of[mine] = first + 1, last + 1  # 1-based lines, as scoring.static's
    return static.Structure(True, values | function_values, first_of, last_of)


def token_structure(line: str) -> tuple[float, float, float, float]:
    """(tokens, mean and longest identifier length, Halstead volume N log2 n) of one line of TypeScript, as
    scoring.static.token_structure of Python: keywords and punctuation are operators; names (`this`
    included, as Python's `self`), numbers, strings and true/false/null/undefined operands; comments are
    ignored."""
    return static.halstead(line, _TS_TOKEN, _OPERATOR_KEYWORDS, _OPERAND_KEYWORDS)
