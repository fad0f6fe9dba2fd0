"""Dataset schema, folds, loader errors and the card, on literal rows."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from scoring.errors import DataSourceError
from training.data.card import make_card, render_markdown
from training.data.dataset import (
    ProgramRow,
    assign_folds,
    generator_family,
    load_card,
    load_dataset,
    write_dataset,
)

CODE = "def f(a):\n    return a - 1\n"


def _row(**changes) -> ProgramRow:
    base = ProgramRow(
        id="humaneval/1:abc",
        problem_id="humaneval/1",
        benchmark="humaneval",
        generator="GPT-4",
        generator_family="gpt-4",
        source="s",
        method="m",
        intent="add one",
        code=CODE,
        passes=False,
        passes_base=True,
        claimed_pass=True,
        oracle="plus",
        outcome="failed",
        fold=0,
        line_labels=[0, 1],
        copied_from_prompt=[True, False],
        edited_intervals=[[24, 25]],
        insert_points=[],
        dead_lines=[],
        repair_method="one_line",
        patch_lines=1,
        paper_patch_lines=2,
        repair_source="reference",
        edited_share=1.0,
        paper_edited_share=1.0,
        patched_code="def f(a):\n    return a + 1\n",
        degenerate=True,
        labelled=True,
    )
    return replace(base, **changes)


def test_folds_group_problems_and_do_not_depend_on_input_order():
    ids = [f"humaneval/{i}" for i in range(23)]
    folds = assign_folds(ids)
    assert folds == assign_folds(list(reversed(ids)))
    sizes = sorted(list(folds.values()).count(k) for k in range(5))
    assert sizes == [4, 4, 5, 5, 5]


def test_generator_families_group_versions_of_one_model():
    assert generator_family("GPT-4-Turbo") == generator_family("GPT-4o") == "gpt-4"
    assert generator_family("CodeLlama-34B-Instruct") == generator_family("Llama-3-8B") == "llama"
    assert generator_family("NewModel") == "newmodel"


def test_rows_round_trip_through_the_files(tmp_path: Path):
    rows = [_row(), _row(id="humaneval/1:def", passes=True, line_labels=[0, 0], edited_intervals=[])]
    write_dataset(tmp_path, rows, {"name": "x"})
    assert load_dataset(tmp_path) == rows
    assert load_dataset(tmp_path / "programs.jsonl") == rows
    assert load_card(tmp_path) == {"name": "x"}


def test_a_missing_or_corrupt_dataset_is_a_clear_error(tmp_path: Path):
    with pytest.raises(DataSourceError, match="redline data build"):
        load_dataset(tmp_path / "nowhere")
    (tmp_path / "programs.jsonl").write_text('{"id": 1}\n')
    with pytest.raises(DataSourceError, match=r"programs\.jsonl:1"):
        load_dataset(tmp_path)


def test_the_card_reports_pass_rates_repairs_and_base_rates():
    rows = [
        _row(),
        _row(
            id="b",
            passes=True,
            passes_base=True,
            line_labels=[0, 0],
            edited_intervals=[],
            repair_method="",
            labelled=True,
            claimed_pass=False,
        ),
    ]
    card = make_card(rows, {"name": "t", "benchmarks": ("humaneval",)}, {}, 12.3)
    total = card["total"]
    assert total["programs"] == 2 and total["pass_rate"] == 0.5 and total["failing"] == 1
    assert total["claimed_flag_disagreements"] == 1
    assert total["repaired_with_reference"] == 1 and total["repair_method"]["one_line"] == 1
    assert total["line_base_rate"] == 0.25 and total["generated_line_base_rate"] == 0.5
    assert total["median_edited_share_failing"] == 1.0 and total["degenerate"] == 1
    assert card["config"]["benchmarks"] == ["humaneval"]
    table = render_markdown(card)
    assert "| humaneval | GPT-4 | 1 | 2 | 0.50 |" in table and "| **all** | **all** |" in table
