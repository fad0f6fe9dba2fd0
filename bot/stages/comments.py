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
from scoring.languages import NEUTRAL_ONLY, PARSED_LANGUAGES, language_of
from scoring.target import TARGET_EXCLUDES
from scoring.types import LineScore, LineStatus

MARKER_PREFIX = "<!-- redline:fp="
_MARKER = re.compile(r"<!-- redline:fp=([0-9a-f]{16}) -->")
# Keep the summary well under GitHub's 65,536-character body limit even with long paths.
MAX_SUMMARY_ROWS = 50
# How a comment writes a language (scoring.languages names them in lower case).
LANGUAGE_NAMES = {
    "python": "Python",
    "typescript": "TypeScript",
    "javascript": "JavaScript",
    "go": "Go",
    "rust": "Rust",
    "java": "Java",
    "kotlin": "Kotlin",
    "c": "C",
    "cpp": "C++",
    "csharp": "C#",
    "ruby": "Ruby",
    "php": "PHP",
    "swift": "Swift",
    "scala": "Scala",
    "sql": "SQL",
    "yaml": "YAML",
    "json": "JSON",
    "toml": "TOML",
    "markdown": "Markdown",
    "html": "HTML",
    "css": "CSS",
}


def language_note(untrained_language: str | None) -> str | None:
    """What the language of a line scored outside the model's languages (`languages.extra`) means for its
    score: no parser reads it, or the model was not trained on it; None for a language the model lists."""
    if untrained_language is None:
        return None
    if untrained_language in PARSED_LANGUAGES:
        return f"the model was not trained on {untrained_language}; treat this score as rough"
    return NEUTRAL_ONLY


def language_sentence(line: LineScore) -> str:
    """'Language: TypeScript.' or 'Language: Go, scored with language-neutral features only.'"""
    language = language_of(line.path)
    name = LANGUAGE_NAMES.get(language, language)
    note = language_note(line.untrained_language)
    return f"Language: {name}, {note}." if note else f"Language: {name}."


@dataclass(frozen=True, slots=True)
class Coverage:
    """What was and was not scored. skipped: (reason, number of files) pairs. languages: (language, scored
    lines) pairs, the model's own languages first, then most lines first. untrained_languages: those outside
    the model's languages, scored because `languages.extra` names them."""

    ai_lines: int
    scored_lines: int
    files_scored: int
    human_lines: int = 0
    skipped: tuple[tuple[str, int], ...] = ()
    untrained_languages: tuple[str, ...] = ()
    languages: tuple[tuple[str, int], ...] = ()

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
        languages = Counter(language_of(ln.path) for ln in scored)
        untrained = {ln.untrained_language for ln in scored if ln.untrained_language}
        return cls(
            ai_lines=sum(ln.ai for ln in lines),
            scored_lines=len(scored),
            files_scored=len({ln.path for ln in scored}),
            human_lines=sum(ln.status is LineStatus.NOT_AI for ln in lines),
            skipped=tuple(sorted(skipped.items())),
            untrained_languages=tuple(sorted(untrained)),
            languages=tuple(sorted(languages.items(), key=lambda kv: (kv[0] in untrained, -kv[1], kv[0]))),
        )

    def line(self) -> str:
        text = (
            f"scored {self.scored_lines} of {self.ai_lines} AI-written lines in {self.files_scored} "
            f"file{'s' if self.files_scored != 1 else ''}"
        )
        if self.human_lines:
            text += f" ({self.human_lines} added lines not AI-written, not scored)"
        if self.languages:
            text += "; " + ", ".join(self._language(language, n) for language, n in self.languages)
        if self.skipped:
            text += "; skipped " + ", ".join(
                f"{n} file{'s' if n != 1 else ''} ({reason})" for reason, n in self.skipped
            )
        return text

    def _language(self, language: str, n: int) -> str:
        note = language_note(language if language in self.untrained_languages else None)
        return f"{language} {n} line{'s' if n != 1 else ''}" + (f" ({note})" if note else "")


@dataclass(frozen=True, slots=True)
class CommentDraft:
    """The inline comment a commented line gets: the decided line (not a copy of its fields), the text and
    the hidden fingerprint that finds the comment again on the next push."""

    finding: LineScore
    body: str
    fingerprint: str

    @property
    def path(self) -> str:
        return self.finding.path

    @property
    def line(self) -> int:
        return self.finding.line

    @property
    def probability(self) -> float:
        return self.finding.probability


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


def fingerprint(path: str, text: str, model_version: str, occurrence: int = 0) -> str:
    """Stable across pushes that move a line: path + whitespace-normalised text + model version
    (+ which occurrence of that text, so two identical flagged lines keep two comments)."""
    normalised = " ".join(text.split())
    key = f"{path}\0{normalised}\0{model_version}\0{occurrence}"
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


def comment_body(finding: LineScore, fp: str, docs_url: str, model_version: str) -> str:
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
            f"Hunk lines {h.start}–{h.end}: probability {h.probability:.2f} that a person changes some line "
            "of it."
        )
    lines.append(f"Why this counts as AI-written: {finding.why}.")
    lines.append(language_sentence(finding))
    lines += ["", f"[What this number means]({docs_url}) · model {model_version}", f"{MARKER_PREFIX}{fp} -->"]
    return "\n".join(lines)


def plan(
    decision: Decision,
    existing: Sequence[ExistingComment],
    *,
    bot_login: str,
    model_version: str,
    coverage: Coverage,
    head_sha: str,
    docs_url: str,
) -> ReviewPlan:
    """Turn decisions into a ReviewPlan; markers are trusted only on comments `bot_login` wrote."""
    drafts = []
    seen: dict[tuple[str, str], int] = {}
    for finding in sorted(decision.commented, key=lambda ln: (ln.path, ln.line)):
        text_key = (finding.path, " ".join(finding.text.split()))
        seen[text_key] = seen.get(text_key, -1) + 1
        fp = fingerprint(finding.path, finding.text, model_version, seen[text_key])
        drafts.append(CommentDraft(finding, comment_body(finding, fp, docs_url, model_version), fp))
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
    return ReviewPlan(
        new,
        update,
        delete,
        resolve,
        summary_text(decision.gate, coverage, drafts, decision.over_cap, model_version),
    )


def _resolved_body(body: str, head_sha: str) -> str:
    return (
        f"~~{body.split(MARKER_PREFIX)[0].strip()}~~\n\n"
        f"_redline: resolved — no longer flagged at {head_sha[:7]}._\n\n"
        + (body[body.index(MARKER_PREFIX) :] if MARKER_PREFIX in body else "")
    )


def summary_text(
    gate: GateDecision,
    coverage: Coverage,
    drafts: Sequence[CommentDraft],
    over_cap: Sequence[LineScore],
    model_version: str,
) -> str:
    """The one summary of a run: gate, coverage, and lines above threshold that did not get a comment."""
    rows = [
        f"### redline: {gate.conclusion.value}",
        "",
        f"- **Gate:** {gate.reason.rstrip('.')}.",
        f"- **Coverage:** {coverage.line()}.",
        (
            f"- **Inline comments:** {len(drafts)} line(s) at or above the comment threshold "
            f"(model {model_version})."
        ),
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
