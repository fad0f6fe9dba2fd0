"""Generation logs read into one schema: complete programs, de-duplicated, every source covered."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from training.data.generations import (
    LDB_HEADER,
    Generation,
    Role,
    classeval_code,
    complete_program,
    deduplicate,
    load_generations,
    read_generations,
    write_generations,
)
from training.data.problems import load_problems

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


def test_a_class_counts_as_the_definition_of_a_classeval_entry_point():
    code = "```python\nimport math\n\nclass Area:\n    def of(self, r):\n        return math.pi * r * r\n```"
    assert complete_program(code, "class Area:\n    pass\n", "Area") == code[10:-3]
    assert complete_program("Sorry, I cannot.", "", "Area") is None


@pytest.mark.parametrize(
    "output",
    [
        "### Instruction:\nComplete class A.\nclass A:\n    pass\n### Response:\nclass A:\n    x = 1\n",
        "Please complete the class A in the following code.\n\nclass A:\n    x = 1\n",
        "class A:\n    x = 1\n<|/ file |>\nclass B:\n    pass\n",
        "class A:\n    x = 1\n```\nThis class sets x.\n",
    ],
)
def test_classeval_outputs_lose_the_echoed_template_prose_and_end_tokens(output):
    assert classeval_code(output).strip() == "class A:\n    x = 1"


def test_a_script_needs_no_entry_point():
    assert complete_program("\n\nn = int(input())\nprint(n)  \n", "", "") == "n = int(input())\nprint(n)\n"


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
