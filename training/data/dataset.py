"""The schema of a built MIAP dataset, its splits, and the loader every consumer uses.

A dataset is a directory with `programs.jsonl` (one `ProgramRow` per line) and `card.json`.
`load_dataset(path)` is the only way other code (probe training, evaluation) should read it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from scoring.errors import DataSourceError
from scoring.folds import group_folds

PROGRAMS_FILE = "programs.jsonl"
CARD_FILE = "card.json"
PENDING = "pending"  # repair_method of a failing program whose repair has not run yet (re-run the build)
N_FOLDS = 5
FOLD_SEED = 20251231
# Generator families for leave-one-family-out evaluation: first matching prefix wins.
FAMILIES = (
    ("gpt-4", "gpt-4"),
    ("gpt-3.5", "gpt-3.5"),
    ("text-davinci", "gpt-3.5"),
    ("codellama", "llama"),
    ("llama", "llama"),
    ("starcoder", "starcoder"),
    ("mistral", "mistral"),
    ("gemini", "gemini"),
    ("codegen", "codegen"),
    ("smollm", "smollm"),
    # ClassEval's open models: one family per model line, whatever the size or version suffix
    *(
        (prefix, prefix)
        for prefix in (
            "chatglm",
            "codegeex",
            "deepseek",
            "wizardcoder",
            "magicoder",
            "vicuna",
            "incoder",
            "polycoder",
            "santacoder",
            "instructcodet5p",
            "baichuan",
        )
    ),
)


@dataclass(frozen=True, slots=True)
class ProgramRow:
    """One labelled program.

    passes:             passes the strongest oracle (benchmark tests + HumanEval+/MBPP+ inputs).
    passes_base:        passes the benchmark's own tests only (what sources usually report).
    claimed_pass:       the source's own flag (None if it had none).
    oracle:             "plus" (extra inputs checked against the reference) or "base".
    outcome:            the sandbox outcome of the program (passed/failed/error/syntax_error/timeout/crashed).
    fold:               0..4, grouped by problem (every program of a problem in one fold), fixed seed.
    line_labels:        per line of `code` (split on "\\n"): 1 = edited by the minimal patch.
    copied_from_prompt: per line: the line repeats a prompt line (signature, docstring).
    edited_intervals:   [start, end) character intervals of `code` the patch changes.
    insert_points:      character offsets where the patch inserts text (labels use "insert before").
    dead_lines:         0-based lines the patch keeps but makes unreachable (labelled edited).
    repair_method:      none / closest / renamed / block / ddmin / one_line / pending ("" if passing).
    patch_lines:        size of the minimal patch (changed + deleted + inserted lines).
    paper_patch_lines:  size of the whole closest-passing-candidate patch (the paper's MIAP).
    repair_source:      where the closest passing candidate came from: "reference" or
                        "<generator> (<source>)".
    edited_share:       share of generated lines (not copied from the prompt, not blank) labelled edited.
    paper_edited_share: the same share under the paper-style patch (before ddmin and one-line search).
    degenerate:         the best patch still edits most (> half, and more than one) of the generated lines.
    labelled:           False for failing programs no repair was found for (their labels are unknown).
    """

    id: str
    problem_id: str
    benchmark: str
    generator: str
    generator_family: str
    source: str
    method: str
    intent: str
    code: str
    passes: bool
    passes_base: bool
    claimed_pass: bool | None
    oracle: str
    outcome: str
    fold: int
    line_labels: list[int]
    copied_from_prompt: list[bool]
    edited_intervals: list[list[int]]
    insert_points: list[int]
    dead_lines: list[int]
    repair_method: str
    patch_lines: int
    paper_patch_lines: int
    repair_source: str
    edited_share: float
    paper_edited_share: float
    patched_code: str
    degenerate: bool
    labelled: bool


def program_id(problem_id: str, code: str) -> str:
    return f"{problem_id}:{hashlib.sha256(code.encode()).hexdigest()[:12]}"


def generator_family(generator: str) -> str:
    name = generator.lower()
    return next((family for prefix, family in FAMILIES if name.startswith(prefix)), name or "unknown")


def assign_folds(problem_ids: Iterable[str], n_folds: int = N_FOLDS, seed: int = FOLD_SEED) -> dict[str, int]:
    """Problem -> fold, balanced and reproducible: the sorted problems in shuffled groups (fixed seed)."""
    ordered = sorted(set(problem_ids))
    return dict(zip(ordered, group_folds(ordered, n_folds, seed).tolist(), strict=True))


def write_dataset(directory: Path, rows: Sequence[ProgramRow], card: dict) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / (PROGRAMS_FILE + ".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(asdict(row)) + "\n")
    temporary.replace(directory / PROGRAMS_FILE)
    (directory / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")


def load_dataset(path: str | Path) -> list[ProgramRow]:
    """Rows of a built dataset; `path` is the dataset directory or its programs.jsonl.

    >>> rows = load_dataset("~/.cache/redline/datasets/miap")  # doctest: +SKIP
    >>> [r.line_labels for r in rows if r.labelled and not r.passes][:1]  # doctest: +SKIP
    """
    file = Path(path).expanduser()
    file = file / PROGRAMS_FILE if file.is_dir() else file
    if not file.is_file():
        raise DataSourceError(f"no dataset at {file}; build one with `redline data build`")
    names = {f.name for f in fields(ProgramRow)}
    rows = []
    with file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            try:
                data = json.loads(line)
                rows.append(ProgramRow(**{k: v for k, v in data.items() if k in names}))
            except (json.JSONDecodeError, TypeError) as error:
                raise DataSourceError(f"{file}:{number} is not a dataset row: {error}") from error
    return rows


def load_card(path: str | Path) -> dict:
    directory = Path(path).expanduser()
    directory = directory if directory.is_dir() else directory.parent
    return json.loads((directory / CARD_FILE).read_text(encoding="utf-8"))
