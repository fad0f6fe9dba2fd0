"""Does the supervisor add anything to the model-free PR features on repositories it never saw?

A seeded sample of whole commits per repository (the same lines for every method) is read through the
wild reader; the supervisor (SmolLM2 + the shipped MIAP probe) scores every added line of it through the
hidden-state cache, and its per-line surprisal, entropy and zero-shot probe logit are mapped onto the
`LineTable` rows of the same lines. A span-query probe of the shipped probe's configuration is also trained
on the sampled windows of the training repositories with the target's labels (`wild_probe`).

Repositories are held out in groups (scikit-learn's GroupKFold), every method on the same folds and judged
on the target: the model-free baseline and the shipped model's recipe trained on the full training
repositories, the supervisor signals alone (no training), the wild-trained probe, and a logistic regression
that stacks the shipped recipe's log-odds with every supervisor signal, trained on the sampled lines of the
training repositories where each of its inputs is out of fold. Its gain over the shipped recipe alone is what
the supervisor adds; it comes with a 95 % interval from a bootstrap over commits inside each held-out
repository. Plus what each costs per 1,000 added lines.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from scoring.card import ProbeConfig
from scoring.diff import parse
from scoring.errors import DataSourceError
from scoring.metrics import Interval, auc, paired_auc_difference
from scoring.pr_features import ChangeSize, file_features
from scoring.probe.cache import HiddenStateCache
from scoring.probe.span_probe import SpanProbe
from scoring.probe.supervisor import Supervisor
from training.probe.features import ALL_EXTRAS, default_cache, encode, features, from_wild, line_baselines
from training.probe.train import FeatureTable, TrainConfig, predict, single_thread
from training.probe.wild_probe import INNER_FOLDS, Window, nested_logits
from training.wild.estimator import BalancedLogit
from training.wild.loro import LABELS
from training.wild.pr_train import BASELINE, FEATURE_SETS, families_of, fit, is_pairwise, logits, repo_folds
from training.wild.reader import examples_from_row, history_file, read_rows, wild_files
from training.wild.table import LineTable, _history

DEFAULT_COMMITS = 5
SHIPPED = "baseline features (pairwise)"  # the shipped model's recipe (scoring/probes/pr/pr_model.json)
PR_LOGIT = "pr_logit"
SIGNALS = ("surprisal", "entropy", "probe_logit")
WILD_PROBE = "wild_probe"
# Groups of held-out repositories, each method judged on the same folds; with the wild probe's inner folds
# that is OUTER_FOLDS x (INNER_FOLDS + 1) probe trainings, the measurement's largest cost after the pass.
OUTER_FOLDS = 3
METHODS = {
    "a": "model-free baseline (full repos)",
    "b": f"the shipped model's recipe: {SHIPPED} (full repos)",
    "c": "supervisor surprisal alone",
    "d": "supervisor entropy alone",
    "e": "MIAP probe zero-shot",
    "f": "span-query probe trained on the wild target (sampled lines)",
    "g": "(b) + supervisor: b's log-odds stacked with c, d, e and f (sampled lines)",
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
    """Supervisor signals per sampled line, aligned with `index` (table rows); the windows the wild probe
    trains on; the pass's cost."""

    index: np.ndarray
    values: dict[str, np.ndarray]
    windows: list[Window]
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
    index, parts, windows, tokens = [], {n: [] for n in SIGNALS}, [], 0  # type: ignore[var-annotated]
    started = time.perf_counter()
    for k, repo in enumerate(repos, start=1):
        if progress:
            progress(k, len(repos), repo)
        rows = [s for s in sample if s.repo == repo]
        # One features() call per repository: its rows' windows in one batch plan, one bar.
        merged, repo_windows = _repo_values(rows, supervisor, probe, cache, f"{k}/{len(repos)} {repo}")
        windows += repo_windows
        for s, (values, n_tokens) in zip(rows, merged, strict=True):
            index.append(s.index)
            for name in SIGNALS:
                parts[name].append(values[name])
            tokens += n_tokens
    seconds = time.perf_counter() - started
    return SupervisorValues(
        np.concatenate(index) if index else np.zeros(0, dtype=np.int64),
        {n: np.concatenate(v) if v else np.zeros(0) for n, v in parts.items()},
        windows,
        tokens,
        seconds,
        cache.hits,
        cache.misses,
    )


def _repo_values(
    rows: Sequence[SampledRow], supervisor: Supervisor, probe: SpanProbe, cache: HiddenStateCache, label: str
) -> tuple[list[tuple[dict[str, np.ndarray], int]], list[Window]]:
    """Per row: its signals on its added lines in ascending order, and the tokens read; and every window
    with the probe's inputs. One extraction call for all the rows, so the supervisor's batches fill across
    them."""
    examples = [examples_from_row(s.row) for s in rows]
    flat = [ex for group in examples for ex in group]
    encoded = [encode(supervisor.tokenizer, from_wild(ex)) for ex in flat]
    config = ProbeConfig(layers=probe.config.layers, extra_features=ALL_EXTRAS)
    arrays, _ = features(supervisor, encoded, config, cache, label=label)
    width = len(config.layers) * supervisor.hidden_size
    table = FeatureTable(arrays, config.layers, supervisor.hidden_size, ALL_EXTRAS)
    out, windows, position = [], [], 0
    inputs = table.select(probe.config, range(len(encoded)))
    for s, group in zip(rows, examples, strict=True):
        by_line: dict[int, tuple[float, float, float]] = {}
        row_of = {line: s.offset + k for k, line in enumerate(s.added)}
        n_tokens = 0
        for example in group:
            enc, array, x = encoded[position], arrays[position], inputs[position]
            position += 1
            n_tokens += enc.tokens.n_tokens
            table_rows = [row_of[example.first_line + line - 1] for line in example.added]
            windows.append(Window(s.repo, enc, x, np.array(table_rows, dtype=np.int64)))
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
    return out, windows


# ----------------------------------------------------------------------------- cost of the PR features
def pr_feature_seconds(sample: Sequence[SampledRow]) -> float:
    """Wall time of the shipped recipe's feature families on every sampled row, diff parsing included.

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
            families_of(FEATURE_SETS[SHIPPED]),
        )
    return time.perf_counter() - started


def cold_cost(sample: Sequence[SampledRow], supervisor: Supervisor, probe: SpanProbe) -> dict[str, float]:
    """The supervisor pass over `sample` into an empty cache: what it costs a review, which has nothing
    cached. (The measured pass reads a cache that earlier, interrupted runs filled.)"""
    lines = sum(len(s.added) for s in sample)
    with tempfile.TemporaryDirectory() as directory:
        values = supervisor_values(sample, supervisor, probe, Path(directory))
    return {
        "supervisor_ms_per_1000_lines": 1e6 * values.seconds / max(lines, 1),
        "supervisor_cold_share": values.cold_share,
        "supervisor_cost_lines": lines,
        "pr_features_ms_per_1000_lines": 1e6 * pr_feature_seconds(sample) / max(lines, 1),
    }


# ----------------------------------------------------------------------------- repositories held out
@dataclass
class SupervisorResult:
    """Held-out AUC on the target per method letter (METHODS) and repository; the interval of what the
    supervisor adds (g − b); the sample and the costs."""

    commits_per_repo: int
    commits: int
    rows: int
    lines: int
    label: str = LABELS[0]
    probe_config: dict[str, object] = field(default_factory=dict)  # how the wild probe (f) was trained
    auc: dict[str, dict[str, float]] = field(default_factory=dict)
    added: Interval = field(default_factory=lambda: Interval(float("nan"), float("nan"), float("nan")))
    cost: dict[str, float | str] = field(default_factory=dict)
    methods: dict[str, str] = field(default_factory=lambda: dict(METHODS))

    def mean(self, method: str) -> float:
        finite = [v for v in self.auc[method].values() if np.isfinite(v)]
        return float(np.mean(finite)) if finite else float("nan")

    def wins(self, better: str = "g", than: str = "b") -> tuple[int, int]:
        """Repositories where `better` beats `than`, of those where both have an AUC."""
        pairs = [
            (v, self.auc[than][r]) for r, v in self.auc[better].items() if np.isfinite(v + self.auc[than][r])
        ]
        return sum(a > b for a, b in pairs), len(pairs)

    def across_repositories(self, confidence: float = 0.95) -> Interval:
        """Mean of the per-repository AUC(g) − AUC(b) with its t interval: how much the supervisor's gain
        varies from one repository to the next, which no amount of commits per repository shrinks."""
        diffs = np.array([v - self.auc["b"][r] for r, v in self.auc["g"].items()])
        diffs = diffs[np.isfinite(diffs)]
        if len(diffs) < 2:
            return Interval(float("nan"), float("nan"), float("nan"))
        half = stats.t.ppf(0.5 + confidence / 2, len(diffs) - 1) * diffs.std(ddof=1) / np.sqrt(len(diffs))
        return Interval(float(diffs.mean()), float(diffs.mean() - half), float(diffs.mean() + half))

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["means"] = {m: self.mean(m) for m in self.methods}
        data["g_beats_b"] = list(self.wins())
        data["added_across_repositories"] = asdict(self.across_repositories())
        return data


@dataclass(frozen=True)
class HeldOut:
    """Every method's score on every sampled line, each from the fold that held its repository out."""

    scores: dict[str, np.ndarray]
    labels: np.ndarray
    repo: np.ndarray
    commit: np.ndarray

    def aucs(self) -> dict[str, dict[str, float]]:
        return {
            method: {
                str(r): float(auc(s[self.repo == r], self.labels[self.repo == r]))
                for r in np.unique(self.repo)
            }
            for method, s in self.scores.items()
        }

    def added(self, n_resamples: int = 1000) -> Interval:
        """Mean over held-out repositories of AUC(g) − AUC(b), commits redrawn inside each repository."""
        return paired_auc_difference(
            self.scores["g"], self.scores["b"], self.labels, self.repo, self.commit, n_resamples
        )


def with_signals(
    table: LineTable, values: SupervisorValues, extra: dict[str, np.ndarray] | None = None
) -> LineTable:
    """The sampled lines of `table` (table order) with the supervisor signals, and any `extra` columns given
    per table row, as extra feature columns."""
    columns = {name: np.full(len(table), np.nan) for name in SIGNALS}
    for name in SIGNALS:
        columns[name][values.index] = values.values[name]
    columns |= extra or {}
    keep = np.zeros(len(table), dtype=bool)
    keep[values.index] = True
    sampled = table.subset(keep)
    stacked = np.column_stack([column[keep] for column in columns.values()])
    return replace(sampled, names=(*table.names, *columns), features=np.hstack([sampled.features, stacked]))


def median_filled(v: np.ndarray) -> np.ndarray:
    """`v` with its nan set to the median of its finite values (0 where none is finite); no label is read."""
    finite = np.isfinite(v)
    return np.where(finite, v, np.median(v[finite]) if finite.any() else 0.0)


def _filled(column: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """`column` (per table row) with its nan on `rows` filled from its values there."""
    out = column.copy()
    out[rows] = median_filled(column[rows])
    return out


def _mask(size: int, rows: np.ndarray) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    mask[rows] = True
    return mask


def shipped_logits(table: LineTable, rows: np.ndarray, held: Sequence[str], label: str) -> np.ndarray:
    """The shipped recipe's log-odds per table row on `rows`: the held-out repositories' from a fit on all
    lines of every training repository, the training repositories' out of fold (GroupKFold over them, each
    fitted on all lines of the others), so a regression stacked on them never reads an in-sample logit."""
    names, pairwise = FEATURE_SETS[SHIPPED], is_pairwise(SHIPPED)
    out = np.full(len(table), np.nan)

    def fitted_without(repos: Sequence[str]) -> BalancedLogit:
        return fit(table.subset(~np.isin(table.repo, list(repos))), names, label, pairwise)

    scored = rows[np.isin(table.repo[rows], held)]
    out[scored] = logits(fitted_without(held), table.subset(_mask(len(table), scored)))
    training = rows[~np.isin(table.repo[rows], held)]
    for inner in repo_folds(table.repo[training], INNER_FOLDS):
        scored = training[inner]
        out[scored] = logits(
            fitted_without([*held, *set(table.repo[scored].tolist())]),
            table.subset(_mask(len(table), scored)),
        )
    return out


def evaluate(
    table: LineTable,
    values: SupervisorValues,
    config: TrainConfig,
    label: str = LABELS[0],
    progress: Callable[[str], None] | None = None,
) -> HeldOut:
    """Every method's held-out scores on the sampled lines, repositories held out in OUTER_FOLDS groups.

    Nothing is chosen on a held-out repository: the feature sets and the probe's configuration are fixed in
    advance, the supervisor signals are read in their fixed direction (higher = more surprising = more
    likely edited), and every regression and probe is fitted on the training repositories only; the stacked
    regression (g) reads out-of-fold logits of the shipped recipe and of the wild probe there.
    """
    say = progress or (lambda message: None)
    targets, rows = table.label(label), np.unique(values.index)
    sampled = with_signals(table, values)
    scores = {m: np.full(len(sampled), np.nan) for m in METHODS}
    stacked = (PR_LOGIT, *SIGNALS, WILD_PROBE)
    for k, mask in enumerate(repo_folds(sampled.repo, OUTER_FOLDS), start=1):
        held = sorted(set(sampled.repo[mask].tolist()))
        say(f"fold {k}/{OUTER_FOLDS}: holding out {', '.join(held)}")
        probe_logits = _filled(
            nested_logits(config, values.windows, targets, set(held), progress=say), values.index
        )
        fold = with_signals(
            table, values, {WILD_PROBE: probe_logits, PR_LOGIT: shipped_logits(table, rows, held, label)}
        )
        train, test = fold.subset(~mask), fold.subset(mask)
        baseline = fit(table.subset(~np.isin(table.repo, held)), BASELINE, label)
        scores["a"][mask] = logits(baseline, test)
        scores["g"][mask] = logits(fit(train, stacked, label), test)
        for method, column in (
            ("b", PR_LOGIT),
            ("c", "surprisal"),
            ("d", "entropy"),
            ("e", "probe_logit"),
            ("f", WILD_PROBE),
        ):
            scores[method][mask] = test.columns((column,))[:, 0]
    return HeldOut(scores, sampled.label(label), sampled.repo, sampled.commit)


def fill_missing(values: SupervisorValues) -> dict[str, int]:
    """A line no token of which the probe reads has no logit: it gets the sample's median (no label is read).
    Returns how many lines each signal had filled, for the record."""
    filled = {}
    for name, v in values.values.items():
        filled[name] = int((~np.isfinite(v)).sum())
        v[:] = median_filled(v)
    return filled


def run(
    table: LineTable,
    sample: Sequence[SampledRow],
    supervisor: Supervisor,
    probe: SpanProbe,
    config: TrainConfig,
    commits: int,
    cache_dir: Path | None = None,
    load: str = "",
    progress: Callable[[str], None] | None = None,
    cost_sample: Sequence[SampledRow] = (),
) -> tuple[SupervisorResult, SupervisorValues]:
    """The whole measurement on a drawn sample: supervisor pass, held-out folds, interval, and the costs
    (of a cold pass over `cost_sample` where one is given, else of the measured pass).

    `config` trains the wild probe; it reads the same input columns as `probe` (the shipped probe's).
    """
    if (
        config.probe.layers != probe.config.layers
        or config.probe.extra_features != probe.config.extra_features
    ):
        raise ValueError("the wild probe's configuration must read the same inputs as the shipped probe")
    check_alignment(sample, table)
    lines = sum(len(s.added) for s in sample)
    say = progress or (lambda message: None)
    if cost_sample:
        say(f"cold supervisor pass over {len(cost_sample)} files for the cost")
        cost = cold_cost(cost_sample, supervisor, probe)
    values = supervisor_values(
        sample, supervisor, probe, cache_dir, lambda k, n, repo: say(f"supervisor {k}/{n}: {repo}")
    )
    filled = fill_missing(values)
    if not cost_sample:
        cost = {
            "supervisor_ms_per_1000_lines": 1e6 * values.seconds / max(lines, 1),
            "supervisor_cold_share": values.cold_share,
            "supervisor_cost_lines": lines,
            "pr_features_ms_per_1000_lines": 1e6 * pr_feature_seconds(sample) / max(lines, 1),
        }
    result = SupervisorResult(commits, len({(s.repo, s.sha) for s in sample}), len(sample), lines)
    result.probe_config = config.to_dict()
    started = time.perf_counter()
    held_out = evaluate(table, values, config, result.label, progress=say)
    result.auc = held_out.aucs()
    result.added = held_out.added()
    result.cost = {
        **cost,
        "supervisor_seconds": values.seconds,  # the measured pass, through whatever the cache held
        "supervisor_tokens": values.tokens,
        "measured_pass_cold_share": values.cold_share,
        "held_out_seconds": time.perf_counter() - started,
        "load": load,
        **{f"filled_{name}": n for name, n in filled.items()},
    }
    return result, values
