"""training.wild.reader: rows of AI commits -> windows of added lines with labels, and the date split."""

from __future__ import annotations

import gzip
import json

import pytest

from scoring.errors import DataSourceError
from training.wild.reader import chunk_added, date_split, examples_from_row, load_wild, sample_commits


def _row(sha="a1", date="2024-07-01T10:00:00+02:00", n_lines=30, added=(10, 11), edited=(1, 0), human=(1, 0)):
    return {
        "sha": sha,
        "path": "pkg/mod.py",
        "committer_date": date,
        "subject": "Add a helper",
        "after_content": "".join(f"line {i}\n" for i in range(1, n_lines + 1)),
        "added_lines": list(added),
        "labels_edited": list(edited),
        "labels_edited_by_human": list(human),
    }


def test_window_keeps_context_around_added_lines_and_renumbers_them():
    [example] = examples_from_row(_row(), context_lines=3, max_lines=40)
    assert example.first_line == 7
    assert example.text.splitlines() == [f"line {i}" for i in range(7, 15)]
    assert example.added == (4, 5)
    assert example.text.splitlines()[example.added[0] - 1] == "line 10"
    assert (example.edited, example.edited_by_human) == ((1, 0), (1, 0))
    assert example.intent == "Add a helper"
    assert example.committed_at.utcoffset().total_seconds() == 0


def test_window_is_clipped_at_the_file_edges():
    [example] = examples_from_row(_row(n_lines=5, added=(1, 5), edited=(0, 1), human=(0, 0)), context_lines=3)
    assert example.first_line == 1
    assert example.added == (1, 5)
    assert len(example.text.splitlines()) == 5


def test_far_apart_added_lines_become_separate_windows_without_losing_a_line():
    examples = examples_from_row(
        _row(n_lines=200, added=(10, 150, 151), edited=(1, 0, 1), human=(0, 0, 1)),
        context_lines=2,
        max_lines=20,
    )
    assert [ex.key for ex in examples] == ["a1:pkg/mod.py#0", "a1:pkg/mod.py#1"]
    assert [ex.first_line + a - 1 for ex in examples for a in ex.added] == [10, 150, 151]
    assert [lab for ex in examples for lab in ex.edited] == [1, 0, 1]
    assert examples[1].hunks() == [(3, 4)]


def test_chunks_respect_the_line_budget():
    assert chunk_added([1, 2, 3, 30, 31], context_lines=1, max_lines=5) == [[1, 2, 3], [30, 31]]


def test_added_line_outside_the_file_is_a_data_error():
    with pytest.raises(DataSourceError, match="outside"):
        examples_from_row(_row(n_lines=5, added=(9,), edited=(0,), human=(0,)))


def test_missing_field_is_a_data_error():
    row = _row()
    del row["subject"]
    with pytest.raises(DataSourceError, match="malformed"):
        examples_from_row(row)


def test_date_split_puts_earlier_commits_in_train_and_never_splits_a_commit(tmp_path):
    rows = [
        _row(sha="c", date="2024-09-01T00:00:00+00:00"),
        _row(sha="a", date="2024-07-01T00:00:00+00:00"),
        _row(
            sha="b",
            date="2024-08-01T00:00:00+00:00",
            n_lines=300,
            added=(5, 250),
            edited=(0, 0),
            human=(0, 0),
        ),
        _row(sha="d", date="2024-10-01T00:00:00+00:00"),
    ]
    path = tmp_path / "wild.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in rows)
    examples = load_wild(path, max_lines=40)
    earlier, later = date_split(examples, train_fraction=0.5)
    assert [ex.commit for ex in earlier] == ["a", "b", "b"]
    assert [ex.commit for ex in later] == ["c", "d"]
    assert max(ex.committed_at for ex in earlier) < min(ex.committed_at for ex in later)


def test_missing_file_names_the_environment_variable(tmp_path):
    with pytest.raises(DataSourceError, match="REDLINE_DATA_DIR"):
        load_wild(tmp_path / "absent.jsonl.gz")


def test_sample_commits_keeps_whole_commits():
    examples = [
        ex
        for sha in "abcdef"
        for ex in examples_from_row(_row(sha=sha, n_lines=300, added=(5, 250), edited=(0, 0), human=(0, 0)))
    ]
    sample = sample_commits(examples, 3, seed=1)
    assert len({ex.commit for ex in sample}) == 3
    assert len(sample) == 6
