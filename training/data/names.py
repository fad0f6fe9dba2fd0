"""Give a passing candidate the generated program's names before diffing the two.

A reference that calls its parameter `test_str` where the generated program says `s` differs from it
on every line that uses the name, and a patch built from that diff labels all those lines edited
although the bug sits on one of them. Renaming is only a guess at equivalence: every program built
from a renamed candidate still goes through the oracle. Pure; stdlib only; never raises.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import io
import keyword
import tokenize
from collections import defaultdict

_RESERVED = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | {"self"}
_Token = tuple[int, int, int, str]  # row (1-based), start column, end column, text


def adopt_names(generated: str, candidate: str) -> str:
    """`candidate` with the generated program's parameter names (matched by function and position),
    then its local names wherever aligned lines differ only in them; `candidate` unchanged when
    either program does not parse."""
    try:
        ours, theirs = ast.parse(generated), ast.parse(candidate)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return candidate
    renamed = _adopt_parameters(ours, theirs, candidate)
    return _adopt_aligned_names(generated, renamed)


def _adopt_parameters(ours: ast.Module, theirs: ast.Module, candidate: str) -> str:
    wanted = {node.name: node for node in ast.walk(ours) if isinstance(node, _FUNCTIONS)}
    for node in ast.walk(theirs):
        if not isinstance(node, _FUNCTIONS) or node.name not in wanted:
            continue
        old, new = _parameters(node), _parameters(wanted[node.name])
        mapping = {a: b for a, b in zip(old, new, strict=False) if a != b} if len(old) == len(new) else {}
        used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | set(old)
        if mapping and not any(b in used - mapping.keys() for b in mapping.values()):
            candidate = rename(candidate, mapping, range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return candidate


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    return [a.arg for a in (*node.args.posonlyargs, *node.args.args)]


def _adopt_aligned_names(generated: str, candidate: str) -> str:
    """Rename a candidate name to a generated one when every aligned pair of lines that differs only in
    names maps it the same way, and the generated name is not already taken in the candidate."""
    ours, theirs = _line_tokens(generated), _line_tokens(candidate)
    if ours is None or theirs is None:
        return candidate
    votes: dict[str, set[str]] = defaultdict(set)
    matcher = difflib.SequenceMatcher(None, _shapes(ours), _shapes(theirs), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace":
            continue
        for mine, other in zip(ours[i1:i2], theirs[j1:j2], strict=False):
            for a, b in _name_differences(mine, other):
                votes[b].add(a)
    taken = {t[3] for line in theirs for t in line} | _RESERVED
    mapping = {b: a.pop() for b, a in votes.items() if len(a) == 1 and b not in _RESERVED}
    targets = list(mapping.values())
    mapping = {b: a for b, a in mapping.items() if a not in taken and targets.count(a) == 1}
    return rename(candidate, mapping) if mapping else candidate


def _shapes(lines: list[list[_Token]]) -> list[str]:
    return [" ".join(token[3] for token in line) for line in lines]


def _name_differences(mine: list[_Token], other: list[_Token]) -> list[tuple[str, str]]:
    """(our name, their name) for each differing name token, or [] unless the lines differ in nothing else."""
    if len(mine) != len(other):
        return []
    pairs = []
    for a, b in zip(mine, other, strict=True):
        if a[3] == b[3]:
            continue
        if not (a[3].isidentifier() and b[3].isidentifier()):
            return []
        pairs.append((a[3], b[3]))
    return pairs


def _line_tokens(code: str) -> list[list[_Token]] | None:
    """The code's significant tokens line by line (names, operators, literals; no comments), or None."""
    lines: list[list[_Token]] = [[] for _ in code.split("\n")]
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type in skip or token.type == tokenize.ENDMARKER:
                continue
            row, start = token.start
            if token.end[0] == row and row <= len(lines):
                lines[row - 1].append((row, start, token.end[1], token.string))
    except (tokenize.TokenError, SyntaxError):
        return None
    return [line for line in lines if line]


def rename(code: str, mapping: dict[str, str], rows: range | None = None) -> str:
    """Every name token of `code` in `mapping` (on `rows`, 1-based, when given) replaced at once, except
    attributes (after a dot) and keyword arguments."""
    lines = code.split("\n")
    edits: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    previous = ""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return code
    for index, token in enumerate(tokens):
        row, start = token.start
        following = tokens[index + 1].string if index + 1 < len(tokens) else ""
        if (
            token.type == tokenize.NAME
            and token.string in mapping
            and previous != "."
            and not (following == "=" and _inside_call(tokens, index))
            and (rows is None or row in rows)
        ):
            edits[row - 1].append((start, token.end[1], mapping[token.string]))
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            previous = token.string
    for row, changes in edits.items():
        line = lines[row]
        for start, end, text in sorted(changes, reverse=True):
            line = line[:start] + text + line[end:]
        lines[row] = line
    return "\n".join(lines)


def _inside_call(tokens: list[tokenize.TokenInfo], index: int) -> bool:
    """Whether the name at `index` sits directly inside the round brackets of a call (so `name=` is a
    keyword argument; in a `def name(` parameter list it is a default and is renamed)."""
    depth = 0
    for at in range(index - 1, -1, -1):
        text = tokens[at].string
        if text in ")]}":
            depth += 1
        elif text in "([{":
            if depth == 0:
                return text == "(" and not (at >= 2 and tokens[at - 2].string == "def")
            depth -= 1
        elif tokens[at].type == tokenize.NEWLINE:
            return False
    return False
