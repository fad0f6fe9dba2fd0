"""`redline data generate`: ask an LLM for new programs and write them in the generation schema.

The backend is any `training.data.llm` backend (an OpenAI-compatible endpoint or a local model). The output
JSONL feeds `redline data build --generations FILE`. Appends, and skips samples already written
(resumable).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from rich.progress import Progress

from training.data.generations import Generation, Role, complete_program, read_generations, write_generations
from training.data.llm import Backend
from training.data.problems import Problem

INSTRUCTION = (
    "Complete the following Python task. Reply with the complete function in a single "
    "```python code block and nothing else.\n\n"
)


def generate(problems: Sequence[Problem], backend: Backend, samples: int, out: Path) -> Counter[str]:
    """Write `samples` programs per problem to `out` (JSONL); returns counts written/unusable/skipped."""
    done: Counter[str] = Counter()
    if out.is_file():
        done.update(f"{g.problem_id}|{g.generator}" for g in read_generations(out))
    counts: Counter[str] = Counter()
    with Progress() as progress:
        bar = progress.add_task(f"generating with {backend.name}", total=len(problems) * samples)
        for problem in problems:
            for _ in range(samples - done[f"{problem.id}|{backend.name}"]):
                reply = backend.complete(INSTRUCTION + (problem.prompt or problem.intent))
                code = complete_program(reply, problem.prompt, problem.entry_point)
                if code is None:
                    counts["unusable"] += 1
                else:
                    write_generations(
                        out,
                        [
                            Generation(
                                problem.id,
                                backend.name,
                                f"generate/{out.name}",
                                "generate",
                                code,
                                None,
                                Role.FINAL,
                                problem.prompt,
                            )
                        ],
                    )
                    counts["written"] += 1
                progress.advance(bar)
            counts["skipped"] += min(samples, done[f"{problem.id}|{backend.name}"])
    return counts
