"""Does the supervisor add anything to the model-free PR features on repositories it never saw?

A seeded sample of whole commits per repository (the same lines for every method) is read through the
wild reader; the supervisor (SmolLM2 + the shipped MIAP probe) scores every added line of it through the
hidden-state cache, and its per-line surprisal, entropy and zero-shot probe logit are mapped onto the
`LineTable` rows of the same lines. Leave-one-repository-out on those lines, on identical folds: the
model-free baseline and the PR features trained on the full other repositories, the supervisor signals
alone (no training), and a logistic regression on PR features + supervisor signals against the same
regression on PR features alone, both trained on the sampled lines of the other repositories, so their
difference is what the supervisor adds. Plus what each costs per 1,000 added lines.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from scoring.card import ProbeConfig
from scoring.diff import parse
from scoring.errors import DataSourceError
from scoring.metrics import auc
from scoring.pr_features import ChangeSize, feature_names, file_features
from scoring.probe.cache import HiddenStateCache
from scoring.probe.span_probe import SpanProbe
from scoring.probe.supervisor import Supervisor
from training.probe.features import ALL_EXTRAS, default_cache, encode, features, from_wild, line_baselines
from training.probe.train import FeatureTable, predict, single_thread
from training.wild.loro import LABELS
from training.wild.pr_train import BASELINE, CANDIDATES, fit, fitting_sample, logits
from training.wild.reader import examples_from_row, history_file, read_rows, wild_files
from training.wild.table import ALL_FAMILIES, LineTable, _history

DEFAULT_COMMITS = 5
PR_SET = "line + diff + change + history"
SIGNALS = ("surprisal", "entropy", "probe_logit")
METHODS = {
    "a": "model-free baseline (full repos)",
    "b": f"PR features: {PR_SET} (full repos)",
    "c": "supervisor surprisal alone",
    "d": "supervisor entropy alone",
    "e": "MIAP probe zero-shot",
    "f": "PR features + supervisor (sampled lines)",
    "g": "PR features alone (sampled lines)",
}


# ----------------------------------------------------------------------------- the sample
@dataclass(frozen=True)
class SampledRow:
    """One row (an AI commit x one file) of the sample and where its lines sit in the `LineTable`.

    offset: the table index of the row's first line; the table holds a row's lines in ascending line
    number, so line `sorted(added)[k]` is table row `offset + k`.
    """

    file: Path
    number: int  # 1-based row number in its file
    offset: int
    row: dict[str, Any]
    history: dict[str, Any] | None

    @property
    def repo(self) -> str:
        return str(self.row["repo"])

    @property
    def sha(self) -> str:
        return str(self.row["sha"])

    @property
    def added(self) -> list[int]:
        return sorted(int(n) for n in self.row["added_lines"])

    @property
    def index(self) -> np.ndarray:
        return self.offset + np.arange(len(self.row["added_lines"]))


def _rows_with_history(path: Path) -> Any:
    sidecar = history_file(path)
    histories = read_rows(sidecar) if sidecar.is_file() else None
    for row in read_rows(path):
        yield row, (next(histories, None) if histories is not None else None)


def sample_commits(directory: Path | None, commits: int, seed: int = 0) -> list[SampledRow]:
    """Every row of `commits` commits per repository, drawn uniformly with a seeded shuffle.

    Whole commits, so a held-out repository is scored as its PRs would be; the draw per repository is a
    prefix of one shuffle of its sorted commits, so a smaller sample is part of a larger one (and of its
    cached supervisor outputs). Two passes over the files: the first only learns each repository's commits.
    """
    files = wild_files(directory)
    shas: dict[str, set[str]] = {}
    for path in files:
        for row in read_rows(path):
            shas.setdefault(str(row.get("repo")), set()).add(str(row.get("sha")))
    chosen: set[tuple[str, str]] = set()
    for repo, found in shas.items():
        ordered = sorted(found)
        random.Random(f"{seed}:{repo}").shuffle(ordered)
        chosen |= {(repo, sha) for sha in ordered[:commits]}
    sample, offset = [], 0
    for path in files:
        for number, (row, record) in enumerate(_rows_with_history(path), start=1):
            if (str(row.get("repo")), str(row.get("sha"))) in chosen:
                sample.append(SampledRow(path, number, offset, row, record))
            offset += len(row.get("added_lines") or [])
    return sample


def check_alignment(sample: Sequence[SampledRow], table: LineTable) -> None:
    """The sample's lines are the table's rows of its commit with the same labels; else the mapping is off."""
    for s in sample:
        index = s.index
        if index.size and index[-1] >= len(table):
            raise DataSourceError(f"{s.file}:{s.number}: past the end of the line table (another directory?)")
        order = np.argsort([int(n) for n in s.row["added_lines"]], kind="stable")
        human = np.asarray(s.row["labels_edited_by_human"], dtype=np.int8)[order]
        edited = np.asarray(s.row["labels_edited"], dtype=np.int8)[order]
        if (
            set(table.commit[index].tolist()) - {s.sha}
            or not np.array_equal(table.edited_by_human[index], human)
            or not np.array_equal(table.edited[index], edited)
        ):
            raise DataSourceError(f"{s.file}:{s.number}: the line table does not hold this row's lines there")


# ----------------------------------------------------------------------------- the supervisor pass
class CountingCache(HiddenStateCache):
    """The hidden-state cache, counting reads that hit and miss: how cold the timed pass was."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> np.ndarray | None:
        value = super().get(key)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value


@dataclass(frozen=True)
class SupervisorValues:
    """Supervisor signals per sampled line, aligned with `index` (table rows); the pass's cost."""

    index: np.ndarray
    values: dict[str, np.ndarray]
    tokens: int
    seconds: float
    cache_hits: int
    cache_misses: int

    @property
    def cold_share(self) -> float:
        reads = self.cache_hits + self.cache_misses
        return self.cache_misses / reads if reads else float("nan")


def supervisor_values(
    sample: Sequence[SampledRow],
    supervisor: Supervisor,
    probe: SpanProbe,
    cache_dir: Path | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> SupervisorValues:
    """Mean surprisal, mean entropy (as `line_baselines` gives them) and the probe's zero-shot logit per line.

    Repository by repository (one progress bar each, so no more than one repository's hidden states are
    held at once); every window goes through the hidden-state cache, so an interrupted run resumes.
    """
    cache = CountingCache(cache_dir or default_cache().directory)
    probe = probe.eval()
    repos = sorted({s.repo for s in sample})
    index, parts, tokens = [], {n: [] for n in SIGNALS}, 0  # type: ignore[var-annotated]
    started = time.perf_counter()
    for k, repo in enumerate(repos, start=1):
        if progress:
            progress(k, len(repos), repo)
        rows = [s for s in sample if s.repo == repo]
        # One features() call per repository: its rows' windows in one batch plan, one bar.
        merged = _repo_values(rows, supervisor, probe, cache, f"{k}/{len(repos)} {repo}")
        for s, (values, n_tokens) in zip(rows, merged, strict=True):
            index.append(s.index)
            for name in SIGNALS:
                parts[name].append(values[name])
            tokens += n_tokens
    seconds = time.perf_counter() - started
    return SupervisorValues(
        np.concatenate(index) if index else np.zeros(0, dtype=np.int64),
        {n: np.concatenate(v) if v else np.zeros(0) for n, v in parts.items()},
        tokens,
        seconds,
        cache.hits,
        cache.misses,
    )


def _repo_values(
    rows: Sequence[SampledRow], supervisor: Supervisor, probe: SpanProbe, cache: HiddenStateCache, label: str
) -> list[tuple[dict[str, np.ndarray], int]]:
    """Per row: its signals on its added lines in ascending order, and the tokens read. One extraction call
    for all the rows, so the supervisor's batches fill across them."""
    examples = [examples_from_row(s.row) for s in rows]
    flat = [ex for group in examples for ex in group]
    encoded = [encode(supervisor.tokenizer, from_wild(ex)) for ex in flat]
    config = ProbeConfig(layers=probe.config.layers, extra_features=ALL_EXTRAS)
    arrays, _ = features(supervisor, encoded, config, cache, label=label)
    width = len(config.layers) * supervisor.hidden_size
    table = FeatureTable(arrays, config.layers, supervisor.hidden_size, ALL_EXTRAS)
    out, position = [], 0
    inputs = table.select(probe.config, range(len(encoded)))
    for s, group in zip(rows, examples, strict=True):
        by_line: dict[int, tuple[float, float, float]] = {}
        n_tokens = 0
        for example in group:
            enc, array, x = encoded[position], arrays[position], inputs[position]
            position += 1
            n_tokens += enc.tokens.n_tokens
            stats = {n: array[:, width + ALL_EXTRAS.index(n)] for n in ("surprisal", "entropy")}
            base = line_baselines(enc, stats)
            with single_thread():
                logits = predict(probe, x, enc).lines
            for k, line in enumerate(example.added):  # window line -> file line
                by_line[example.first_line + line - 1] = (
                    base["mean_logprob"][k],
                    base["entropy"][k],
                    logits[k],
                )
        missing = [n for n in s.added if n not in by_line]
        if missing:
            raise DataSourceError(f"{s.file}:{s.number}: no supervisor value for added lines {missing[:5]}")
        values = np.array([by_line[n] for n in s.added], dtype=np.float64).reshape(len(s.added), len(SIGNALS))
        out.append(({name: values[:, k] for k, name in enumerate(SIGNALS)}, n_tokens))
    return out


# ----------------------------------------------------------------------------- cost of the PR features
def pr_feature_seconds(sample: Sequence[SampledRow]) -> float:
    """Wall time of the PR features of every sampled row, diff parsing included, all families.

    The history family reads the sidecar's precomputed values; the git walk that produces them at review
    time (bot/history.py) is not in this figure.
    """
    change_files: dict[str, int] = {}
    change_lines: dict[str, int] = {}
    for s in sample:
        change_files[s.sha] = change_files.get(s.sha, 0) + 1
        change_lines[s.sha] = change_lines.get(s.sha, 0) + len(s.added)
    started = time.perf_counter()
    for s in sample:
        diff = next(d for d in parse(str(s.row["hunks"])) if d.hunks)
        history = _history(s.history, s.row, f"{s.file}:{s.number}") if s.history is not None else None
        file_features(
            diff,
            str(s.row["after_content"]).splitlines(),
            ChangeSize(change_files[s.sha], change_lines[s.sha]),
            history,
            ALL_FAMILIES,
        )
    return time.perf_counter() - started


# ----------------------------------------------------------------------------- leave one repository out
@dataclass
class SupervisorResult:
    """Held-out AUC per label, method letter (METHODS) and repository; the sample and the costs."""

    commits_per_repo: int
    commits: int
    rows: int
    lines: int
    auc: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    cost: dict[str, float | str] = field(default_factory=dict)
    methods: dict[str, str] = field(default_factory=lambda: dict(METHODS))

    def mean(self, label: str, method: str) -> float:
        finite = [v for v in self.auc[label][method].values() if np.isfinite(v)]
        return float(np.mean(finite)) if finite else float("nan")

    def wins(self, label: str, better: str = "f", than: str = "g") -> tuple[int, int]:
        """Repositories where `better` beats `than`, of those where both have an AUC."""
        pairs = [
            (v, self.auc[label][than][r])
            for r, v in self.auc[label][better].items()
            if np.isfinite(v) and np.isfinite(self.auc[label][than][r])
        ]
        return sum(a > b for a, b in pairs), len(pairs)

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["means"] = {label: {m: self.mean(label, m) for m in self.methods} for label in self.auc}
        data["f_beats_g"] = {label: list(self.wins(label)) for label in self.auc}
        return data


def with_signals(table: LineTable, values: SupervisorValues) -> LineTable:
    """The sampled lines of `table` (table order) with the supervisor signals as extra feature columns."""
    columns = np.full((len(table), len(SIGNALS)), np.nan)
    for k, name in enumerate(SIGNALS):
        columns[values.index, k] = values.values[name]
    keep = np.zeros(len(table), dtype=bool)
    keep[values.index] = True
    sampled = table.subset(keep)
    return replace(
        sampled, names=(*table.names, *SIGNALS), features=np.hstack([sampled.features, columns[keep]])
    )


def evaluate(
    table: LineTable,
    values: SupervisorValues,
    labels: Sequence[str] = LABELS,
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict[str, dict[str, float]]]:
    """AUC per label, method and held-out repository; every method is judged on the same sampled lines.

    Nothing is chosen on the held-out repository: the feature sets are fixed in advance, the supervisor
    signals are read in their fixed direction (higher = more surprising = more likely edited), and every
    regression is fitted on the other repositories only.
    """
    sampled = with_signals(table, values)
    pr_names = feature_names(CANDIDATES[PR_SET])
    out: dict[str, dict[str, dict[str, float]]] = {label: {m: {} for m in METHODS} for label in labels}
    for repo in sampled.repos:
        if progress:
            progress(repo)
        full_train = fitting_sample(table.subset(table.repo != repo))
        test, train = sampled.subset(sampled.repo == repo), sampled.subset(sampled.repo != repo)
        for label in labels:
            y = test.label(label).astype(float)
            scores = {
                "a": logits(fit(full_train, BASELINE, label), test),
                "b": logits(fit(full_train, pr_names, label), test),
                "c": test.columns(("surprisal",))[:, 0],
                "d": test.columns(("entropy",))[:, 0],
                "e": test.columns(("probe_logit",))[:, 0],
                "f": logits(fit(train, (*pr_names, *SIGNALS), label), test),
                "g": logits(fit(train, pr_names, label), test),
            }
            for method, score in scores.items():
                out[label][method][repo] = float(auc(score, y))
    return out


def fill_missing(values: SupervisorValues) -> dict[str, int]:
    """A line no token of which the probe reads has no logit: it gets the sample's median (no label is read).
    Returns how many lines each signal had filled, for the record."""
    filled = {}
    for name, v in values.values.items():
        bad = ~np.isfinite(v)
        filled[name] = int(bad.sum())
        if bad.any():
            v[bad] = np.median(v[~bad]) if (~bad).any() else 0.0
    return filled


def run(
    table: LineTable,
    sample: Sequence[SampledRow],
    supervisor: Supervisor,
    probe: SpanProbe,
    commits: int,
    cache_dir: Path | None = None,
    load: str = "",
    progress: Callable[[str], None] | None = None,
) -> tuple[SupervisorResult, SupervisorValues]:
    """The whole measurement on a drawn sample: supervisor pass, PR feature cost, LORO."""
    check_alignment(sample, table)
    lines = sum(len(s.added) for s in sample)
    pr_seconds = pr_feature_seconds(sample)
    say = progress or (lambda message: None)
    values = supervisor_values(
        sample, supervisor, probe, cache_dir, lambda k, n, repo: say(f"supervisor {k}/{n}: {repo}")
    )
    filled = fill_missing(values)
    result = SupervisorResult(commits, len({(s.repo, s.sha) for s in sample}), len(sample), lines)
    result.auc = evaluate(table, values, progress=lambda repo: say(f"held out: {repo}"))
    result.cost = {
        "pr_features_ms_per_1000_lines": 1e6 * pr_seconds / max(lines, 1),
        "supervisor_ms_per_1000_lines": 1e6 * values.seconds / max(lines, 1),
        "supervisor_seconds": values.seconds,
        "supervisor_tokens": values.tokens,
        "supervisor_cold_share": values.cold_share,
        "load": load,
        **{f"filled_{name}": n for name, n in filled.items()},
    }
    return result, values


# ----------------------------------------------------------------------------- the section
def _fmt(value: float) -> str:
    return f"{value:.3f}" if np.isfinite(value) else "n/a"


def verdict(result: SupervisorResult, label: str = LABELS[0]) -> str:
    """One sentence from the numbers: what the supervisor signals add to the PR features, and at what cost."""
    delta = result.mean(label, "f") - result.mean(label, "g")
    won, of = result.wins(label)
    adds = np.isfinite(delta) and delta > 0 and won > of / 2
    ratio = float(result.cost.get("supervisor_ms_per_1000_lines", np.nan)) / max(
        float(result.cost.get("pr_features_ms_per_1000_lines", np.nan)), 1e-9
    )
    head = "The supervisor " + ("adds" if adds else "does not add") + " to the PR features"
    return (
        f"{head}: {delta:+.3f} mean AUC on `{label}` leave-one-repository-out (PR features + "
        f"supervisor vs PR features alone, same lines), better on {won} of {of} held-out repositories, "
        "at "
        f"{ratio:,.0f}× the PR features' cost per line."
    )


def supervisor_section(result: SupervisorResult) -> str:
    labels = list(result.auc)
    lines = [
        "### Does the supervisor add to the PR features?",
        "",
        (
            f"Leave-one-repository-out on a seeded sample of {result.commits_per_repo} whole commits per "
            f"repository ({result.commits} commits, {result.rows} files, {result.lines:,} added lines; the "
            "same lines for every method). (a) and (b) are trained on all lines of the other repositories, "
            "(f) and (g) on the sampled lines of the other repositories; (c)–(e) are not trained. Mean AUC "
            "over held-out repositories:"
        ),
        "",
        "| method | " + " | ".join(f"`{label}`" for label in labels) + " |",
        "|---|" + "---:|" * len(labels),
    ]
    for method, name in result.methods.items():
        means = " | ".join(_fmt(result.mean(label, method)) for label in labels)
        lines.append(f"| ({method}) {name} | {means} |")
    wins = " | ".join("{} of {}".format(*result.wins(lb)) for lb in labels)
    lines += [f"| repositories where (f) beats (g) | {wins} |", ""]
    cost = result.cost
    lines += [
        f"Cost per 1,000 added lines: PR features {float(cost['pr_features_ms_per_1000_lines']):,.1f} ms; "
        f"supervisor pass (SmolLM2 layers + statistics + probe, CPU) "
        f"{float(cost['supervisor_ms_per_1000_lines']):,.0f} ms, measured with "
        f"{100 * float(cost['supervisor_cold_share']):.0f} % of cache reads cold"
        + (f", machine load {cost['load']}" if cost.get("load") else "")
        + ".",
        "",
        verdict(result),
        "",
        (
            f"Reproduce: `python benchmarks/wild_supervisor.py --commits {result.commits_per_repo}` (figures "
            "on a few commits per repository are noisy; the same commit sample serves every row)."
        ),
        "",
    ]
    return "\n".join(lines)
