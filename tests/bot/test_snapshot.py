"""Snapshots from a real local repository (blame, notes, Agent Trace) and from GitHub through the fake."""

from __future__ import annotations

import json

import pytest

from bot.github import pulls
from bot.snapshot import github_config_text, github_snapshot, local_config_text, local_snapshot
from scoring.attribution import attribute_lines
from scoring.diff import SkipReason
from scoring.errors import RedlineError
from tests.fakes import FakePull, FakeResponse, recorded


def test_blame_assigns_each_added_line_to_the_pr_commit_that_added_it(git_repo):
    git_repo.commit({"a.py": "x = 1\n"}, "base")
    git_repo.branch("feature")
    first = git_repo.commit({"a.py": "x = 1\ny = 2\n"}, "one")
    second = git_repo.commit({"a.py": "x = 1\ny = 2\nz = 3\n"}, "two")
    snapshot = local_snapshot(git_repo.path, "main", "feature")
    assert [(o.line, o.sha) for o in snapshot.origins] == [(2, first), (3, second)]
    assert snapshot.texts["a.py"] == "x = 1\ny = 2\nz = 3\n"
    assert [c.message for c in snapshot.commits] == ["one", "two"]
    assert snapshot.pull.branch == "feature"


def test_git_ai_note_and_agent_trace_become_line_claims(git_repo):
    git_repo.commit({"a.py": "x = 1\n"}, "base")
    git_repo.branch("feature")
    sha = git_repo.commit({"a.py": "x = 1\ny = 2\nz = 3\n"}, "plain commit")
    git_repo.repo.git.notes(
        "--ref=ai", "add", "-m", 'a.py\n  p1 2\n---\n{"prompts":{"p1":{"agent_id":{"tool":"cursor"}}}}', sha
    )
    trace = {
        "version": "0.1.0",
        "vcs": {"type": "git", "revision": sha},
        "tool": {"name": "claude-code"},
        "files": [
            {
                "path": "a.py",
                "conversations": [
                    {"contributor": {"type": "ai"}, "ranges": [{"start_line": 3, "end_line": 3}]}
                ],
            }
        ],
    }
    deep = "[" * 100_000 + "]" * 100_000  # bounded: skipped with a warning, not a RecursionError
    git_repo.commit(
        {".agent-trace/t.jsonl": json.dumps(trace) + "\n" + deep + "\n", ".agent-trace/deep.json": deep},
        "trace",
    )
    snapshot = local_snapshot(git_repo.path, "main", "feature")
    attributions = attribute_lines(snapshot.origins, snapshot.commits, snapshot.pull, claims=snapshot.claims)
    assert attributions[("a.py", 2)].ai and "git-ai note" in attributions[("a.py", 2)].reason
    assert attributions[("a.py", 3)].ai and "Agent Trace" in attributions[("a.py", 3)].reason


def test_unscorable_files_keep_their_skip_reason(git_repo):
    git_repo.commit({"a.py": "x = 1\n", "b.bin": b"\x00\x01"}, "base")
    git_repo.branch("feature")
    git_repo.commit({"b.bin": b"\x00\x02\x03", "c.py": "caf\xe9 = 1\n".encode("latin-1")}, "change")
    by_path = {f.path: f for f in local_snapshot(git_repo.path, "main", "feature").files}
    assert by_path["b.bin"].skip is SkipReason.BINARY and by_path["c.py"].skip is SkipReason.NOT_UTF8


def test_config_is_read_from_the_base_ref_not_the_branch(git_repo):
    git_repo.commit({".github/redline.yml": "gate: {enabled: true}\n"}, "base")
    git_repo.branch("feature")
    git_repo.commit({".github/redline.yml": "gate: {enabled: false}\n"}, "try to switch the gate off")
    assert local_config_text(git_repo.path, "main") == "gate: {enabled: true}\n"
    assert local_config_text(git_repo.path, "feature~1") == "gate: {enabled: true}\n"
    with pytest.raises(RedlineError, match="--base 'no-such-ref' is not a commit"):
        local_config_text(git_repo.path, "no-such-ref")


def test_bad_refs_are_a_clear_error(git_repo):
    git_repo.commit({"a.py": "x = 1\n"}, "base")
    with pytest.raises(RedlineError, match="--head 'nope' is not a commit in"):
        local_snapshot(git_repo.path, "main", "nope")
    with pytest.raises(RedlineError, match="--base 'nope' is not a commit in"):
        local_snapshot(git_repo.path, "nope", "main")


@pytest.mark.parametrize("ref", ["HEAD@{100000}", "HEAD~-1", "HEAD:a.py", "HEAD^{tree}", ""])
def test_refs_git_cannot_resolve_to_a_commit_are_a_clear_error(git_repo, ref):
    git_repo.commit({"a.py": "x = 1\n"}, "base")
    with pytest.raises(RedlineError, match=r"--head .* is not a"):
        local_snapshot(git_repo.path, "main", ref)


def test_a_ref_that_looks_like_an_option_never_reaches_git(git_repo, tmp_path):
    git_repo.commit({".github/redline.yml": "gate: {enabled: true}\n"}, "base")
    (tmp_path / "out:.github").mkdir()  # where `git show --output=out:.github/redline.yml` would write
    for ref in (f"--output={tmp_path / 'out'}", "-p"):
        with pytest.raises(RedlineError, match="is not a ref"):
            local_config_text(git_repo.path, ref)
        with pytest.raises(RedlineError, match="is not a ref"):
            local_snapshot(git_repo.path, "main", ref)
    assert list((tmp_path / "out:.github").iterdir()) == []


def test_a_missing_path_or_a_directory_outside_git_is_a_clear_error(tmp_path):
    with pytest.raises(RedlineError, match="does not exist"):
        local_snapshot(tmp_path / "absent", "main")
    with pytest.raises(RedlineError, match="is not in a git repository"):
        local_config_text(tmp_path, "main")


# Names git C-quotes in a diff header: non-ASCII (unless core.quotePath=false), `"`, a tab, a backslash.
QUOTED_NAMES = ["café.py", 'say "hi".py', "tab\tname.py", "back\\slash.py", "two words.py"]


@pytest.mark.parametrize("config", [{}, {"diff.noprefix": "true"}, {"diff.mnemonicPrefix": "true"}])
def test_file_names_git_quotes_keep_their_text_and_blame(git_repo, config):
    git_repo.commit({"README": "base\n"}, "base")
    with git_repo.repo.config_writer() as writer:  # a user's own git config must not change the paths
        for key, value in config.items():
            section, option = key.split(".")
            writer.set_value(section, option, value)
    git_repo.branch("feature")
    sha = git_repo.commit({name: f"x = {i}\n" for i, name in enumerate(QUOTED_NAMES)}, "add")
    snapshot = local_snapshot(git_repo.path, "main", "feature")
    assert sorted(f.path for f in snapshot.files) == sorted(QUOTED_NAMES)
    assert {path: text for path, text in snapshot.texts.items()} == {
        name: f"x = {i}\n" for i, name in enumerate(QUOTED_NAMES)
    }
    origins = sorted((o.path, o.line, o.sha) for o in snapshot.origins)
    assert origins == sorted((name, 1, sha) for name in QUOTED_NAMES)


def test_github_snapshot_reads_pr_files_commits_and_texts(client, fake_github):
    patch_1 = "@@ -0,0 +1,2 @@\n+a = 1\n+b = 2\n"
    pull = fake_github.add_pull(
        FakePull(
            "acme/app",
            3,
            title="T",
            body="B",
            labels=["x"],
            author="devin-ai-integration[bot]",
            head_ref="devin/x",
            files=[
                {"filename": "n.py", "status": "added", "patch": patch_1},
                {"filename": "img.png", "status": "added", "patch": None},
            ],
            commits=[{"sha": "1" * 40, "message": "m1"}, {"sha": "2" * 40, "message": "m2"}],
        ),
        contents={"n.py": "a = 1\nb = 2\n"},
    )
    fake_github.route("GET", "/repos/{owner}/{repo}/commits/{ref}")(
        lambda req, owner, repo, ref: FakeResponse(
            200,
            _commit_body(
                fake_github,
                ref,
                "@@ -0,0 +1 @@\n+a = 1\n" if ref.startswith("1") else "@@ -1 +1,2 @@\n a = 1\n+b = 2\n",
            ),
        )
    )
    snapshot = github_snapshot(client, pulls.get_pull(client, "acme/app", 3))
    assert (snapshot.title, snapshot.body, snapshot.head_sha, snapshot.pull.branch) == (
        "T",
        "B",
        pull.head_sha,
        "devin/x",
    )
    assert {f.path: f.skip for f in snapshot.files} == {"n.py": None, "img.png": SkipReason.NO_PATCH}
    assert [(o.line, o.sha) for o in snapshot.origins] == [(1, "1" * 40), (2, "2" * 40)]
    assert snapshot.texts == {"n.py": "a = 1\nb = 2\n"}


def test_a_file_whose_patch_does_not_parse_is_skipped_and_the_others_reviewed(client, fake_github):
    patch = "@@ -0,0 +1 @@\n+a = 1\n"
    fake_github.add_pull(
        FakePull(
            "acme/app",
            4,
            files=[
                {"filename": "evil\nname.py", "status": "added", "patch": patch},
                {"filename": "ok.py", "status": "added", "patch": patch},
            ],
            commits=[{"sha": "1" * 40, "message": "m"}],
        ),
        contents={"ok.py": "a = 1\n", "evil\nname.py": "a = 1\n"},
    )
    snapshot = github_snapshot(client, pulls.get_pull(client, "acme/app", 4))
    assert {f.path: f.skip for f in snapshot.files} == {"evil\nname.py": SkipReason.UNPARSABLE, "ok.py": None}
    assert snapshot.texts == {"ok.py": "a = 1\n"}


def _commit_body(fake, sha, patch):
    body = fake.rewrite(recorded("commits.get"))
    body["sha"] = sha
    body["files"] = [{**body["files"][0], "filename": "n.py", "patch": patch}]
    return body


def test_github_config_comes_from_the_default_branch(client, fake_github):
    fake_github.contents[("acme/app", ".github/redline.yml", "main")] = b"comments: {max: 3}\n"
    assert github_config_text(client, "acme/app", "main") == "comments: {max: 3}\n"
    assert github_config_text(client, "acme/app", "other") is None
