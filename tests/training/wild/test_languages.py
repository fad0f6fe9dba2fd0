"""training.wild.languages: which model scores TypeScript, each candidate judged on held-out TypeScript
repositories it never saw."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np

from tests.training.wild.test_loro import NAMES, synthetic
from training.wild import languages
from training.wild.loro import _result, held_out_models
from training.wild.table import LineTable, concat


def fit_model(train: LineTable, label: str, chosen: str | None = None):
    models, selection = held_out_models(train, label, chosen)
    return models["PR model"], selection.name


def as_typescript(table: LineTable, prefix: str = "ts") -> LineTable:
    features = table.features.copy()
    features[:, NAMES.index("typescript")] = 1.0
    repo = np.char.add(f"{prefix}/", table.repo)
    commit = np.char.add(f"{prefix}/", table.commit)
    return LineTable(
        table.names,
        features,
        repo,
        commit,
        table.time,
        table.agent,
        table.edited,
        table.edited_by_human,
        table.target,
        table.kind,
        table.sweeping,
    )


def test_a_typescript_signal_the_python_repositories_lack_is_learnt_only_with_typescript_data() -> None:
    python = synthetic(repos=4, seed=1)  # long lines get edited
    # In every TypeScript repository short lines get edited: the opposite of the Python ones.
    ts = concat(
        [
            as_typescript(synthetic(repos=1, commits=8, seed=10 + r, flipped="owner/repo0"), f"ts{r}")
            for r in range(4)
        ]
    )
    report = languages.evaluate(python, ts, "target", fit_model)
    assert sorted(report.positives) == ts.repos
    for repo in ts.repos:  # every method is judged on the same held-out lines
        sizes = {report.result(repo, m).summary.n for m in (*languages.CANDIDATES, languages.LENGTH)}
        assert sizes == {int((ts.repo == repo).sum())}
    everywhere = ts.repos
    assert report.mean_auc(languages.PYTHON_MODEL, everywhere) < 0.3
    assert report.mean_auc(languages.TYPESCRIPT_MODEL, everywhere) > 0.7
    assert languages.choose(report) != languages.PYTHON_MODEL


def _report(aucs: dict[str, float], positives: int = 40) -> languages.LanguageReport:
    """A target report where every candidate has AUC `aucs[candidate]` on one held-out repository."""
    test = synthetic(repos=1, seed=4)
    template = _result("ts/one", "", np.arange(len(test), dtype=float), test, "target", 1.0)
    report = languages.LanguageReport("target", positives={"ts/one": positives})
    for method, value in aucs.items():
        summary = replace(template.summary, auc=value)
        report.results.append(replace(template, method=method, summary=summary))
    return report


def test_the_rule_keeps_the_python_model_unless_typescript_data_buys_more_than_the_margin() -> None:
    python, both, ts = languages.PYTHON_MODEL, languages.BOTH, languages.TYPESCRIPT_MODEL
    assert languages.choose(_report({python: 0.627, both: 0.630, ts: 0.579})) == python  # under the margin
    assert languages.choose(_report({python: 0.627, both: 0.640, ts: 0.579})) == both
    assert languages.choose(_report({python: 0.600, both: 0.610, ts: 0.650})) == ts
    # No repository with enough positives: nothing decides, the Python model stays.
    assert languages.choose(_report({python: 0.6, both: 0.9, ts: 0.9}, positives=10)) == python
    report = _report({python: 0.627, both: 0.640, ts: 0.579, languages.LENGTH: 0.6})
    lines = languages.render({"target": report}, both, "synthetic")
    assert any("Chosen: both languages" in line for line in lines)
    card = languages.card({"target": report}, both)
    assert card["chosen"] == both and card["rule"] == languages.LANGUAGE_RULE
    assert card["mean_auc"]["target"][both] == 0.640


def test_tables_of_one_feature_list_join_and_others_do_not() -> None:
    a, b = synthetic(repos=2, seed=6), synthetic(repos=2, seed=7)
    joined = concat([a, b])
    assert len(joined) == len(a) + len(b) and joined.names == a.names
    assert (joined.features[len(a) :] == b.features).all()
    narrow = LineTable(
        a.names[:3],
        a.features[:, :3],
        a.repo,
        a.commit,
        a.time,
        a.agent,
        a.edited,
        a.edited_by_human,
        a.target,
        a.kind,
        a.sweeping,
    )
    try:
        concat([a, narrow])
    except ValueError as error:
        assert "feature lists" in str(error)
    else:
        raise AssertionError("tables with different feature lists were joined")


def test_train_pr_ships_what_eval_judged_on_the_same_data_and_refuses_other_data(tmp_path) -> None:
    import pytest

    from training.wild.ship import StaleEvaluation, read_evaluation, run_loro, train_shipped, write_evaluation

    python = synthetic(repos=3, seed=8)
    ts = as_typescript(synthetic(repos=3, seed=9))
    report = languages.evaluate(python, ts, "target", fit_model)
    reports = run_loro(python, labels=("target",))
    path = tmp_path / "evaluation.json"
    with pytest.raises(StaleEvaluation, match="redline eval --part pr"):
        read_evaluation(path, python, ts)  # never evaluated
    for chosen in (languages.PYTHON_MODEL, languages.BOTH):
        write_evaluation(path, reports, python, ts, {"target": report}, chosen, "redline eval --part pr")
        model = train_shipped(python, read_evaluation(path, python, ts), ts)
        assert model.card["languages"] == ["python", "typescript"]
        assert model.card["language_choice"]["chosen"] == chosen
        assert model.card["evaluation"] == json.loads(path.read_text())["evaluation"]
    # both languages: the TypeScript lines are in the fit, so its per-repository rates weigh them
    assert model.card["reach"]["lines"] == len(python) + len(ts)
    with pytest.raises(StaleEvaluation, match="other data"):
        read_evaluation(path, synthetic(repos=2, seed=8), ts)  # judged on three repositories, not two
    with pytest.raises(StaleEvaluation, match="other data"):
        read_evaluation(path, python, None)  # judged with the TypeScript repositories
    relabelled = replace(python, target=1 - python.target)
    with pytest.raises(StaleEvaluation, match="other data"):
        read_evaluation(path, relabelled, ts)  # the same lines, other labels
    write_evaluation(path, reports, python, None, {}, languages.PYTHON_MODEL, "redline eval --part pr")
    assert train_shipped(python, read_evaluation(path, python, None)).card["languages"] == ["python"]
