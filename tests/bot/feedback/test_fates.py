"""bot.feedback.fates on a real repository (tests/bot/feedback/story.py) and its parsers on generated
input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.feedback.fates import (
    EditorCommit,
    GitHistory,
    HistoryError,
    after_merge_fates,
    editor_kind,
    fate_of,
    first_child,
    parse_numstat,
    parse_reverse_blame,
)
from bot.feedback.types import TrackedLine
from scoring import target
from scoring.attribution import CommitInfo, Rules
from tests.bot.feedback.story import APP, DAY0, EXPECTED, Story, build_story


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    return build_story(tmp_path_factory.mktemp("fates") / "inventory")


def tracked(lines: dict[int, str] | None = None) -> list[TrackedLine]:
    texts = APP.split("\n")
    return [TrackedLine(n, "app.py", n, texts[n - 1]) for n in (lines or EXPECTED)]


def test_each_line_gets_its_first_later_edit(story: Story):
    fates = after_merge_fates(
        GitHistory(story.path), story.ai_commit, tracked(), "main", DAY0 + dt.timedelta(days=90)
    )
    seen = {
        n: (f.kind.value, f.editor and f.editor.value, f.sweeping, f.is_target)
        for n, f in fates.items()
        if isinstance(f, target.Fate)
    }
    assert seen == EXPECTED
    assert fates[3].days == pytest.approx(3.0) and fates[7].size.files == 50  # type: ignore[union-attr]
    assert fates[3].describe() == "modified in a focused commit by a person"  # type: ignore[union-attr]


def test_the_window_end_bounds_what_is_seen(story: Story):
    fates = after_merge_fates(
        GitHistory(story.path), story.ai_commit, tracked(), "main", DAY0 + dt.timedelta(days=2.5)
    )
    kinds = {n: f.kind.value for n, f in fates.items() if isinstance(f, target.Fate)}
    assert kinds == {1: "survived", 2: "format", 3: "survived", 6: "moved", 7: "survived", 8: "survived"}


def test_a_wrong_line_fails_alone(story: Story):
    lines = [*tracked({3: ""}), TrackedLine(99, "app.py", 4, "not there"), TrackedLine(98, "gone.py", 1, "x")]
    fates = after_merge_fates(
        GitHistory(story.path), story.ai_commit, lines, "main", DAY0 + dt.timedelta(days=90)
    )
    assert isinstance(fates[3], target.Fate) and fates[3].is_target
    assert isinstance(fates[99], HistoryError) and "not the scored line" in str(fates[99])
    assert isinstance(fates[98], HistoryError)


def test_not_a_repository_is_a_history_error_for_every_line(tmp_path: Path):
    fates = after_merge_fates(GitHistory(tmp_path), "a" * 40, tracked(), "main", DAY0)
    assert all(isinstance(f, HistoryError) and "git" in str(f) for f in fates.values())


@pytest.mark.parametrize(
    ("author", "message", "kind"),
    [
        ("Bob (aider) <b@x>", "fix", target.Editor.AI),
        ("Ann <a@x>", "fix\n\nCo-authored-by: Claude <noreply@anthropic.com>", target.Editor.AI),
        ("dependabot[bot] <d@x>", "bump", target.Editor.BOT),
        ("pre-commit-ci <p@x>", "autofix", target.Editor.BOT),
        ("Ann <a@x>", "fix", target.Editor.HUMAN),
    ],
)
def test_editor_kind_follows_the_attribution_rules(author: str, message: str, kind: target.Editor):
    assert editor_kind(CommitInfo("f" * 40, author, author, message), Rules()) is kind


shas = st.text("0123456789abcdef", min_size=40, max_size=40)
junk = st.text(st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)), max_size=30)


@given(st.dictionaries(st.integers(1, 10_000), st.tuples(shas, st.integers(1, 10_000)), max_size=20), junk)
def test_reverse_blame_parser_reads_back_what_porcelain_says(lines: dict[int, tuple[str, int]], noise: str):
    rows = []
    for final, (sha, then) in lines.items():
        rows += [f"{sha} {then} {final} 1", "author x y", f"summary {noise}", "filename a b.py", f"\t{noise}"]
    assert parse_reverse_blame("\n".join(rows) + "\n") == {n: sha for n, (sha, _) in lines.items()}


@given(
    st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 10**6)), st.integers(0, 10**6), junk), max_size=30)
)
def test_numstat_parser_sums_text_files_and_counts_binaries(rows: list[tuple[int | None, int, str]]):
    text = "\n".join(
        f"{'-' if a is None else a}\t{'-' if a is None else d}\t{path or 'x'}" for a, d, path in rows
    )
    size = parse_numstat(text + "\n" if rows else "")
    assert size == target.CommitSize(
        len(rows), sum(a or 0 for a, _, _ in rows), sum(d for a, d, _ in rows if a is not None)
    )


def test_a_merge_editor_is_a_merge_and_never_the_target():
    info = CommitInfo("m" * 40, "Ann <a@x>", "Ann <a@x>", "Merge branch 'x'")
    merge = EditorCommit(
        "m" * 40, info, ("a" * 40, "b" * 40), DAY0 + dt.timedelta(days=2), target.CommitSize(1, 1, 1), ()
    )
    fate = fate_of(TrackedLine(1, "app.py", 3, "x = 1"), merge, DAY0, Rules())
    assert (fate.kind, fate.editor, fate.days, fate.is_target) == (
        target.EditKind.MERGE,
        target.Editor.HUMAN,
        2.0,
        False,
    )


@given(st.lists(st.tuples(shas, st.integers(0, 2**40), st.lists(shas, max_size=3)), max_size=12), shas)
def test_first_child_is_the_earliest_row_naming_the_survivor_as_parent(rows, survivor: str):
    text = "\n".join(" ".join([sha, str(time), *parents]) for sha, time, parents in rows) + "\n"
    children = [(time, sha) for sha, time, parents in rows if survivor in parents]
    assert first_child(survivor, text) == (min(children)[1] if children else None)
