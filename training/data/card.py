"""The dataset card: per benchmark x generator counts, pass rates, repair and label statistics.

Pure: rows in, a JSON-able dict out (written next to the data; docs/dataset.md renders one).
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Sequence

from training.data.dataset import PENDING, ProgramRow
from training.data.labels import generated_lines, token_labels
from training.data.repairs import RepairMethod

_LEXEME = re.compile(r"\w+|[^\w\s]")  # the card's tokens: words and single punctuation, no whitespace


def make_card(rows: Sequence[ProgramRow], config: dict, excluded: dict[str, str], seconds: float) -> dict:
    groups: dict[tuple[str, str], list[ProgramRow]] = defaultdict(list)
    for row in rows:
        groups[row.benchmark, row.generator].append(row)
    return {
        "name": config.get("name", ""),
        "build_seconds": round(seconds, 1),
        "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in config.items()},
        "oracle": "benchmark tests + up to max_inputs extra inputs (HumanEval-ET, HumanEval+, MBPP+) checked "
        "against the reference; APPS judged on stdin/stdout",
        "excluded_problems": excluded,
        "total": summarise(rows),
        "by_benchmark": {
            b: summarise([r for r in rows if r.benchmark == b]) for b in sorted({r.benchmark for r in rows})
        },
        "by_benchmark_and_generator": [
            {"benchmark": b, "generator": g, **summarise(group)} for (b, g), group in sorted(groups.items())
        ],
        "by_source": {
            source: summarise([r for r in rows if r.source == source])
            for source in sorted({r.source for r in rows})
        },
        "folds": {str(k): sum(1 for r in rows if r.fold == k) for k in sorted({r.fold for r in rows})},
        "leave_one_out_groups": {
            "benchmark": sorted({r.benchmark for r in rows}),
            "generator_family": sorted({r.generator_family for r in rows}),
        },
    }


def summarise(rows: Sequence[ProgramRow]) -> dict:
    """The paper's dataset-table figures for a group of programs (shares are fractions in [0, 1])."""
    failing = [r for r in rows if not r.passes]
    repaired = [r for r in failing if r.labelled]
    claimed = [r for r in rows if r.claimed_pass is not None]
    labelled = [r for r in rows if r.labelled]
    lines = [v for r in labelled for v in r.line_labels]
    generated = [r.line_labels[i] for r in labelled for i in generated_lines(r.code, r.copied_from_prompt)]
    tokens = [_token_labels(r) for r in labelled]
    token_flat = [v for t in tokens for v in t]
    return {
        "problems": len({r.problem_id for r in rows}),
        "programs": len(rows),
        "pass_rate": _rate([r.passes for r in rows]),
        "pass_rate_base_tests": _rate([r.passes_base for r in rows]),
        "claimed_flags": len(claimed),
        "claimed_flag_disagreements": sum(r.claimed_pass != r.passes_base for r in claimed),
        "passes_base_fails_plus": sum(r.passes_base and not r.passes for r in rows),
        "failing": len(failing),
        "repaired": len(repaired),
        "repaired_with_reference": sum(r.repair_source == "reference" for r in repaired),
        "repaired_with_model_program": sum(r.repair_source not in ("", "reference") for r in repaired),
        "repair_method": {
            m: sum(r.repair_method == m for r in failing)
            for m in (*(str(method) for method in RepairMethod), PENDING)
        },
        "mean_patch_lines": _mean([r.patch_lines for r in repaired]),
        "mean_paper_patch_lines": _mean([r.paper_patch_lines for r in repaired]),
        "median_edited_share_failing": _median([r.edited_share for r in repaired]),
        "median_paper_edited_share_failing": _median([r.paper_edited_share for r in repaired]),
        "share_failing_with_at_most_one_edited_line": _rate([sum(r.line_labels) <= 1 for r in repaired]),
        "degenerate": sum(r.degenerate for r in repaired),
        "line_base_rate": _rate(lines),
        "generated_line_base_rate": _rate(generated),
        "token_base_rate": _rate(token_flat),
        "mean_lines_edited_failing": _mean([sum(r.line_labels) for r in repaired]),
        "mean_tokens_edited_failing": _mean(
            [sum(t) for r, t in zip(labelled, tokens, strict=True) if not r.passes]
        ),
    }


def _token_labels(row: ProgramRow) -> list[int]:
    cover = [(m.start(), m.end()) for m in _LEXEME.finditer(row.code)]
    return token_labels(cover, [(a, b) for a, b in row.edited_intervals], row.insert_points)


def _rate(values: Sequence[object]) -> float | None:
    return round(sum(bool(v) for v in values) / len(values), 4) if values else None


def _mean(values: Sequence[float]) -> float | None:
    return round(statistics.fmean(values), 3) if values else None


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 4) if values else None


TABLE_COLUMNS = (
    ("problems", "problems"),
    ("programs", "programs"),
    ("pass_rate", "pass (strong)"),
    ("pass_rate_base_tests", "pass (base tests)"),
    ("failing", "failing"),
    ("repaired_with_model_program", "repaired: model program"),
    ("repaired_with_reference", "repaired: reference"),
    ("mean_paper_patch_lines", "paper patch lines"),
    ("mean_patch_lines", "minimal patch lines"),
    ("median_paper_edited_share_failing", "edited share (paper)"),
    ("median_edited_share_failing", "edited share (minimal)"),
    ("line_base_rate", "line base rate"),
    ("generated_line_base_rate", "generated-line base rate"),
    ("token_base_rate", "token base rate"),
)


def render_markdown(card: dict) -> str:
    """The card's per benchmark x generator table in Markdown (for docs/dataset.md)."""
    header = "| benchmark | generator | " + " | ".join(title for _, title in TABLE_COLUMNS) + " |"
    lines = [header, "|" + "---|" * (len(TABLE_COLUMNS) + 2)]
    rows = [
        *card["by_benchmark_and_generator"],
        *({"benchmark": b, "generator": "**all**", **s} for b, s in card["by_benchmark"].items()),
        {"benchmark": "**all**", "generator": "**all**", **card["total"]},
    ]
    for row in rows:
        cells = [
            "–"
            if row.get(key) is None
            else f"{row[key]:.2f}"
            if isinstance(row[key], float)
            else str(row[key])
            for key, _ in TABLE_COLUMNS
        ]
        lines.append(f"| {row['benchmark']} | {row['generator']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
