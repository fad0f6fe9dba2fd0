"""Benchmark problems in one schema: HumanEval (+ HumanEval+ inputs) and MBPP (+ MBPP+ inputs).

Readers turn the registry's problem files into `Problem` values and join MBPP's id schemes
(numeric `MBPP/76`, `Mbpp/2`, `76` and MultiPL-E `mbpp_76_name`). Pure parsing; runs no code.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from training import sources

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


class Benchmark(enum.StrEnum):
    HUMANEVAL = "humaneval"
    MBPP = "mbpp"


@dataclass(frozen=True, slots=True)
class Problem:
    """A task with tests.

    id:          "<benchmark>/<number>", e.g. "humaneval/0", "mbpp/2".
    intent:      the task text a reader (and the supervisor) sees.
    prompt:      the code prompt generators completed (signature + docstring); may be "".
    entry_point: the function the tests call.
    test_code:   the benchmark's own (weak) tests, run after the program; raises on failure.
    reference:   a complete reference program.
    inputs_json: JSON list of argument lists from HumanEval+/MBPP+ (base + plus); "" when none.
    atol:        absolute tolerance for float outputs on those inputs (0: the default 1e-6).
    compare:     how outputs on those inputs are compared: "equal", "set" (order unspecified) or
                 "not_none" (any non-None answer), as EvalPlus does for a few MBPP tasks.
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
    return problems


def _rows(reader: str, root: Path | None) -> list[dict]:
    rows: list[dict] = []
    for source in sources.with_reader(reader):
        rows.extend(json.loads(line) for line in sources.json_lines(sources.read_text(source, root)))
    return rows


def _humaneval(root: Path | None) -> dict[str, Problem]:
    problems = {}
    for row in _rows("humaneval_problems", root):
        problems[problem_id(row["task_id"])] = Problem(
            id=problem_id(row["task_id"]),
            benchmark=Benchmark.HUMANEVAL,
            intent=row["prompt"],
            prompt=row["prompt"],
            entry_point=row["entry_point"],
            test_code=f"{row['test']}\n\ncheck({row['entry_point']})\n",
            reference=row["prompt"] + row["canonical_solution"],
        )
    for row in _rows("humanevalplus_problems", root):
        pid = problem_id(row["task_id"])
        if pid in problems:
            # HumanEval+ fixes a few canonical solutions; its inputs are checked against them.
            problems[pid] = replace(
                problems[pid],
                reference=row["prompt"] + row["canonical_solution"],
                inputs_json=json.dumps(_inputs(row)),
                atol=float(row.get("atol") or 0.0),
            )
    return problems


def _mbpp(root: Path | None) -> dict[str, Problem]:
    prompts = {problem_id(r["task_id"]): r for r in _rows("mbpp_prompts", root)}
    plus = {problem_id(r["task_id"]): r for r in _rows("mbppplus_problems", root)}
    base = {problem_id(r["task_id"]): r for r in _rows("mbppbase_problems", root)}
    problems = {}
    for row in _rows("mbpp_problems", root):
        pid = problem_id(row["task_id"], Benchmark.MBPP)
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


def _inputs(row: dict) -> list:
    """Base then plus inputs; one MBPP+ task stores an empty dict for "no plus inputs"."""
    return [*(row.get("base_input") or []), *(row.get("plus_input") or [])]


def _called_function(reference: str, tests: list[str]) -> str | None:
    """The function of the reference that the tests call (MBPP has no entry point field)."""
    defined = re.findall(r"^def\s+(\w+)", reference, re.MULTILINE)
    return next((name for name in defined if any(f"{name}(" in test for test in tests)), None)
