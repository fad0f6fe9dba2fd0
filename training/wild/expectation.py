"""What a user should expect of the shipped PR model, in words, from its card: README's first screen and
docs/review.md's "How far to trust it" carry these blocks between markers, rewritten by `redline train-pr`,
so the figures there are always those of the run that produced the shipped model (a test checks them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scoring.target import TARGET_MEANING
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
        f"**What to expect:** every probability redline prints is {TARGET_MEANING}. On {h['repositories']} real "
        f"repositories it was not trained on, the shipped PR model ({card['version']}) ranks such lines at a mean "
        f"AUC of {model:.2f} (0.5 is chance; a model-free baseline {base:.2f}) and at {h['mean_within_pr_auc']['PR model']:.2f} "
        f"inside one PR; a PR's {TOP_K} riskiest lines are such lines {100 * h[f'mean_top{TOP_K}_precision']['PR model']:.1f} % "
        f"of the time against {100 * h['mean_base_rate']:.1f} % for any AI line, and its comments, "
        f"{pooled.get('comments_per_100_lines', float('nan')):.1f} per 100 AI lines, hit them "
        f"{pooled.get('lift', float('nan')):.2f}× as often as a random AI line: a pointer for the reviewer, not a "
        "verdict ([evaluation](docs/evaluation.md))."
    )


def review_block(card: dict[str, Any]) -> str:
    h = _target(card)
    pooled = h["pooled_replay"] or {}
    decisions = card["decisions"]
    chosen = decisions["chosen_on"]
    reach = card.get("reach", {})
    bss = h["mean_bss_ece_without_prior"], h["mean_bss_ece_with_prior"]
    by = h["mean_auc_by"]["PR model"]
    return "\n".join([
        f"How far to trust it, from the [evaluation](evaluation.md) of the shipped model ({card['version']}) on "
        f"{h['repositories']} real repositories, each judged by a model that never saw it: the PR model ranks "
        f"the lines a person went on to change at a mean AUC of {h['mean_auc']['PR model']:.3f} (0.5 is chance; "
        f"{by['weighted_by_positives']:.3f} weighted by each repository's positives, "
        f"{by[f'repositories_with_{MIN_POSITIVES}_positives']:.3f} over the {h['repositories_with_enough_positives']} "
        f"repositories with at least {MIN_POSITIVES} of them; the model-free baseline {h['mean_auc']['model-free baseline']:.3f}). "
        f"Inside one PR, the ranking a reviewer sees, its AUC is {h['mean_within_pr_auc']['PR model']:.3f}, and a "
        f"PR's {TOP_K} riskiest lines are such lines {100 * h[f'mean_top{TOP_K}_precision']['PR model']:.1f} % of the time "
        f"(any AI line: {100 * h['mean_base_rate']:.1f} %). Its comments hit them {pooled.get('lift', float('nan')):.2f}× "
        f"as often as a random AI line at {pooled.get('comments_per_100_lines', float('nan')):.1f} comments per "
        "100 AI lines (pooled over the held-out repositories). The probabilities are calibrated to the training "
        f"repositories' mix ({100 * card['base_rate']:.1f} % of AI lines, repositories weighing the same); your "
        "repository's rate can be far from it: set `model.repo_edit_rate` (`redline prior .` estimates it from "
        f"your history), which moved the mean Brier skill on held-out repositories from {bss[0][0]:.2f} to "
        f"{bss[1][0]:.2f} (ECE {bss[0][1]:.3f} to {bss[1][1]:.3f}).",
        "",
        f"The default comment threshold, **{decisions['comment_threshold']:.3f}**, comes from the card and the "
        f"rule: {decisions['rule']}. On the training lines it commented on {100 * chosen['share_commented']:.1f} % "
        f"with a hit rate of {chosen['hit_rate']:.3f} (base rate {chosen['base_rate']:.3f}, {chosen['lift']:.2f}×)."
        + (f" The highest line probability over all {reach['lines']:,} wild lines is {reach['max']:.2f}, so the "
           f"merge gate's default of 0.8 for a hunk does not fire on data like the evaluation's: a model this weak "
           "should not block merges; lower `thresholds.gate` only when the weekly report shows its high-probability "
           "hunks really get changed in your repository." if reach else ""),
    ])


def with_block(text: str, block: str, where: Path) -> str:
    """`text` with the part between the markers replaced by `block`."""
    if START not in text or END not in text:
        raise ValueError(f"{where} has no '{START}' … '{END}' markers")
    head, rest = text.split(START, 1)
    return f"{head}{START}\n{block}\n{END}{rest.split(END, 1)[1]}"


def write_blocks(card: dict[str, Any], root: Path) -> list[Path]:
    """Rewrite README.md's and docs/review.md's blocks under `root` from `card`."""
    written = []
    for path, block in ((root / "README.md", readme_block(card)), (root / "docs" / "review.md", review_block(card))):
        path.write_text(with_block(path.read_text(encoding="utf-8"), block, path), encoding="utf-8")
        written.append(path)
    return written
