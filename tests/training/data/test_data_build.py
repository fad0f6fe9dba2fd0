"""End to end: a small dataset built from real problems and programs plus four hand-made failures."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from training.data.build import REPAIRS_FILE, BuildConfig, build
from training.data.dataset import load_card, load_dataset
from training.data.generations import Generation, Role, write_generations
from training.data.labels import token_labels
from training.data.problems import load_problems

PROBLEMS = ("humaneval/2", "humaneval/13")


@pytest.fixture(scope="module")
def built(data_root: Path, tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("build")
    prompt = load_problems(("humaneval",), data_root)["humaneval/2"].prompt
    bodies = {
        "hangs": "    while True:\n        pass\n",
        "raises": "    raise NotImplementedError('later')\n",
        "syntax": "    return number %% 1.0\n",
        "one_line_bug": "    whole = int(number)\n    fraction = number // 1.0\n    return fraction\n",
    }
    extra = tmp / "generations.jsonl"
    write_generations(
        extra,
        [
            Generation(
                "humaneval/2", f"test-{name}", "tests", "hand-written", prompt + body, None, Role.FINAL
            )
            for name, body in bodies.items()
        ],
    )
    config = BuildConfig(
        name="tiny",
        out=tmp / "dataset",
        problem_ids=PROBLEMS,
        max_programs_per_task=2,
        checks_per_program=40,
        seconds_per_program=30,
        wall_s=2.0,
        cache_dir=tmp / "cache",
        extra_generations=(extra,),
        data_root=data_root,
    )
    directory = build(config, echo=lambda message: None)
    return config, directory, {r.generator: r for r in load_dataset(directory)}, load_dataset(directory)


def test_bad_programs_fail_with_their_own_outcome_and_do_not_stop_the_build(built):
    _, _, by_generator, _ = built
    assert by_generator["test-hangs"].outcome == "timeout"
    assert by_generator["test-raises"].outcome == "error"
    assert by_generator["test-syntax"].outcome == "syntax_error"
    assert all(not by_generator[f"test-{n}"].passes for n in ("hangs", "raises", "syntax", "one_line_bug"))


def test_a_one_line_bug_gets_a_one_line_patch_and_one_edited_line(built):
    row = built[2]["test-one_line_bug"]
    assert row.labelled and row.patch_lines == 1
    # The code ends with a newline: split gives one more (empty) item than there are labelled lines.
    edited = [line for line, label in zip(row.code.split("\n"), row.line_labels, strict=False) if label]
    # Either one-line patch is minimal: fix the operator, or return the right value directly.
    assert edited in (["    fraction = number // 1.0"], ["    return fraction"])
    assert row.edited_share <= row.paper_edited_share
    cover = [(i, i + 1) for i in range(len(row.code))]
    marked = [i for i, v in enumerate(token_labels(cover, row.edited_intervals, row.insert_points)) if v]
    line_start = row.code.index(edited[0])
    assert marked and all(line_start <= i < line_start + len(edited[0]) for i in marked)


def test_failing_programs_are_repaired_under_the_strong_oracle(built):
    _, _, _, rows = built
    failing = [r for r in rows if not r.passes]
    assert failing and all(r.labelled for r in failing)
    assert all(r.oracle == "plus" for r in rows)
    assert all(sum(r.line_labels) >= 1 for r in failing)


def test_passing_programs_have_no_edited_lines(built):
    passing = [r for r in built[3] if r.passes]
    assert passing and all(sum(r.line_labels) == 0 and r.edited_intervals == [] for r in passing)


def test_rows_carry_what_probe_training_needs(built):
    for row in built[3]:
        assert len(row.line_labels) == len(row.copied_from_prompt) == len(row.code.rstrip("\n").split("\n"))
        assert row.intent and row.problem_id in PROBLEMS and 0 <= row.fold < 5
    folds = {}
    for row in built[3]:
        folds.setdefault(row.problem_id, set()).add(row.fold)
    assert all(len(f) == 1 for f in folds.values())
    assert any(any(r.copied_from_prompt) for r in built[3])


def test_the_card_sits_next_to_the_data(built):
    _, directory, _, rows = built
    card = load_card(directory)
    assert card["total"]["programs"] == len(rows)
    assert {g["generator"] for g in card["by_benchmark_and_generator"]} == {r.generator for r in rows}
    assert card["config"]["max_inputs"] == 200
    repaired = [r.edited_share for r in rows if not r.passes and r.labelled]
    assert repaired and card["total"]["median_edited_share_failing"] == round(statistics.median(repaired), 4)


def test_a_second_run_resumes_from_the_saved_repairs(built):
    config, directory, _, rows = built
    saved = (directory / REPAIRS_FILE).read_text()
    build(config, echo=lambda message: None)
    assert (directory / REPAIRS_FILE).read_text() == saved
    assert load_dataset(directory) == rows
    assert json.loads((directory / "card.json").read_text())["total"]["programs"] == len(rows)
