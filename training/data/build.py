"""`redline data build`: problems + generations -> sandboxed runs -> minimal patches -> labelled dataset.

Stages: read sources, select programs, record reference outputs (the strong oracle), run every
selected program, repair the failing ones (process pool, both cores), label, split, write the
dataset and its card. Every sandbox run is cached and every finished repair is appended to
`repairs.jsonl`, so an interrupted build resumes where it stopped.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import platformdirs
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from scoring.errors import SandboxError
from training.data import sources
from training.data.card import make_card
from training.data.dataset import (
    PENDING,
    ProgramRow,
    assign_folds,
    generator_family,
    program_id,
    write_dataset,
)
from training.data.generations import Generation, Role, deduplicate, load_generations, read_generations
from training.data.labels import (
    copied_from_prompt,
    generated_lines,
    line_labels,
    lines_to_intervals,
    patch_line_labels,
    patch_regions,
    unreachable_lines,
)
from training.data.minimize import Budget, Edit, EditKind, apply_edits, split_lines
from training.data.problems import Benchmark, Problem, load_problems
from training.data.repairs import Candidate, RepairMethod, RepairReport, find_repair
from training.data.sandbox import Limits, Oracle, RunResult, Sandbox

REPAIRS_FILE = "repairs.jsonl"
DEGENERATE_SHARE = 0.5  # degenerate: more than this share and more than one generated line edited
MAX_INPUT_CHARS = 20_000  # larger HumanEval+/MBPP+ inputs (stress tests) are left out of the oracle


@dataclass(frozen=True, slots=True)
class BuildConfig:
    """Everything a build depends on; saved into the card."""

    name: str = "miap"
    out: Path | None = None
    benchmarks: tuple[Benchmark, ...] = (Benchmark.HUMANEVAL, Benchmark.MBPP)
    problem_ids: tuple[str, ...] = ()  # restrict to these problems (tests, quick looks)
    strong_oracle_only: bool = False  # keep only problems with HumanEval+/MBPP+ inputs
    max_programs_per_task: int | None = None
    max_inputs: int = 200  # HumanEval+/MBPP+ inputs per problem compared against the reference
    checks_per_program: int = 60  # oracle runs a failing program's repair may spend
    seconds_per_program: float = 60.0
    repair_minutes: float | None = (
        None  # stop starting repairs after this; the rest stay "pending" until a re-run
    )
    wall_s: float = 10.0
    repair_wall_s: float = 2.0  # candidates that loop (common among mutations and ddmin subsets) fail fast
    verify_pool: bool = True  # run every pool program of problems with failures once, before repairing
    workers: int = 2
    seed: int = 0
    data_root: Path | None = None
    cache_dir: Path | None = None  # holds the sandbox's result cache (default: the user cache dir)
    extra_generations: tuple[Path, ...] = ()  # JSONL files in the generation schema (`redline data generate`)

    @property
    def directory(self) -> Path:
        return self.out or Path(platformdirs.user_cache_dir("redline")) / "datasets" / self.name

    @property
    def sandbox_cache(self) -> Path:
        return (self.cache_dir or Path(platformdirs.user_cache_dir("redline"))) / "sandbox" / "runs.sqlite"


@dataclass
class _Problem:
    problem: Problem
    oracle: Oracle
    selected: list[Generation] = field(default_factory=list)
    pool: list[Candidate] = field(default_factory=list)


def build(config: BuildConfig, echo: Callable[[str], None] = print) -> Path:
    started = time.monotonic()
    directory = config.directory
    directory.mkdir(parents=True, exist_ok=True)
    sandbox = _sandbox(config)
    problems = load_problems(config.benchmarks, config.data_root)
    if config.problem_ids:
        problems = {pid: p for pid, p in problems.items() if pid in set(config.problem_ids)}
    if config.strong_oracle_only:
        problems = {pid: p for pid, p in problems.items() if p.inputs_json}
    extra = [
        g for path in config.extra_generations for g in read_generations(path) if g.problem_id in problems
    ]
    generations = deduplicate([*extra, *load_generations(problems, config.data_root)])
    tasks, excluded = _prepare(config, problems, generations, sandbox, {g.code for g in extra})
    echo(
        f"{sum(len(t.selected) for t in tasks.values())} programs on {len(tasks)} problems "
        f"({len(generations)} unique generations read; {len(excluded)} problems excluded)"
    )
    results = _run_programs(config, tasks, sandbox)
    sandbox.close()
    failing = sum(not r.passed for r in results.values())
    echo(
        f"ran {len(results)} programs: {failing} fail the oracle ({time.monotonic() - started:.0f} s so far)"
    )
    reports = _repair_failing(config, tasks, results, directory / REPAIRS_FILE)
    echo(f"repairs done ({time.monotonic() - started:.0f} s so far)")
    folds = assign_folds(tasks)
    rows = [
        _row(
            task,
            generation,
            results[generation.code, task.problem.id],
            reports.get(_key(task, generation)),
            folds[task.problem.id],
            task.oracle.name,
        )
        for task in tasks.values()
        for generation in task.selected
    ]
    seconds = time.monotonic() - started
    described = asdict(config) | {
        "out": str(directory),
        "data_root": str(config.data_root or ""),
        "cache_dir": str(config.cache_dir or ""),
        "extra_generations": [str(p) for p in config.extra_generations],
    }
    card = make_card(rows, described, excluded, seconds)
    write_dataset(directory, rows, card)
    echo(f"wrote {len(rows)} programs to {directory} in {seconds / 60:.1f} min")
    return directory


def _sandbox(config: BuildConfig) -> Sandbox:
    deny = (str(sources.data_dir() if config.data_root is None else config.data_root), str(config.directory))
    return Sandbox(config.sandbox_cache, Limits(wall_s=config.wall_s, cpu_s=int(config.wall_s)), deny)


def _prepare(
    config: BuildConfig,
    problems: dict[str, Problem],
    generations: Sequence[Generation],
    sandbox: Sandbox,
    forced: set[str],
) -> tuple[dict[str, _Problem], dict[str, str]]:
    """Select the programs to label (always those from extra generation files) and build each
    problem's oracle and repair pool."""
    by_problem: dict[str, list[Generation]] = defaultdict(list)
    for generation in generations:
        by_problem[generation.problem_id].append(generation)
    wanted = {
        pid: [g for g in gens if g.code in forced and g.role is Role.FINAL]
        + _select([g for g in gens if g.code not in forced], config.max_programs_per_task, config.seed)
        for pid, gens in by_problem.items()
    }
    wanted = {pid: chosen for pid, chosen in wanted.items() if chosen}
    tasks: dict[str, _Problem] = {}
    excluded: dict[str, str] = {}
    with _progress() as progress, ThreadPoolExecutor(config.workers) as pool:
        bar = progress.add_task("reference outputs", total=len(wanted))
        futures = {
            pool.submit(_oracle, problems[pid], sandbox, config.max_inputs): pid for pid in sorted(wanted)
        }
        for future in as_completed(futures):
            pid = futures[future]
            progress.advance(bar)
            try:
                oracle = future.result()
            except SandboxError as error:
                excluded[pid] = str(error)
                continue
            problem = problems[pid]
            # APPS-150 has no reference: its pool is the passing generations only
            reference = [Candidate(problem.reference, "reference")] if problem.reference else []
            pool_codes = reference + [
                Candidate(g.code, f"{g.generator} ({g.source})") for g in by_problem[pid]
            ]
            tasks[pid] = _Problem(problem, oracle, wanted[pid], pool_codes)
    return dict(sorted(tasks.items())), excluded


def _select(generations: Sequence[Generation], limit: int | None, seed: int) -> list[Generation]:
    """Final programs to label: all, or `limit` of them dealt round-robin across generators (seeded)."""
    finals = sorted(
        (g for g in generations if g.role is Role.FINAL), key=lambda g: (g.generator, g.source, g.code)
    )
    if limit is None or len(finals) <= limit:
        return finals
    by_generator: dict[str, list[Generation]] = defaultdict(list)
    for generation in finals:
        by_generator[generation.generator].append(generation)
    rng = random.Random(f"{seed}:{finals[0].problem_id}")
    queues = [rng.sample(group, len(group)) for _, group in sorted(by_generator.items())]
    rng.shuffle(queues)
    chosen: list[Generation] = []
    while len(chosen) < limit:
        for queue in queues:
            if queue and len(chosen) < limit:
                chosen.append(queue.pop())
    return chosen


def _oracle(problem: Problem, sandbox: Sandbox, max_inputs: int) -> Oracle:
    """The strongest oracle for a problem; raises SandboxError if the reference fails it."""
    base = Oracle("base", problem.entry_point, problem.test_code, compare=problem.compare)
    oracle = base
    if problem.inputs_json:
        small = [i for i in json.loads(problem.inputs_json) if len(json.dumps(i)) <= MAX_INPUT_CHARS]
        inputs = json.dumps(small[:max_inputs])
        recording = sandbox.record(problem.reference, problem.entry_point, inputs)
        oracle = Oracle(
            "plus",
            problem.entry_point,
            problem.test_code,
            inputs,
            recording.expected,
            problem.atol,
            problem.compare,
        )
    if not problem.reference:  # APPS: the tests carry their expected outputs
        return oracle
    result = sandbox.check(problem.reference, oracle)
    if not result.passed:
        raise SandboxError(
            f"the reference of {problem.id} fails its own tests: {result.outcome} {result.detail}"
        )
    return oracle


def _run_programs(
    config: BuildConfig, tasks: dict[str, _Problem], sandbox: Sandbox
) -> dict[tuple[str, str], RunResult]:
    jobs = [(g.code, task) for task in tasks.values() for g in task.selected]
    results: dict[tuple[str, str], RunResult] = {}
    with _progress() as progress, ThreadPoolExecutor(config.workers) as pool:
        bar = progress.add_task("running programs", total=len(jobs))
        futures = {
            pool.submit(sandbox.check, code, task.oracle): (code, task.problem.id) for code, task in jobs
        }
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            progress.advance(bar)
    return results


def _key(task: _Problem, generation: Generation) -> str:
    return program_id(task.problem.id, generation.code)


def _repair_failing(
    config: BuildConfig,
    tasks: dict[str, _Problem],
    results: dict[tuple[str, str], RunResult],
    progress_file: Path,
) -> dict[str, RepairReport]:
    done = _load_reports(progress_file)
    passing: dict[str, set[str]] = defaultdict(set)
    for (code, pid), result in results.items():
        if result.passed:
            passing[pid].add(code)
    for task in tasks.values():
        if task.problem.reference:
            passing[task.problem.id].add(task.problem.reference)
    pending = {
        task.problem.id: [
            g
            for g in task.selected
            if not results[g.code, task.problem.id].passed and _key(task, g) not in done
        ]
        for task in tasks.values()
    }
    verified = (
        _verify_pool(config, [tasks[pid] for pid, gens in pending.items() if gens])
        if config.verify_pool
        else {}
    )
    for pid, (_, passed) in verified.items():
        passing[pid] |= passed
    jobs = {
        _key(tasks[pid], g): (
            g.code,
            tasks[pid].pool,
            sorted(passing[pid]),
            tasks[pid].oracle,
            sorted(verified.get(pid, ((), ()))[0]),
        )
        for pid, gens in pending.items()
        for g in gens
    }
    context = multiprocessing.get_context("spawn")
    with (
        _progress() as progress,
        ProcessPoolExecutor(config.workers, mp_context=context) as pool,
        progress_file.open("a", encoding="utf-8") as log,
    ):
        bar = progress.add_task(
            "repairing failing programs", total=len(jobs) + len(done), completed=len(done)
        )
        sandbox = _repair_sandbox(config)
        where = (sandbox.cache_path, sandbox.limits, sandbox.deny)
        budget = (config.checks_per_program, config.seconds_per_program)
        futures = {pool.submit(_repair_job, where, *job, budget): key for key, job in jobs.items()}
        timeout = None if config.repair_minutes is None else config.repair_minutes * 60
        try:
            for future in as_completed(futures, timeout=timeout):
                report = future.result()
                done[futures[future]] = report
                log.write(json.dumps({"id": futures[future], **_report_json(report)}) + "\n")
                log.flush()
                progress.advance(bar)
        except TimeoutError:
            for future in futures:
                future.cancel()  # running repairs finish; queued ones wait for the next run
    return done


_WORKER_SANDBOXES: dict[tuple, Sandbox] = {}  # one per worker process, so its sandbox server stays warm


def _verify_pool(config: BuildConfig, tasks: list[_Problem]) -> dict[str, tuple[set[str], set[str]]]:
    """Run every pool program of these problems once (repair limits): problem -> (verified, passing)."""
    sandbox = _repair_sandbox(config)
    jobs = [
        (task.problem.id, code, task.oracle) for task in tasks for code in sorted({c.code for c in task.pool})
    ]
    found: dict[str, tuple[set[str], set[str]]] = {task.problem.id: (set(), set()) for task in tasks}
    with _progress() as progress, ThreadPoolExecutor(config.workers) as pool:
        bar = progress.add_task("verifying the repair pool", total=len(jobs))
        futures = {pool.submit(sandbox.check, code, oracle): (pid, code) for pid, code, oracle in jobs}
        for future in as_completed(futures):
            pid, code = futures[future]
            found[pid][0].add(code)
            if future.result().passed:
                found[pid][1].add(code)
            progress.advance(bar)
    sandbox.close()
    return found


def _repair_sandbox(config: BuildConfig) -> Sandbox:
    base = _sandbox(config)
    limits = Limits(wall_s=config.repair_wall_s, cpu_s=max(1, int(config.repair_wall_s)))
    return Sandbox(base.cache_path, limits, base.deny)


def _repair_job(
    where: tuple[Path, Limits, tuple[str, ...]],
    code: str,
    pool: list[Candidate],
    passing: list[str],
    oracle: Oracle,
    verified: list[str],
    budget: tuple[int, float],
) -> RepairReport:
    if where not in _WORKER_SANDBOXES:
        _WORKER_SANDBOXES[where] = Sandbox(*where)
    sandbox = _WORKER_SANDBOXES[where]

    def passes(candidate: str) -> bool:
        try:  # compiling runs nothing: syntax errors never reach the sandbox
            compile(candidate, "<candidate>", "exec")
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return False
        return sandbox.check(candidate, oracle).passed

    return find_repair(code, pool, set(passing), passes, Budget(*budget), frozenset(verified))


def _report_json(report: RepairReport) -> dict:
    return {
        "method": str(report.method),
        "best": [asdict(e) for e in report.best],
        "paper": [asdict(e) for e in report.paper],
        "closest_origin": report.closest_origin,
        "checks": report.checks,
    }


def _load_reports(path: Path) -> dict[str, RepairReport]:
    if not path.is_file():
        return {}
    reports = {}
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by an interruption: that program is repaired again
        edits = {
            name: tuple(Edit(e["at"], e["order"], EditKind(e["kind"]), e["text"]) for e in data[name])
            for name in ("best", "paper")
        }
        reports[data["id"]] = RepairReport(
            RepairMethod(data["method"]),
            edits["best"],
            edits["paper"],
            data["closest_origin"],
            data["checks"],
        )
    return reports


def _row(
    task: _Problem,
    generation: Generation,
    result: RunResult,
    report: RepairReport | None,
    fold: int,
    oracle: str,
) -> ProgramRow:
    code, problem = generation.code, task.problem
    n_lines = len(split_lines(code))
    copied = copied_from_prompt(code, [problem.prompt, generation.prompt])
    intervals: list[tuple[int, int]] = []
    points: list[int] = []
    dead: list[int] = []
    labels = [0] * n_lines
    fix = report if report is not None and report.found else None
    repaired = fix is not None
    if fix is not None:
        intervals, points = patch_regions(code, fix.best)
        dead = unreachable_lines(code, fix.best)
        intervals = sorted(set(intervals) | set(lines_to_intervals(code, dead)))
        labels = line_labels(code, intervals, points, dead)
    generated = generated_lines(code, copied)
    paper_labels = patch_line_labels(code, fix.paper) if fix is not None else labels
    share = _share(labels, generated)
    return ProgramRow(
        id=program_id(problem.id, code),
        problem_id=problem.id,
        benchmark=str(problem.benchmark),
        generator=generation.generator,
        generator_family=generator_family(generation.generator),
        source=generation.source,
        method=generation.method,
        intent=problem.intent,
        code=code,
        passes=result.passed,
        passes_base=result.passed or result.stage == "plus",
        claimed_pass=generation.claimed_pass,
        oracle=oracle,
        outcome=str(result.outcome),
        fold=fold,
        line_labels=labels,
        copied_from_prompt=copied,
        edited_intervals=[list(i) for i in intervals],
        insert_points=points,
        dead_lines=dead,
        repair_method=str(report.method) if report else ("" if result.passed else PENDING),
        patch_lines=len(fix.best) if fix is not None else 0,
        paper_patch_lines=len(fix.paper) if fix is not None else 0,
        repair_source=report.closest_origin if report else "",
        edited_share=share,
        paper_edited_share=_share(paper_labels, generated),
        patched_code=apply_edits(code, fix.best) if fix is not None else "",
        degenerate=repaired and share > DEGENERATE_SHARE and sum(labels[i] for i in generated) > 1,
        labelled=result.passed or repaired,
    )


def _share(labels: list[int], generated: list[int]) -> float:
    return round(sum(labels[i] for i in generated) / len(generated), 4) if generated else 0.0


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
