"""Every figure of docs/evaluation.md comes with the title and caption `redline eval` writes for it."""

import re
from pathlib import Path

from training.probe.report import figure_text
from training.wild.loro_report import FIGURE_CAPTION, SECTION_END

DOCS = Path(__file__).resolve().parents[3] / "docs"


def test_every_evaluation_figure_has_a_title_and_a_caption():
    pr_section, page = (DOCS / "evaluation.md").read_text().split(SECTION_END)
    assert "(figures/loro_reliability.png)" in pr_section and FIGURE_CAPTION in pr_section
    images = re.findall(r"!\[([^\]]*)\]\(figures/([^)]+)\)", page)
    assert len(images) >= 2
    for alt, name in images:
        title, caption = figure_text(name.removesuffix(".png"))
        assert alt == title and f"**{title}**" in page and f"*{caption}*" in page, name
        assert (DOCS / "figures" / name).is_file()
    assert (
        "l15+22" in figure_text("wild_l15+22")[0]
        and "minimal repair" in figure_text("miap_selected_generated")[0]
    )
