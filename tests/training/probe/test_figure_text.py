"""Every figure of docs/evaluation.md comes with the title and caption `redline eval` writes for it."""

import re
from pathlib import Path

from training.probe.report import figure_text

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_every_evaluation_figure_has_a_title_and_a_caption():
    page = (DOCS / "evaluation.md").read_text()
    images = re.findall(r"!\[([^\]]*)\]\(figures/([^)]+)\)", page)
    assert len(images) >= 2
    for alt, name in images:
        title, caption = figure_text(name.removesuffix(".png"))
        assert alt == title and f"**{title}**" in page and f"*{caption}*" in page, name
        assert (DOCS / "figures" / name).is_file()
    assert "l15+22" in figure_text("wild_l15+22")[0] and "minimal repair" in figure_text("miap_selected_generated")[0]
