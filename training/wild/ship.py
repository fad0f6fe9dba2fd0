"""The PR model's two stages. `redline eval --part pr` judges it leave-one-repository-out (after choosing
which model scores TypeScript) and writes the docs section and `evaluation.json`; `redline train-pr` fits the
shipped model on every repository with the same selection, calibration and threshold rule, and copies that
evaluation into its card."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scoring.languages import PYTHON, TYPESCRIPT
from scoring.pr_features import FEATURE_VERSION
from scoring.pr_model import DEFAULT_PR_MODEL, PRModel
from scoring.target import TARGET_MEANING
from training.thresholds import COMMENT_THRESHOLD_RULE, choose_comment_threshold
from training.wild import languages
from training.wild.hunks import GATE_RULE
from training.wild.loro import LABELS, LoroReport, evaluate_label, fitted_hunk_model
from training.wild.loro_report import SECTION_END, card_summary, reliability_figure, render, supervisor_block
from training.wild.pr_train import (
    FEATURE_SETS,
    SELECTION_RULE,
    calibrated_model,
    families_of,
    is_pairwise,
    measured_costs,
    select,
)
from training.wild.table import LineTable, concat

SHIPPED_LABEL = "target"  # scoring.target's event
FIGURE = "figures/loro_reliability.png"
EVALUATION_FILE = DEFAULT_PR_MODEL.parent / "evaluation.json"


class StaleEvaluation(ValueError):
    """`train-pr` found no evaluation of the data it is about to train on."""


def data_summary(python: LineTable, typescript: LineTable | None) -> dict[str, Any]:
    """What an evaluation was run on: enough to tell that `train-pr` reads the same tables (counts, not file
    dates, so the same data fetched elsewhere matches)."""
    tables = {PYTHON: python, **({TYPESCRIPT: typescript} if typescript is not None else {})}
    return {
        "feature_version": FEATURE_VERSION,
        **{
            name: {
                "repositories": len(t.repos),
                "lines": len(t),
                "positives": {label: int(t.label(label).sum()) for label in LABELS},
            }
            for name, t in tables.items()
        },
    }


def write_evaluation(
    path: Path,
    reports: dict[str, LoroReport],
    table: LineTable,
    typescript: LineTable | None,
    by_language: dict[str, languages.LanguageReport],
    chosen: str,
    reproduce: str,
) -> None:
    """The evaluation a shipped model's card carries, and which model scores TypeScript."""
    evaluation = {
        "data": data_summary(table, typescript),
        "reproduce": reproduce,
        "date": f"{datetime.now(UTC):%Y-%m-%d}",
        "language_model": chosen,
        "languages": [PYTHON, TYPESCRIPT] if by_language else [PYTHON],
        "language_choice": languages.card(by_language, chosen) if by_language else {},
        "evaluation": card_summary(reports, table),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(evaluation, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def read_evaluation(path: Path, table: LineTable, typescript: LineTable | None) -> dict[str, Any]:
    """The evaluation `write_evaluation` left for these tables; StaleEvaluation if there is none."""
    rerun = "run `redline eval --part pr` first (with the same --wild-dir/--ts-dir)"
    try:
        evaluation: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise StaleEvaluation(f"no evaluation at {path} ({error}): {rerun}") from error
    if not isinstance(evaluation, dict) or evaluation.get("data") != data_summary(table, typescript):
        found = evaluation.get("data") if isinstance(evaluation, dict) else None
        raise StaleEvaluation(
            f"the evaluation at {path} was run on other data ({found}, not "
            f"{data_summary(table, typescript)}): {rerun}"
        )
    return evaluation


def run_loro(
    table: LineTable,
    labels: tuple[str, ...] = LABELS,
    progress: Callable[[str], None] | None = None,
    extra: LineTable | None = None,
) -> dict[str, LoroReport]:
    """The headline label first; the others reuse its per-fold feature-set choices. `extra`: lines every fold
    trains on besides the other repositories of `table` (the other language's), never held out."""
    reports = {labels[0]: evaluate_label(table, labels[0], progress=progress, extra=extra)}
    for label in labels[1:]:
        reports[label] = evaluate_label(
            table, label, progress=progress, selections=reports[labels[0]].selections, extra=extra
        )
    return reports


def write_section(
    reports: dict[str, LoroReport],
    table: LineTable,
    docs: Path,
    reproduce: str,
    typescript: LineTable | None = None,
    by_language: dict[str, languages.LanguageReport] | None = None,
    chosen: str = "",
) -> Path:
    """Put the LORO section first in docs/evaluation.md, keeping the supervisor comparison in it (written by
    benchmarks/wild_supervisor.py) and the benchmark section that follows it."""
    reliability_figure(reports[SHIPPED_LABEL], table, docs / FIGURE)
    page = docs / "evaluation.md"
    rest = page.read_text(encoding="utf-8") if page.is_file() else ""
    by_language_lines = (
        languages.render(by_language, chosen, languages.describe(typescript))
        if by_language and typescript is not None
        else []
    )
    section = render(reports, table, FIGURE, reproduce, supervisor_block(rest), by_language_lines)
    if SECTION_END in rest:
        rest = rest.split(SECTION_END, 1)[1]
    elif rest.startswith("# Evaluation"):
        rest = rest[len("# Evaluation") :]
    rest = rest.lstrip("\n")
    if rest and not rest.startswith("## "):
        rest = "## Benchmark evaluation (MIAP)\n\n" + rest
    page.write_text(section + "\n" + rest, encoding="utf-8")
    return page


def train_shipped(
    evaluated: LineTable,
    evaluation: dict[str, Any],
    typescript: LineTable | None = None,
    label: str = SHIPPED_LABEL,
) -> PRModel:
    """The PR model on every repository (the TypeScript ones too when the evaluation chose both languages):
    selection and calibration over grouped folds of all of them; `evaluation` (`read_evaluation`) goes into
    its card."""
    started = time.perf_counter()
    both = evaluation.get("language_model") == languages.BOTH
    table = concat([evaluated, typescript]) if both and typescript is not None else evaluated
    selection = select(table, label)
    names = FEATURE_SETS[selection.name]
    model = calibrated_model(
        table, families_of(names), names, label, selection.oof_logits, pairwise=is_pairwise(selection.name)
    )
    # As in every LORO fold: the rule runs on the fitted model's own probabilities for the training lines.
    model, gate, gate_replay = fitted_hunk_model(model, selection.oof_logits, table, label)
    training_p = model.probabilities(table.columns(model.names))
    choice = choose_comment_threshold(training_p, table.label(label).astype(float))
    card = {
        # The date, and the weights' digest: two models trained the same day are told apart.
        "version": f"pr-{datetime.now(UTC):%Y%m%d}.{model.digest()}",
        "label": label,
        "meaning": f"calibrated {TARGET_MEANING}, before any repository prior",
        "selection": {
            "chosen": selection.name,
            "best_inner": selection.best,
            "inner_mean_auc": selection.inner_auc,
            "how": f"{SELECTION_RULE}; per-repository AUC over repositories dealt into grouped folds",
            "ms_per_1000_lines": measured_costs().ms_per_1000_lines,
        },
        "decisions": {
            "comment_threshold": choice.threshold,
            "rule": COMMENT_THRESHOLD_RULE,
            "chosen_on": {
                "data": "the shipped model's probabilities for every wild line it was trained on (as "
                "each LORO fold chose its threshold)",
                "hit_rate": choice.hit_rate,
                "base_rate": choice.base_rate,
                "share_commented": choice.share_commented,
                "lift": choice.lift,
                "met_2x_target": choice.met_target,
            },
            "gate_threshold": gate,
            "gate_rule": GATE_RULE,
            "gate_chosen_on": {
                "data": "out-of-fold hunk probabilities of every wild AI hunk",
                "hunks": gate_replay.lines,
                "share_fired": gate_replay.commented / gate_replay.lines,
                "hit_rate": gate_replay.hit_rate,
                "base_rate": gate_replay.base_rate,
                "lift": gate_replay.lift,
            },
        },
        # TypeScript is first-class once it was judged: whichever candidate won scores it.
        "languages": evaluation.get("languages", [PYTHON]),
        "language_choice": evaluation.get("language_choice", {}),
        "evaluation": evaluation.get("evaluation", {}),
        "evaluated": {k: evaluation.get(k) for k in ("date", "reproduce", "data")},
        "reach": {
            "lines": len(table),
            "max": float(training_p.max()),
            "what": "the highest probability the model gives any wild line, at the training mix's rate",
        },
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    return replace(model, card=card)


def keep_pr_section(page: Path, benchmark_text: str) -> str:
    """The benchmark evaluation under the page's existing PR-model section (if any)."""
    body = benchmark_text.split("\n", 1)[1] if benchmark_text.startswith("# Evaluation") else benchmark_text
    existing = page.read_text(encoding="utf-8") if page.is_file() else ""
    if SECTION_END not in existing:
        return benchmark_text
    return existing.split(SECTION_END, 1)[0] + SECTION_END + "\n\n## Benchmark evaluation (MIAP)\n" + body
