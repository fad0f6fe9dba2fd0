"""What a user should expect of the shipped PR model, in words, from its card: README's first screen and
docs/review.md's "How far to trust it" carry these blocks between markers, rewritten by `redline train-pr`,
so the figures there are always those of the run that produced the shipped model (a test checks them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scoring.target import TARGET_MEANING
from training.wild.languages import MIN_POSITIVES as MIN_TS_POSITIVES
from training.wild.loro import MIN_POSITIVES, TOP_K

START = "<!-- what to expect: written by `redline train-pr` from the shipped model's card -->"
END = "<!-- end of what to expect -->"


def _target(card: dict[str, Any]) -> dict[str, Any]:
    return card["evaluation"]["labels"][card["label"]]


def readme_block(card: dict[str, Any]) -> str:
    h = _target(card)
    pooled = h["pooled_replay"] or {}
    model, base = h["mean_auc"]["PR model"], h["mean_auc"]["model-free baseline"]
    return (
        f"**What to expect:** every probability redline prints is {TARGET_MEANING}. On {h['repositories']} "
        "real "
        f"repositories it was not trained on, the shipped PR model ({card['version']}) ranks such lines at a "
        "mean "
        f"AUC of {model:.2f} (0.5 is chance; a model-free baseline {base:.2f}) and at "
        f"{h['mean_within_pr_auc']['PR model']:.2f} "
        f"inside one PR; a PR's {TOP_K} riskiest lines are such lines "
        f"{100 * h[f'mean_top{TOP_K}_precision']['PR model']:.1f} % "
        f"of the time against {100 * h['mean_base_rate']:.1f} % for any AI line, and its comments, "
        f"{pooled.get('comments_per_100_lines', float('nan')):.1f} per 100 AI lines, hit them "
        f"{pooled.get('lift', float('nan')):.2f}× as often as a random AI line: a pointer for the reviewer, "
        "not a "
        "verdict ([evaluation](docs/evaluation.md))." + _languages_sentence(card)
    )


def review_block(card: dict[str, Any]) -> str:
    h = _target(card)
    pooled = h["pooled_replay"] or {}
    decisions = card["decisions"]
    chosen = decisions["chosen_on"]
    bss = h["mean_bss_ece_without_prior"], h["mean_bss_ece_with_prior"]
    by = h["mean_auc_by"]["PR model"]
    return "\n".join(
        [
            "How far to trust it, from the [evaluation](evaluation.md) of the shipped model "
            f"({card['version']}) on "
            f"{h['repositories']} real repositories, each judged by a model that never saw it: the PR model "
            "ranks "
            f"the lines a person went on to change at a mean AUC of {h['mean_auc']['PR model']:.3f} (0.5 is "
            "chance; "
            f"{by['weighted_by_positives']:.3f} weighted by each repository's positives, "
            f"{by[f'repositories_with_{MIN_POSITIVES}_positives']:.3f} over the "
            f"{h['repositories_with_enough_positives']} "
            f"repositories with at least {MIN_POSITIVES} of them; the model-free baseline "
            f"{h['mean_auc']['model-free baseline']:.3f}). "
            "Inside one PR, the ranking a reviewer sees, its AUC is "
            f"{h['mean_within_pr_auc']['PR model']:.3f}, and a "
            f"PR's {TOP_K} riskiest lines are such lines "
            f"{100 * h[f'mean_top{TOP_K}_precision']['PR model']:.1f} % of the time "
            f"(any AI line: {100 * h['mean_base_rate']:.1f} %). Its comments hit them "
            f"{pooled.get('lift', float('nan')):.2f}× "
            f"as often as a random AI line at {pooled.get('comments_per_100_lines', float('nan')):.1f} "
            "comments per "
            "100 AI lines (pooled over the held-out repositories). The probabilities are calibrated to the "
            "training "
            f"repositories' mix ({100 * card['base_rate']:.1f} % of AI lines, repositories weighing the "
            "same); your "
            "repository's rate can be far from it. " + _prior_sentence(*bss) + _languages_sentence(card),
            "",
            f"The default comment threshold, **{decisions['comment_threshold']:.3f}**, comes from the card "
            "and the "
            f"rule: {decisions['rule']}. On the training lines it commented on "
            f"{100 * chosen['share_commented']:.1f} % "
            f"with a hit rate of {chosen['hit_rate']:.3f} (base rate {chosen['base_rate']:.3f}, "
            f"{chosen['lift']:.2f}×)." + _gate_sentence(card),
        ]
    )


def _languages_sentence(card: dict[str, Any]) -> str:
    """Which languages are scored first-class, and TypeScript's own held-out figures."""
    choice = card.get("language_choice") or {}
    if not choice:
        return " Python is scored first-class; other languages only when `languages.extra` names them."
    chosen = choice["chosen"]
    auc = choice["mean_auc"]["target"]
    within = choice["mean_within_pr_auc"]
    deciding = choice["deciding_repositories"]
    languages = " and ".join(name.capitalize().replace("script", "Script") for name in card["languages"])
    return (
        f" Languages scored first-class: {languages} (the figures above are Python's). On "
        f"{len(deciding)} TypeScript repositories it never saw (those with at least {MIN_TS_POSITIVES} such "
        f"lines), the TypeScript scores ({chosen}) rank them at a mean AUC of {auc[chosen]:.2f} and "
        f"{within[chosen]:.2f} inside one PR (line length alone: {auc['line length']:.2f}). Other languages "
        "are scored only when `languages.extra` names them, with language-neutral features."
    )


def _prior_sentence(without: list[float], with_prior: list[float]) -> str:
    """Whether setting the repository's own rate helped on held-out repositories, said as measured."""
    measured = (
        f"mean Brier skill on held-out repositories {without[0]:.2f} without it, {with_prior[0]:.2f} with "
        f"it; ECE {without[1]:.3f} and {with_prior[1]:.3f}"
    )
    if with_prior[0] > without[0]:
        return (
            "Set `model.repo_edit_rate` (`redline prior .` estimates it from your history) and the "
            f"probabilities move to it ({measured})."
        )
    return (
        "`model.repo_edit_rate` (`redline prior .`) can move the probabilities to your repository's rate, "
        "but estimated from a repository's earlier commits it made them worse on its later ones "
        f"({measured}): "
        "rates drift, so leave it unset unless the weekly report shows the probabilities off for your "
        "repository."
    )


def _gate_sentence(card: dict[str, Any]) -> str:
    decisions, hunks = card["decisions"], _target(card).get("hunks", {})
    if "gate_threshold" not in decisions:
        return ""
    on, held = decisions["gate_chosen_on"], hunks.get("pooled_gate") or {}
    held_text = (
        f" On held-out repositories, with the threshold chosen the same way in each fold, the gate fired "
        f"on {100 * held['fired'] / max(1, held['hunks']):.1f} % of {held['hunks']:,} hunks and "
        f"{100 * held['hit_rate']:.1f} % of those had a line a person went on to change (any hunk: "
        f"{100 * held['base_rate']:.1f} %, {held['lift']:.2f}×); hunk AUC {hunks['mean_auc']:.3f}, ECE "
        f"{hunks['mean_ece']:.3f}."
        if held
        else ""
    )
    return (
        f"\n\nThe merge gate reads each AI-written hunk's probability that at least one of its lines gets "
        f"changed (a hunk model over its lines, trained on hunks). Its default threshold, "
        f"**{decisions['gate_threshold']:.3f}**, comes from the card and the rule: {decisions['gate_rule']}; "
        "on "
        f"those hunks it fired on {100 * on['share_fired']:.1f} % with a hit rate of {on['hit_rate']:.3f} "
        f"(base rate {on['base_rate']:.3f}, {on['lift']:.2f}×)."
        + held_text
        + " Add the override label to accept a flagged hunk; set `thresholds.gate` to move it."
    )


def with_block(text: str, block: str, where: Path) -> str:
    """`text` with the part between the markers replaced by `block`."""
    if START not in text or END not in text:
        raise ValueError(f"{where} has no '{START}' … '{END}' markers")
    head, rest = text.split(START, 1)
    return f"{head}{START}\n{block}\n{END}{rest.split(END, 1)[1]}"


def write_blocks(card: dict[str, Any], root: Path) -> list[Path]:
    """Rewrite README.md's and docs/review.md's blocks under `root` from `card`."""
    written = []
    for path, block in (
        (root / "README.md", readme_block(card)),
        (root / "docs" / "review.md", review_block(card)),
    ):
        path.write_text(with_block(path.read_text(encoding="utf-8"), block, path), encoding="utf-8")
        written.append(path)
    return written
