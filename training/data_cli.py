"""`redline data sources | build | generate | fix`: option parsing only; the work is in training/*."""

from __future__ import annotations

from pathlib import Path

import click

from training.problems import Benchmark


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


@data.command("sources")
@DATA_DIR_OPTION
@click.option("--all", "show_all", is_flag=True, help="Also list files no reader uses yet.")
def sources_command(data_dir: Path | None, show_all: bool) -> None:
    """List every registered raw file with its status (ok / missing / altered), licence and origin."""
    from training import sources

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


@data.command("build")
@click.option(
    "--name", default="miap", show_default=True, help="Dataset name (its directory under the cache)."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output directory (default: <user cache>/redline/datasets/<name>).",
)
@click.option("--benchmarks", default=",".join(Benchmark), show_default=True, help="Comma-separated benchmarks.")
@click.option(
    "--problems", default="", help="Comma-separated problem ids to restrict to, e.g. humaneval/0,mbpp/2."
)
@click.option(
    "--max-programs-per-task",
    type=int,
    help="Label at most N programs per problem (round-robin over generators).",
)
@click.option("--strong-oracle-only", is_flag=True,
              help="Only problems with extra oracle inputs (HumanEval+/MBPP+); drops ClassEval, APPS, TransCoder.")
@click.option(
    "--max-inputs", default=200, show_default=True,
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
    from training.build_dataset import BuildConfig, build

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
            help="OpenAI-compatible base URL (e.g. http://localhost:8000/v1); without it a local model is used.",
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

    from training.llm import LocalModel, OpenAICompatible

    if not endpoint:
        return LocalModel(model)
    if not model:
        raise click.BadParameter("--model is required with --endpoint", param_hint="--model")
    return OpenAICompatible(endpoint, model, os.environ.get(api_key_env, ""), temperature)


@data.command("generate")
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
    from training.generate import generate
    from training.problems import load_problems

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


@data.command("fix")
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
    from training.dataset import load_dataset
    from training.fix import fix
    from training.problems import load_problems

    rows = [r for r in load_dataset(dataset_dir) if not r.passes][:limit]
    benchmarks = tuple(sorted({Benchmark(r.benchmark) for r in rows}))
    problems = load_problems(benchmarks, data_dir) if rows else {}
    counts = fix(rows, problems, _backend(endpoint, model, api_key_env, temperature), out)
    click.echo(
        f"{counts['written']} fixes written to {out} ({counts['unusable']} replies without a changed "
        f"program, {counts['skipped']} already there)"
    )
