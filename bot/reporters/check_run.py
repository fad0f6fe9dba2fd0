"""Report the outcome as one completed check run: gate conclusion, summary, annotations for flagged lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.github import checks
from bot.github.checks import Annotation
from bot.github.client import GitHubClient
from bot.stages import gate as gate_rules
from bot.stages.comments import meaning
from scoring.types import LineVerdict

if TYPE_CHECKING:
    from bot.types import ReviewOutcome

CHECK_NAME = "redline"


def check_annotations(outcome: ReviewOutcome) -> list[Annotation]:
    """A warning per line at or above the comment threshold, a failure per hunk that trips the gate."""
    result = [
        Annotation(
            d.path,
            d.line,
            d.line,
            "warning",
            f"Probability {d.probability:.2f} that a person changes this line: {meaning(d.probability)}",
            title="redline: likely to be edited",
        )
        for d in sorted(outcome.decision.lines, key=lambda d: d.rank or 0)
        if d.verdict in (LineVerdict.COMMENT, LineVerdict.OVER_CAP)
    ]
    result += [
        Annotation(
            h.path,
            h.start,
            h.end,
            "failure",
            f"Hunk edit probability {h.probability:.2f} reaches the gate threshold.",
            title="redline: high-risk AI-written hunk",
        )
        for h in outcome.gate.blocking
    ]
    return result


class CheckRunReporter:
    def __init__(
        self,
        client: GitHubClient,
        repo: str,
        name: str = CHECK_NAME,
        details_url: str | None = None,
        key: str | None = None,
    ) -> None:
        """`key`: the check run's external id, the same for every attempt of one job (the App's task id);
        a run that carries it already is reused, not posted again. None: a new id, looked for only when
        GitHub's answer to the create is lost."""
        self.client = client
        self.repo = repo
        self.name = name
        self.details_url = details_url
        self.key = key
        self.run_id: int | None = None

    def report(self, outcome: ReviewOutcome) -> None:
        self.run_id = checks.create_check_run(
            self.client,
            self.repo,
            name=self.name,
            head_sha=outcome.head_sha,
            conclusion=outcome.gate.conclusion.value,
            title=gate_rules.title(outcome.gate),
            summary=outcome.plan.summary,
            annotations=check_annotations(outcome),
            details_url=self.details_url,
            external_id=self.key,
            look_first=self.key is not None,
        )
