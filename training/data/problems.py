"""Benchmark problems in one schema: HumanEval (+ HumanEval+ and HumanEval-ET inputs), MBPP (+ MBPP+
inputs), ClassEval (unittest classes), APPS-150 (stdin/stdout cases) and TransCoder (C++ -> Python).

Readers turn the registry's problem files into `Problem` values and join MBPP's id schemes
(numeric `MBPP/76`, `Mbpp/2`, `76` and MultiPL-E `mbpp_76_name`). Pure parsing; runs no code.
"""

from __future__ import annotations

import ast
import enum
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from scoring.errors import DataSourceError
from training.data import sources

# MBPP+ tests sometimes call math.isclose without importing math.
MBPP_TEST_PRELUDE = "import math\n"


# EvalPlus (evaluate.py) compares these MBPP+ tasks' outputs as sets, or only as "not None".
MBPP_COMPARE = {
    **dict.fromkeys(
        (
            "similar_elements",
            "find_char_long",
            "common_in_nested_lists",
            "extract_singly",
            "larg_nnum",
            "intersection_array",
            "find_dissimilar",
            "Diff",
        ),
        "set",
    ),
    **dict.fromkeys(("check_str", "text_match_three", "text_starta_endb"), "not_none"),
}


# TransCoder's Python test template imports these before the program (so `math`, `sqrt`, `inf`, `Queue`,
# `sys.maxsize` need no import there); tests run after the program here, so names it defines win.
TRANSCODER_TEST_PRELUDE = """import importlib as _redline_importlib

for _module in ("collections", "heapq", "itertools", "math", "queue", "random", "sys"):
    globals().setdefault(_module, _redline_importlib.import_module(_module))
for _module in (math, collections, queue):
    for _name in getattr(_module, "__all__", None) or [n for n in vars(_module) if not n.startswith("_")]:
        globals().setdefault(_name, getattr(_module, _name))
"""

# Runs a ClassEval task's unittest classes (named in the data) after the program; raises on any failure.
CLASSEVAL_RUNNER = """
import io as _redline_io
import unittest as _redline_unittest

_redline_result = _redline_unittest.TextTestRunner(stream=_redline_io.StringIO(), verbosity=0).run(
    _redline_unittest.TestSuite(
        _redline_unittest.defaultTestLoader.loadTestsFromTestCase(globals()[_name]) for _name in {names!r}
    )
)
if not _redline_result.wasSuccessful():
    _bad = _redline_result.failures + _redline_result.errors
    raise AssertionError(
        f"{{len(_redline_result.failures)}} failed, {{len(_redline_result.errors)}} raised; first: "
        f"{{_bad[0][0].id()}}: {{_bad[0][1].strip().splitlines()[-1]}}"
    )
"""


class Benchmark(enum.StrEnum):
    HUMANEVAL = "humaneval"
    MBPP = "mbpp"
    CLASSEVAL = "classeval"
    APPS = "apps"
    TRANSCODER = "transcoder"


@dataclass(frozen=True, slots=True)
class Problem:
    """A task with tests.

    id:          "<benchmark>/<number>", e.g. "humaneval/0", "mbpp/2".
    intent:      the task text a reader (and the supervisor) sees.
    prompt:      the code prompt generators completed (signature + docstring); may be "".
    entry_point: the function (ClassEval: the class) the tests call; "" for APPS scripts.
    test_code:   the benchmark's own tests, run after the program; raises on failure. For APPS
                 (compare "stdio") a JSON list of {"input": stdin, "output": expected stdout} cases.
    reference:   a complete reference program; "" when the benchmark has none (APPS-150).
    inputs_json: JSON list of argument lists whose outputs the reference defines: HumanEval+/MBPP+
                 base inputs, then HumanEval-ET inputs, then HumanEval+/MBPP+ plus inputs; "" when none.
    atol:        absolute tolerance for float outputs on those inputs (0: the default 1e-6).
    compare:     how outputs are compared: "equal", "set" (order unspecified) or "not_none" (any
                 non-None answer), as EvalPlus does for a few MBPP tasks; "stdio" for APPS scripts.
    """

    id: str
    benchmark: Benchmark
    intent: str
    prompt: str
    entry_point: str
    test_code: str
    reference: str
    inputs_json: str = ""
    atol: float = 0.0
    compare: str = "equal"

    @property
    def number(self) -> int:
        return int(self.id.split("/")[1])


_ID_PATTERNS = (
    (re.compile(r"^HumanEval[/_](\d+)"), Benchmark.HUMANEVAL),
    (re.compile(r"^(?:MBPP|Mbpp|mbpp)[/_](\d+)"), Benchmark.MBPP),
    (re.compile(r"^ClassEval[/_](\d+)"), Benchmark.CLASSEVAL),
    (re.compile(r"^(?:APPS|apps)[/_](\d+)"), Benchmark.APPS),
    (re.compile(r"^(?:TransCoder|transcoder)[/_](\d+)"), Benchmark.TRANSCODER),
)


def problem_id(raw: object, default: Benchmark | None = None) -> str | None:
    """Normalise any source's task id to "<benchmark>/<n>"; None when it names no known benchmark.

    >>> problem_id("mbpp_3_is_not_prime"), problem_id("HumanEval_23_strlen"), problem_id(2, Benchmark.MBPP)
    ('mbpp/3', 'humaneval/23', 'mbpp/2')
    """
    if isinstance(raw, int) and default is not None:
        return f"{default}/{raw}"
    text = str(raw)
    for pattern, benchmark in _ID_PATTERNS:
        if match := pattern.match(text):
            return f"{benchmark}/{int(match.group(1))}"
    if text.isdigit() and default is not None:
        return f"{default}/{int(text)}"
    return None


def _known_id(raw: object, default: Benchmark | None = None) -> str:
    """problem_id of a benchmark's own problem file, whose every task id names the benchmark."""
    pid = problem_id(raw, default)
    if pid is None:
        raise DataSourceError(f"task id {raw!r} names no known benchmark")
    return pid


def load_problems(
    benchmarks: Iterable[Benchmark] = tuple(Benchmark), root: Path | None = None
) -> dict[str, Problem]:
    """All problems of the given benchmarks, keyed by id."""
    problems: dict[str, Problem] = {}
    wanted = set(benchmarks)
    if Benchmark.HUMANEVAL in wanted:
        problems.update(_humaneval(root))
    if Benchmark.MBPP in wanted:
        problems.update(_mbpp(root))
    if Benchmark.CLASSEVAL in wanted:
        problems.update(_classeval(root))
    if Benchmark.APPS in wanted:
        problems.update(_apps(root))
    if Benchmark.TRANSCODER in wanted:
        problems.update(_transcoder(root))
    return problems


def _rows(reader: str, root: Path | None) -> list[dict]:
    rows: list[dict] = []
    for source in sources.with_reader(reader):
        rows.extend(json.loads(line) for line in sources.json_lines(sources.read_text(source, root)))
    return rows


def _humaneval(root: Path | None) -> dict[str, Problem]:
    problems = {}
    extended = _et_inputs(root)
    for row in _rows("humaneval_problems", root):
        problems[_known_id(row["task_id"])] = Problem(
            id=_known_id(row["task_id"]),
            benchmark=Benchmark.HUMANEVAL,
            intent=row["prompt"],
            prompt=row["prompt"],
            entry_point=row["entry_point"],
            test_code=f"{row['test']}\n\ncheck({row['entry_point']})\n",
            reference=row["prompt"] + row["canonical_solution"],
        )
    for row in _rows("humanevalplus_problems", root):
        pid = _known_id(row["task_id"])
        if pid in problems:
            # HumanEval+ fixes a few canonical solutions; its inputs are checked against them.
            problems[pid] = replace(
                problems[pid],
                reference=row["prompt"] + row["canonical_solution"],
                inputs_json=json.dumps(_inputs(row, extended.get(pid, []))),
                atol=float(row.get("atol") or 0.0),
            )
    return problems


def _mbpp(root: Path | None) -> dict[str, Problem]:
    prompts = {problem_id(r["task_id"]): r for r in _rows("mbpp_prompts", root)}
    plus = {problem_id(r["task_id"]): r for r in _rows("mbppplus_problems", root)}
    base = {problem_id(r["task_id"]): r for r in _rows("mbppbase_problems", root)}
    problems = {}
    for row in _rows("mbpp_problems", root):
        pid = _known_id(row["task_id"], Benchmark.MBPP)
        extra, seeded = plus.get(pid), prompts.get(pid)
        reference = (extra["canonical_solution"] if extra else row["code"]).replace("\r\n", "\n")
        entry_point = (extra or seeded or {}).get("entry_point") or _called_function(
            reference, row["test_list"]
        )
        if entry_point is None:
            continue
        # MBPP+'s assertions agree with its fixed solutions; where EvalPlus compares outputs as sets,
        # its base tests (set comparisons) are used instead; else MBPP's own tests.
        if extra and MBPP_COMPARE.get(entry_point) != "set":
            tests = extra["assertion"]
        elif pid in base:
            tests = "\n".join([*base[pid]["test_imports"], *base[pid]["test_list"]])
        else:
            tests = "\n".join([row["test_setup_code"], *row["test_list"]])
        problems[pid] = Problem(
            id=pid,
            benchmark=Benchmark.MBPP,
            intent=f"{row['text']}\n{row['test_list'][0]}",
            prompt=seeded["prompt"] if seeded else "",
            entry_point=entry_point,
            test_code=MBPP_TEST_PRELUDE + tests + "\n",
            reference=reference,
            inputs_json=json.dumps(_inputs(extra)) if extra else "",
            atol=float(extra.get("atol") or 0.0) if extra else 0.0,
            compare=MBPP_COMPARE.get(entry_point, "equal"),
        )
    return problems


def _inputs(row: dict, extended: list | None = None) -> list:
    """Base, then `extended` (ET), then plus inputs, each once; one MBPP+ task stores an empty dict
    for "no plus inputs". ET inputs go before plus ones so that a `max_inputs` cut keeps them."""
    unique: dict[str, list] = {}
    for args in [*(row.get("base_input") or []), *(extended or []), *(row.get("plus_input") or [])]:
        unique.setdefault(json.dumps(args), args)
    return list(unique.values())


def _et_inputs(root: Path | None) -> dict[str, list]:
    """HumanEval-ET (MapCoder's data/): the argument lists of its extended asserts, joined on task id
    ("HumanEval/0" -> "humaneval/0"). Only the inputs are kept: the reference defines the outputs."""
    inputs: dict[str, list] = {}
    for row in _rows("humaneval_et_tests", root):
        found = (literal_arguments(test, row["entry_point"]) for test in row["test_case_list"])
        inputs[_known_id(row["task_id"])] = [args for args in found if args is not None]
    return inputs


def literal_arguments(test: str, entry_point: str) -> list | None:
    """The literal positional arguments of the first call to `entry_point` in an assert, or None.

    >>> literal_arguments("assert abs(f([1.5, -2], 'a') - 0.5) < 1e-6", "f")
    [[1.5, -2], 'a']
    """
    try:
        tree = ast.parse(test)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == entry_point:
            if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
                return None
            try:
                args = [ast.literal_eval(arg) for arg in node.args]
                json.dumps(args)  # sets, bytes and complex numbers cannot travel as JSON inputs
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                return None
            return args
    return None


def _classeval(root: Path | None) -> dict[str, Problem]:
    """ClassEval: generators completed the class skeleton; its unittest classes are the tests."""
    problems = {}
    for source in sources.with_reader("classeval_problems"):
        for row in json.loads(sources.read_text(source, root)):
            pid = _known_id(row["task_id"])
            # one test class name in the data carries a stray leading space
            runner = CLASSEVAL_RUNNER.format(names=[name.strip() for name in row["test_classes"]])
            problems[pid] = Problem(
                id=pid,
                benchmark=Benchmark.CLASSEVAL,
                intent=row["skeleton"],
                prompt=row["skeleton"],
                entry_point=row["class_name"],
                test_code=row["test"] + "\n" + runner,
                reference=row["solution_code"].rstrip("\n") + "\n",
            )
    return problems


def _apps(root: Path | None) -> dict[str, Problem]:
    """APPS-150 (MapCoder's selection): every task is judged as a script on stdin/stdout, as MapCoder
    prompted for; call-based tasks give one argument per input line and print the return value."""
    problems = {}
    for row in _rows("apps_problems", root):
        pid = _known_id(row["id"], Benchmark.APPS)
        cases: dict[str, dict[str, str]] = {}
        for case in [*row["sample_io"], *row["test_list"]]:
            stdin = case["input"] if case["input"].endswith("\n") else case["input"] + "\n"
            cases.setdefault(stdin, {"input": stdin, "output": _expected_stdout(case["output"])})
        starter = row["starter_code"].strip()
        problems[pid] = Problem(
            id=pid,
            benchmark=Benchmark.APPS,
            intent=row["description"],
            prompt=starter + "\n" if starter else "",
            entry_point="",
            test_code=json.dumps(list(cases.values())),
            reference="",
            compare="stdio",
        )
    return problems


def _expected_stdout(output: object) -> str:
    """APPS stores [stdout] for scripts and [return value] for call-based tasks (printed with str())."""
    value = output[0] if isinstance(output, list) and len(output) == 1 else output
    return value if isinstance(value, str) else str(value)


def _transcoder(root: Path | None) -> dict[str, Problem]:
    """TransCoder (LDB's input_data): translate a C++ function to Python; the intent is the C++ code."""
    problems = {}
    for row in _rows("transcoder_problems", root):
        pid = _known_id(row["task_id"])
        cpp = row["prompt"].rsplit("[c++]\n", 1)[-1].removesuffix("[python]").strip()
        problems[pid] = Problem(
            id=pid,
            benchmark=Benchmark.TRANSCODER,
            intent=f"Translate this C++ function into Python:\n{cpp}\n",
            prompt="",
            entry_point=row["entry_point"],
            test_code=f"{TRANSCODER_TEST_PRELUDE}\n{row['test']}\n\ncheck({row['entry_point']})\n",
            reference=row["canonical_solution"].rstrip("\n") + "\n",
        )
    return problems


def _called_function(reference: str, tests: list[str]) -> str | None:
    """The function of the reference that the tests call (MBPP has no entry point field)."""
    defined = re.findall(r"^def\s+(\w+)", reference, re.MULTILINE)
    return next((name for name in defined if any(f"{name}(" in test for test in tests)), None)
