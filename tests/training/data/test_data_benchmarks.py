"""ClassEval, APPS-150 and TransCoder read from the real raw files into the one schema, their
references run in the sandbox, APPS judged on stdout, and HumanEval-ET inputs joined to HumanEval."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from training.data.generations import Role, load_generations
from training.data.problems import Benchmark, Problem, load_problems
from training.data.sandbox import Oracle, Outcome, Sandbox

NEW = (Benchmark.CLASSEVAL, Benchmark.APPS, Benchmark.TRANSCODER)


@pytest.fixture(scope="module")
def problems(data_root: Path) -> dict[str, Problem]:
    return load_problems(NEW, data_root)


@pytest.fixture(scope="module")
def finals(problems: dict[str, Problem], data_root: Path):
    generations = load_generations(problems, data_root)
    return generations, [g for g in generations if g.role is Role.FINAL]


def _oracle(problem: Problem) -> Oracle:
    return Oracle("base", problem.entry_point, problem.test_code, compare=problem.compare)


def test_each_new_benchmark_yields_its_problems(problems):
    counts = Counter(p.benchmark for p in problems.values())
    # APPS-150 has 150 rows but 22 of them repeat a problem id
    assert counts == {Benchmark.CLASSEVAL: 100, Benchmark.APPS: 128, Benchmark.TRANSCODER: 560}


def test_classeval_problem_is_the_skeleton_with_unittest_classes_and_solution(problems):
    problem = problems["classeval/0"]
    assert problem.entry_point == "AccessGatewayFilter"
    assert problem.prompt == problem.intent and "class AccessGatewayFilter:" in problem.prompt
    assert "class AccessGatewayFilterTestFilter(unittest.TestCase):" in problem.test_code
    assert "'AccessGatewayFilterTest'" in problem.test_code  # every test class is run, by name
    assert "def filter(self, request):" in problem.reference


def test_apps_problems_are_stdin_stdout_cases_with_no_reference(problems):
    apps = [p for p in problems.values() if p.benchmark is Benchmark.APPS]
    assert all(p.compare == "stdio" and p.reference == "" and p.entry_point == "" for p in apps)
    call_based = json.loads(problems["apps/3554"].test_code)
    assert {"input": "[1]\n", "output": "100"} in call_based  # [return value] printed with str()
    assert problems["apps/3554"].prompt.startswith("def get_score(dice):")
    scripts = [p for p in apps if not p.prompt]
    assert len(scripts) > 20
    assert all(case["input"].endswith("\n") for p in apps for case in json.loads(p.test_code))


def test_transcoder_problem_states_the_cpp_function_and_tests_the_python_one(problems):
    problem = problems["transcoder/1"]
    assert problem.entry_point == "add_1_to_a_given_number_1"
    assert "int add_1_to_a_given_number_1 ( int x ) {" in problem.intent
    assert "[python]" not in problem.intent and problem.prompt == ""
    assert problem.test_code.rstrip().endswith("check(add_1_to_a_given_number_1)")


def test_new_generation_logs_carry_generator_source_and_claimed_flag(problems, finals):
    generations, final = finals
    per_benchmark = Counter(g.problem_id.split("/")[0] for g in final)
    assert per_benchmark["classeval"] > 5000 and per_benchmark["apps"] > 1000
    assert per_benchmark["transcoder"] > 1500
    by = {b: [g for g in final if g.problem_id.startswith(b + "/")] for b in per_benchmark}
    transcoder_generators = {"CodeLlama-34B-Instruct", "GPT-3.5-Turbo-0613", "StarCoder"}
    assert {g.generator for g in by["transcoder"]} == transcoder_generators
    assert {g.generator for g in by["apps"]} == {"GPT-3.5-Turbo", "GPT-4-Turbo"}
    assert len({g.generator for g in by["classeval"]}) >= 15
    assert all(isinstance(g.claimed_pass, bool) for g in by["apps"] + by["transcoder"])
    assert all(g.claimed_pass is None for g in by["classeval"])  # ClassEval logs only pass@k summaries
    assert all(g.prompt == "" for g in by["transcoder"])  # the few-shot prompt is no code to copy
    assert all(f"class {problems[g.problem_id].entry_point}" in g.code for g in by["classeval"])
    incremental = [
        g for g in generations if g.role is Role.INTERMEDIATE and g.problem_id.startswith("classeval/")
    ]
    assert incremental and all("incremental" in g.method for g in incremental)


@pytest.mark.parametrize(
    "problem_id", ["classeval/0", "classeval/3", "classeval/60", "transcoder/1", "transcoder/77"]
)
def test_references_pass_their_own_tests_in_the_sandbox(problems, sandbox: Sandbox, problem_id: str):
    problem = problems[problem_id]
    assert sandbox.check(problem.reference, _oracle(problem)).passed


def test_a_classeval_method_that_breaks_a_unittest_fails(problems, sandbox: Sandbox):
    problem = problems["classeval/0"]
    broken = problem.reference.replace("start_with = [\"/api\", '/login']", 'start_with = ["/api"]')
    assert broken != problem.reference
    result = sandbox.check(broken, _oracle(problem))
    assert result.outcome is Outcome.FAILED and "AccessGatewayFilterTest" in result.detail


def test_transcoder_tests_provide_the_template_imports_but_the_program_wins(sandbox: Sandbox, problems):
    problem = problems["transcoder/1"]
    tests = problem.test_code.replace("check(add_1_to_a_given_number_1)", "assert f(4) == 2 and g(2) == -1")
    # uses math and sqrt without importing them (TransCoder's template imports them), and defines its
    # own `floor`, which the prelude's `from math import *` must not replace
    program = (
        "def floor(x):\n    return -1\n\ndef f(x):\n    return int(sqrt(x)) * (math.pi > 3)\n\n"
        "def g(x):\n    return floor(x)\n"
    )
    assert sandbox.check(program, Oracle("base", "f", tests)).passed


def test_apps_claimed_passing_script_passes_and_one_extra_line_fails(problems, finals, sandbox: Sandbox):
    _, final = finals
    script = next(
        g
        for g in sorted(final, key=lambda g: (g.problem_id, g.source))
        if g.problem_id.startswith("apps/") and g.claimed_pass and not problems[g.problem_id].prompt
    )
    oracle = _oracle(problems[script.problem_id])
    assert sandbox.check(script.code, oracle).passed
    assert sandbox.check(script.code + "print('extra')\n", oracle).outcome is Outcome.FAILED


def test_humaneval_et_inputs_join_on_task_id_before_the_plus_inputs(data_root: Path):
    problem = load_problems((Benchmark.HUMANEVAL,), data_root)["humaneval/0"]
    inputs = json.loads(problem.inputs_json)
    et_only = [[4.88, 7.89, 3.67, 5.68, 4.88], 2.06]  # the first HumanEval-ET assert's arguments
    assert et_only in inputs and inputs.index(et_only) < 200  # inside the default --max-inputs cut
    assert len(inputs) == len({json.dumps(i) for i in inputs})  # each input once
