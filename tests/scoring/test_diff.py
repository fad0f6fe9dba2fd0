"""Diff parsing: line numbers, and every kind of file that is skipped with a reason."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scoring.diff import ChangeKind, LineKind, SkipReason, parse, parse_file_patch
from scoring.errors import DiffParseError

# The hunk's blank context line is a single space, as git writes it (hence the noqa for W293).
SIMPLE = """\
diff --git a/calc.py b/calc.py
index 1111111..2222222 100644
--- a/calc.py
+++ b/calc.py
@@ -1,3 +1,4 @@
 def add(a, b):
-    return a - b
+    total = a + b
+    return total
 
@@ -10,2 +11,3 @@ def sub(a, b):
     x = 1
+    y = 2
     return x
"""  # noqa: W293


def test_added_lines_carry_new_file_numbers():
    [f] = parse(SIMPLE)
    assert f.path == "calc.py" and f.change is ChangeKind.MODIFIED and f.skip is None
    assert [(line.new_line, line.text) for line in f.added] == [
        (2, "    total = a + b"),
        (3, "    return total"),
        (12, "    y = 2"),
    ]
    removed = [line for line in f.hunks[0].lines if line.kind is LineKind.REMOVED]
    assert [(line.old_line, line.new_line) for line in removed] == [(2, None)]


def test_commentable_lines_are_added_and_context_lines_of_the_hunks():
    [f] = parse(SIMPLE)
    assert f.commentable_lines() == {1, 2, 3, 4, 11, 12, 13}
    assert f.hunks[1].new_end == 13


def test_github_patch_without_headers_parses_like_git():
    patch = "@@ -1,2 +1,3 @@\n line one\n+added\n line two"
    f = parse_file_patch("src/a.py", patch, status="modified")
    assert [(line.new_line, line.text) for line in f.added] == [(2, "added")]


def test_github_entries_without_patch_are_skipped_with_reason():
    assert parse_file_patch("logo.png", None).skip is SkipReason.NO_PATCH
    assert parse_file_patch("old.py", None, status="removed").skip is SkipReason.DELETED
    renamed = parse_file_patch("new.py", None, status="renamed", previous_path="old.py")
    assert renamed.skip is SkipReason.RENAME_ONLY and renamed.old_path == "old.py"


def test_huge_file_is_skipped_but_keeps_its_hunks():
    patch = "@@ -0,0 +1,3 @@\n+a\n+b\n+c\n"
    f = parse_file_patch("gen.py", patch, status="added", max_added_lines=2)
    assert f.skip is SkipReason.HUGE and len(f.added) == 3


def test_garbage_hunk_is_a_diff_parse_error():
    with pytest.raises(DiffParseError):
        parse_file_patch("a.py", "@@ -1,5 +1,5 @@\n+only one line\n")


def test_empty_diff_is_no_files():
    assert parse("") == [] and parse(b"  \n") == []


def _git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True).stdout


@pytest.fixture
def repo_diff(tmp_path: Path) -> bytes:
    """A real repository whose one commit exercises every kind of file change."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "T")
    (repo / "keep.py").write_text("a = 1\n")
    (repo / "gone.py").write_text("x = 1\n")
    (repo / "moved.py").write_text("".join(f"line{i} = {i}\n" for i in range(20)))
    (repo / "run.sh").write_text("echo hi\n")
    (repo / "img.bin").write_bytes(b"\x00\x01\x02")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    (repo / "keep.py").write_text("a = 1\nb = 2\n")
    (repo / "gone.py").unlink()
    (repo / "moved.py").rename(repo / "renamed.py")
    (repo / "run.sh").chmod(0o755)
    (repo / "img.bin").write_bytes(b"\x00\x03\x04\x05")
    (repo / "latin.py").write_bytes("s = 'caf\xe9'\n".encode("latin-1"))
    (repo / "new.py").write_text("def f():\n    return 1\n")
    _git(repo, "add", "-A")
    _git(repo, "update-index", "--add", "--cacheinfo", "160000", "a" * 40, "vendor/lib")
    _git(repo, "commit", "-q", "-m", "change")
    return _git(repo, "diff", "-M", "HEAD~1", "HEAD")


def test_real_git_diff_skips_each_unscorable_file_with_its_reason(repo_diff: bytes):
    by_path = {f.path: f for f in parse(repo_diff)}
    assert by_path["keep.py"].skip is None
    assert [line.text for line in by_path["keep.py"].added] == ["b = 2"]
    assert by_path["new.py"].change is ChangeKind.ADDED and by_path["new.py"].old_path is None
    assert by_path["gone.py"].skip is SkipReason.DELETED
    assert by_path["renamed.py"].skip is SkipReason.RENAME_ONLY
    assert by_path["renamed.py"].old_path == "moved.py"
    assert by_path["run.sh"].skip is SkipReason.MODE_ONLY
    assert by_path["img.bin"].skip is SkipReason.BINARY
    assert by_path["latin.py"].skip is SkipReason.NOT_UTF8
    assert by_path["vendor/lib"].skip is SkipReason.SUBMODULE


def test_filling_an_empty_file_is_a_modification_and_emptying_one_is_no_deletion():
    # Found by the property test: unidiff calls any "@@ -0,0 ..." hunk a new file.
    header = "diff --git a/pkg/__init__.py b/pkg/__init__.py\n--- a/pkg/__init__.py\n+++ b/pkg/__init__.py\n"
    filled = parse(header + "@@ -0,0 +1 @@\n+from .core import run\n")
    assert [(f.change, f.old_path, f.skip) for f in filled] == [
        (ChangeKind.MODIFIED, "pkg/__init__.py", None)
    ]
    emptied = parse("diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +0,0 @@\n-x = 1\n")
    assert [(f.change, f.skip) for f in emptied] == [(ChangeKind.MODIFIED, SkipReason.NO_ADDED_LINES)]
