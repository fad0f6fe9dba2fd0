"""training.wild.loro: leave-one-repository-out on identical folds, the nested selection, the prior, the date
split."""

from __future__ import annotations

import numpy as np

from scoring.calibration import PlattCalibrator
from scoring.pr_features import Family, feature_names
from training.wild import pr_train
from training.wild.estimator import PAIRS_PER_COMMIT, pair_differences, repo_weights
from training.wild.loro import PRIOR_SHARE, estimate_prior, evaluate_label
from training.wild.pr_train import balanced_rate, repo_folds
from training.wild.table import LineTable

NAMES = feature_names(tuple(Family))


def synthetic(
    repos: int = 5, commits: int = 4, lines: int = 25, seed: int = 0, flipped: str | None = None
) -> LineTable:
    """Long lines get edited in every repository (but `flipped`, where short ones do); rates differ per
    repo."""
    rng = np.random.default_rng(seed)
    parts: dict[str, list[object]] = {k: [] for k in ("repo", "commit", "time", "y")}
    blocks = []
    for r in range(repos):
        name = f"owner/repo{r}"
        for c in range(commits):
            x = rng.normal(size=(lines, len(NAMES)))
            x[:, NAMES.index("length")] = rng.integers(1, 120, size=lines)
            signal = np.log1p(x[:, NAMES.index("length")]) * (-1 if name == flipped else 1)
            p = 1 / (1 + np.exp(-(3 * (signal - signal.mean()) - 1.5 + 0.3 * r)))
            blocks.append(x)
            parts["repo"] += [name] * lines
            parts["commit"] += [f"{name}@{c}"] * lines
            parts["time"] += [float(c)] * lines
            parts["y"] += list((rng.random(lines) < p).astype(int))
    y = np.array(parts["y"], dtype=np.int8)
    return LineTable(
        NAMES,
        np.vstack(blocks),
        np.array(parts["repo"]),
        np.array(parts["commit"]),
        np.array(parts["time"]),
        np.array(["claude"] * len(y)),
        y,
        y,
        y,
        np.where(y == 1, "modified", "survived"),
        np.where(y == 1, 0, -1).astype(np.int8),
    )


def test_a_signal_shared_by_the_training_repositories_ranks_each_held_out_one() -> None:
    table = synthetic()
    report = evaluate_label(table, "edited_by_human")
    model = report.method_rows("PR model")
    assert [r.repo for r in model] == table.repos
    assert all(r.summary.auc > 0.7 for r in model)
    assert all(r.summary.auc == 0.5 for r in report.method_rows("base rate"))
    assert report.mean("PR model", lambda r: r.summary.auc) > 0.75
    # every method is judged on the same held-out lines
    for method in ("base rate", "model-free baseline"):
        assert [r.summary.n for r in report.method_rows(method)] == [r.summary.n for r in model]
    assert all(np.isfinite(r.auc_interval.low) and r.auc_interval.low <= r.summary.auc for r in model)
    assert set(report.selections) == set(table.repos)
    assert np.isfinite(report.predictions["PR model"]).all()


def test_a_held_out_repository_that_behaves_otherwise_is_scored_by_what_the_others_taught() -> None:
    table = synthetic(repos=6, flipped="owner/repo2")
    report = evaluate_label(table, "edited_by_human", repos=["owner/repo2", "owner/repo4"])
    by_repo = {r.repo: r.summary.auc for r in report.method_rows("PR model")}
    assert by_repo["owner/repo2"] < 0.3  # nothing of repo2's own labels reached the model judging it
    assert by_repo["owner/repo4"] > 0.6


def test_a_calibration_never_reverses_the_ranking() -> None:
    table = synthetic(repos=4)
    reversed_logits = -pr_train.out_of_fold_logits(table, ("length",), "edited_by_human")
    model = pr_train.calibrated_model(table, (Family.LINE,), ("length",), "edited_by_human", reversed_logits)
    assert model.calibration.slope == 0.0
    p = model.probabilities(table.columns(("length",)))
    assert np.allclose(p, balanced_rate(table.edited_by_human, table.repo))


def test_the_calibration_slope_reads_rankings_inside_repositories_not_levels_between_them() -> None:
    rng = np.random.default_rng(1)
    repo = np.repeat(["a", "b", "c"], 400)
    level = np.repeat([2.0, 0.0, -2.0], 400)  # repositories scoring higher are edited less
    within = rng.normal(size=1200)
    rate = np.repeat([0.05, 0.2, 0.5], 400) * (1 + 0.8 * np.tanh(within))
    labels = (rng.random(1200) < rate).astype(float)
    pooled = PlattCalibrator.fit(level + within, labels)
    calibration = pr_train.within_repo_platt(level + within, labels, repo)
    assert pooled.slope < 0 < calibration.slope
    mean = np.mean([calibration.apply(level + within)[repo == r].mean() for r in "abc"])
    assert abs(mean - balanced_rate(labels, repo)) < 1e-6


def test_nested_selection_sees_only_the_training_repositories(monkeypatch) -> None:
    table = synthetic()
    seen: list[set[str]] = []
    real = pr_train.out_of_fold_logits

    def spy(sub, names, label, folds=pr_train.INNER_FOLDS, pairwise=False):
        seen.append(set(sub.repos))
        return real(sub, names, label, folds, pairwise)

    monkeypatch.setattr(pr_train, "out_of_fold_logits", spy)
    evaluate_label(table, "edited_by_human", repos=["owner/repo3"])
    assert seen and all("owner/repo3" not in repos for repos in seen)


def test_the_prior_comes_from_the_earliest_commits_and_is_judged_on_the_later_ones() -> None:
    table = synthetic(repos=3, commits=10)
    report = evaluate_label(table, "edited_by_human", repos=["owner/repo1"])
    (prior,) = report.priors
    held = table.subset(table.repo == "owner/repo1")
    early = held.time < np.quantile(np.unique(held.time), PRIOR_SHARE)
    train = table.subset(table.repo != "owner/repo1")
    expected = estimate_prior(
        held.edited_by_human[early].astype(float), balanced_rate(train.edited_by_human, train.repo)
    )
    assert prior.prior == expected
    assert prior.without.n == int((~early).sum()) == prior.with_prior.n
    (split,) = report.date_splits
    assert split.train_lines + split.test_lines == len(held)


def test_few_lines_lean_on_the_training_rate_and_many_on_the_repository() -> None:
    assert abs(estimate_prior(np.ones(5), 0.1) - 0.1) < 0.03
    assert abs(estimate_prior(np.r_[np.ones(500), np.zeros(500)], 0.1) - 0.5) < 0.07


def test_repositories_weigh_the_same_and_folds_never_split_one() -> None:
    repo = np.array(["a"] * 90 + ["b"] * 10)
    w = repo_weights(repo)
    assert np.isclose(w[repo == "a"].sum(), w[repo == "b"].sum())
    repos = np.repeat(["r1", "r2", "r3", "r4", "r5"], [30, 5, 12, 8, 20])
    folds = repo_folds(repos, 4)
    assert len(folds) == 4 and (np.sum(folds, axis=0) == 1).all()  # every line held out exactly once
    for held in folds:
        assert not set(repos[held]) & set(repos[~held])  # and its repository with it
    assert repo_folds(np.array(["only"] * 5), 4) == []


def test_a_dearer_feature_set_must_beat_a_cheaper_one_by_more_than_the_noise() -> None:
    table = synthetic(repos=6)
    noise = list(feature_names((Family.HISTORY,))[:3])
    costs = {"cheap": 1.0, "dear": 500.0}
    same_signal = pr_train.select(
        table, "edited_by_human", {"cheap": ("length",), "dear": ("length", *noise)}, costs
    )
    assert same_signal.name == "cheap"
    assert set(same_signal.inner_auc) == {"cheap", "dear"}
    only_dear_has_it = pr_train.select(
        table, "edited_by_human", {"cheap": tuple(noise), "dear": ("length",)}, costs
    )
    assert only_dear_has_it.name == only_dear_has_it.best == "dear"
    # with no measured costs, sets reading git history count as dear
    assert pr_train.cost_tier("x", ("length",), {}) < pr_train.cost_tier("y", ("length", noise[0]), {})
    # costs that differ by measurement noise are one tier: there the better inner AUC wins
    near_costs = {"cheap": 6.4, "dear": 6.5}
    assert (
        pr_train.select(
            table, "edited_by_human", {"cheap": tuple(noise), "dear": ("length",)}, near_costs
        ).name
        == "dear"
    )


def test_the_ranking_objective_learns_the_order_inside_commits_not_their_levels() -> None:
    rng = np.random.default_rng(1)
    lines, commits = 20, 60
    length = rng.normal(size=lines * commits)
    commit = np.repeat([f"c{k}" for k in range(commits)], lines)
    # inside a commit the longer lines get edited; but commits with long lines on average are edited less
    level = np.repeat(rng.normal(size=commits), lines)
    x = length + 3 * level
    y = np.zeros(len(x), dtype=np.int8)
    for k in range(commits):
        members = np.nonzero(commit == f"c{k}")[0]
        y[members[np.argsort(-length[members])[: 2 if level[members[0]] < 0 else 1]]] = 1
    features = np.zeros((len(x), len(NAMES)))
    features[:, NAMES.index("length")] = np.exp(x - x.min())  # log-scaled back to x by the model
    repo = np.array([f"owner/r{k % 3}" for k in range(commits)]).repeat(lines)
    table = LineTable(
        NAMES,
        features,
        repo,
        commit,
        np.zeros(len(x)),
        np.array(["a"] * len(x)),
        y,
        y,
        y,
        np.where(y == 1, "modified", "survived"),
        np.zeros(len(x), dtype=np.int8),
    )
    pairs, labels, weights = pair_differences(np.c_[x], y, commit, repo)
    # each commit gives min(40, positives x negatives) pairs, each once as drawn (label 1) and once mirrored
    drawn = sum(
        min(PAIRS_PER_COMMIT, int(y[commit == c].sum()) * int((y[commit == c] == 0).sum()))
        for c in np.unique(commit)
    )
    assert (
        int(labels.sum()) == drawn and len(pairs) == 2 * drawn and np.allclose(pairs[:drawn], -pairs[drawn:])
    )
    assert np.isclose(weights.sum(), len(weights))
    ranked = pr_train.fit(table, ("length",), "target", pairwise=True)
    assert ranked.linear_.coef[0] > 0 and ranked.linear_.intercept == 0.0
    from scoring.metrics import within_groups

    assert within_groups(pr_train.logits(ranked, table), y, commit).auc > 0.9


def test_every_candidate_is_also_judged_on_each_held_out_repository_for_the_cost_table() -> None:
    table = synthetic(repos=4)
    report = evaluate_label(table, "edited_by_human", repos=["owner/repo1"])
    assert set(report.fixed_auc) == set(pr_train.FEATURE_SETS)
    assert all(set(by_repo) == {"owner/repo1"} for by_repo in report.fixed_auc.values())
    assert report.fixed_auc["baseline features"]["owner/repo1"] > 0.7  # length is in the baseline


def test_train_pr_keeps_the_supervisor_comparison_and_the_benchmark_section(tmp_path) -> None:
    from training.wild.loro_report import SUPERVISOR_START, with_supervisor_block
    from training.wild.ship import run_loro, write_section

    table = synthetic(repos=4)
    reports = run_loro(table)
    write_section(reports, table, tmp_path, "redline train-pr")
    page = tmp_path / "evaluation.md"
    page.write_text(page.read_text() + "\n## Benchmark evaluation (MIAP)\n\nmiap table\n")
    page.write_text(with_supervisor_block(page.read_text(), "### Does the supervisor add?\n\nfirst run\n"))
    page.write_text(with_supervisor_block(page.read_text(), "### Does the supervisor add?\n\nsecond run\n"))
    write_section(reports, table, tmp_path, "redline train-pr")
    text = page.read_text()
    assert text.count(SUPERVISOR_START) == 1 and "second run" in text and "first run" not in text
    assert text.index("second run") < text.index("### Reliability per held-out repository")
    assert text.endswith("miap table\n") and text.count("### What each feature set costs and buys") == 1
    assert "not yet measured on the target" in text  # the block above was not measured on `target`
    page.write_text(with_supervisor_block(text, "### Does the supervisor add?\n\non `target`\n"))
    text = page.read_text()
    assert "not yet measured on the target" not in text and "on `target`" in text
    assert text.endswith("miap table\n") and text.count(SUPERVISOR_START) == 1
