"""Every default comment threshold a page states is the shipped PR model's (its card's
decisions.comment_threshold, which a retrain changes), or redline's fallback where the page says it is
for a card that records none. Nothing here hard-codes today's value."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bot.config import DEFAULT_COMMENT_THRESHOLD
from scoring.pr_model import DEFAULT_PR_MODEL

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    ROOT / "README.md",
    ROOT / "action.yml",
    ROOT / "compose.yaml",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted(p for p in (ROOT / "examples").rglob("*") if p.suffix in {".yml", ".yaml", ".md"}),
]
# A statement of the comment threshold, and the numbers (0.xx or xx %) within the same line after it.
SUBJECT = re.compile(r"comment[ _-]threshold|thresholds\.comment|^\s*#?\s*comment:", re.I | re.M)
NUMBER = re.compile(r"(?<![\w.])(0\.\d+|1\.0)(?![\d])")
FALLBACK = re.compile(r"card\b.*\belse\b|records? (none|no )", re.I)
CLAUSE_END = re.compile(r";|\.\s")  # the statement ends there: "...; gate 0.8" is another knob


def _stated(text: str) -> list[tuple[int, str, str]]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        subject = SUBJECT.search(line)
        if subject:
            clause = CLAUSE_END.split(line[subject.start() :], maxsplit=1)[0]
            found += [(number, value, clause) for value in NUMBER.findall(clause)]
    return found


def _agrees(value: str, card: float, line: str) -> bool:
    decimals = len(value.split(".")[1])
    if abs(float(value) - round(card, decimals)) < 1e-9:
        return True
    return abs(float(value) - DEFAULT_COMMENT_THRESHOLD) < 1e-9 and bool(FALLBACK.search(line))


def test_every_stated_default_comment_threshold_is_the_shipped_card_s():
    card = json.loads(DEFAULT_PR_MODEL.read_text(encoding="utf-8"))["decisions"]["comment_threshold"]
    wrong = [
        f"{page.relative_to(ROOT)}:{number}: {value} ({line.strip()[:100]})"
        for page in PAGES
        for number, value, line in _stated(page.read_text(encoding="utf-8"))
        if not _agrees(value, card, line)
    ]
    assert not wrong, f"the shipped model's comment threshold is {card:.3f}:\n" + "\n".join(wrong)


def test_the_check_catches_a_hand_written_threshold():
    assert _stated("| `thresholds.comment` | probe card's (0.209), else 0.5 |")[0][1] == "0.209"
    assert _stated("  # comment: 0.5   # unset: the card's")[0][1] == "0.5"
    assert not _agrees("0.5", 0.139, "comment: 0.5  # the default")
    assert _agrees("0.5", 0.139, "the comment threshold its card records, else 0.5")
    assert [v for _, v, _ in _stated("the comment threshold its card records, else 0.5; gate 0.8.")] == [
        "0.5"
    ]
    assert _agrees("0.5", 0.139, "the card's, else 0.5 for a card that records none")
    assert _agrees("0.14", 0.139, "comment threshold 0.14")
