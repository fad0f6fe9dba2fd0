"""Which language a file is in, and what a real parser of that language says about each of its lines.

One interface over one parser per language (Python's `ast` and `tokenize`; tree-sitter's TypeScript and
TSX grammars), so a line kind means the same thing in every language: a condition is an `if`, `elif`,
`else`, `switch` case or `match` case wherever it is written. The same parsers give each line's static
signals and structure (`static_lines`, `structure`, `token_structure`: scoring.static's features, read
from Python's `ast` or, for TypeScript, `scoring.languages.typescript_static`). Files of other languages,
and files whose parser fails, get no kinds and zero static and structure signals and say why; the
features that need no parser (length, indentation, hunk and file shape, history) do not depend on any of
this.

Pure: text in, arrays out; nothing is run or imported from the text, and no input raises.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import PurePosixPath

import numpy as np

from scoring import static

PYTHON = "python"
TYPESCRIPT = "typescript"
# Languages a parser reads: their lines get line kinds and structure; the rest only the neutral features.
PARSED_LANGUAGES = (PYTHON, TYPESCRIPT)
NEUTRAL_ONLY = "scored with language-neutral features only"
EXTENSION_LANGUAGES = {
    ".py": PYTHON,
    ".pyi": PYTHON,
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".ts": TYPESCRIPT,
    ".tsx": TYPESCRIPT,
    ".mts": TYPESCRIPT,
    ".cts": TYPESCRIPT,
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".kt": "kotlin",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".hpp": "cpp",
    ".cs": "csharp",
    ".rb": "ruby",
    ".php": "php",
    ".swift": "swift",
    ".scala": "scala",
    ".sh": "shell",
    ".sql": "sql",
    # Not code a parser reads, but named so coverage says "yaml 12 lines" rather than "other".
    ".yml": "yaml",
    ".yaml": "yaml",
    ".json": "json",
    ".toml": "toml",
    ".md": "markdown",
    ".rst": "restructuredtext",
    ".txt": "text",
    ".html": "html",
    ".css": "css",
    ".scss": "css",
    ".ini": "ini",
    ".cfg": "ini",
}
# What each line kind means, in words a reviewer reads; the same in every parsed language.
LINE_KINDS = (
    "def",  # a function or method is defined here (its name is on this line)
    "class",  # a class, interface, enum or type alias is defined here
    "import",  # an import statement starts here
    "return",  # a return statement starts here
    "condition",  # if / elif / else / switch / case / match starts here
    "loop",  # for / while / do starts here
    "exception",  # try / except / catch / finally / raise / throw starts here
    "with",  # a with (context manager) statement starts here
    "decorator",  # a decorator starts here
    "comment",  # the line's first token is a comment
    "string",  # the line's first token is (inside) a string literal
    "assert",  # an assertion statement (assert, expect(...), assert(...)) starts here
    "closing",  # the line holds only closing brackets and separators
    "assignment",  # an assignment or a variable declaration with a value starts here
    "logging",  # a statement that only logs or prints (print, console.*, logger.*, log*) starts here
)
KIND_INDEX = {kind: k for k, kind in enumerate(LINE_KINDS)}
CACHE_TEXTS = 8  # a file's features ask for its syntax once per family: parse it once


def language_of(path: str) -> str:
    """The language a path's extension names ("other" when none is known)."""
    return EXTENSION_LANGUAGES.get(PurePosixPath(path).suffix.lower(), "other")


@dataclass(frozen=True, slots=True)
class LineSyntax:
    """What a parser says about each line of one file (lines split on "\\n", line i + 1 at row i).

    kinds[i, KIND_INDEX[k]] is 1 when line i + 1 is of kind k; all zero when the file did not parse.
    reason: why the file was not parsed (a syntax error's line, no parser for the language), else None.
    """

    language: str
    parses: bool
    reason: str | None
    kinds: np.ndarray  # [lines x LINE_KINDS], float64 0/1, read-only


def empty_kinds(n_lines: int) -> np.ndarray:
    return np.zeros((n_lines, len(LINE_KINDS)), dtype=np.float64)


@functools.lru_cache(maxsize=CACHE_TEXTS)
def line_syntax(path: str, text: str) -> LineSyntax:
    """The line kinds of `text`, the file at `path`, from its language's parser. Never raises."""
    from scoring.languages import python, typescript

    language = language_of(path)
    n_lines = text.count("\n") + 1
    if language == PYTHON:
        syntax = python.line_syntax(text, n_lines)
    elif language == TYPESCRIPT:
        syntax = typescript.line_syntax(text, n_lines, tsx=path.lower().endswith(".tsx"))
    else:
        syntax = LineSyntax(language, False, f"no parser for {language}", empty_kinds(n_lines))
    syntax.kinds.flags.writeable = False  # shared through the cache
    return syntax


def static_lines(path: str, text: str) -> static.StaticLines:
    """The STATIC signals (scoring.static.FEATURES per line) of `text`, the file at `path`, from its
    language's parser; all zero with `parses` False for another language or a file that does not parse.
    Never raises."""
    language = language_of(path)
    if language == PYTHON:
        return static.analyse(text)
    if language == TYPESCRIPT:
        from scoring.languages import typescript_static

        return typescript_static.analyse(text, tsx=path.lower().endswith(".tsx"))
    return static.empty_static(text.count("\n") + 1)


def structure(path: str, text: str) -> static.Structure:
    """The STRUCTURE of `text`, the file at `path`, per line from its language's parser; zeros with
    `parses` False for another language or a file that does not parse. Never raises."""
    language = language_of(path)
    if language == PYTHON:
        return static.structure(text)
    if language == TYPESCRIPT:
        from scoring.languages import typescript_static

        return typescript_static.structure(text, tsx=path.lower().endswith(".tsx"))
    return static.empty_structure(text.count("\n") + 1)


def token_structure(path: str, line: str) -> tuple[float, float, float, float]:
    """(tokens, mean and longest identifier length, Halstead volume) of one line of the file at `path`,
    read with its language's tokens (Python's for a language without a parser)."""
    if language_of(path) == TYPESCRIPT:
        from scoring.languages import typescript_static

        return typescript_static.token_structure(line)
    return static.token_structure(line)


def clear_caches() -> None:
    """Forget every parse: a benchmark times each file as a review that meets it first would."""
    from scoring.languages import typescript, typescript_static

    for cached in (
        line_syntax,
        static.analyse,
        static.structure,
        static._parse_module,
        typescript.parse,
        typescript_static._signals,
    ):
        cached.cache_clear()
