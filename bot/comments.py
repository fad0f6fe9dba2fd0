"""Pure review planning: comment text a reviewer can act on, hidden fingerprints, the summary with coverage,
and which earlier redline comments to keep, update or resolve on a new push. No GitHub calls here.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from scoring.decisions import Decision, GateDecision
from scoring.diff import FileDiff
from scoring.target import TARGET_EXCLUDES
from scoring.types import LineScore, LineStatus

MARKER_PREFIX = "<!-- redline:fp="
_MARKER = re.compile(r"<!-- redline:fp=([0-9a-f]{16}) -->")
# Keep the summary well under GitHub's 65,536-character body limit even with long paths.
MAX_SUMMARY_ROWS = 50


@dataclass(frozen=True, slots=True)
class Coverage:
    """What was and was not scored. skipped: (reason, number of files) pairs."""

    ai_lines: int
    scored_lines: int
    files_scored: int
    human_lines: int = 0
    skipped: tuple[tuple[str, int], ...] = ()
    untrained_languages: tuple[str, ...] = ()

    @classmethod
    def of(cls, files: Sequence[FileDiff], lines: Sequence[LineScore]) -> Coverage:
        """Count `lines` (settled by the scoring stage). A file counts as skipped when the diff could not be
        scored, or when AI-written lines of it were not scored (excluded, language, failure)."""
        scored = [ln for ln in lines if ln.status is LineStatus.SCORED]
        unscored = {LineStatus.FILE_SKIPPED, LineStatus.NOT_SCORED}
        reasons: dict[str, set[str]] = {}
        for ln in lines:
            if ln.ai and ln.status in unscored:
                reasons.setdefault(ln.path, set()).add(ln.reason)
        skipped: Counter[str] = Counter()
        for f in files:
            skipped.update({f.skip.value} if f.skip is not None else reasons.get(f.path, set()))
        return cls(
            ai_lines=sum(ln.ai for ln in lines),
            scored_lines=len(scored),
            files_scored=len({ln.path for ln in scored}),
            human_lines=sum(ln.status is LineStatus.NOT_AI for ln in lines),
            skipped=tuple(sorted(skipped.items())),
            untrained_languages=tuple(
                sorted({ln.untrained_language for ln in scored if ln.untrained_language})
            ),
        )

    def line(self) -> str:
        text = (
            f"scored {self.scored_lines} of {self.ai_lines} AI-written lines in {self.files_scored} "
            f"file{'s' if self.files_scored != 1 else ''}"
        )
        if self.human_lines:
            text += f" ({self.human_lines} added lines not AI-written, not scored)"
        if self.skipped:
            text += "; skipped " + ", ".join(
                f"{n} file{'s' if n != 1 else ''} ({reason})" for reason, n in self.skipped
            )
        if self.untrained_languages:
            text += "; scored outside the model's training languages: " + ", ".join(self.untrained_languages)
        return text


@dataclass(frozen=True, slots=True)
class CommentDraft:
    path: str
    line: int
    body: str
    fingerprint: str
    probability: float


@dataclass(frozen=True, slots=True)
class ExistingComment:
    id: int
    path: str
    line: int | None
    body: str
    user_login: str
    in_reply_to: int | None = None


@dataclass(frozen=True, slots=True)
class ReviewPlan:
    """new: to post in one review. update: (id, body) of our comments whose text changed.
    delete: our outdated comments nobody answered. resolve: (id, body) of outdated ones a person answered.
    """

    new: tuple[CommentDraft, ...]
    update: tuple[tuple[int, str], ...]
    delete: tuple[int, ...]
    resolve: tuple[tuple[int, str], ...]
    summary: str


def fingerprint(path: str, text: str, probe_version: str, occurrence: int = 0) -> str:
    """Stable across pushes that move a line: path + whitespace-normalised text + probe version
    (+ which occurrence of that text, so two identical flagged lines keep two comments)."""
    normalised = " ".join(text.split())
    key = f"{path}\0{normalised}\0{probe_version}\0{occurrence}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def read_marker(body: str) -> str | None:
    found = _MARKER.search(body)
    return found.group(1) if found else None


def in_hundred(probability: float) -> str:
    """'about 7 in 100' — the calibrated probability as a frequency a reviewer can picture."""
    hundredths = round(probability * 100)
    return "fewer than 1 in 100" if hundredths == 0 else f"about {hundredths} in 100"


def meaning(probability: float) -> str:
    """One sentence: what the probability is a probability of, as a frequency."""
    return (
        f"{in_hundred(probability).capitalize()} AI-written lines that score like this have their content "
        f"changed by a person within 90 days ({TARGET_EXCLUDES})."
    )


def comment_body(finding: LineScore, fp: str, docs_url: str, probe_version: str) -> str:
    lines = [
        f"**redline** · probability **{finding.probability:.2f}** that a person changes this line",
        "",
        meaning(finding.probability),
    ]
    if finding.reasons:
        lines.append(f"What raised it most: {'; '.join(finding.reasons)}.")
    if finding.hunk is not None:
        h = finding.hunk
        lines.append(
            f"Hunk lines {h.start}–{h.end}: probability {h.probability:.2f} that a person changes some line of it."
        )
    lines.append(f"Why this counts as AI-written: {finding.why}.")
    if finding.untrained_language:
        lines.append(
            f"Note: the model was not trained on {finding.untrained_language}; treat this score as rough."
        )
    lines += ["", f"[What this number means]({docs_url}) · model {probe_version}", f"{MARKER_PREFIX}{fp} -->"]
    return "\n".join(lines)


def plan(
    decision: Decision,
    existing: Sequence[ExistingComment],
    *,
    bot_login: str,
    probe_version: str,
    coverage: Coverage,
    head_sha: str,
    docs_url: str,
) -> ReviewPlan:
    """Turn decisions into a ReviewPlan; markers are trusted only on comments `bot_login` wrote."""
    drafts = []
    seen: dict[tuple[str, str], int] = {}
    for d in sorted(decision.commented, key=lambda d: (d.line.path, d.line.line)):
        finding = d.line
        text_key = (finding.path, " ".join(finding.text.split()))
        seen[text_key] = seen.get(text_key, -1) + 1
        fp = fingerprint(finding.path, finding.text, probe_version, seen[text_key])
        drafts.append(
            CommentDraft(
                finding.path,
                finding.line,
                comment_body(finding, fp, docs_url, probe_version),
                fp,
                finding.probability,
            )
        )
    ours = {read_marker(c.body): c for c in existing if c.user_login == bot_login and c.in_reply_to is None}
    ours.pop(None, None)
    answered = {c.in_reply_to for c in existing if c.in_reply_to is not None and c.user_login != bot_login}
    wanted = {d.fingerprint for d in drafts}
    new = tuple(d for d in drafts if d.fingerprint not in ours)
    update = tuple(
        (ours[d.fingerprint].id, d.body)
        for d in drafts
        if d.fingerprint in ours and ours[d.fingerprint].body != d.body
    )
    outdated = [c for fp, c in ours.items() if fp not in wanted]
    delete = tuple(c.id for c in outdated if c.id not in answered)
    resolve = tuple(
        (c.id, _resolved_body(c.body, head_sha))
        for c in outdated
        if c.id in answered and "redline: resolved" not in c.body
    )
    over_cap = [d.line for d in decision.over_cap]
    return ReviewPlan(
        new, update, delete, resolve, summary_text(decision.gate, coverage, drafts, over_cap, probe_version)
    )


def _resolved_body(body: str, head_sha: str) -> str:
    return (
        f"~~{body.split(MARKER_PREFIX)[0].strip()}~~\n\n_redline: resolved — no longer flagged at {head_sha[:7]}._\n\n"
        + (body[body.index(MARKER_PREFIX) :] if MARKER_PREFIX in body else "")
    )


def summary_text(
    gate: GateDecision,
    coverage: Coverage,
    drafts: Sequence[CommentDraft],
    over_cap: Sequence[LineScore],
    probe_version: str,
) -> str:
    """The one summary of a run: gate, coverage, and lines above threshold that did not get a comment."""
    rows = [
        f"### redline: {gate.conclusion.value}",
        "",
        f"- **Gate:** {gate.reason.rstrip('.')}.",
        f"- **Coverage:** {coverage.line()}.",
        f"- **Inline comments:** {len(drafts)} line(s) at or above the comment threshold (model {probe_version}).",
    ]
    if over_cap:
        rows += [
            "",
            f"{len(over_cap)} more line(s) cleared the threshold but exceeded the comment cap:",
            "",
            "| file | line | probability |",
            "|---|---|---|",
        ]
        rows += [f"| `{f.path}` | {f.line} | {f.probability:.2f} |" for f in over_cap[:MAX_SUMMARY_ROWS]]
        if len(over_cap) > MAX_SUMMARY_ROWS:
            rows.append(f"| … | {len(over_cap) - MAX_SUMMARY_ROWS} more | |")
    return "\n".join(rows)
