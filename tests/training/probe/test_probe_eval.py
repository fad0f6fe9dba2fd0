"""training.probe.evaluate / report / experiment: replay arithmetic, calibration cross-fitting, and one
end-to-end evaluation + shipped probe on the planted-signal corpus (tiny supervisor)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from scoring.decisions import Thresholds
from scoring.probe.span_probe import load_probe
from training.probe.evaluate import Lines, Population, Scaling, cross_fit, replay
from training.probe.experiment import Corpus, save, train_shipped
from training.probe.features import STATISTIC_FEATURES, ExtractionReport
from training.probe.report import Results, evaluate_miap, evaluate_wild, render
from training.probe.report_text import targets
from training.probe.train import TrainConfig
from training.thresholds import choose_comment_threshold

FAST = TrainConfig(name="fast", layers=(2,), hidden=16, dropout=0.0, epochs=8, batch_problems=8, lr=1e-2)
FAST_SURPRISAL = FAST.override(name="fast+surprisal", extra_features=["surprisal", "indent"])


def _corpus(planted_table, items=None) -> Corpus:
    encoded, table = planted_table
    width = len(table.layers) * table.layer_width
    stats = [
        {n: a[:, width + table.extra_features.index(n)].astype(np.float32) for n in STATISTIC_FEATURES}
        for a in table.arrays
    ]
    corpus = Corpus(list(encoded), table, stats, ExtractionReport(len(encoded), 0, 1.0))
    return corpus if items is None else corpus.subset(np.asarray(items))


def test_replay_counts_hits_comments_and_gate_failures(planted_table):
    encoded, _ = planted_table
    two = [replace(e, item=replace(e.item, group=f"c{k}")) for k, e in enumerate(encoded[:2])]
    probabilities = [np.where(np.asarray(e.item.line_labels) == 1, 0.9, 0.1) for e in two]
    probabilities[1] = np.full(len(two[1].item.lines), 0.1)
    hunks = [np.array([0.95]), np.array([0.2])]
    result = replay(two, probabilities, hunks, Thresholds(comment=0.5, gate=0.8))
    assert result.commits == 2
    assert result.commented == sum(two[0].item.line_labels)
    assert result.hit_rate == 1.0
    assert result.gate_failure_rate == 0.5
    labels = list(two[0].item.line_labels) + list(two[1].item.line_labels)
    assert result.base_rate == np.mean(labels)


def test_comment_threshold_is_the_lowest_that_keeps_twice_the_base_rate():
    # base rate 3/10; from the top: 1/1, 2/2, 2/3, 3/4 (0.75 >= 0.6), 3/5 (0.6 >= 0.6), 3/6 (0.5 < 0.6) ...
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
    y = np.array([1, 1, 0, 1, 0, 0, 0, 0, 0, 0])
    choice = choose_comment_threshold(p, y, lift=2.0, min_share=0.2)
    assert choice.met_target
    assert choice.threshold == 0.5
    assert choice.hit_rate == pytest.approx(0.6)
    assert choice.share_commented == pytest.approx(0.5)
    assert choice.lift == pytest.approx(2.0)


def test_comment_threshold_never_drops_below_the_base_rate():
    # perfectly separated: every threshold down to 0.02 keeps twice the base rate (0.25), but lines scored
    # under the base rate are not worth a comment
    p = np.array([0.95, 0.9, 0.04, 0.03, 0.03, 0.02, 0.01, 0.01])
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0])
    choice = choose_comment_threshold(p, y, lift=2.0, min_share=0.1)
    assert choice.threshold == 0.9
    assert choice.hit_rate == 1.0


def test_comment_threshold_counts_tied_lines_together_and_falls_back_to_the_best_hit_rate():
    p = np.array([0.9, 0.9, 0.9, 0.5, 0.5, 0.1])
    y = np.array([1, 0, 0, 1, 1, 0])  # base rate 1/2: a 2x hit rate (1.0) is out of reach
    choice = choose_comment_threshold(p, y, lift=2.0, min_share=0.3)
    assert not choice.met_target
    assert choice.threshold == 0.5  # 3/5 at 0.5 beats 1/3 at 0.9 (the ties at 0.9 are commented together)
    assert choice.hit_rate == pytest.approx(0.6)
    with pytest.raises(ValueError):
        choose_comment_threshold(np.array([]), np.array([]))


def test_a_fallback_threshold_comments_on_few_lines_when_the_ranking_is_reversed():
    # the probe ranks the lines backwards: the best hit rate over all coverages is at 100 % of lines (the base
    # rate itself); short of the target the threshold must still comment on at most a tenth of them
    p = np.linspace(0.60, 0.10, 100)
    y = np.r_[np.zeros(10), np.tile([1, 0, 0], 30)]
    choice = choose_comment_threshold(p, y, lift=2.0, min_share=0.02, max_fallback_share=0.10)
    assert not choice.met_target
    assert 0.02 <= choice.share_commented <= 0.10 and choice.threshold >= y.mean()
    wide = choose_comment_threshold(p, y, lift=2.0, min_share=0.02, max_fallback_share=1.0)
    assert wide.share_commented > 0.5  # what the cap prevents


def test_cross_fitted_platt_matches_a_fit_on_the_other_folds_only():
    from scoring.calibration import PlattCalibrator
    from scoring.folds import group_folds

    rng = np.random.default_rng(0)
    scores = rng.normal(size=400)
    labels = (rng.random(400) < 1 / (1 + np.exp(-2 * scores))).astype(float)
    groups = np.arange(400) // 4
    platt = cross_fit(scores, labels, groups, Scaling.PLATT)
    folds = group_folds([str(g) for g in groups], 5, seed=7)
    for fold in range(5):
        held = folds == fold
        expected = PlattCalibrator.fit(scores[~held], labels[~held]).apply(scores[held])
        np.testing.assert_allclose(platt[held], expected)
    isotonic = cross_fit(scores, labels, groups, Scaling.ISOTONIC)
    assert np.all((isotonic >= 0) & (isotonic <= 1))
    assert abs(platt.mean() - labels.mean()) < 0.05


def test_populations_nest(planted_table):
    encoded, _ = planted_table
    lines = Lines.of(encoded)
    assert lines.mask(Population.ALL).sum() >= lines.mask(Population.GENERATED).sum()
    assert lines.mask(Population.GENERATED).sum() >= lines.mask(Population.FAILING).sum()


@pytest.mark.slow  # trains about 40 small probes: a few minutes on two busy cores
def test_end_to_end_evaluation_renders_every_section(planted_table, tiny_lm_supervisor, tmp_path):
    corpus = _corpus(planted_table)
    results = Results()
    evaluate_miap(corpus, FAST, [FAST, FAST_SURPRISAL], results)
    rows = results.rows["MIAP, line level, 5-fold grouped by problem"]
    by_method = {(r.method, r.population, r.scaling): r.summary for r in rows}
    assert by_method[("selected probe", "all lines", Scaling.PLATT)].auc > 0.85
    assert abs(by_method[("base rate", "all lines", Scaling.RAW)].bss) < 0.05
    # Planted programs come from two sources (alpha, beta) and one generator family: each source is held
    # out once for the paper config ("fast") and the most selected one; the family cannot be.
    most_selected = Counter(results.selected).most_common(1)[0][0]
    assert {(name, held_out) for name, held_out, *_ in results.loso} == {
        (name, f"benchmark: {source}") for name in ("fast", most_selected) for source in ("alpha", "beta")
    }
    assert any("generator family needs at least two" in note for note in results.notes)

    earlier, later = _corpus(planted_table, range(0, 60)), _corpus(planted_table, range(60, 96))
    pr_earlier, pr_later = _corpus(planted_table, range(60, 80)), _corpus(planted_table, range(80, 96))
    shipped = train_shipped(
        tiny_lm_supervisor, FAST, earlier, pr_earlier, {"corpus": "planted"}, "test-1", held_out=pr_later
    )
    assert set(shipped.card.calibration) == {"benchmark", "pr"}
    decisions = shipped.card.decisions
    assert 0.0 < decisions["comment_threshold"] <= 1.0
    held_out = decisions["held_out"]
    assert held_out["commented_lines"] > 0
    assert held_out["hit_rate"] > held_out["base_rate"]  # the planted signal is learnable: comments find it
    save(shipped, tmp_path / "probe")
    _, card = load_probe(tmp_path / "probe")
    assert card.training_data["train_config"]["name"] == "fast"

    evaluate_wild(shipped, earlier, later, FAST, FAST_SURPRISAL, results)
    assert next(name for name, _ in results.replays) == "shipped probe, zero-shot, the bot's defaults"
    assert results.replays[0][1].threshold == pytest.approx(decisions["comment_threshold"])
    page = render(results, {"intro": "# Evaluation", "wild": "planted"}, ["x.png"])
    page += targets(results)
    for heading in ("MIAP, line level", "Leave one source out", "In the wild", "Replay", "Targets"):
        assert heading in page
    assert "nan" not in page.split("## Targets")[1]


def test_reproduce_line_repeats_the_build_options_the_dataset_card_records(tmp_path):
    import json

    from training.probe.report_text import _build_args, _other_build, dataset_build

    config = {
        "name": "miap4",
        "benchmarks": ["humaneval", "mbpp"],
        "max_programs_per_task": 4,
        "strong_oracle_only": True,
        "checks_per_program": 120,
        "seconds_per_program": 60.0,
        "repair_minutes": None,
    }
    (tmp_path / "card.json").write_text(json.dumps({"config": config}))
    assert _build_args(dataset_build(tmp_path)) == (
        " --benchmarks humaneval,mbpp --max-programs-per-task 4 "
        "--checks-per-program 120 --seconds-per-program 60 --strong-oracle-only"
    )
    assert dataset_build(tmp_path / "missing") == {} and _build_args({}) == ""
    probe_card = {"training_data": {"dataset_build": {**config, "name": "miap3"}}}
    assert "trained on the dataset build `miap3` (`redline data build --name miap3" in _other_build(
        probe_card, config
    )
    assert _other_build({"training_data": {"dataset_build": config}}, config) == ""
    assert _other_build({}, config) == ""
