"""scoring.target: one definition of the event redline predicts, and the classifier of a line's first later
edit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scoring.target import (
    CommitHunk,
    CommitSize,
    EditKind,
    Editor,
    Fate,
    classify_edit,
    commit_hunks,
    is_target,
)

FOCUSED, SWEEPING = CommitSize(3, 20, 10), CommitSize(50, 400, 300)


def diff(*files: tuple[str, list[tuple[list[str], list[str]]]]) -> str:
    out = []
    for path, hunks in files:
        out += [f"diff --git a/{path} b/{path}", "index 1..2 100644", f"--- a/{path}", f"+++ b/{path}"]
        for removed, added in hunks:
            out.append(f"@@ -1,{len(removed)} +1,{len(added)} @@")
            out += [f"-{r}" for r in removed] + [f"+{a}" for a in added]
    return "\n".join(out) + "\n"


def test_the_target_is_a_content_change_by_a_person_in_a_focused_commit_within_the_window() -> None:
    assert is_target(EditKind.MODIFIED, Editor.HUMAN, FOCUSED, 10.0)
    assert not is_target(EditKind.MODIFIED, Editor.HUMAN, SWEEPING, 10.0)
    assert not is_target(EditKind.MODIFIED, Editor.HUMAN, CommitSize(20, 600, 401), 10.0)  # 1,001 lines
    assert is_target(
        EditKind.MODIFIED, Editor.HUMAN, CommitSize(20, 600, 400), 10.0
    )  # the limits are inclusive
    assert not is_target(EditKind.MODIFIED, Editor.AI, FOCUSED, 10.0)
    assert not is_target(EditKind.MODIFIED, Editor.HUMAN, FOCUSED, 91.0)
    for kind in (EditKind.DELETED, EditKind.MOVED, EditKind.FORMAT, EditKind.MERGE, EditKind.UNMATCHED):
        assert not is_target(kind, Editor.HUMAN, FOCUSED, 1.0)
    fate = Fate(EditKind.DELETED, Editor.HUMAN, SWEEPING, 3.0)
    assert (fate.touched, fate.touched_by_human, fate.is_target) == (True, True, False)
    assert fate.describe() == "deleted in a sweeping commit by a person"
    assert Fate(EditKind.SURVIVED).describe() == "survived" and not Fate(EditKind.SURVIVED).touched


def test_each_kind_of_edit_is_told_apart_as_the_wild_sidecars_tell_it() -> None:
    line = "    total = compute_total(items)"
    moved = commit_hunks(diff(("a.py", [([line], [])]), ("b.py", [([], [line.strip()])])))
    assert classify_edit(line, "a.py", moved) == (EditKind.MOVED, None)
    reformatted = commit_hunks(diff(("a.py", [([line], ["    total = compute_total( items, )"])])))
    assert classify_edit(line, "a.py", reformatted) == (EditKind.FORMAT, None)
    quotes = commit_hunks(diff(("a.py", [(["x = 'a'"], ['x = "a"'])])))
    assert classify_edit("x = 'a'", "a.py", quotes)[0] is EditKind.FORMAT
    deleted = commit_hunks(diff(("a.py", [([line, "    return total"], [])])))
    assert classify_edit(line, "a.py", deleted) == (EditKind.DELETED, None)
    rewritten = commit_hunks(diff(("a.py", [([line], ["    total = sum(i.price for i in items)"])])))
    kind, similarity = classify_edit(line, "a.py", rewritten)
    assert kind is EditKind.MODIFIED and similarity is not None and 0 < similarity < 1
    assert classify_edit("not there", "a.py", rewritten) == (EditKind.UNMATCHED, None)
    assert classify_edit(line, "a.py", rewritten, is_merge=True) == (EditKind.MERGE, None)
    # a short line that recurs anywhere is not a move
    short = commit_hunks(diff(("a.py", [(["else:"], ["elif x:"])]), ("b.py", [([], ["else:"])])))
    assert classify_edit("else:", "a.py", short)[0] is EditKind.MODIFIED


def test_the_hunk_of_the_line_s_own_file_is_preferred_over_a_twin_elsewhere() -> None:
    hunks = commit_hunks(diff(("b.py", [(["x = 1"], [])]), ("a.py", [(["x = 1"], ["x = 2"])])))
    assert classify_edit("x = 1", "a.py", hunks)[0] is EditKind.MODIFIED
    assert classify_edit("x = 1", "b.py", hunks)[0] is EditKind.DELETED


def test_new_and_deleted_files_have_no_path_on_their_missing_side() -> None:
    text = (
        "diff --git a/gone.py b/gone.py\ndeleted file mode 100644\n--- a/gone.py\n+++ /dev/null\n"
        "@@ -1,2 +0,0 @@\n-a\n-b\ndiff --git a/new.py b/new.py\nnew file mode 100644\n--- /dev/null\n"
        "+++ b/new.py\n@@ -0,0 +1 @@\n+c\n"
    )
    assert commit_hunks(text) == [
        CommitHunk("gone.py", None, ("a", "b"), ()),
        CommitHunk(None, "new.py", (), ("c",)),
    ]


@given(st.text(max_size=400))
def test_any_text_parses_to_hunks_without_error(text: str) -> None:
    for hunk in commit_hunks(text):
        assert isinstance(hunk.removed, tuple) and isinstance(hunk.added, tuple)


@given(
    st.lists(
        st.tuples(
            st.lists(st.text(st.characters(blacklist_characters="\n\r"), max_size=30), max_size=4),
            st.lists(st.text(st.characters(blacklist_characters="\n\r"), max_size=30), max_size=4),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_a_diff_of_hunks_reads_back_as_those_hunks(hunks: list[tuple[list[str], list[str]]]) -> None:
    parsed = commit_hunks(diff(("f.py", hunks)))
    assert [(list(h.removed), list(h.added)) for h in parsed] == hunks
