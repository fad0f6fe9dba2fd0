"""training.probe.wild_supervisor on a tiny wild directory with the tiny random Llama: the commit sample, the
mapping of supervisor values onto table rows, the wild probe's nesting, and the held-out comparison end to
end."""

from __future__ import annotations

import functools
from dataclasses import replace

import numpy as np
import pytest

from scoring.card import ProbeConfig
from scoring.probe.cache import HiddenStateCache
from scoring.probe.features import token_features
from scoring.probe.testing import tiny_scorer, tiny_supervisor
from scoring.types import Span
from scoring.windows import tokenize
from tests.training.wild.wild_files import row, write
from training.probe.supervisor_section import supervisor_section
from training.probe.train import TrainConfig
from training.probe.wild_probe import nested_logits
from training.probe.wild_supervisor import (
    METHODS,
    SIGNALS,
    check_alignment,
    run,
    sample_commits,
    shipped_logits,
    supervisor_values,
    with_signals,
)
from training.wild.table import load_table

REPOS = ("a/one", "b/two", "c/three")


def _lines(k: int) -> tuple[list[str], list[int]]:
    """Some lines with the planted word (the tiny probe's signal); labels such that every repo has both."""
    lines = [f"value_{k} = total + {k}", f"left.append(node)  # bug {k}", "return items", f"count += {k}"]
    return lines, [k % 2, 1, 0, (k + 1) % 2]


def _reversed(record: dict[str, object]) -> dict[str, object]:
    """The same row with its added lines (and labels) listed last line first: the table must sort them."""
    return dict(
        record,
        added_lines=record["added_lines"][::-1],
        labels_edited=record["labels_edited"][::-1],
        labels_edited_by_human=record["labels_edited_by_human"][::-1],
    )


@pytest.fixture(scope="module")
def wild_dir(tmp_path_factory):  # type: ignore[no-untyped-def]
    directory = tmp_path_factory.mktemp("wild")
    for r, repo in enumerate(REPOS):
        rows = []
        for c in range(4):  # four commits per repository; the first two touch two files
            lines, labels = _lines(r + c)
            sha = f"{repo[0]}{c}"
            record = row(repo, sha, c + 1, lines, labels)
            rows.append(_reversed(record) if c == 1 else record)
            if c < 2:
                rows.append(row(repo, sha, c + 1, lines[::-1], labels[::-1], path="pkg/other.py"))
        write(directory, repo.replace("/", "__"), rows)
    return directory


@functools.cache
def _scorer():  # type: ignore[no-untyped-def]
    # The LM head gives surprisal and entropy; the probe reads two layers of the same tiny model.
    return tiny_scorer(supervisor=tiny_supervisor(lm_head=True))


def test_the_sample_takes_whole_commits_the_same_for_every_call_and_nested(wild_dir) -> None:
    sample = sample_commits(wild_dir, 2)
    again = sample_commits(wild_dir, 2)
    assert [(s.file, s.number) for s in sample] == [(s.file, s.number) for s in again]
    every = sample_commits(wild_dir, 99)
    assert len(every) == 3 * 6  # all rows: 4 commits, two of them with two files, per repository
    for repo in REPOS:
        chosen = {s.sha for s in sample if s.repo == repo}
        assert len(chosen) == 2
        # whole commits: every row of a chosen commit is in the sample
        assert sorted((s.file, s.number) for s in every if s.sha in chosen) == sorted(
            (s.file, s.number) for s in sample if s.repo == repo
        )
    smaller = {(s.repo, s.sha) for s in sample_commits(wild_dir, 1)}
    assert smaller <= {(s.repo, s.sha) for s in sample}  # a smaller sample is part of a larger one


def test_supervisor_values_land_on_the_table_rows_of_the_same_line(wild_dir, tmp_path) -> None:
    table = load_table(wild_dir, progress=False)
    sample = sample_commits(wild_dir, 2)
    check_alignment(sample, table)
    scorer = _scorer()
    values = supervisor_values(sample, scorer.supervisor, scorer.probe, tmp_path / "cache")
    assert sorted(values.index.tolist()) == sorted(i for s in sample for i in s.index.tolist())
    assert values.cache_misses > 0  # a cold cache (hits: the synthetic repositories repeat some windows)
    position = {int(i): k for k, i in enumerate(values.index)}
    cache = HiddenStateCache(tmp_path / "cache")
    width = 2 * scorer.supervisor.hidden_size
    checked = 0
    for s in sample:
        text, intent = str(s.row["after_content"]), str(s.row["subject"])
        tokens = tokenize(scorer.supervisor.tokenizer, text)
        # Independently of the mapping: the scorer's own logit for each added line of the whole file (the
        # example window is the whole file here), and token statistics read from the same cache entries.
        logits = scorer.logits(text, [Span.lines(n) for n in s.added], intent)
        (array,) = token_features(
            scorer.supervisor,
            [tokens],
            [intent],
            ProbeConfig(layers=(1, 2), extra_features=("surprisal", "entropy")),
            cache=cache,
        )
        for k, (line, table_row) in enumerate(zip(s.added, s.index, strict=True)):
            assert table.commit[table_row] == s.sha
            got = {name: values.values[name][position[int(table_row)]] for name in SIGNALS}
            members = tokens.tokens_of(Span.lines(line))
            assert got["surprisal"] == pytest.approx(array[members, width].mean(), abs=1e-3)
            assert got["entropy"] == pytest.approx(array[members, width + 1].mean(), abs=1e-3)
            assert got["probe_logit"] == pytest.approx(logits[k], abs=2e-2)
            checked += 1
    assert checked == len(values.index)
    warm = supervisor_values(sample, scorer.supervisor, scorer.probe, tmp_path / "cache")
    assert warm.cache_misses == 0 and np.array_equal(warm.values["probe_logit"], values.values["probe_logit"])


def _config():  # type: ignore[no-untyped-def]
    probe = _scorer().probe
    return TrainConfig(layers=probe.config.layers, extra_features=probe.config.extra_features, epochs=3)


def test_the_wild_probe_never_scores_a_line_it_was_trained_on(wild_dir, tmp_path) -> None:
    table = load_table(wild_dir, progress=False)
    scorer = _scorer()
    values = supervisor_values(sample_commits(wild_dir, 4), scorer.supervisor, scorer.probe, tmp_path / "c")
    rows = {repo: np.concatenate([w.rows for w in values.windows if w.repo == repo]) for repo in REPOS}
    labels = table.label("target").copy()
    first = nested_logits(_config(), values.windows, labels, {"a/one"})
    assert np.isfinite(first[np.concatenate(list(rows.values()))]).all()
    everything = np.concatenate(list(rows.values()))
    flipped = labels.copy()
    flipped[rows["a/one"]] = 1 - flipped[rows["a/one"]]
    held_out = nested_logits(_config(), values.windows, flipped, {"a/one"})
    assert np.array_equal(held_out[everything], first[everything])  # no probe reads a held-out label
    flipped = labels.copy()
    flipped[rows["b/two"]] = 1 - flipped[rows["b/two"]]
    training = nested_logits(_config(), values.windows, flipped, {"a/one"})
    assert np.array_equal(training[rows["b/two"]], first[rows["b/two"]])  # scored out of fold
    for repo in ("a/one", "c/three"):  # ... by probes that its labels trained for the other repositories
        assert not np.array_equal(training[rows[repo]], first[rows[repo]])


def test_the_shipped_recipes_log_odds_are_out_of_fold_on_every_line(wild_dir) -> None:
    table = load_table(wild_dir, progress=False)
    rows = np.arange(len(table))
    first = shipped_logits(table, rows, ["a/one"], "target")
    assert np.isfinite(first).all()
    for repo in REPOS:  # a repository's own labels never reach its log-odds, held out or not
        own = table.repo == repo
        flipped = replace(table, target=np.where(own, 1 - table.target, table.target))
        again = shipped_logits(flipped, rows, ["a/one"], "target")
        assert np.array_equal(again[own], first[own])
        if repo == "a/one":  # held out: it trains nothing
            assert np.array_equal(again, first)
        else:  # a training repository trains the fits that score the others
            assert not np.array_equal(again[~own], first[~own])


def test_every_method_is_judged_on_the_same_lines_and_the_section_reads_numbers(wild_dir, tmp_path) -> None:
    table = load_table(wild_dir, progress=False)
    sample = sample_commits(wild_dir, 2)
    scorer = _scorer()
    cost_sample = sample_commits(wild_dir, 1)
    supervisor_values(sample, scorer.supervisor, scorer.probe, tmp_path / "cache")  # the measured pass: warm
    result, values = run(
        table,
        sample,
        scorer.supervisor,
        scorer.probe,
        _config(),
        2,
        tmp_path / "cache",
        load="1.0",
        cost_sample=cost_sample,
    )
    sampled = with_signals(table, values)
    assert len(sampled) == result.lines == sum(len(s.added) for s in sample)
    assert set(sampled.commit.tolist()) == {s.sha for s in sample}
    assert result.label == "target" and set(result.auc) == set(METHODS)
    assert all(set(per_repo) == set(REPOS) for per_repo in result.auc.values())
    gains = [result.auc["g"][r] - result.auc["b"][r] for r in REPOS]
    assert result.added.point == pytest.approx(np.nanmean(gains))
    assert result.added.low <= result.added.point <= result.added.high
    assert result.cost["pr_features_ms_per_1000_lines"] > 0
    assert result.cost["supervisor_ms_per_1000_lines"] > 0
    assert result.cost["supervisor_cost_lines"] == sum(len(s.added) for s in cost_sample)  # its own pass
    assert result.cost["measured_pass_cold_share"] == 0
    assert result.cost["supervisor_cold_share"] > 0.5  # the cost is of a cold pass all the same
    section = supervisor_section(result)
    assert section.startswith("### Does the supervisor add to the PR features?")
    won, of = result.wins()
    assert f"better on {won} of {of} held-out repositories" in section
    assert f"{result.added.point:+.3f} (95 % interval {result.added.low:+.3f}" in section
    data = result.to_dict()
    assert data["g_beats_b"] == [won, of]


def test_the_wild_probe_must_read_the_shipped_probes_inputs(wild_dir, tmp_path) -> None:
    scorer = _scorer()
    other = TrainConfig(layers=(1,), extra_features=())
    with pytest.raises(ValueError, match="same inputs"):
        run(load_table(wild_dir, progress=False), [], scorer.supervisor, scorer.probe, other, 1, tmp_path)
