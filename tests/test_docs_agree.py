"""The figures README.md and docs/review.md state about the shipped PR model are its card's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scoring.pr_model import DEFAULT_PR_MODEL
from training.wild.expectation import END, START, readme_block, review_block, with_block

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("page", "block"), [("README.md", readme_block), ("docs/review.md", review_block)])
def test_the_page_quotes_the_shipped_model_s_card(page: str, block) -> None:
    card = json.loads(DEFAULT_PR_MODEL.read_text(encoding="utf-8"))
    text = (ROOT / page).read_text(encoding="utf-8")
    assert f"{START}\n{block(card)}\n{END}" in text, f"re-run `redline train-pr` or fix {page} by hand"


def test_a_page_without_the_markers_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ValueError, match="markers"):
        with_block("no markers here", "x", tmp_path / "README.md")
    assert with_block(f"a\n{START}\nold\n{END}\nb", "new", tmp_path) == f"a\n{START}\nnew\n{END}\nb"
