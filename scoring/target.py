"""What redline predicts: a person changes the *content* of an AI-written line within 90 days.

One definition for training labels, evaluation, outcome tracking after merge, the weekly report, the
comments and the docs. A line's *fate* is its first later edit (or none), classified by the editing commit:

- ``modified``  the line's content changed (the target, when a person did it in a focused commit);
- ``deleted``   the hunk that removes it adds nothing back;
- ``moved``     its text (at least 12 characters) comes back elsewhere in the editing commit;
- ``format``    the hunk only re-formats (equal once whitespace, commas, brackets and quotes are dropped);
- ``merge``     the editor is a merge commit (conflict resolution);
- ``unmatched`` the line's text is not among the commit's removed lines;
- ``survived``  no commit in the window touched it.

A commit is *sweeping* when it changes more than 20 files or more than 1,000 lines: there a line's change
belongs to a refactor no reviewer of the original PR could have asked for. The rules, counts and the data
they were chosen on are in docs/evaluation.md ("What redline predicts"). The classification mirrors the
rules that wrote the wild edit sidecars (`../shared/data/wild/tools/wild_edits.py`), so a fate the bot
observes and a fate the training data records mean the same thing. Pure: no git, no I/O.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

WINDOW_DAYS = 90.0
FOCUSED_MAX_FILES = 20
FOCUSED_MAX_LINES = 1000  # added + deleted lines of the editing commit
MOVE_MIN_CHARS = 12  # shorter lines (")", "else:", "return None") recur anywhere in a large commit
_FORMAT_DROP = re.compile(r"[\s,()\[\]{}\\]")

TARGET_MEANING = (
    "the probability that a person changes this line's content within 90 days of the merge "
    "(not a move, a re-format, a merge or a sweeping change)"
)
TARGET_EXCLUDES = "moves, re-formats, merges and sweeping refactors do not count"


class EditKind(enum.StrEnum):
    MODIFIED = "modified"
    DELETED = "deleted"
    MOVED = "moved"
    FORMAT = "format"
    MERGE = "merge"
    UNMATCHED = "unmatched"
    SURVIVED = "survived"


class Editor(enum.StrEnum):
    """Who made the first later edit, by the attribution rules the bot uses for AI commits."""

    HUMAN = "human"
    AI = "ai"
    BOT = "bot"


@dataclass(frozen=True, slots=True)
class CommitSize:
    """How much the editing commit changed (`git diff --numstat -M` against its parent)."""

    files: int
    added: int
    deleted: int

    @property
    def sweeping(self) -> bool:
        return self.files > FOCUSED_MAX_FILES or self.added + self.deleted > FOCUSED_MAX_LINES


@dataclass(frozen=True, slots=True)
class Fate:
    """What became of one line after its commit: the first later edit, who made it, in what commit, when."""

    kind: EditKind
    editor: Editor | None = None
    size: CommitSize | None = None
    days: float | None = None
    commit: str | None = None

    @property
    def touched(self) -> bool:
        """The old, looser label: any later commit changed or removed the line."""
        return self.kind is not EditKind.SURVIVED

    @property
    def touched_by_human(self) -> bool:
        """Today's secondary label (`edited_by_human` of the wild data): the first editor was a person."""
        return self.touched and self.editor is Editor.HUMAN

    @property
    def sweeping(self) -> bool | None:
        return None if self.size is None else self.size.sweeping

    @property
    def is_target(self) -> bool:
        """The event redline's probabilities are of."""
        return is_target(self.kind, self.editor, self.size, self.days)

    def describe(self) -> str:
        """A few words for reports: 'modified in a focused commit by a person', 'survived'."""
        if not self.touched:
            return "survived"
        scope = {None: "", True: " in a sweeping commit", False: " in a focused commit"}[self.sweeping]
        who = (
            {Editor.HUMAN: " by a person", Editor.AI: " by an AI agent", Editor.BOT: " by a bot"}.get(
                self.editor, ""
            )
            if self.editor
            else ""
        )
        return f"{self.kind.value}{scope}{who}"


def is_target(kind: EditKind, editor: Editor | None, size: CommitSize | None, days: float | None) -> bool:
    """A person changed the line's content, in a focused commit, within the window.

    Focused deletions do not count: a hunk that only removes lines says the code was no longer wanted,
    not what was wrong with it, and most of them remove whole blocks (docs/evaluation.md has the counts).
    """
    return (
        kind is EditKind.MODIFIED
        and editor is Editor.HUMAN
        and size is not None
        and not size.sweeping
        and (days is None or days <= WINDOW_DAYS)
    )


@dataclass(frozen=True, slots=True)
class CommitHunk:
    """One hunk of an editing commit's `-U0` diff: its file (None for /dev/null) and its removed and added
    lines."""

    old_path: str | None
    new_path: str | None
    removed: tuple[str, ...]
    added: tuple[str, ...]


def commit_hunks(diff: str) -> list[CommitHunk]:
    """The hunks of a whole commit's `git diff -M -U0 --src-prefix=a/ --dst-prefix=b/` text.

    >>> [h.removed for h in commit_hunks("diff --git a/x b/x\\n--- a/x\\n+++ b/x\\n@@ -1 +1 @@\\n-a\\n+b\\n")]
    [('a',)]
    """
    hunks: list[CommitHunk] = []
    old = new = None
    removed: list[str] | None = None
    added: list[str] = []

    def close() -> None:
        if removed is not None:
            hunks.append(CommitHunk(old, new, tuple(removed), tuple(added)))

    for line in diff.split("\n"):
        if line.startswith("diff --git "):
            close()
            removed, added, old, new = None, [], None, None
        elif removed is None and line.startswith("--- "):
            old = line[6:] if line.startswith("--- a/") else None
        elif removed is None and line.startswith("+++ "):
            new = line[6:] if line.startswith("+++ b/") else None
        elif line.startswith("@@"):
            close()
            removed, added = [], []
        elif removed is not None and line.startswith("-"):
            removed.append(line[1:])
        elif removed is not None and line.startswith("+"):
            added.append(line[1:])
    close()
    return hunks


def _format_key(lines: Iterable[str]) -> str:
    return _FORMAT_DROP.sub("", "".join(lines)).replace('"', "'")


def classify_edit(
    text: str, path: str, hunks: Sequence[CommitHunk], is_merge: bool = False
) -> tuple[EditKind, float | None]:
    """The kind of the edit that removed the line `text` of `path`, from the editing commit's hunks, and for
    `modified` how similar the closest added line of its hunk is (difflib ratio; 1.0 nearly unchanged)."""
    if is_merge:
        return EditKind.MERGE, None
    wanted = text.strip()
    candidates = [h for h in hunks if any(r.strip() == wanted for r in h.removed)]
    if not candidates:
        return EditKind.UNMATCHED, None
    hunk = next((h for h in candidates if h.old_path == path), candidates[0])
    if len(wanted) >= MOVE_MIN_CHARS and any(a.strip() == wanted for h in hunks for a in h.added):
        return EditKind.MOVED, None
    if hunk.added and _format_key(hunk.removed) == _format_key(hunk.added):
        return EditKind.FORMAT, None
    if not hunk.added:
        return EditKind.DELETED, None
    similarity = max(difflib.SequenceMatcher(None, wanted, a.strip()).ratio() for a in hunk.added)
    return EditKind.MODIFIED, round(similarity, 3)


def editor_of(kind: str) -> Editor | None:
    """The wild data's editor kinds ("ai", "human", "bot") as an `Editor`."""
    try:
        return Editor(kind)
    except ValueError:
        return None
