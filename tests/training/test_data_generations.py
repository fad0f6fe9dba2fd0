"""Generation logs read into one schema: complete programs, de-duplicated, every source covered."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from training.generations import (
    LDB_HEADER,
    Generation,
    Role,
    complete_program,
    deduplicate,
    load_generations,
    read_generations,
    write_generations,
)
from training.problems import load_problems

PROMPT = 'from typing import List\n\n\ndef head(xs: List[int]) -> int:\n    """First item."""\n'


def test_a_bare_body_gets_the_prompt_prepended():
    assert complete_program("    return xs[0]\n", PROMPT, "head") == PROMPT + "    return xs[0]\n"


def test_a_restated_function_keeps_the_prompt_imports():
    program = complete_program("def head(xs: List[int]) -> int:\n    return xs[0]", PROMPT, "head")
    assert program == "from typing import List\ndef head(xs: List[int]) -> int:\n    return xs[0]\n"


def test_markdown_fences_and_the_ldb_harness_header_are_stripped():
    fenced = "Here you go:\n```python\ndef head(xs):\n    return xs[0]\n```\nDone."
    assert complete_program(fenced, "", "head") == "def head(xs):\n    return xs[0]\n"
    assert (
        complete_program(LDB_HEADER + "def head(xs):\n    return xs[0]\n", "", "head")
        == "def head(xs):\n    return xs[0]\n"
    )


def test_code_that_cannot_define_the_entry_point_is_dropped():
    assert complete_program("print('hi')", "", "head") is None


def _generation(code: str, role: Role = Role.FINAL, source: str = "s") -> Generation:
    return Generation("humaneval/0", "GPT-4", source, "m", code, None, role)


def test_duplicates_differing_only_in_blank_lines_collapse_and_final_programs_win():
    kept = deduplicate(
        [
            _generation("def f():\n\n    return 1\n", Role.INTERMEDIATE, "a"),
            _generation("def f():\n    return 1   \n", Role.FINAL, "b"),
        ]
    )
    assert [(g.source, g.role) for g in kept] == [("b", Role.FINAL)]


def test_generation_files_round_trip(tmp_path: Path):
    path = tmp_path / "g.jsonl"
    original = [
        _generation("def f():\n    return 1\n"),
        _generation("def f():\n    return 2\n", Role.INTERMEDIATE),
    ]
    write_generations(path, original)
    assert read_generations(path) == original


@pytest.fixture(scope="module")
def humaneval(data_root: Path):
    problems = load_problems(("humaneval",), data_root)
    return problems, load_generations(problems, data_root)


def test_every_humaneval_log_contributes_complete_programs(humaneval):
    problems, generations = humaneval
    families = Counter(g.source.split("/")[0] for g in generations)
    for folder in (
        "LLMDebugger",
        "reflexion",
        "LATS",
        "MapCoder",
        "AgentCoder",
        "evalplus",
        "humaneval-results",
        "CodeT",
    ):
        assert families[folder] > 50, folder
    sample = [g for g in generations if g.problem_id == "humaneval/0"]
    assert all(f"def {problems['humaneval/0'].entry_point}" in g.code for g in sample)
    assert {g.role for g in generations} == {Role.FINAL, Role.INTERMEDIATE}


def test_the_pool_is_wide(humaneval):
    _, generations = humaneval
    per_task = Counter(g.problem_id for g in generations)
    assert len(per_task) == 164
    assert sorted(per_task.values())[len(per_task) // 2] >= 50
