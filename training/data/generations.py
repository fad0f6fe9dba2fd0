"""LLM-written programs from the generation logs, in one schema (`Generation`), de-duplicated.

Each reader knows one log format (LLMDebugger/LDB, reflexion, LATS, MapCoder, AgentCoder, evalplus,
humaneval-results, CodeT, ClassEval outputs); all return complete programs. Pure parsing: nothing
here runs code.
"""

from __future__ import annotations

import difflib
import enum
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from scoring.errors import DataSourceError
from training.data import sources
from training.data.problems import Benchmark, Problem, problem_id

# LDB prepends this header to every implementation it runs; it is the harness's, not the model's.
LDB_HEADER = (
    "from typing import *\nimport math\nfrom heapq import *\nimport itertools\nimport re\nimport typing\n"
    "import heapq\n_str=str\nimport re\n"
)
AGENTCODER_MARKERS = re.compile(r"^# \[(BEGIN|DONE)\]\s*$", re.MULTILINE)
FENCE = re.compile(r"```(?:python|py|Python3|python3)?\n(.*?)```", re.DOTALL)
# ClassEval outputs of open models echo the instruction template; what follows these marks is the model's
# own text, which may open with a line of prose and end with InCoder's "<|/ file |>" or a closing fence.
RESPONSE_MARK = re.compile(r"^(?:### Response:|@@ Response)", re.MULTILINE)
END_OF_FILE_TOKEN = re.compile(r"^(?:<\||```).*", re.MULTILINE | re.DOTALL)  # a lone closing fence too
CODE_START = re.compile(r"^(?:import |from |class |@|#)", re.MULTILINE)
HUMANEVAL_RESULTS_MODELS = {
    "gpt-4": "GPT-4",
    "gpt-3.5-turbo": "GPT-3.5-Turbo",
    "codellama-34b-instruct": "CodeLlama-34B-Instruct",
}


class Role(enum.StrEnum):
    """FINAL programs are labelled; INTERMEDIATE ones (debugging steps, search nodes) only repair others."""

    FINAL = "final"
    INTERMEDIATE = "intermediate"


@dataclass(frozen=True, slots=True)
class Generation:
    """A complete program an LLM wrote for a problem.

    source:       the registry key of the file it came from; method: how it was produced there.
    claimed_pass: the pass flag the source recorded (None when it has none); never trusted as a label.
    prompt:       the code prompt this generator saw, when the log records it (for prompt-copy flags).
    """

    problem_id: str
    generator: str
    source: str
    method: str
    code: str
    claimed_pass: bool | None
    role: Role
    prompt: str = ""


def load_generations(
    problems: dict[str, Problem], root: Path | None = None, readers: Iterable[str] | None = None
) -> list[Generation]:
    """Every usable generation for `problems` from every registered log, de-duplicated."""
    wanted = set(readers or READERS)
    found: list[Generation] = []
    for source in sources.registry():
        if source.reader in wanted and source.reader in READERS:
            text = sources.read_text(source, root)
            found.extend(g for g in READERS[source.reader](source, text, problems) if g is not None)
    return deduplicate(found)


def read_generations(path: Path) -> list[Generation]:
    """Generations from a JSONL file in this schema (what `redline data generate` writes)."""
    try:
        rows = [json.loads(line) for line in sources.json_lines(Path(path).read_text(encoding="utf-8"))]
        return [Generation(**{**row, "role": Role(row.get("role", Role.FINAL))}) for row in rows]
    except (OSError, ValueError, TypeError) as error:
        raise DataSourceError(f"cannot read generations from {path}: {error}") from error


def write_generations(path: Path, generations: Iterable[Generation]) -> None:
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.writelines(
            json.dumps({**asdict(generation), "role": str(generation.role)}) + "\n"
            for generation in generations
        )


def normalised(code: str) -> str:
    """The form two programs must share to count as duplicates: trailing spaces and blank lines dropped."""
    return "\n".join(line.rstrip() for line in code.split("\n") if line.strip())


def deduplicate(generations: Iterable[Generation]) -> list[Generation]:
    """One generation per (problem, normalised code); final programs win over intermediate ones."""
    kept: dict[tuple[str, str], Generation] = {}
    for generation in sorted(generations, key=lambda g: g.role is not Role.FINAL):
        kept.setdefault((generation.problem_id, normalised(generation.code)), generation)
    return list(kept.values())


def complete_program(raw: str, prompt: str, entry_point: str) -> str | None:
    """A runnable program from what a log stored: strip fences and harness headers, prepend the prompt
    to a bare function body. None when no definition of the entry point (a function, or a class for
    ClassEval) can be made; an empty entry point means a script (APPS), taken as it is."""
    code = raw.replace("\r\n", "\n")
    if fenced := FENCE.search(code):
        code = fenced.group(1)
    code = AGENTCODER_MARKERS.sub("", code.removeprefix(LDB_HEADER))
    name = re.escape(entry_point)
    definition = re.compile(rf"^\s*(?:def\s+{name}\s*\(|class\s+{name}\b)", re.MULTILINE)
    if entry_point and not definition.search(code):
        if not prompt or not definition.search(prompt):
            return None
        code = prompt.rstrip("\n") + "\n" + code.lstrip("\n")
    elif entry_point:
        # Harnesses run prompt + completion, so a completion that restates the function still has
        # the prompt's imports; without them `List` etc. would be undefined.
        missing = [line for line in _prompt_imports(prompt) if line not in code.split("\n")]
        code = "\n".join([*missing, code])
    lines = [line.rstrip() for line in code.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines).rstrip("\n") + "\n"


def _prompt_imports(prompt: str) -> list[str]:
    head = prompt.split("\ndef ", 1)[0] if "\ndef " in prompt else ""
    return [line for line in head.split("\n") if line.startswith(("import ", "from "))]


def _make(
    problems: dict[str, Problem],
    source: sources.Source,
    raw_id: object,
    code: object,
    claimed: object,
    role: Role,
    prompt: str = "",
    generator: str = "",
    default: Benchmark | None = None,
) -> Generation | None:
    pid = problem_id(raw_id, default)
    if pid not in problems or not isinstance(code, str) or not code.strip():
        return None
    problem = problems[pid]
    program = complete_program(code, prompt or problem.prompt, problem.entry_point)
    if program is None:
        return None
    return Generation(
        pid,
        generator or source.generator,
        source.key,
        source.method,
        program,
        claimed if isinstance(claimed, bool) else None,
        role,
        prompt,
    )


def _jsonl(text: str) -> Iterator[dict]:
    return (json.loads(line) for line in sources.json_lines(text))


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def _run_log(
    source: sources.Source,
    text: str,
    problems: dict[str, Problem],
    default: Benchmark | None = None,
    keep_prompt: bool = True,
) -> Iterator[Generation | None]:
    """LLMDebugger seeds and LDB results, reflexion, LATS, MapCoder, AgentCoder, LLM-calibration runs.

    default:     the benchmark of bare numeric task ids (MapCoder's APPS logs).
    keep_prompt: False where the logged prompt is no code the program could copy (TransCoder's
                 few-shot C++/Python pairs would mark common lines such as `return x` as copied)."""
    for row in _jsonl(text):
        raw_id = row.get("task_id") or row.get("name")
        prompt = row.get("prompt", "") if keep_prompt else ""
        if "solution" in row:
            finals = _as_list(row["solution"])
        else:
            finals = _as_list(row.get("source_codes") or [])[-1:]
        flags = _as_list(row.get("is_solved"))
        for index, code in enumerate(finals):
            flag = flags[index] if index < len(flags) else None
            yield _make(problems, source, raw_id, code, flag, Role.FINAL, prompt, default=default)
        steps = list(row.get("implementations") or []) + list(row.get("source_codes") or [])[:-1]
        if row.get("seed"):
            steps.append(row["seed"])
        for code in steps:
            yield _make(problems, source, raw_id, code, None, Role.INTERMEDIATE, prompt, default=default)


def _solutions(
    source: sources.Source, text: str, problems: dict[str, Problem]
) -> Iterator[Generation | None]:
    for row in _jsonl(text):
        yield _make(
            problems, source, row["task_id"], row.get("solution") or row.get("completion"), None, Role.FINAL
        )


def _evalplus_eval_results(
    source: sources.Source, text: str, problems: dict[str, Problem]
) -> Iterator[Generation | None]:
    for task_id, results in json.loads(text)["eval"].items():
        for result in results:
            yield _make(
                problems, source, task_id, result["solution"], result["base_status"] == "pass", Role.FINAL
            )


def _evalplus_completions(
    source: sources.Source, text: str, problems: dict[str, Problem]
) -> Iterator[Generation | None]:
    for row in _jsonl(text):
        yield _make(
            problems, source, row["task_id"], row["completion"], None, Role.FINAL, default=Benchmark.MBPP
        )


def _humaneval_results(
    source: sources.Source, text: str, problems: dict[str, Problem]
) -> Iterator[Generation | None]:
    for row in _jsonl(text):
        generator = HUMANEVAL_RESULTS_MODELS.get(row["model"], row["model"])
        yield _make(
            problems, source, row["task_id"], row["code"], row["passed"], Role.FINAL, generator=generator
        )


def _agentcoder_mbpp(
    source: sources.Source, text: str, problems: dict[str, Problem]
) -> Iterator[Generation | None]:
    for row in json.loads(text):
        yield _make(
            problems,
            source,
            row["task_id"],
            row["completion"],
            row.get("passed"),
            Role.FINAL,
            default=Benchmark.MBPP,
        )


def _completion_list(
    source: sources.Source, text: str, problems: dict[str, Problem]
) -> Iterator[Generation | None]:
    for row in json.loads(text):
        for code in row["completion_list"]:
            yield _make(problems, source, row["task_id"], code, None, Role.FINAL, row["prompt"])


def _codet_samples(
    source: sources.Source, text: str, problems: dict[str, Problem]
) -> Iterator[Generation | None]:
    # CodeT's prompts drop the doctest examples, so match on the last function they define; several HumanEval
    # problems share a name (`solve`, `add`), so among those the most similar prompt wins.
    by_entry: dict[str, list[Problem]] = {}
    for problem in problems.values():
        if problem.benchmark is Benchmark.HUMANEVAL:
            by_entry.setdefault(problem.entry_point, []).append(problem)
    for row in _jsonl(text):
        defined = re.findall(r"^def\s+(\w+)", row["prompt"], re.MULTILINE)
        same_name = by_entry.get(defined[-1], []) if defined else []
        match = max(
            same_name,
            key=lambda p: difflib.SequenceMatcher(None, p.prompt, row["prompt"]).ratio(),
            default=None,
        )
        if match is None:
            continue
        pid = match.id
        for code in row["samples"] if pid else ():
            yield _make(
                problems,
                source,
                pid.replace("humaneval/", "HumanEval/"),
                code,
                None,
                Role.FINAL,
                row["prompt"],
            )


def _classeval_outputs(
    source: sources.Source, text: str, problems: dict[str, Problem]
) -> Iterator[Generation | None]:
    """ClassEval model_output files: `predict` holds whole classes (holistic: one per sample;
    compositional: the assembled class). Incremental runs with one program per method generated
    so far keep the last as final. Outputs with no class definition are skipped."""
    for row in json.loads(text):
        predicts = [classeval_code(code) for code in row["predict"] if isinstance(code, str)]
        stepwise = len(predicts) > 1 and "incremental" in source.method
        has_class = re.compile(rf"^\s*class\s+{re.escape(row['class_name'])}\b", re.MULTILINE)
        for index, code in enumerate(predicts):
            if not has_class.search(code):
                continue
            role = Role.INTERMEDIATE if stepwise and index < len(predicts) - 1 else Role.FINAL
            yield _make(problems, source, row["task_id"], code, None, role)


def classeval_code(output: str) -> str:
    """The model's own code in a ClassEval output: after the echoed template, before end tokens,
    from the first line that looks like code (fenced outputs are left to complete_program)."""
    text = RESPONSE_MARK.split(output)[-1]
    if FENCE.search(text):
        return text
    text = END_OF_FILE_TOKEN.sub("", text)
    start = CODE_START.search(text)
    return text[start.start() :] if start else text


Reader = Callable[[sources.Source, str, dict[str, Problem]], Iterator[Generation | None]]
READERS: dict[str, Reader] = {
    "run_log": _run_log,
    "solutions": _solutions,
    "evalplus_eval_results": _evalplus_eval_results,
    "evalplus_completions": _evalplus_completions,
    "humaneval_results": _humaneval_results,
    "agentcoder_mbpp": _agentcoder_mbpp,
    "completion_list": _completion_list,
    "codet_samples": _codet_samples,
    "classeval_outputs": _classeval_outputs,
    "apps_log": functools.partial(_run_log, default=Benchmark.APPS),
    "transcoder_seed": functools.partial(_run_log, keep_prompt=False),
}
