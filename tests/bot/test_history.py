"""bot.history on real git repositories: every value equals the one the sidecar README's definitions give.

The expected numbers are derived by hand in the comments, from the commits' dates below; T is the
change's committer time. "c1 (500/520)" means committer time T-500 d, author time T-520 d.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.history import file_history, repository_histories
from scoring.diff import ChangeKind, FileDiff, parse
from scoring.pr_features import FileHistory

T = datetime(2026, 6, 1, tzinfo=UTC)
HOUR = 3600
DAY = 86_400


def _env(committer_s: int, author_s: int, email: str) -> dict[str, str]:
    """Identity and dates for one git command; global and system config kept out of the test."""
    return {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": email.split("@")[0],
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": f"@{int(T.timestamp()) - author_s} +0000",
        "GIT_COMMITTER_NAME": "committer",
        "GIT_COMMITTER_EMAIL": "committer@example.com",
        "GIT_COMMITTER_DATE": f"@{int(T.timestamp()) - committer_s} +0000",
    }


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, committer_s: int = 0, author_s: int = 0, email: str = "x@example.com") -> str:
        done = subprocess.run(
            ["git", "-C", str(self.path), *args],
            env=_env(committer_s, author_s, email),
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def raw(self, *args: str) -> str:
        """A git command's output as it is, leading spaces included."""
        return subprocess.run(
            ["git", "-C", str(self.path), *args],
            env=_env(0, 0, "x@example.com"),
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def write(self, files: dict[str, str | None]) -> None:
        for name, text in files.items():
            target = self.path / name
            if text is None:
                self.git("rm", "-q", name)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            self.git("add", name)

    def commit(self, files: dict[str, str | None], *, committer: int, author: int, email: str) -> str:
        """Commit at committer / author times given in seconds before T."""
        self.write(files)
        self.git(
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            f"by {email}",
            committer_s=committer,
            author_s=author,
            email=email,
        )
        return self.git("rev-parse", "HEAD")

    def diff(self, base: str, head: str, *extra: str) -> dict[str, FileDiff]:
        raw = subprocess.run(
            [
                "git",
                "-C",
                str(self.path),
                "-c",
                "core.quotePath=false",
                "diff",
                "-M",
                "--no-color",
                "--src-prefix=a/",
                "--dst-prefix=b/",
                *extra,
                base,
                head,
            ],
            env=_env(0, 0, "x@example.com"),
            capture_output=True,
            check=True,
        ).stdout
        return {d.path: d for d in parse(raw)}


def lines(*names: str) -> str:
    return "".join(f"{name}\n" for name in names)


APP = ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10"]
LIB = [f"l{k}" for k in range(1, 21)]


def replaced(base: list[str], **changes: str) -> list[str]:
    return [changes.get(line, line) for line in base]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Repo, str, str]:
    """(repo, base, head). History of main, oldest first (days before T, committer/author):

    c1    (500/520)        alice  app.py a1..a10, other.py, legacy.py l1..l20, again.py
    c_mv  (365/365)        alice  git mv legacy.py lib.py               (committer exactly T-365 d)
    c2b   (250/365)        frank  app.py a3 -> b3, deletes again.py
    c2    (200/210d6h)     Bob@X.COM  app.py a6 -> b6, a7 -> b7
    c_old (100/400)        heidi  app.py a10 -> e10                     (author older than a year)
      side: c3 (90/120d8h) carol  app.py a5 -> c5                       (committer exactly T-90 d)
    c4    (60/70)          dave   other.py, adds new.py, adds again.py again
    m     (50/50)          x      merge of side (--no-ff): brings c5 into app.py, but is a merge
    c6    (30/40)          bob@x.com  app.py a9 -> d9
    c7    (20/20)          erin   deletes new.py, adds an empty empty.py
    c_lib (10/15)          grace  lib.py l16 -> g16, l18 -> g18         = base
    head  (0/0)            the change (committer time T)
    """
    repo = Repo(tmp_path_factory.mktemp("history") / "repo")
    repo.commit(
        {"app.py": lines(*APP), "other.py": "o1\n", "legacy.py": lines(*LIB), "again.py": "q1\n"},
        committer=500 * DAY,
        author=520 * DAY,
        email="alice@x.com",
    )
    repo.git("mv", "legacy.py", "lib.py")
    repo.commit({}, committer=365 * DAY, author=365 * DAY, email="alice@x.com")
    app = replaced(APP, a3="b3")
    repo.commit(
        {"app.py": lines(*app), "again.py": None}, committer=250 * DAY, author=365 * DAY, email="frank@x.com"
    )
    app = replaced(app, a6="b6", a7="b7")
    repo.commit({"app.py": lines(*app)}, committer=200 * DAY, author=210 * DAY + 6 * HOUR, email="Bob@X.COM")
    app = replaced(app, a10="e10")
    repo.commit({"app.py": lines(*app)}, committer=100 * DAY, author=400 * DAY, email="heidi@x.com")
    repo.git("branch", "side")
    repo.git("checkout", "-q", "side")
    repo.commit(
        {"app.py": lines(*replaced(app, a5="c5"))},
        committer=90 * DAY,
        author=120 * DAY + 8 * HOUR,
        email="carol@x.com",
    )
    repo.git("checkout", "-q", "main")
    repo.commit(
        {"other.py": "o2\n", "new.py": "n1\n", "again.py": "r1\nr2\n"},
        committer=60 * DAY,
        author=70 * DAY,
        email="dave@x.com",
    )
    repo.git("merge", "-q", "--no-ff", "-m", "merge side", "side", committer_s=50 * DAY, author_s=50 * DAY)
    app = replaced(app, a5="c5")
    assert (repo.path / "app.py").read_text() == lines(*app)  # the merge brought c3's line
    app = replaced(app, a9="d9")
    repo.commit({"app.py": lines(*app)}, committer=30 * DAY, author=40 * DAY, email="bob@x.com")
    repo.commit({"new.py": None, "empty.py": ""}, committer=20 * DAY, author=20 * DAY, email="erin@x.com")
    lib = replaced(LIB, l16="g16", l18="g18")
    base = repo.commit({"lib.py": lines(*lib)}, committer=10 * DAY, author=15 * DAY, email="grace@x.com")
    # The change: app.py gets a line inserted at line 1, two between a4 and c5, a8 replaced by two lines
    # and two appended; lib.py moves to pkg/lib.py with a line after l2 and one after l17; new.py comes
    # back; brand.py is new; empty.py gets its first lines; again.py gets a third; other.py goes.
    head_app = ["NEW0", *app[:4], "NEW1", "NEW2", *app[4:7], "R8a", "R8b", *app[8:], "END1", "END2"]
    (repo.path / "pkg").mkdir()
    repo.git("mv", "lib.py", "pkg/lib.py")
    repo.commit(
        {
            "app.py": lines(*head_app),
            "pkg/lib.py": lines(*lib[:2], "X", *lib[2:17], "Y", *lib[17:]),
            "new.py": "n2\nn3\n",
            "brand.py": "b\n",
            "empty.py": "x1\nx2\n",
            "again.py": "r1\nr2\nr3\n",
            "other.py": None,
        },
        committer=0,
        author=0,
        email="agent@x.com",
    )
    return repo, base, repo.git("rev-parse", "HEAD")


def test_parent_file_is_what_the_scenario_says(scenario: tuple[Repo, str, str]) -> None:
    repo, base, _ = scenario
    parent = ["a1", "a2", "b3", "a4", "c5", "b6", "b7", "a8", "d9", "e10"]
    assert repo.git("show", f"{base}:app.py").split() == parent


def test_modified_file_every_field(scenario: tuple[Repo, str, str]) -> None:
    repo, base, head = scenario
    diff = repo.diff(base, head)["app.py"]
    assert diff.change is ChangeKind.MODIFIED
    assert [line.new_line for line in diff.added] == [1, 6, 7, 11, 12, 15, 16]
    # Parent app.py, line: text (blame commit, author age):
    #   1 a1 (c1, 520)  2 a2 (c1)  3 b3 (c2b, exactly 365)  4 a4 (c1)  5 c5 (c3, 120d8h = 120.3333)
    #   6 b6 (c2, 210d6h = 210.25)  7 b7 (c2)  8 a8 (c1)  9 d9 (c6, 40)  10 e10 (c_old, 400)
    # New file: 1 NEW0 | 2-5 a1 a2 b3 a4 | 6-7 NEW1 NEW2 | 8-10 c5 b6 b7 | 11-12 R8a R8b (replace a8)
    #           | 13-14 d9 e10 | 15-16 END1 END2
    assert file_history(repo.path, base, diff, T) == FileHistory(
        # Non-merge commits to app.py with committer time >= T-90 d: c3 (exactly T-90 d), c6. Not the merge
        # m, though it changes app.py against its first parent.
        file_commits_90d=2,
        # ... >= T-365 d: c2b, c2, c_old (author 400 d ago, committer 100: committer time decides), c3, c6.
        file_commits_365d=5,
        # frank, bob (Bob@X.COM and bob@x.com are one email lower-cased), heidi, carol.
        file_authors_365d=4,
        # Added by c1, committed 500 d before T (its author time, 520, is not used here).
        file_age_days=500.0,
        # Reachable from base with committer time >= T-90 d: c3 (exactly), c4, merge m, c6, c7, c_lib.
        # c_old (100 d) is out.
        repo_commits_90d=6,
        # NEW0: nothing kept above. NEW1/NEW2: a4 = parent 4 (c1, author 520). R8a/R8b: b7 = parent 7 (c2,
        # 210.25). END1/END2: e10 = parent 10 (c_old: its author time, 400, not its committer time, 100).
        line_age_above_days=(None, 520.0, 520.0, 210.25, 210.25, 400.0, 400.0),
        # NEW0: a1 = parent 1 (c1, 520). NEW1/NEW2: c5 = parent 5 (c3, 120d8h). R8a/R8b: d9 = parent 9
        # (c6, 40) -- not the removed a8. END1/END2: nothing kept below.
        line_age_below_days=(520.0, 120.3333, 120.3333, 40.0, 40.0, None, None),
        # Recent (author time >= T-365 d) commits: c2b (exactly 365), c2, c3, c6; not c1 (520), not c_old
        # (400, though committed 100 d ago).
        # NEW0: p = 0, window -4..5 -> 1..5: c1 c1 c2b c1 c3 -> {c2b, c3} = 2 (line 5 is the edge p+5;
        # p = 1 would take in line 6, c2, and give 3).
        # NEW1/NEW2: p = 4 (a1..a4 precede), window 0..9 -> 1..9: c2b c3 c2 c6 recent -> 4.
        # R8a/R8b: p = 8 (the `-a8` line precedes them), window 4..13 -> 4..10: c3 c2 c6 recent -> 3;
        # p = 7 would take in line 3 (c2b) and give 4.
        # END1/END2: p = 10, window 6..15 -> 6..10: c2 c2 c1 c6 c_old -> {c2, c6} = 2 (line 5's c3 is p-5).
        neighbour_changes_365d=(2, 4, 4, 3, 3, 2, 2),
    )


def test_renamed_file_reads_the_old_path(scenario: tuple[Repo, str, str]) -> None:
    repo, base, head = scenario
    diff = repo.diff(base, head)["pkg/lib.py"]
    assert diff.change is ChangeKind.RENAMED and diff.old_path == "lib.py"
    assert [(h.old_start, h.old_length) for h in diff.hunks] == [(1, 5), (15, 6)]  # two hunks: offsets matter
    assert [line.new_line for line in diff.added] == [3, 19]
    # Parent lib.py: l1..l20 from c1 (blame follows the whole-file move legacy.py -> lib.py, so c1, author
    # 520, not c_mv), except 16 g16 and 18 g18 from c_lib (author 15).
    assert file_history(repo.path, base, diff, T) == FileHistory(
        # History of pre_path lib.py only, no --follow: c_mv (committer exactly T-365 d: counted) and
        # c_lib (10 d); c1 wrote legacy.py, which is another path.
        file_commits_90d=1,
        file_commits_365d=2,
        file_authors_365d=2,  # alice (c_mv), grace (c_lib)
        file_age_days=365.0,  # aged from the move c_mv, the commit that added lib.py
        repo_commits_90d=6,
        # X (new 3): above l2 = parent 2 (c1, 520), below l3 = parent 3 (c1). Y (new 19, after l17 at new
        # 18): above l17 = parent 17 (c1), below g18 = parent 18 (c_lib, 15): the second hunk's offset.
        line_age_above_days=(520.0, 520.0),
        line_age_below_days=(520.0, 15.0),
        # X: p = 2, window 1..7, all c1 (520: not recent) -> 0. Were blame not following the move, c_mv
        # (author exactly T-365 d: recent) would give 1.
        # Y: p = 14 (before the second hunk) + 3 context lines = 17, window 13..22 -> 13..20:
        # c1 and c_lib -> 1.
        neighbour_changes_365d=(0, 1),
    )


def test_new_files(scenario: tuple[Repo, str, str]) -> None:
    repo, base, head = scenario
    diffs = repo.diff(base, head)
    assert diffs["new.py"].change is ChangeKind.ADDED and diffs["brand.py"].change is ChangeKind.ADDED
    # new.py existed before: added by c4 (60 d, dave) and deleted by c7 (20 d, erin). Both are commits to
    # the path within 90 d; a new file's age is 0.0 and it has no line lists.
    assert file_history(repo.path, base, diffs["new.py"], T) == FileHistory(2, 2, 2, 0.0, 6)
    assert file_history(repo.path, base, diffs["brand.py"], T) == FileHistory(0, 0, 0, 0.0, 6)


def test_file_deleted_and_added_again(scenario: tuple[Repo, str, str]) -> None:
    repo, base, head = scenario
    diff = repo.diff(base, head)["again.py"]
    assert diff.change is ChangeKind.MODIFIED
    # again.py: added by c1 (500), deleted by c2b (250), added again by c4 (60/70) with r1 r2.
    assert file_history(repo.path, base, diff, T) == FileHistory(
        file_commits_90d=1,  # c4
        file_commits_365d=2,  # c2b (the deletion changes the path too), c4
        file_authors_365d=2,  # frank, dave
        file_age_days=500.0,  # the earliest adding commit, c1, not the latest, c4
        repo_commits_90d=6,
        line_age_above_days=(70.0,),  # r3 (new 3): above r2 = parent 2 (c4, author 70)
        line_age_below_days=(None,),  # appended
        neighbour_changes_365d=(1,),  # p = 2, window 1..2 (clipped): c4 -> 1
    )


def test_empty_parent_file(scenario: tuple[Repo, str, str]) -> None:
    repo, base, head = scenario
    diff = repo.diff(base, head)["empty.py"]
    assert diff.change is ChangeKind.MODIFIED
    # c7 (20 d, erin) added the empty file. Its two new lines have no kept line on either side, and the
    # neighbour window is undefined on an empty parent.
    assert file_history(repo.path, base, diff, T) == FileHistory(
        1, 1, 1, 20.0, 6, (None, None), (None, None), (None, None)
    )


def test_zero_context_diff_gives_the_same_values(scenario: tuple[Repo, str, str]) -> None:
    # -U0 hunks have no context lines (kept lines map through the offsets between hunks) and pure
    # insertions are `-k,0` hunks, placed after parent line k.
    repo, base, head = scenario
    wide, narrow = repo.diff(base, head), repo.diff(base, head, "-U0")
    assert any(h.old_length == 0 for h in narrow["app.py"].hunks)
    for path in ("app.py", "pkg/lib.py", "empty.py"):
        assert file_history(repo.path, base, narrow[path], T) == file_history(repo.path, base, wide[path], T)


def test_repository_histories(scenario: tuple[Repo, str, str]) -> None:
    repo, base, head = scenario
    diffs = repo.diff(base, head)
    histories = repository_histories(repo.path, base, diffs.values(), T)
    assert set(histories) == set(diffs)
    assert histories["other.py"] is None  # deleted: no lines to score
    for path in ("app.py", "pkg/lib.py", "new.py", "brand.py", "empty.py", "again.py"):
        assert histories[path] == file_history(repo.path, base, diffs[path], T)
    # A short ref and a time in another zone are the same parent and the same T.
    later = T.astimezone(timezone(timedelta(hours=2)))
    assert repository_histories(repo.path, base[:10], diffs.values(), later) == histories


def test_day_values_round_to_four_decimals(scenario: tuple[Repo, str, str]) -> None:
    repo, base, head = scenario
    diff = repo.diff(base, head)["app.py"]
    # One second later than T: every age grows by 1/86400 d = 0.0000116 d, which rounds away for ages
    # given to 4 decimals (120.3333 stays), while 500.0 + 0.0000116 rounds to 500.0.
    history = file_history(repo.path, base, diff, T + timedelta(seconds=1))
    assert history is not None
    assert history.line_age_below_days[1] == 120.3333 and history.file_age_days == 500.0
    # Five hours later: 120 d 13 h = 120.541666.. -> 120.5417.
    history = file_history(repo.path, base, diff, T + timedelta(hours=5))
    assert history is not None and history.line_age_below_days[1] == 120.5417


def test_errors_give_none_and_a_reason(
    scenario: tuple[Repo, str, str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    repo, base, head = scenario
    diff = repo.diff(base, head)["app.py"]
    caplog.set_level(logging.WARNING, logger="bot.history")
    assert file_history(tmp_path, base, diff, T) is None  # not a repository
    assert file_history(repo.path, "0" * 40, diff, T) is None  # unknown commit
    assert file_history(repo.path, "--output=x", diff, T) is None  # never an option
    missing = FileDiff("nowhere.py", "nowhere.py", ChangeKind.MODIFIED, diff.hunks)
    assert file_history(repo.path, base, missing, T) is None  # path missing in the parent
    # The diff belongs to another parent: its context lines are not the parent's.
    first = repo.git("rev-list", "--max-parents=0", "HEAD")
    assert file_history(repo.path, first, diff, T) is None
    assert len(caplog.records) == 5
    assert all(record.levelno == logging.WARNING for record in caplog.records)
    assert "not a commit" in caplog.records[2].getMessage()
    assert "nowhere.py" in caplog.records[3].getMessage()
    assert "wrong base" in caplog.records[4].getMessage()
    with pytest.raises(ValueError, match="timezone-aware"):
        file_history(repo.path, base, diff, T.replace(tzinfo=None))


def test_shallow_clone_is_refused(
    scenario: tuple[Repo, str, str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    repo, base, head = scenario
    diff = repo.diff(base, head)["app.py"]
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "2", f"file://{repo.path}", str(shallow)],
        env=_env(0, 0, "x@example.com"),
        check=True,
        capture_output=True,
    )
    caplog.set_level(logging.WARNING, logger="bot.history")
    assert file_history(shallow, base, diff, T) is None
    assert "fetch-depth: 0" in caplog.text


def test_repository_config_does_not_change_the_values(
    scenario: tuple[Repo, str, str], tmp_path: Path
) -> None:
    # log.follow would make the one-path log follow renames; blame.ignoreRevsFile would move lines to
    # other commits. The values stay those of the definitions.
    repo, base, head = scenario
    diffs = repo.diff(base, head)
    expected = {p: file_history(repo.path, base, diffs[p], T) for p in ("app.py", "pkg/lib.py")}
    ignored = tmp_path / "ignore-revs"
    ignored.write_text(repo.git("log", "--format=%H", "-n", "1", base) + "\n")
    repo.git("config", "log.follow", "true")
    repo.git("config", "blame.ignoreRevsFile", str(ignored))
    try:
        for path, history in expected.items():
            assert file_history(repo.path, base, diffs[path], T) == history
    finally:
        repo.git("config", "--unset", "log.follow")
        repo.git("config", "--unset", "blame.ignoreRevsFile")


# --- Property: random small histories against a naive reference that replays `git log -p` line by line.

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_EMAILS = ["a@x.com", "A@X.com", "b@x.com", "c@x.com"]
_text = st.sampled_from(["x", "y", "z", "def f():", "    pass", ""])
_content: st.SearchStrategy[list[str]] = st.one_of(st.just([]), st.lists(_text, min_size=12, max_size=30))
# An edit: at a position (modulo the file's length + 1), insert lines, replace one by them, or delete one.
_edits = st.lists(
    st.tuples(
        st.integers(0, 30),
        st.sampled_from(["insert", "replace", "delete"]),
        st.lists(_text, min_size=1, max_size=3),
    ),
    min_size=1,
    max_size=4,
)
_commit = st.tuples(
    st.sampled_from(["edit", "edit", "edit", "other", "delete"]),
    _edits,
    st.integers(0, 150 * DAY),  # committer gap after the previous commit
    st.integers(0, 200 * DAY),  # author time this much before the committer time
    st.sampled_from(_EMAILS),
)


def _reference_blame(repo: Repo, base: str) -> tuple[list[tuple[str, int]], list[tuple[int, str, bool]]]:
    """(per parent line of f.py: (commit, author time)), (per commit to f.py: committer time, email, adds it).

    Replays every commit's -U0 patch from the first: a hunk's removed lines go, its added lines belong to
    its commit. This is what blame computes on a linear history.
    """
    raw = repo.raw(
        "log", "--reverse", "-p", "-U0", "--no-renames", "--format=%x01%H %ct %at %ae", base, "--", "f.py"
    )
    owners: list[tuple[str, int]] = []
    commits: list[tuple[int, str, bool]] = []
    hunks: list[tuple[int, int, int]] = []

    def apply() -> None:
        for old_start, old_length, new_length in reversed(hunks):
            at = old_start - 1 if old_length else old_start
            owners[at : at + old_length] = [current] * new_length
        hunks.clear()

    current = ("", 0)
    for line in raw.split("\n"):
        if line.startswith("\x01"):
            apply()
            sha, committed, authored, email = line[1:].split(" ")
            current = (sha, int(authored))
            commits.append((int(committed), email, False))
        elif line.startswith("new file mode"):
            commits[-1] = (commits[-1][0], commits[-1][1], True)
        elif match := _HUNK.match(line):
            old_length = 1 if match[2] is None else int(match[2])
            new_length = 1 if match[4] is None else int(match[4])
            hunks.append((int(match[1]), old_length, new_length))
    apply()
    return owners, commits


def _reference(repo: Repo, base: str, head: str, t: float) -> FileHistory:
    owners, commits = _reference_blame(repo, base)
    parent = repo.raw("show", f"{base}:f.py").split("\n")[:-1]
    after = (repo.path / "f.py").read_text().split("\n")[:-1]
    assert len(parent) == len(owners)
    # The change's own diff, read from git's text: each + line's new number and the parent lines before
    # it (p); each - line's position as the new number of the line after it.
    raw = repo.raw("diff", "-M", "--no-color", base, head, "--", "f.py").split("\n")
    added: dict[int, int] = {}
    removed_before: list[int] = []
    old = new = 0
    for line in raw:
        if match := _HUNK.match(line):
            old_length = 1 if match[2] is None else int(match[2])
            old, new = (int(match[1]) if old_length else int(match[1]) + 1), int(match[3])
        elif old or new:
            if line.startswith("+"):
                added[new], new = old - 1, new + 1
            elif line.startswith("-"):
                removed_before.append(new)
                old += 1
            elif line.startswith(" "):
                old, new = old + 1, new + 1

    def parent_line(m: int) -> int:
        line = m - sum(n < m for n in added) + sum(r <= m for r in removed_before)
        assert after[m - 1] == parent[line - 1]  # the kept line is the same text in the parent
        return line

    def age(m: int | None) -> float | None:
        return None if m is None else round((t - owners[parent_line(m) - 1][1]) / DAY, 4)

    kept = [m for m in range(1, len(after) + 1) if m not in added]
    year, quarter = t - 365 * DAY, t - 90 * DAY
    recent = [c for c in commits if c[0] >= year]
    neighbours: list[int | None] = []
    for _n, p in sorted(added.items()):
        window = [owners[k - 1] for k in range(p - 4, p + 6) if 1 <= k <= len(owners)]
        neighbours.append(len({sha for sha, authored in window if authored >= year}) if owners else None)
    return FileHistory(
        file_commits_90d=sum(c[0] >= quarter for c in recent),
        file_commits_365d=len(recent),
        file_authors_365d=len({c[1].lower() for c in recent}),
        file_age_days=round((t - min(c[0] for c in commits if c[2])) / DAY, 4),
        repo_commits_90d=sum(int(s) >= quarter for s in repo.git("log", "--format=%ct", base).split()),
        line_age_above_days=tuple(age(max((m for m in kept if m < n), default=None)) for n in sorted(added)),
        line_age_below_days=tuple(age(min((m for m in kept if m > n), default=None)) for n in sorted(added)),
        neighbour_changes_365d=tuple(neighbours),
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=_content,
    history=st.lists(_commit, min_size=2, max_size=8),
    change=_edits,
    gap=st.integers(0, 100 * DAY),
)
def test_random_histories_match_a_naive_reference(
    first: list[str],
    history: list[tuple[str, list[tuple[int, str, list[str]]], int, int, str]],
    change: list[tuple[int, str, list[str]]],
    gap: int,
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        repo = Repo(Path(scratch) / "repo")
        # Committer times rise from 600 days before the constant T; the change's own T is its head's
        # committer time.
        clock = 0
        start = int(T.timestamp()) - 600 * DAY
        ago = _ago(start)
        repo.commit({"f.py": lines(*first), "o.py": "0\n"}, committer=ago, author=ago, email="a@x.com")
        exists, content = True, first
        for k, (kind, text, step, back, email) in enumerate(history):
            clock += step
            files: dict[str, str | None]
            if kind == "other":
                files = {"o.py": f"{k}\n"}
            elif kind == "delete" and exists:
                files, exists = {"f.py": None}, False
            else:
                content = _edited(content, text) if exists else _edited([], text)
                files, exists = {"f.py": lines(*content)}, True
            now = start + clock
            repo.commit(files, committer=_ago(now), author=_ago(now - back), email=email)
        if not exists:
            ago = _ago(start + clock)
            repo.commit({"f.py": lines(*content)}, committer=ago, author=ago, email="c@x.com")
        base = repo.git("rev-parse", "HEAD")
        head_time = start + clock + gap
        ago = _ago(head_time)
        repo.commit({"f.py": lines(*_edited(content, change))}, committer=ago, author=ago, email="d@x.com")
        head = repo.git("rev-parse", "HEAD")
        diff = repo.diff(base, head).get("f.py")
        if diff is None or not diff.added:
            return  # no change, or only removals: no line to score
        t = datetime.fromtimestamp(head_time, UTC)
        assert file_history(repo.path, base, diff, t) == _reference(repo, base, head, head_time)


def _edited(content: list[str], edits: list[tuple[int, str, list[str]]]) -> list[str]:
    out = list(content)
    for at, kind, text in edits:
        k = at % (len(out) + 1)
        if kind == "insert" or k == len(out):
            out[k:k] = text
        else:
            out[k : k + 1] = text if kind == "replace" else []
    return out


def _ago(moment: int) -> int:
    """Seconds before T of a moment (Repo.commit takes times relative to T)."""
    return int(T.timestamp()) - moment
