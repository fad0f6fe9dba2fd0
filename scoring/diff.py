"""Parse unified diffs (git's, or GitHub's per-file `patch`) into FileDiff / Hunk / DiffLine values.

Pure: text or bytes in, frozen dataclasses out. A file that cannot be scored (binary, deleted, huge,
not UTF-8, mode change, submodule, symlink, no patch) is kept with a SkipReason, never dropped.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

import unidiff

from scoring.errors import DiffParseError

# A file adding more lines than this is reported as skipped rather than scored line by line:
# such files are nearly always generated or vendored, and scoring them dominates the run time.
MAX_ADDED_LINES_PER_FILE = 5000

_GIT_HEADER = re.compile(rb"^diff --git ", re.MULTILINE)
_SUBMODULE_MODE = "160000"
_SYMLINK_MODE = "120000"
_DEV_NULL = "/dev/null"


class LineKind(enum.StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CONTEXT = "context"


class ChangeKind(enum.StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"
    RENAMED = "renamed"


class SkipReason(enum.StrEnum):
    """Why a file's lines are not scored; the value is what the coverage line shows."""

    BINARY = "binary"
    DELETED = "deleted"
    HUGE = "too large"
    NOT_UTF8 = "not UTF-8"
    MODE_ONLY = "mode change only"
    RENAME_ONLY = "renamed without changes"
    SUBMODULE = "submodule"
    SYMLINK = "symlink"
    NO_PATCH = "no patch (binary or too large for GitHub)"
    NO_ADDED_LINES = "no added lines"
    UNPARSABLE = "patch could not be parsed"
    NO_TEXT = "file not readable at head"
    TOO_LARGE_FOR_API = "over 1 MB (GitHub's contents API sends no text)"


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line of a hunk. old_line / new_line are 1-based file line numbers (None on the side it lacks)."""

    kind: LineKind
    text: str
    old_line: int | None
    new_line: int | None


@dataclass(frozen=True, slots=True)
class Hunk:
    """One `@@ -old_start,old_length +new_start,new_length @@` block."""

    old_start: int
    old_length: int
    new_start: int
    new_length: int
    lines: tuple[DiffLine, ...]

    @property
    def added(self) -> tuple[DiffLine, ...]:
        return tuple(line for line in self.lines if line.kind is LineKind.ADDED)

    @property
    def new_end(self) -> int:
        """Last new-file line the hunk covers (GitHub accepts RIGHT-side comments on new_start..new_end)."""
        return self.new_start + max(self.new_length, 1) - 1


@dataclass(frozen=True, slots=True)
class FileDiff:
    """The change to one file. path is the new path (the old one for a deleted file)."""

    path: str
    old_path: str | None
    change: ChangeKind
    hunks: tuple[Hunk, ...] = ()
    skip: SkipReason | None = None

    @property
    def added(self) -> tuple[DiffLine, ...]:
        return tuple(line for hunk in self.hunks for line in hunk.added)

    def commentable_lines(self) -> frozenset[int]:
        """New-file lines a RIGHT-side review comment may target: added and context lines of the patch."""
        return frozenset(
            line.new_line for hunk in self.hunks for line in hunk.lines if line.new_line is not None
        )


def parse(diff: str | bytes, *, max_added_lines: int = MAX_ADDED_LINES_PER_FILE) -> list[FileDiff]:
    """Parse a `git diff` output. Bytes are decoded per file, so one non-UTF-8 file spoils only itself.

    >>> [f.path for f in parse("diff --git a/x b/x\\n--- a/x\\n+++ b/x\\n@@ -1 +1 @@\\n-a\\n+b\\n")]
    ['x']
    """
    raw = diff.encode("utf-8", "surrogateescape") if isinstance(diff, str) else diff
    if not raw.strip():
        return []
    starts = [m.start() for m in _GIT_HEADER.finditer(raw)] or [0]
    if starts[0] != 0 and raw[: starts[0]].strip():
        starts.insert(0, 0)
    sections = [raw[a:b] for a, b in zip(starts, [*starts[1:], len(raw)], strict=True)]
    files: list[FileDiff] = []
    for section in sections:
        try:
            text, utf8 = section.decode("utf-8"), True
        except UnicodeDecodeError:
            text, utf8 = section.decode("latin-1"), False
        for patched in _patchset(text):
            parsed = _convert(patched, max_added_lines)
            files.append(parsed if utf8 or parsed.skip else _skip(parsed, SkipReason.NOT_UTF8))
    return files


def parse_file_patch(
    path: str,
    patch: str | None,
    *,
    status: str = "modified",
    previous_path: str | None = None,
    max_added_lines: int = MAX_ADDED_LINES_PER_FILE,
) -> FileDiff:
    """Parse one entry of GitHub's `GET /pulls/{n}/files`: hunks only, no headers; `status` as GitHub sends
    it."""
    change = {
        "added": ChangeKind.ADDED,
        "removed": ChangeKind.DELETED,
        "renamed": ChangeKind.RENAMED,
    }.get(status, ChangeKind.MODIFIED)
    old_path = None if change is ChangeKind.ADDED else (previous_path or path)
    if change is ChangeKind.DELETED:
        return FileDiff(path, old_path, change, skip=SkipReason.DELETED)
    if not patch:
        reason = SkipReason.RENAME_ONLY if change is ChangeKind.RENAMED else SkipReason.NO_PATCH
        return FileDiff(path, old_path, change, skip=reason)
    body = patch if patch.endswith("\n") else patch + "\n"
    header = f"--- {'/dev/null' if old_path is None else 'a/' + old_path}\n+++ b/{path}\n"
    patched = _patchset(header + body)
    if len(patched) != 1:
        raise DiffParseError(f"GitHub patch for {path} did not parse as one file")
    parsed = _convert(patched[0], max_added_lines)
    return FileDiff(path, old_path, change, parsed.hunks, parsed.skip)


def _patchset(text: str) -> list[unidiff.PatchedFile]:
    try:
        return list(unidiff.PatchSet(text))
    except unidiff.UnidiffParseError as error:
        raise DiffParseError(f"cannot parse diff: {error}") from error


# git's C-style quoting of a path (quote_c_style): the escapes it writes, and octal for any other byte.
_C_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def unquote_path(path: str) -> str:
    """A path as git wrote it in a diff header, unquoted: `"caf\\303\\251.py"` -> `café.py`.

    git quotes a name with a `"`, a backslash or a control character (and, unless core.quotePath is
    false, any non-ASCII byte) as a C string of escapes and octal bytes. Unquoted names pass through.
    Bytes that are not UTF-8 become U+FFFD.
    """
    if len(path) < 2 or path[0] != '"' or path[-1] != '"':
        return path
    body, out, i = path[1:-1], bytearray(), 0
    while i < len(body):
        char = body[i]
        if char != "\\" or i + 1 == len(body):
            out += char.encode("utf-8", "surrogateescape")
            i += 1
        elif body[i + 1] in "01234567":
            digits = re.match(r"[0-7]{1,3}", body[i + 1 :]).group(0)  # type: ignore[union-attr]
            out.append(int(digits, 8) & 0xFF)
            i += 1 + len(digits)
        else:
            out.append(_C_ESCAPES.get(body[i + 1], ord(body[i + 1]) & 0xFF))
            i += 2
    return out.decode("utf-8", "replace")


def _strip(path: str | None) -> str | None:
    if path is None or path == "/dev/null":
        return None
    path = unquote_path(path)
    return path[2:] if path[:2] in ("a/", "b/") else path


def _convert(patched: unidiff.PatchedFile, max_added_lines: int) -> FileDiff:
    old_path, new_path = _strip(patched.source_file), _strip(patched.target_file)
    # Not unidiff's is_added_file / is_removed_file: they also say so of a hunk "@@ -0,0 +1 @@" or
    # "@@ -1 +0,0 @@", which is how git writes filling an empty file (an __init__.py) or emptying one.
    if patched.source_file == _DEV_NULL:
        change = ChangeKind.ADDED
    elif patched.target_file == _DEV_NULL:
        change = ChangeKind.DELETED
    elif patched.is_rename:
        change = ChangeKind.RENAMED
    else:
        change = ChangeKind.MODIFIED
    path = new_path or old_path or patched.path
    hunks = tuple(_hunk(h) for h in patched)
    result = FileDiff(path, None if change is ChangeKind.ADDED else old_path or path, change, hunks)
    reason = _skip_reason(patched, result, max_added_lines)
    return _skip(result, reason) if reason else result


def _skip_reason(patched: unidiff.PatchedFile, parsed: FileDiff, max_added_lines: int) -> SkipReason | None:
    modes = {patched.source_mode, patched.target_mode}
    if _SUBMODULE_MODE in modes or patched.is_submodule:
        return SkipReason.SUBMODULE
    if _SYMLINK_MODE in modes or patched.is_symlink:
        return SkipReason.SYMLINK
    if patched.is_binary_file:
        return SkipReason.BINARY
    if parsed.change is ChangeKind.DELETED:
        return SkipReason.DELETED
    if not parsed.hunks:
        if parsed.change is ChangeKind.RENAMED:
            return SkipReason.RENAME_ONLY
        if patched.source_mode and patched.target_mode and patched.source_mode != patched.target_mode:
            return SkipReason.MODE_ONLY
        return SkipReason.NO_ADDED_LINES
    n_added = sum(len(h.added) for h in parsed.hunks)
    if n_added == 0:
        return SkipReason.NO_ADDED_LINES
    if n_added > max_added_lines:
        return SkipReason.HUGE
    return None


def _skip(parsed: FileDiff, reason: SkipReason) -> FileDiff:
    return FileDiff(parsed.path, parsed.old_path, parsed.change, parsed.hunks, reason)


def _hunk(hunk: unidiff.Hunk) -> Hunk:
    return Hunk(
        hunk.source_start,
        hunk.source_length,
        hunk.target_start,
        hunk.target_length,
        tuple(_lines(hunk)),
    )


def _lines(hunk: Iterable[unidiff.patch.Line]) -> Iterable[DiffLine]:
    for line in hunk:
        if line.is_added:
            kind = LineKind.ADDED
        elif line.is_removed:
            kind = LineKind.REMOVED
        elif line.is_context:
            kind = LineKind.CONTEXT
        else:  # the "\ No newline at end of file" marker
            continue
        yield DiffLine(kind, line.value.rstrip("\r\n"), line.source_line_no, line.target_line_no)
