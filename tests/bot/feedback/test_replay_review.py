"""Replay (the report without a store) scores a merged PR's AI commit exactly as the review of that head did:
the same change context (the repository's prior edit rate) and the same intent, through the same pipeline."""

from __future__ import annotations

import datetime as dt

import numpy as np

from bot.config import CONFIG_PATH, load_settings
from bot.feedback.replay import replay_pull
from bot.github.pulls import MergedPull
from bot.pull_review import PullSource
from bot.review import run
from scoring.calibration import PlattCalibrator
from scoring.linear import LinearModel
from scoring.pr_features import Family, feature_names
from scoring.pr_model import PRModel
from scoring.pr_scorer import PRScorer
from tests.fakes import FakePull

REPO = "acme/app"
SHA = "c" * 40
TEXT = "def add(a, b):\n    return a + b\ndef sub(a, b):\n    return a - b\nVALUE = sub(add(1, 2), 3)\n"
PATCH = "@@ -1,2 +1,5 @@\n def add(a, b):\n     return a + b\n" + "".join(
    f"+{line}\n" for line in TEXT.splitlines()[2:]
)
MERGED = dt.datetime(2026, 11, 18, tzinfo=dt.UTC)
FAMILIES = (Family.LINE, Family.DIFF)


class Recording(PRScorer):
    """The PR model, remembering the prior and the intent each file was scored with."""

    def __init__(self) -> None:
        names = feature_names(FAMILIES)
        coef = np.zeros(len(names))
        coef[names.index("length")] = 0.3
        model = PRModel(
            FAMILIES,
            LinearModel(names, np.zeros(len(names)), np.ones(len(names)), coef, -2.0),
            PlattCalibrator(1.0, 0.0),
            0.1,
            {"version": "pr-test"},
        )
        super().__init__(model)
        self.seen: list[tuple[str, float | None, str | None]] = []

    def score(self, text, spans, intent=None, mode=None, change=None):  # type: ignore[no-untyped-def]
        self.seen.append((change.diff.path, change.prior, intent))
        return super().score(text, spans, intent, change=change)


def test_replay_applies_the_repository_prior_and_intent_exactly_as_the_review_did(fake_github, client):
    fake_github.add_pull(
        FakePull(
            REPO,
            7,
            title="Add sub",
            body="  Subtracts.  ",
            head_sha=SHA,
            author="dev",
            merged_at=MERGED,
            files=[{"filename": "calc.py", "status": "modified", "patch": PATCH}],
            commits=[
                {
                    "sha": SHA,
                    "author_name": "Dev (aider)",
                    "author_email": "dev@example.com",
                    "message": "Add sub\n",
                    "files": [{"filename": "calc.py", "status": "modified", "patch": PATCH}],
                }
            ],
        ),
        contents={"calc.py": TEXT},
    )
    config = "model:\n  repo_edit_rate: 0.4\n"
    fake_github.contents[(REPO, CONFIG_PATH, "main")] = config.encode()  # the review reads it from there
    settings = load_settings(config, env={})
    reviewing, replaying = Recording(), Recording()
    outcome = run(PullSource(client, REPO, 7, check_run=False), lambda _: reviewing, bot_login="redline[bot]")
    assert outcome is not None
    merged = MergedPull(7, "Add sub", "  Subtracts.  ", SHA, "dev", "feature", (), MERGED)
    lines = replay_pull(client, REPO, merged, replaying, settings)

    assert reviewing.seen == replaying.seen and reviewing.seen[0][1] == 0.4
    reviewed = [(ln.probability, ln.logit) for ln in outcome.scored]
    assert len(reviewed) == 3
    assert [(o.line.probability, o.line.logit) for o in lines] == reviewed
