"""Property tests of the diff parser (issue 14 item 10): any input gives typed FileDiffs or a
DiffParseError, and a diff written as git writes it (C-quoted names too) parses back to its files and
lines."""

from __future__ import annotations

import difflib
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.diff import (
    ChangeKind,
    DiffLine,
    FileDiff,
    Hunk,
    LineKind,
    SkipReason,
    parse,
    parse_file_patch,
)
from scoring.errors import DiffParseError

# Lines a diff is made of, so that generated inputs reach the parser's deeper branches.
FRAGMENTS = [
    "diff --git a/x.py b/x.py",
    'diff --git "a/caf\\303\\251.py" "b/caf\\303\\251.py"',
    "--- a/x.py",
    "+++ b/x.py",
    "--- /dev/null",
    "+++ /dev/null",
    '+++ "b/t\\ta\\"b.py"',
    "@@ -1,2 +1,3 @@",
    "@@ -0,0 +1 @@",
    "@@ -1 +0,0 @@",
    "@@ -5,0 +6,2 @@ def f():",
    "+added",
    "-removed",
    " context",
    "\\ No newline at end of file",
    "new file mode 100644",
    "deleted file mode 100644",
    "old mode 100644",
    "new mode 100755",
    "new file mode 160000",
    "new file mode 120000",
    "index 0000000..e69de29",
    "Binary files /dev/null and b/x.bin differ",
    "GIT binary patch",
    "rename from x.py",
    "rename to y.py",
    "similarity index 100%",
    "+",
    "-",
    " ",
    "",
]
STATUSES = ["added", "modified", "removed", "renamed"]
diff_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=40).map("\n".join)


def _well_typed(files: list[FileDiff]) -> None:
    for f in files:
        assert isinstance(f.path, str) and isinstance(f.change, ChangeKind)
        assert f.skip is None or isinstance(f.skip, SkipReason)
        for hunk in f.hunks:
            assert isinstance(hunk, Hunk) and isinstance(hunk.new_start + hunk.new_length, int)
            for line in hunk.lines:
                assert isinstance(line, DiffLine) and isinstance(line.kind, LineKind)
                assert isinstance(line.text, str)
                assert line.new_line is None or line.new_line >= 0


@settings(max_examples=400, deadline=None)
@given(st.one_of(diff_text, diff_text.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary()))
def test_any_input_parses_to_typed_files_or_a_diff_parse_error(raw: str | bytes) -> None:
    try:
        files = parse(raw)
    except DiffParseError as error:
        assert str(error)
        return
    _well_typed(files)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.one_of(st.none(), diff_text), st.sampled_from(STATUSES))
def test_any_github_patch_gives_a_typed_file_or_an_error(path: str, patch: str | None, status: str) -> None:
    try:
        parsed = parse_file_patch(path, patch, status=status)
    except DiffParseError as error:
        assert str(error)
        return
    assert parsed.path == path
    _well_typed([parsed])


def git_quote(name: str) -> str:
    """A path the way git writes it in a diff header with core.quotePath on (quote_c_style)."""
    escapes = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r"}
    escapes |= {34: '\\"', 92: "\\\\"}
    data = name.encode()
    if not any(b < 0x20 or b in (34, 92, 0x7F) or b >= 0x80 for b in data):
        return name
    return '"' + "".join(escapes.get(b) or (chr(b) if 0x20 <= b < 0x7F else f"\\{b:03o}") for b in data) + '"'


def _header_path(prefix: str, name: str) -> str:
    quoted = git_quote(prefix + name)
    return quoted + ("\t" if " " in name and not quoted.startswith('"') else "")  # as git marks a space


name_char = st.characters(exclude_categories=("Cs",), exclude_characters="\n\x00/")
name_part = st.text(name_char, min_size=1, max_size=10)
file_name = st.lists(
    name_part.filter(lambda p: p.strip() not in ("", ".", "..")), min_size=1, max_size=3
).map("/".join)
code_line = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\n\r"), max_size=15)


@st.composite
def changed_files(draw: st.DrawFn) -> list[tuple[str, list[str] | None, list[str]]]:
    names = draw(st.lists(file_name, min_size=1, max_size=3, unique=True))
    files = []
    for name in names:
        old = draw(st.one_of(st.none(), st.lists(code_line, max_size=8)))
        new = draw(st.lists(code_line, min_size=1, max_size=8).filter(lambda lines, old=old: lines != old))
        files.append((name, old, new))
    return files


def _unified(files: list[tuple[str, list[str] | None, list[str]]]) -> str:
    out = []
    for name, old, new in files:
        a, b = git_quote("a/" + name), git_quote("b/" + name)
        out.append(f"diff --git {a} {b}")
        if old is None:
            out.append("new file mode 100644")
        body = list(difflib.unified_diff(old or [], new, lineterm="", n=2))[2:]
        out.append("--- " + ("/dev/null" if old is None else _header_path("a/", name)))
        out.append("+++ " + _header_path("b/", name))
        out += body
    return "\n".join(out) + "\n"


def _added(old: list[str], new: list[str]) -> set[tuple[int, str]]:
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    inserted = [(j1, j2) for tag, _i1, _i2, j1, j2 in matcher.get_opcodes() if tag in ("insert", "replace")]
    return {(j + 1, new[j]) for j1, j2 in inserted for j in range(j1, j2)}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changed_files())
def test_a_diff_as_git_writes_it_parses_back(files) -> None:  # type: ignore[no-untyped-def]
    parsed = parse(_unified(files))
    assert [f.path for f in parsed] == [name for name, _, _ in files]
    for f, (_name, old, new) in zip(parsed, files, strict=True):
        assert f.change is (ChangeKind.ADDED if old is None else ChangeKind.MODIFIED)
        assert {(line.new_line, line.text) for line in f.added} == _added(old or [], new)


@pytest.fixture(scope="module")
def scratch_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("names")
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    return root


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=name_part.filter(lambda n: n.strip() not in ("", ".", "..", ".git") and not n.startswith("-")))
def test_names_real_git_quotes_parse_back(scratch_repo: Path, name: str) -> None:
    """The same round trip through a real `git diff` (core.quotePath on, its default)."""
    target = scratch_repo / name
    try:
        target.write_text("x = 1\n")
    except OSError:  # a name the file system refuses is not a diff parser's concern
        return
    try:
        # literal pathspecs: a name such as ":0" or "*" is a file name here, not pathspec magic or a glob
        git = ["git", "--literal-pathspecs", "-C", str(scratch_repo), "-c", "core.quotePath=true"]
        subprocess.run([*git, "add", "-N", "--", name], check=True, capture_output=True)
        raw = subprocess.run([*git, "diff", "--no-color", "--", name], check=True, capture_output=True).stdout
        [parsed] = parse(raw)
        assert parsed.path == name and [line.text for line in parsed.added] == ["x = 1"]
    finally:
        subprocess.run([*git, "rm", "-q", "--cached", "-f", "--", name], capture_output=True)
        target.unlink(missing_ok=True)
