"""`redline train` (write a probe artifact) and `redline eval` (regenerate docs/evaluation.md).

Option parsing and printing only; the work is in training/experiment.py and training/eval_report.py.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import click

REPO_ROOT = Path(__file__).resolve().parents[1]
SHIPPED_PROBE = REPO_ROOT / "scoring" / "probes" / "default"


def _data_options(command: click.Command) -> click.Command:
    options = [
        click.option("--dataset", type=click.Path(path_type=Path), default="~/.cache/redline/datasets/miap",
                     show_default=True, help="Built MIAP dataset directory (`redline data build`)."),
        click.option("--programs", type=int, default=None,
                     help="Use at most this many MIAP programs (whole problems, seeded). Default: all."),
        click.option("--wild-commits", type=int, default=100, show_default=True,
                     help="AI commits drawn per date split of the in-the-wild data (0: leave it out)."),
        click.option("--model", envvar="REDLINE_MODEL", default=None,
                     help="Supervisor: Hugging Face id or local path (default: embedded SmolLM2)."),
        click.option("--seed", type=int, default=0, show_default=True, help="Seed for sampling and training."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _plan(dataset: Path, programs: int | None, wild_commits: int, model: str | None, seed: int):  # noqa: ANN202
    from training.experiment import DataPlan

    return DataPlan(dataset, programs, wild_commits, model, seed)


def _corpora(plan):  # noqa: ANN001, ANN202
    """(supervisor, MIAP corpus or None, earlier wild corpus or None, later wild corpus or None)."""
    from training.experiment import load_miap, load_wild_split, open_supervisor, prepare

    supervisor = open_supervisor(plan)
    miap_items = load_miap(plan)
    miap = prepare(supervisor, miap_items, "MIAP") if miap_items else None
    earlier = later = None
    if plan.wild_commits:
        early_items, late_items = load_wild_split(plan)
        earlier = prepare(supervisor, early_items, "wild, earlier")
        later = prepare(supervisor, late_items, "wild, later")
    for name, corpus in (("MIAP", miap), ("wild earlier", earlier), ("wild later", later)):
        if corpus is not None:
            r = corpus.report
            click.echo(f"{name}: {r.texts} texts, {r.tokens} code tokens, {r.seconds:.0f} s, "
                       f"{r.tokens_per_second:.0f} tokens/s (cache hits count as instant)")
    return supervisor, miap, earlier, later


@click.command()
@_data_options
@click.option("--config", "config_name", default="selected", show_default=True,
              help="'paper' (training/configs/paper.toml), 'selected' (choose among configs/search.toml on "
                   "a validation split of the training data), or a .toml path.")
@click.option("--out", type=click.Path(path_type=Path), default=SHIPPED_PROBE, show_default=True,
              help="Directory to write probe.safetensors + probe.json into.")
def train(dataset: Path, programs: int | None, wild_commits: int, model: str | None, seed: int,
          config_name: str, out: Path) -> None:
    """Train the probe on the MIAP dataset (or, without one, on the earlier in-the-wild split)."""
    from scoring.errors import DataSourceError
    from training.evaluation_text import dataset_build
    from training.experiment import choose_config, save, train_shipped
    from training.train_probe import load_candidates, load_preset

    started = time.perf_counter()
    plan = _plan(dataset, programs, wild_commits, model, seed)
    supervisor, miap, earlier, later = _corpora(plan)
    corpus, pr_corpus = (miap, earlier) if miap is not None else (earlier, None)
    if corpus is None:
        raise DataSourceError("no training data: build the MIAP dataset (`redline data build`) or keep --wild-commits")
    candidates = load_candidates() if config_name == "selected" else [load_preset(config_name)]
    config = choose_config(candidates, corpus, seed)
    source = "MIAP dataset" if miap is not None else "in-the-wild data, earlier split"
    description = {"corpus": source, "texts": len(corpus.encoded), "dataset": str(dataset),
                   "programs_cap": programs, "wild_commits_per_split": wild_commits, "config_option": config_name,
                   "scored_lines": int(sum(len(e.item.lines) for e in corpus.encoded)),
                   "dataset_build": dataset_build(dataset) if miap is not None else {}}
    shipped = train_shipped(supervisor, config, corpus, pr_corpus, description,
                            version=f"{re.sub('[^a-z0-9]+', '-', config.name.lower())}-{time.strftime('%Y%m%d')}",
                            held_out=later if miap is not None else None)
    if miap is None:  # trained on the wild split itself: its out-of-fold calibration is the PR one
        shipped.card.calibration = {"pr": shipped.card.calibration["benchmark"]}
    save(shipped, out)
    click.echo(f"probe {shipped.card.version} ({config.name}) written to {out}; training "
               f"{shipped.seconds:.0f} s, whole command {time.perf_counter() - started:.0f} s")
    click.echo(json.dumps(shipped.card.calibration, indent=None))
    if shipped.card.decisions:
        click.echo(json.dumps(shipped.card.decisions, indent=1))


@click.command(name="eval")
@_data_options
@click.option("--probe", type=click.Path(path_type=Path), default=SHIPPED_PROBE, show_default=True,
              help="The shipped probe evaluated zero-shot in the wild.")
@click.option("--docs", type=click.Path(path_type=Path), default=REPO_ROOT / "docs", show_default=True,
              help="Where evaluation.md and figures/ are written.")
def evaluate(dataset: Path, programs: int | None, wild_commits: int, model: str | None, seed: int,
             probe: Path, docs: Path) -> None:
    """Compare baselines, the paper probe and the selected probe on identical folds; write docs/evaluation.md."""
    from training.eval_report import Results, evaluate_miap, evaluate_wild, render, save_figures
    from training.evaluation_text import context, targets
    from training.experiment import load_shipped
    from training.train_probe import load_candidates, load_preset

    started = time.perf_counter()
    plan = _plan(dataset, programs, wild_commits, model, seed)
    supervisor, miap, earlier, later = _corpora(plan)
    paper, candidates = load_preset("paper"), load_candidates()
    results = Results()
    if miap is not None:
        evaluate_miap(miap, paper, candidates, results)
    else:
        results.notes.append(f"No MIAP dataset at {dataset}: the benchmark sections are missing.")
    if earlier is not None and later is not None:
        shipped = load_shipped(probe, supervisor)
        best = next((c for c in candidates if c.name == shipped.config.name), candidates[-1]) if shipped else (
            candidates[-1])
        evaluate_wild(shipped, earlier, later, paper, best, results)
    figures = save_figures(results, docs / "figures")
    prose = context(plan, miap, earlier, later, probe) | {"targets": targets(results)}
    text = render(results, prose, figures)
    (docs / "evaluation.md").write_text(text)
    click.echo(f"wrote {docs / 'evaluation.md'} in {time.perf_counter() - started:.0f} s")
    for title, rows in results.rows.items():
        click.echo(title)
        for r in rows:
            if r.method in {"paper probe", "selected probe"} and r.scaling.value == "Platt":
                click.echo(f"  {r.method:15s} {r.population:58s} AUC {r.auc_interval.point:.3f}  "
                           f"BSS {r.summary.bss:.3f}  ECE {r.summary.ece_width:.3f}")
    for name, where, s in results.wild:
        if "PR calibration" in name and "hunks" not in name:
            click.echo(f"  wild {name}: AUC {s.auc:.3f}  BSS {s.bss:.3f}  ECE {s.ece_width:.3f}")
    for name, r in results.replays:
        click.echo(f"  replay {name}: hit rate {r.comment_hit_rate:.3f} vs base rate {r.base_rate:.3f}, "
                   f"{r.comments_per_commit:.2f} comments/commit, gate failures {r.gate_failure_rate:.3f}")
