"""training.wild.table: every repository file with its sidecar -> one table of features, labels and groups."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from scoring.errors import DataSourceError
from tests.training.wild.wild_files import edits, history, row, write
from training.wild.reader import wild_files
from training.wild.table import load_table


def test_every_repository_file_is_read_with_its_sidecar_and_the_sidecars_are_not_data(tmp_path) -> None:
    write(tmp_path, "a__one", [row("a/one", "s1", 1, ["x = 1", "y = 2"], [1, 0])])
    write(
        tmp_path,
        "b__two",
        [
            row("b/two", "s2", 2, ["z = 3"], [0], human=[0]),
            row("b/two", "s3", 3, ["print(z)"], [1], human=[0]),
        ],
        [
            history(row("b/two", "s2", 2, ["z = 3"], [0])),
            history(row("b/two", "s3", 3, ["print(z)"], [1]), 7),
        ],
    )
    assert [p.name for p in wild_files(tmp_path)] == ["a__one.jsonl.gz", "b__two.jsonl.gz"]
    table = load_table(tmp_path, progress=False)
    assert table.repos == ["a/one", "b/two"]
    assert table.repo.tolist() == ["a/one", "a/one", "b/two", "b/two"]
    assert table.commit.tolist() == ["s1", "s1", "s2", "s3"]
    assert table.edited.tolist() == [1, 0, 0, 1] and table.edited_by_human.tolist() == [1, 0, 0, 0]
    assert table.columns(("file_commits_90d",))[:, 0].tolist() == [1, 1, 1, 7]
    assert table.columns(("change_files",))[:, 0].tolist() == [1, 1, 1, 1]
    assert table.agent.tolist() == ["claude"] * 4


def test_the_table_is_cached_and_read_back_identically(tmp_path) -> None:
    write(tmp_path / "wild", "a__one", [row("a/one", "s1", 1, ["x = 1", "y = 2"], [1, 0])])
    first = load_table(tmp_path / "wild", cache_dir=tmp_path / "cache", progress=False)
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 1
    second = load_table(tmp_path / "wild", cache_dir=tmp_path / "cache", progress=False)
    assert np.array_equal(first.features, second.features) and first.commit.tolist() == second.commit.tolist()


def test_each_repository_is_cached_on_its_own_so_a_build_resumes_and_a_change_rebuilds_one(
    tmp_path, monkeypatch
) -> None:
    import training.wild.table as table_module

    write(tmp_path / "wild", "a__one", [row("a/one", "s1", 1, ["x = 1", "y = 2"], [1, 0])])
    write(tmp_path / "wild", "b__two", [row("b/two", "s2", 1, ["z = 3"], [0])])
    built: list[str] = []
    real = table_module.file_table

    def counting(path):
        built.append(path.name)
        if path.name.startswith("b__") and len(built) == 2:
            raise KeyboardInterrupt  # the first build is interrupted at the second repository
        return real(path)

    monkeypatch.setattr(table_module, "file_table", counting)
    with pytest.raises(KeyboardInterrupt):
        load_table(tmp_path / "wild", cache_dir=tmp_path / "cache", progress=False)
    whole = load_table(tmp_path / "wild", cache_dir=tmp_path / "cache", progress=False)
    assert [n.split(".")[0] for n in built] == ["a__one", "b__two", "b__two"]  # resumed: a is not rebuilt
    assert len(whole) == 3 and not list((tmp_path / "cache").glob("*.partial.npz"))
    write(tmp_path / "wild", "b__two", [row("b/two", "s2", 1, ["z = 3", "w = 4"], [0, 1])])
    assert len(load_table(tmp_path / "wild", cache_dir=tmp_path / "cache", progress=False)) == 4
    assert [n.split(".")[0] for n in built[3:]] == ["b__two"]  # only the changed repository


def test_a_malformed_row_names_its_file_and_line(tmp_path) -> None:
    good = row("a/one", "s1", 1, ["x = 1"], [1])
    bad = dict(good, sha="s2", labels_edited=[1, 1])  # more labels than added lines
    write(tmp_path, "a__one", [good, bad])
    with pytest.raises(DataSourceError, match=r"a__one\.jsonl\.gz:2"):
        load_table(tmp_path, progress=False)


def test_broken_json_and_a_misaligned_sidecar_are_errors_not_skipped_repositories(tmp_path) -> None:
    path = write(tmp_path, "a__one", [row("a/one", "s1", 1, ["x = 1"], [1])])
    with gzip.open(path, "at", encoding="utf-8") as handle:
        handle.write("{not json\n")
    with pytest.raises(DataSourceError, match=r"a__one\.jsonl\.gz:2"):
        load_table(tmp_path, progress=False)
    other = tmp_path / "other"
    write(
        other, "a__one", [row("a/one", "s1", 1, ["x = 1"], [1])], [history(row("a/one", "zz", 1, ["x"], [1]))]
    )
    with pytest.raises(DataSourceError, match="not aligned"):
        load_table(other, progress=False)


def test_the_target_counts_only_content_changes_by_a_person_in_focused_commits(tmp_path) -> None:
    rows = [row("a/one", f"s{k}", k + 1, ["value = compute(1)", "other = 2"], [1, 0]) for k in range(5)]
    rows.append(row("a/one", "s5", 6, ["value = compute(1)"], [1], human=[0]))  # the agent's own follow-up
    records = [
        edits(rows[0]),
        edits(rows[1], files=50),
        edits(rows[2], "deleted"),
        edits(rows[3], "moved"),
        edits(rows[4], "format"),
        edits(rows[5]),
    ]
    write(tmp_path, "a__one", rows, edit_records=records)
    table = load_table(tmp_path, progress=False)
    assert table.target.tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert table.edited_by_human.tolist() == [
        1,
        0,
        1,
        0,
        1,
        0,
        1,
        0,
        1,
        0,
        0,
    ]  # today's label, kept beside it
    assert table.kind.tolist()[::2] == ["modified", "modified", "deleted", "moved", "format", "modified"]
    assert table.sweeping.tolist()[:4] == [0, -1, 1, -1]
    assert table.label("target") is table.target


def test_a_missing_or_misaligned_edit_sidecar_names_the_file_and_line(tmp_path) -> None:
    first, second = row("a/one", "s1", 1, ["x = 1"], [1]), row("a/one", "s2", 2, ["y = 1"], [1])
    write(tmp_path / "short", "a__one", [first, second], edit_records=[edits(first)])
    with pytest.raises(DataSourceError, match=r"a__one\.edits\.jsonl\.gz has 1 rows"):
        load_table(tmp_path / "short", progress=False)
    write(tmp_path / "swapped", "a__one", [first, second], edit_records=[edits(second), edits(first)])
    with pytest.raises(DataSourceError, match=r"a__one\.edits\.jsonl\.gz:1: edit sidecar is not aligned"):
        load_table(tmp_path / "swapped", progress=False)
    unedited = dict(edits(first), edit_kind=["modified"])
    write(
        tmp_path / "kind",
        "a__one",
        [dict(first, labels_edited=[0], labels_edited_by_human=[0], line_editor=[-1])],
        edit_records=[unedited],
    )
    with pytest.raises(DataSourceError, match=r"edits\.jsonl\.gz:1: malformed edit sidecar record"):
        load_table(tmp_path / "kind", progress=False)
