"""The training subcommands: `redline data sources | build | generate | fix`, `redline train`,
`redline eval` and `redline mine`. Option parsing and printing only; the work is in training/data/,
training/probe/ and training/wild/, each imported when its command runs.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import click
import numpy as np

from training.data.problems import Benchmark
from training.wild.mining import WINDOW_DAYS

# A click command function, before or after its options are applied.
F = TypeVar("F", bound=Callable[..., Any])

DATA_DIR_OPTION = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="REDLINE_DATA_DIR",
    help="Data directory holding raw/ (default: ../shared/data next to the repository).",
)
JSONL_OUT_OPTION = click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="JSONL file to append to."
)


@click.group("data")
def data() -> None:
    """Rebuild the MIAP training dataset from the raw sources."""


@data.command("sources", short_help="List the raw files with status, licence and origin.")
@DATA_DIR_OPTION
@click.option("--all", "show_all", is_flag=True, help="Also list files no reader uses yet.")
def sources_command(data_dir: Path | None, show_all: bool) -> None:
    """List every registered raw file with its status (ok / missing / altered), licence and origin."""
    from training.data import sources

    bad = 0
    for source in sources.registry():
        if not source.reader and not show_all:
            continue
        found = sources.state(source, data_dir)
        bad += found is not sources.SourceState.OK
        licence = source.licence if source.redistributable else f"{source.licence} (research use only)"
        click.echo(
            f"{found:8} {source.reader or '-':22} {source.file}\n         {licence}; {source.origin_url}"
        )
    read = sum(1 for s in sources.registry() if s.reader)
    click.echo(f"{len(sources.registry())} files registered, {read} read by a reader, {bad} not ok")
    if bad:
        raise click.exceptions.Exit(1)


@data.command("build", short_help="Run, repair and label programs (resumable).")
@click.option(
    "--name", default="miap", show_default=True, help="Dataset name (its directory under the cache)."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output directory (default: <user cache>/redline/datasets/<name>).",
)
@click.option(
    "--benchmarks", default=",".join(Benchmark), show_default=True, help="Comma-separated benchmarks."
)
@click.option(
    "--problems", default="", help="Comma-separated problem ids to restrict to, e.g. humaneval/0,mbpp/2."
)
@click.option(
    "--max-programs-per-task",
    type=int,
    help="Label at most N programs per problem (round-robin over generators).",
)
@click.option(
    "--strong-oracle-only",
    is_flag=True,
    help="Only problems with extra oracle inputs (HumanEval+/MBPP+); drops ClassEval, APPS, TransCoder.",
)
@click.option(
    "--max-inputs",
    default=200,
    show_default=True,
    help="Extra inputs per problem in the oracle (HumanEval-ET, then HumanEval+/MBPP+).",
)
@click.option(
    "--checks-per-program",
    default=60,
    show_default=True,
    help="Sandbox runs a failing program's repair may use.",
)
@click.option(
    "--seconds-per-program", default=60.0, show_default=True, help="Time budget of one program's repair."
)
@click.option(
    "--repair-minutes", type=float, help="Stop starting repairs after N minutes (re-run to finish)."
)
@click.option(
    "--timeout", "wall_s", default=10.0, show_default=True, help="Wall/CPU seconds per sandbox run."
)
@click.option("--workers", default=2, show_default=True, help="Parallel sandbox workers (one per core).")
@click.option("--seed", default=0, show_default=True, help="Seed of the per-task program selection.")
@click.option(
    "--generations",
    "extra",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Extra generations (JSONL from `redline data generate`); repeatable.",
)
@DATA_DIR_OPTION
def build_command(
    name: str,
    out: Path | None,
    benchmarks: str,
    problems: str,
    max_programs_per_task: int | None,
    strong_oracle_only: bool,
    max_inputs: int,
    checks_per_program: int,
    seconds_per_program: float,
    repair_minutes: float | None,
    wall_s: float,
    workers: int,
    seed: int,
    extra: tuple[Path, ...],
    data_dir: Path | None,
) -> None:
    """Run, repair and label programs; resumable (re-run the same command after an interruption)."""
    from training.data.build import BuildConfig, build

    try:
        chosen = tuple(Benchmark(b.strip()) for b in benchmarks.split(",") if b.strip())
    except ValueError as error:
        raise click.BadParameter(
            f"{error}; known: {', '.join(Benchmark)}", param_hint="--benchmarks"
        ) from error
    config = BuildConfig(
        name=name,
        out=out,
        benchmarks=chosen,
        problem_ids=tuple(p.strip() for p in problems.split(",") if p.strip()),
        max_programs_per_task=max_programs_per_task,
        strong_oracle_only=strong_oracle_only,
        max_inputs=max_inputs,
        checks_per_program=checks_per_program,
        seconds_per_program=seconds_per_program,
        repair_minutes=repair_minutes,
        wall_s=wall_s,
        workers=workers,
        seed=seed,
        data_root=data_dir,
        extra_generations=extra,
    )
    build(config, echo=click.echo)


def _llm_options(command):
    """The options choosing an LLM backend, shared by `generate` and `fix`."""
    options = [
        click.option(
            "--endpoint",
            envvar="REDLINE_GENERATE_ENDPOINT",
            help=(
                "OpenAI-compatible base URL (e.g. "
                "http://localhost:8000/v1); without it a local model is used."
            ),
        ),
        click.option(
            "--model",
            default=None,
            help="Model name for the endpoint, or a local HF id/path (default: SmolLM2).",
        ),
        click.option(
            "--api-key-env",
            default="OPENAI_API_KEY",
            show_default=True,
            help="Environment variable holding the key.",
        ),
        click.option("--temperature", default=0.0, show_default=True),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _backend(endpoint: str | None, model: str | None, api_key_env: str, temperature: float):
    import os

    from training.data.llm import LocalModel, OpenAICompatible

    if not endpoint:
        return LocalModel(model)
    if not model:
        raise click.BadParameter("--model is required with --endpoint", param_hint="--model")
    return OpenAICompatible(endpoint, model, os.environ.get(api_key_env, ""), temperature)


@data.command("generate", short_help="Generate programs for benchmark problems.")
@JSONL_OUT_OPTION
@click.option("--benchmarks", default="humaneval", show_default=True, help="Comma-separated benchmarks.")
@click.option("--problems", default="", help="Comma-separated problem ids (default: all of the benchmarks).")
@click.option("--limit", type=int, help="Only the first N problems.")
@click.option("--samples", default=1, show_default=True, help="Programs per problem.")
@_llm_options
@DATA_DIR_OPTION
def generate_command(
    out: Path,
    benchmarks: str,
    problems: str,
    limit: int | None,
    samples: int,
    endpoint: str | None,
    model: str | None,
    api_key_env: str,
    temperature: float,
    data_dir: Path | None,
) -> None:
    """Generate programs for benchmark problems; feed the file to `redline data build --generations`."""
    from training.data.generate import generate
    from training.data.problems import load_problems

    chosen = load_problems(tuple(Benchmark(b.strip()) for b in benchmarks.split(",") if b.strip()), data_dir)
    wanted = [p.strip() for p in problems.split(",") if p.strip()]
    selected = (
        [chosen[p] for p in wanted if p in chosen]
        if wanted
        else sorted(chosen.values(), key=lambda p: (p.benchmark, p.number))
    )
    selected = selected[:limit] if limit else selected
    counts = generate(selected, _backend(endpoint, model, api_key_env, temperature), samples, out)
    click.echo(
        f"{counts['written']} programs written to {out} ({counts['unusable']} replies without the function, "
        f"{counts['skipped']} already there)"
    )


@data.command("fix", short_help="Ask an LLM to fix failing programs.")
@click.option(
    "--dataset",
    "dataset_dir",
    required=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="A built dataset directory (its failing programs are sent).",
)
@JSONL_OUT_OPTION
@click.option("--limit", type=int, help="Only the first N failing programs.")
@_llm_options
@DATA_DIR_OPTION
def fix_command(
    dataset_dir: Path,
    out: Path,
    limit: int | None,
    endpoint: str | None,
    model: str | None,
    api_key_env: str,
    temperature: float,
    data_dir: Path | None,
) -> None:
    """Ask an LLM to fix a dataset's failing programs; the fixes join the repair pool of
    `redline data build --generations FILE` (checked and shrunk there, never labelled). Optional."""
    from training.data.dataset import load_dataset
    from training.data.fix import fix
    from training.data.problems import load_problems

    rows = [r for r in load_dataset(dataset_dir) if not r.passes][:limit]
    benchmarks = tuple(sorted({Benchmark(r.benchmark) for r in rows}))
    problems = load_problems(benchmarks, data_dir) if rows else {}
    counts = fix(rows, problems, _backend(endpoint, model, api_key_env, temperature), out)
    click.echo(
        f"{counts['written']} fixes written to {out} ({counts['unusable']} replies without a changed "
        f"program, {counts['skipped']} already there)"
    )


# `redline train` and `redline eval`

REPO_ROOT = Path(__file__).resolve().parents[1]
SHIPPED_PROBE_SHOWN = "scoring/probes/default"  # scoring.probe.span_probe.DEFAULT_PROBE_DIR, read at run time


def _data_options(command: F) -> F:
    options = [
        click.option(
            "--dataset",
            type=click.Path(path_type=Path),
            default="~/.cache/redline/datasets/miap",
            show_default=True,
            help="Built MIAP dataset directory (`redline data build`).",
        ),
        click.option(
            "--programs",
            type=int,
            default=None,
            help="Use at most this many MIAP programs (whole problems, seeded). Default: all.",
        ),
        click.option(
            "--wild-commits",
            type=int,
            default=100,
            show_default=True,
            help="AI commits drawn per date split of the in-the-wild data (0: leave it out).",
        ),
        click.option(
            "--model",
            envvar="REDLINE_MODEL",
            default=None,
            help="Supervisor: Hugging Face id or local path (default: embedded SmolLM2).",
        ),
        click.option(
            "--seed", type=int, default=0, show_default=True, help="Seed for sampling and training."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _plan(dataset: Path, programs: int | None, wild_commits: int, model: str | None, seed: int):
    from training.probe.experiment import DataPlan

    return DataPlan(dataset, programs, wild_commits, model, seed)


def _corpora(plan):
    """(supervisor, MIAP corpus or None, earlier wild corpus or None, later wild corpus or None)."""
    from training.probe.experiment import load_miap, load_wild_split, open_supervisor, prepare

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
            click.echo(
                f"{name}: {r.texts} texts, {r.tokens} code tokens, {r.seconds:.0f} s, "
                f"{r.tokens_per_second:.0f} tokens/s (cache hits count as instant)"
            )
    return supervisor, miap, earlier, later


@click.command()
@_data_options
@click.option(
    "--config",
    "config_name",
    default="selected",
    show_default=True,
    help="'paper' (training/probe/configs/paper.toml), 'selected' (choose among configs/search.toml on "
    "a validation split of the training data), or a .toml path.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    show_default=SHIPPED_PROBE_SHOWN,
    help="Directory to write probe.safetensors + probe.json into.",
)
def train(
    dataset: Path,
    programs: int | None,
    wild_commits: int,
    model: str | None,
    seed: int,
    config_name: str,
    out: Path | None,
) -> None:
    """Train the probe on the MIAP dataset (or, without one, on the earlier in-the-wild split)."""
    from scoring.errors import DataSourceError
    from scoring.probe.span_probe import DEFAULT_PROBE_DIR
    from training.probe.experiment import choose_config, save, train_shipped
    from training.probe.report_text import dataset_build
    from training.probe.train import load_candidates, load_preset

    started = time.perf_counter()
    out = out or DEFAULT_PROBE_DIR
    plan = _plan(dataset, programs, wild_commits, model, seed)
    supervisor, miap, earlier, later = _corpora(plan)
    corpus, pr_corpus = (miap, earlier) if miap is not None else (earlier, None)
    if corpus is None:
        raise DataSourceError(
            "no training data: build the MIAP dataset (`redline data build`) or keep --wild-commits"
        )
    candidates = load_candidates() if config_name == "selected" else [load_preset(config_name)]
    config = choose_config(candidates, corpus, seed)
    source = "MIAP dataset" if miap is not None else "in-the-wild data, earlier split"
    description = {
        "corpus": source,
        "texts": len(corpus.encoded),
        "dataset": str(dataset),
        "programs_cap": programs,
        "wild_commits_per_split": wild_commits,
        "config_option": config_name,
        "scored_lines": int(sum(len(e.item.lines) for e in corpus.encoded)),
        "dataset_build": dataset_build(dataset) if miap is not None else {},
    }
    shipped = train_shipped(
        supervisor,
        config,
        corpus,
        pr_corpus,
        description,
        version=f"{re.sub('[^a-z0-9]+', '-', config.name.lower())}-{time.strftime('%Y%m%d')}",
        held_out=later if miap is not None else None,
    )
    if miap is None:  # trained on the wild split itself: its out-of-fold calibration is the PR one
        shipped.card.calibration = {"pr": shipped.card.calibration["benchmark"]}
    save(shipped, out)
    click.echo(
        f"probe {shipped.card.version} ({config.name}) written to {out}; training "
        f"{shipped.seconds:.0f} s, whole command {time.perf_counter() - started:.0f} s"
    )
    click.echo(json.dumps(shipped.card.calibration, indent=None))
    if shipped.card.decisions:
        click.echo(json.dumps(shipped.card.decisions, indent=1))


WILD_DIR_OPTION = click.option(
    "--wild-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of wild repository files (default: wild/ in the data directory, $REDLINE_DATA_DIR).",
)


def _wild_flag(wild_dir: Path | None, ts_dir: Path | None = None) -> str:
    return (f" --wild-dir {wild_dir}" if wild_dir else "") + (f" --ts-dir {ts_dir}" if ts_dir else "")


TS_DIR_OPTION = click.option(
    "--ts-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of TypeScript wild repository files (default: wild-ts/ in the data directory).",
)


def _tables(wild_dir: Path | None, ts_dir: Path | None):
    """The Python wild table and the TypeScript one (None without a wild-ts/ folder), cached."""
    from scoring.cache import cache_root
    from training.data.sources import data_dir
    from training.wild import languages
    from training.wild.table import load_table

    cache = cache_root() / "wild"
    table = load_table(wild_dir, cache_dir=cache)
    ts_dir = ts_dir or data_dir() / languages.TS_DIR
    typescript = load_table(ts_dir, cache_dir=cache) if ts_dir.is_dir() else None
    if typescript is None:
        click.echo(f"no TypeScript repositories in {ts_dir}: the Python model scores TypeScript", err=True)
    return table, typescript


def _loro(table, typescript):
    """LORO over the Python repositories, after choosing on the TypeScript ones which model scores TypeScript
    (training.wild.languages): the Python repositories' folds also train on TypeScript when that won."""
    from training.wild import languages
    from training.wild.loro import LABELS, held_out_models
    from training.wild.ship import run_loro

    started = time.perf_counter()

    def progress(repo: str) -> None:
        click.echo(f"  held out: {repo} ({time.perf_counter() - started:.0f} s)", err=True)

    def fit_model(train, label, chosen):
        models, selection = held_out_models(train, label, chosen)
        return models["PR model"], selection.name

    by_language, chosen = {}, languages.PYTHON_MODEL
    if typescript is not None:
        click.echo(
            f"{len(typescript.repos)} TypeScript repositories, {len(typescript):,} lines: which model …"
        )
        # As in LORO: the other labels reuse the feature sets the target's nested selection chose.
        by_language = {LABELS[0]: languages.evaluate(table, typescript, LABELS[0], fit_model, progress)}
        for label in LABELS[1:]:
            by_language[label] = languages.evaluate(
                table, typescript, label, fit_model, progress, by_language[LABELS[0]].selections
            )
        chosen = languages.choose(by_language["target"])
        means = (
            f"{m} {by_language['target'].mean_auc(m):.3f}" for m in (*languages.CANDIDATES, languages.LENGTH)
        )
        click.echo(f"TypeScript: {chosen} (mean target AUC " + ", ".join(means) + ")")
    extra = typescript if chosen == languages.BOTH else None
    click.echo(f"{len(table.repos)} repositories, {len(table):,} AI-added lines; leave-one-repository-out …")
    reports = run_loro(table, progress=progress, extra=extra)
    for label, report in reports.items():
        click.echo(
            f"{label}: mean AUC PR model {report.mean('PR model', lambda r: r.summary.auc):.3f}, "
            f"model-free baseline {report.mean('model-free baseline', lambda r: r.summary.auc):.3f} "
            f"({time.perf_counter() - started:.0f} s)"
        )
    return reports, by_language, chosen


EVALUATION_OPTION = click.option(
    "--evaluation",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    show_default="scoring/probes/pr/evaluation.json",
    help="The PR model's evaluation: `redline eval --part pr` writes it, `redline train-pr` reads it.",
)


@click.command(name="train-pr")
@WILD_DIR_OPTION
@TS_DIR_OPTION
@EVALUATION_OPTION
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    show_default="scoring/probes/pr/pr_model.json",
    help="Where the PR model's card is written.",
)
def train_pr(wild_dir: Path | None, ts_dir: Path | None, evaluation: Path | None, out: Path | None) -> None:
    """Fit and ship the PR model on every wild repository; its card carries `redline eval --part pr`'s
    evaluation of the same data."""
    from scoring.pr_model import DEFAULT_PR_MODEL
    from training.wild.expectation import write_blocks
    from training.wild.ship import EVALUATION_FILE, StaleEvaluation, read_evaluation, train_shipped

    table, typescript = _tables(wild_dir, ts_dir)
    try:
        judged = read_evaluation(evaluation or EVALUATION_FILE, table, typescript)
    except StaleEvaluation as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{len(table.repos)} repositories, {len(table):,} AI-added lines: selecting and fitting …")
    model = train_shipped(table, judged, typescript)
    model.save(out or DEFAULT_PR_MODEL)
    if out is None:  # the shipped model: the README and docs/review.md quote its card
        write_blocks(model.to_dict(), REPO_ROOT)
    decisions = model.card["decisions"]
    click.echo(
        f"wrote {out or DEFAULT_PR_MODEL}: features {model.card['selection']['chosen']}, comment threshold "
        f"{decisions['comment_threshold']:.3f} (lift {decisions['chosen_on']['lift']:.2f} on the training "
        f"lines), in {model.card['training_seconds']:.0f} s"
    )


@click.command(name="eval")
@_data_options
@click.option(
    "--probe",
    type=click.Path(path_type=Path),
    default=None,
    show_default=SHIPPED_PROBE_SHOWN,
    help="The shipped probe evaluated zero-shot in the wild.",
)
@click.option(
    "--docs",
    type=click.Path(path_type=Path),
    default=REPO_ROOT / "docs",
    show_default=True,
    help="Where evaluation.md and figures/ are written.",
)
@click.option(
    "--part",
    type=click.Choice(["all", "pr", "miap"]),
    default="all",
    show_default=True,
    help="pr: the PR model leave-one-repository-out (first section); miap: the benchmark probe.",
)
@WILD_DIR_OPTION
@TS_DIR_OPTION
@EVALUATION_OPTION
def evaluate(
    dataset: Path,
    programs: int | None,
    wild_commits: int,
    model: str | None,
    seed: int,
    probe: Path | None,
    docs: Path,
    part: str,
    wild_dir: Path | None,
    ts_dir: Path | None,
    evaluation: Path | None,
) -> None:
    """Compare baselines and models on identical folds; write docs/evaluation.md (PR model section first) and
    the PR model's evaluation.json, which `redline train-pr` puts in the shipped card."""
    if part in ("all", "pr"):
        from training.wild.ship import EVALUATION_FILE, write_evaluation, write_section

        table, typescript = _tables(wild_dir, ts_dir)
        reports, by_language, chosen = _loro(table, typescript)
        reproduce = f"redline eval --part pr{_wild_flag(wild_dir, ts_dir)}"
        page = write_section(reports, table, docs, reproduce, typescript, by_language, chosen)
        target = evaluation or EVALUATION_FILE
        write_evaluation(target, reports, table, typescript, by_language, chosen, reproduce)
        click.echo(f"wrote the PR-model section of {page} and {target}")
    if part == "pr":
        return
    from scoring.probe.span_probe import DEFAULT_PROBE_DIR
    from training.probe.experiment import load_shipped
    from training.probe.report import Results, evaluate_miap, evaluate_wild, render, save_figures
    from training.probe.report_text import context, targets
    from training.probe.train import load_candidates, load_preset

    started = time.perf_counter()
    probe = probe or DEFAULT_PROBE_DIR
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
        best = (
            next((c for c in candidates if c.name == shipped.config.name), candidates[-1])
            if shipped
            else (candidates[-1])
        )
        evaluate_wild(shipped, earlier, later, paper, best, results)
    figures = save_figures(results, docs / "figures")
    prose = context(plan, miap, earlier, later, probe) | {"targets": targets(results)}
    from training.wild.ship import keep_pr_section

    text = keep_pr_section(docs / "evaluation.md", render(results, prose, figures))
    (docs / "evaluation.md").write_text(text)
    click.echo(f"wrote {docs / 'evaluation.md'} in {time.perf_counter() - started:.0f} s")
    for title, rows in results.rows.items():
        click.echo(title)
        for r in rows:
            if r.method in {"paper probe", "selected probe"} and r.scaling.value == "Platt":
                click.echo(
                    f"  {r.method:15s} {r.population:58s} AUC {r.auc_interval.point:.3f}  "
                    f"BSS {r.summary.bss:.3f}  ECE {r.summary.ece_width:.3f}"
                )
    for name, _where, s in results.wild:
        if "PR calibration" in name and "hunks" not in name:
            click.echo(f"  wild {name}: AUC {s.auc:.3f}  BSS {s.bss:.3f}  ECE {s.ece_width:.3f}")
    for name, replayed in results.replays:
        click.echo(
            f"  replay {name}: hit rate {replayed.hit_rate:.3f} "
            f"vs base rate {replayed.base_rate:.3f}, {replayed.comments_per_commit:.2f} comments/commit, "
            f"gate failures {replayed.gate_failure_rate:.3f}"
        )


@click.command("mine")
@click.argument("repository", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Rows go here (.jsonl.gz); an existing file is resumed, not overwritten.",
)
@click.option("--days", default=WINDOW_DAYS, show_default=True, help="Window of later history per AI commit.")
@click.option(
    "--ext",
    "extensions",
    multiple=True,
    default=(".py",),
    show_default=True,
    help="File name endings to label (repeatable).",
)
@click.option(
    "--pattern", "patterns", multiple=True, help="Extra AI-detection regex (as ai.patterns in config)."
)
def mine_command(
    repository: Path, out: Path, days: int, extensions: tuple[str, ...], patterns: tuple[str, ...]
) -> None:
    """Label which lines AI-authored commits of REPOSITORY added and whether later commits edited them."""
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from scoring.attribution import Rules
    from training.wild.mining import done_rows, mine

    done = done_rows(out)
    rows = edited = lines = 0
    with (
        Progress(SpinnerColumn(), TextColumn("{task.description}")) as progress,
        gzip.open(out, "at", encoding="utf-8") as handle,
    ):
        task = progress.add_task("mining", total=None)
        for row in mine(repository, Rules(extra_patterns=patterns), days, extensions, done):
            handle.write(json.dumps(row) + "\n")
            rows += 1
            lines += len(cast("list[str]", row["added_lines"]))
            edited += sum(cast("list[int]", row["labels_edited"]))
            progress.update(task, description=f"{rows} files of AI commits, {lines} lines, {edited} edited")
    click.echo(f"{rows} new rows ({len(done)} already there) -> {out}; {lines} added lines, {edited} edited")


@click.command("prior")
@click.argument("repository", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--days", default=WINDOW_DAYS, show_default=True, help="Window of later history per commit.")
@click.option(
    "--pattern", "patterns", multiple=True, help="Extra AI-detection regex (as ai.patterns in config)."
)
def prior_command(repository: Path, days: int, patterns: tuple[str, ...]) -> None:
    """Estimate REPOSITORY's share of AI-written lines that people edit later: the PR model's repo prior.

    Mines the repository's past AI commits (as `redline mine`) and counts lines a person edited within
    --days; with no AI commit, every commit's added lines stand in. Few lines lean on the training rate.
    """
    from scoring.attribution import Rules
    from scoring.pr_model import load_pr_model
    from training.wild.loro import estimate_prior
    from training.wild.mining import mine

    training_rate = load_pr_model().base_rate
    source = "AI commits"
    labels = [
        v
        for row in mine(repository, Rules(extra_patterns=patterns), days)
        for v in cast("list[int]", row["labels_edited_by_human"])
    ]
    if not labels:
        source = "commits (no AI commit found)"
        labels = [
            v
            for row in mine(repository, Rules(extra_patterns=("(?s).",)), days)
            for v in cast("list[int]", row["labels_edited_by_human"])
        ]
    rate = estimate_prior(np.asarray(labels, dtype=float), training_rate)
    click.echo(
        f"{len(labels)} added lines of {source}, {int(sum(labels))} edited by a person within {days} days; "
        f"estimate {rate:.3f} (shrunk toward the training rate {training_rate:.3f})"
    )
    click.echo(f"put in .github/redline.yml:\nmodel:\n  repo_edit_rate: {rate:.3f}")
