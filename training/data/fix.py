"""`redline data fix`: ask an LLM to repair the failing programs of a built dataset (optional).

The build never needs it. Each reply becomes an intermediate generation (repair pool only, never
labelled) in the generation schema; `redline data build --generations FILE` then checks it against
the strong oracle and shrinks it like any other pool program, so a wrong or overlong fix costs a
sandbox run and nothing else. Appends, and skips programs already asked about (resumable).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from rich.progress import Progress

from training.data.dataset import ProgramRow
from training.data.generations import Generation, Role, complete_program, read_generations, write_generations
from training.data.llm import Backend
from training.data.problems import Problem

INSTRUCTION = (
    "The Python program below fails some tests of its task. Fix it by changing as few lines as "
    "possible and keep every correct line as it is. Reply with the whole corrected program in a single "
    "```python code block and nothing else.\n\nTask:\n{intent}\n\nProgram:\n```python\n{code}```\n"
)
METHOD = "fix of "  # + the failing program's id, so a re-run knows what was asked


def fix(
    rows: Sequence[ProgramRow], problems: Mapping[str, Problem], backend: Backend, out: Path
) -> Counter[str]:
    """Ask for a fix of every failing program in `rows`; returns counts written/unusable/skipped."""
    asked = {g.method.removeprefix(METHOD) for g in (read_generations(out) if out.is_file() else ())}
    failing = [r for r in rows if not r.passes and r.problem_id in problems]
    counts: Counter[str] = Counter()
    with Progress() as progress:
        bar = progress.add_task(f"fixing with {backend.name}", total=len(failing))
        for row in failing:
            progress.advance(bar)
            if row.id in asked:
                counts["skipped"] += 1
                continue
            problem = problems[row.problem_id]
            reply = backend.complete(INSTRUCTION.format(intent=row.intent, code=row.code))
            code = complete_program(reply, problem.prompt, problem.entry_point)
            if code is None or code == row.code:
                counts["unusable"] += 1
                continue
            fixed = Generation(
                problem.id,
                backend.name,
                f"fix/{out.name}",
                METHOD + row.id,
                code,
                None,
                Role.INTERMEDIATE,
                problem.prompt,
            )
            write_generations(out, [fixed])
            counts["written"] += 1
    return counts
