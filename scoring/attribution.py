"""Decide which added lines an AI wrote, from commit and pull-request evidence, with a reason for each.

Pure rules over plain values (commit identities, messages, labels, blame origins, git-ai / Agent Trace
line claims); reading git or GitHub is the caller's job. Shared with training/wild/mining.py.

Attribution is per commit first. A commit carries its own evidence: an agent author, committer or login;
a Co-authored-by trailer naming an agent; an agent footer ("Generated with Claude Code"); a Claude Code
session link or `Claude-Session:` trailer; a configured pattern. Pull-request evidence (an agent branch
prefix, an agent opened it, an AI label) then covers only the commits with no author evidence of their
own, and never:
- a bot's commit (an author or login ending in `[bot]`, e.g. github-actions[bot]): a machine, not an agent;
- a maintainer's commit: when some commits of the pull request carry explicit AI evidence, a commit
  without it whose author email is none of theirs is a person pushing to the agent's branch.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeGuard

import regex

from scoring.errors import ConfigError

# Python's re has no time limit, and a configured pattern such as `(a|aa)+$` backtracks for hours on a
# 40-character commit message. Configured patterns run on the `regex` engine (re's syntax) with this
# limit per text; the built-in patterns below are fixed and linear, and stay on re.
PATTERN_TIMEOUT_S = 0.1

# (agent, pattern) matched against an identity "Name <email>" (authors, committers, co-authors, logins).
# Narrow on purpose: a person named Claude or Jules must not count as an agent.
AGENT_IDENTITIES: tuple[tuple[str, str], ...] = (
    ("Claude", r"noreply@anthropic\.com|\bclaude\[bot\]|\bclaude[ -]code\b"),
    ("Copilot", r"\bcopilot\b|copilot-swe-agent|\+copilot@users\.noreply\.github\.com"),
    ("Cursor", r"cursoragent@cursor\.com|\bcursor\[bot\]|\bcursor agent\b"),
    ("Aider", r"\(aider\)"),
    ("Codex", r"\bcodex\b|chatgpt-codex-connector"),
    ("Devin", r"devin-ai-integration"),
    ("Jules", r"google-labs-jules"),
    ("Gemini", r"gemini-code-assist|\bgemini\[bot\]"),
    ("Windsurf", r"\bwindsurf\b|\bcodeium\b"),
    ("Amazon Q", r"amazon-q-developer"),
    ("OpenHands", r"\bopenhands\b"),
    ("Sweep", r"sweep-ai"),
)
# Product names a commit footer ("Generated with ...", "Assisted-by: ...") must mention to count.
AGENT_NAMES = re.compile(
    r"claude|copilot|cursor|aider|codex|chatgpt|gpt-\d|devin|jules|gemini|windsurf|codeium|amazon q"
    r"|openhands|sweep",
    re.IGNORECASE,
)
AGENT_FOOTERS: tuple[str, ...] = (
    r"^\W*generated (?:with|by|using) (?P<agent>.+)$",
    r"^(?:generated-by|assisted-by|ai-agent|x-ai-agent):\s*(?P<agent>.+)$",
)
DEFAULT_BRANCH_PREFIXES: tuple[str, ...] = (
    "copilot/",
    "claude/",
    "cursor/",
    "codex/",
    "devin/",
    "jules/",
    "aider/",
)
DEFAULT_LABELS: tuple[str, ...] = ("ai-generated", "ai-authored", "copilot", "claude", "codex", "devin")
_TRAILER = re.compile(r"^co-authored-by:\s*(?P<who>.+)$", re.IGNORECASE | re.MULTILINE)
# Claude Code (web) leaves only a link to its session in the message, or a Claude-Session trailer.
_CLAUDE_SESSION = re.compile(
    r"^claude-session:\s*\S+|https?://claude\.ai/code/session_\w+", re.IGNORECASE | re.MULTILINE
)
# GitHub app and bot accounts (github-actions[bot], dependabot[bot]); agents among them are matched first.
_BOT = re.compile(r"\[bot\]", re.IGNORECASE)
_EMAIL = re.compile(r"<([^>]*)>\s*$")


class DetectMode(enum.StrEnum):
    DETECT = "detect"  # use the evidence
    ALL = "all"  # every added line counts as AI-written
    NONE = "none"  # nothing does (redline only scores when told which lines)


class Evidence(enum.StrEnum):
    CONFIG = "config"
    LINE_CLAIM = "line claim"  # git-ai note or Agent Trace record naming the line
    TRAILER = "trailer"
    FOOTER = "footer"
    AUTHOR = "author"
    PULL_AUTHOR = "pull author"
    BRANCH = "branch"
    LABEL = "label"
    PATTERN = "pattern"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Rules:
    """The configurable part of detection. extra_patterns are regexes (case-insensitive) tried on identities
    and messages."""

    mode: DetectMode = DetectMode.DETECT
    extra_patterns: tuple[str, ...] = ()
    branch_prefixes: tuple[str, ...] = DEFAULT_BRANCH_PREFIXES
    labels: tuple[str, ...] = DEFAULT_LABELS

    def __post_init__(self) -> None:
        for pattern in self.extra_patterns:
            try:
                regex.compile(pattern)
            # compiling raises more than regex.error: OverflowError for a huge repeat count,
            # RecursionError for groups nested thousands deep.
            except (regex.error, OverflowError, RecursionError) as error:
                shown = pattern if len(pattern) <= 80 else pattern[:79] + "…"  # a message, not the file
                raise ConfigError(f"AI detection pattern {shown!r} is not a valid regex: {error}") from error


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """What attribution reads from a commit; login is the GitHub account when known."""

    sha: str
    author: str  # "Name <email>"
    committer: str = ""
    message: str = ""
    login: str | None = None


@dataclass(frozen=True, slots=True)
class PullInfo:
    """What attribution reads from a pull request (all optional for a local branch)."""

    author_login: str | None = None
    branch: str | None = None
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LineClaim:
    """A git-ai note or Agent Trace record: lines first..last of `path` as of commit `sha` were (not)
    AI-written."""

    sha: str | None
    path: str
    first: int
    last: int
    ai: bool
    source: str  # "git-ai note", "Agent Trace"
    agent: str | None = None


@dataclass(frozen=True, slots=True)
class LineOrigin:
    """Blame of one added line at head: the PR commit that introduced it and its line number there."""

    path: str
    line: int
    sha: str | None
    orig_line: int | None = None


@dataclass(frozen=True, slots=True)
class Attribution:
    """Whether code counts as AI-written, why (a sentence for a reviewer), and which agent if known."""

    ai: bool
    reason: str
    evidence: Evidence
    agent: str | None = None
    sha: str | None = None


def _pattern_matches(pattern: str, text: str, flags: int) -> bool:
    """A configured pattern searched under PATTERN_TIMEOUT_S; past it a ConfigError naming the pattern."""
    try:
        return regex.search(pattern, text, flags, timeout=PATTERN_TIMEOUT_S) is not None
    except TimeoutError:
        shown = pattern if len(pattern) <= 80 else pattern[:79] + "…"
        raise ConfigError(
            f"ai.patterns {shown!r} took more than {PATTERN_TIMEOUT_S} s on one commit text (nested "
            "repetition such as (a+)+ backtracks exponentially): simplify it"
        ) from None


def agent_in_identity(identity: str, rules: Rules = Rules()) -> str | None:
    """The agent an identity belongs to, or None. `agent_in_identity("Bob (aider) <b@x>")` -> "Aider"."""
    lowered = identity.lower()
    for agent, pattern in AGENT_IDENTITIES:
        if re.search(pattern, lowered):
            return agent
    for pattern in rules.extra_patterns:
        if _pattern_matches(pattern, identity, regex.IGNORECASE):
            return f"pattern {pattern}"
    return None


def classify_commit(commit: CommitInfo, rules: Rules = Rules()) -> Attribution:
    """Commit-level evidence: author, committer, login, Co-authored-by trailers, agent footers, patterns."""
    short = commit.sha[:7]
    for label, identity in (
        ("author", commit.author),
        ("committer", commit.committer),
        ("login", commit.login or ""),
    ):
        if identity and (agent := agent_in_identity(identity, rules)):
            return Attribution(
                True, f"commit {short} {label} is {identity} ({agent})", Evidence.AUTHOR, agent, commit.sha
            )
    for match in _TRAILER.finditer(commit.message):
        who = match.group("who").strip()
        if agent := agent_in_identity(who, rules):
            reason = f"commit {short} has trailer Co-authored-by: {who}"
            return Attribution(True, reason, Evidence.TRAILER, agent, commit.sha)
    if session := _CLAUDE_SESSION.search(commit.message):
        reason = f"commit {short} has Claude Code session {session.group(0).strip()!r}"
        return Attribution(True, reason, Evidence.TRAILER, "Claude", commit.sha)
    for line in commit.message.splitlines():
        for footer in AGENT_FOOTERS:
            found = re.search(footer, line.strip(), re.IGNORECASE)
            if found and (name := AGENT_NAMES.search(found.group("agent"))):
                agent = name.group(0).capitalize()
                return Attribution(
                    True, f"commit {short} says {line.strip()!r}", Evidence.FOOTER, agent, commit.sha
                )
    for pattern in rules.extra_patterns:
        if _pattern_matches(pattern, commit.message, regex.IGNORECASE | regex.MULTILINE):
            reason = f"commit {short} message matches configured pattern {pattern!r}"
            return Attribution(True, reason, Evidence.PATTERN, None, commit.sha)
    return Attribution(False, f"no AI evidence in commit {short}", Evidence.NONE, None, commit.sha)


def classify_pull(pull: PullInfo, rules: Rules = Rules()) -> Attribution:
    """Pull-request-level evidence: an agent account opened it, an agent branch prefix, or an AI label."""
    if pull.author_login and (agent := agent_in_identity(pull.author_login, rules)):
        return Attribution(True, f"pull request opened by {pull.author_login}", Evidence.PULL_AUTHOR, agent)
    if pull.branch:
        for prefix in rules.branch_prefixes:
            if pull.branch.lower().startswith(prefix.lower()):
                agent = prefix.rstrip("/").capitalize()
                return Attribution(True, f"branch {pull.branch} starts with {prefix}", Evidence.BRANCH, agent)
    wanted = {label.lower() for label in rules.labels}
    for label in pull.labels:
        if label.lower() in wanted:
            return Attribution(True, f"pull request has label {label}", Evidence.LABEL)
    return Attribution(False, "no AI evidence on the pull request", Evidence.NONE)


def attribute_commits(
    commits: Iterable[CommitInfo], pull: PullInfo = PullInfo(), rules: Rules = Rules()
) -> dict[str, Attribution]:
    """Attribution of each commit by sha: its own evidence, else the pull request's (module docstring)."""
    own = {c.sha: (c, classify_commit(c, rules)) for c in commits}
    pull_attribution = classify_pull(pull, rules)
    agent_emails = {_email(c.author) for c, a in own.values() if a.ai}
    result = {}
    for sha, (commit, attribution) in own.items():
        if attribution.ai or not pull_attribution.ai:
            result[sha] = attribution
        elif bot := next((i for i in (commit.author, commit.login or "") if _BOT.search(i)), None):
            reason = f"commit {sha[:7]} is by the bot {bot}"
            result[sha] = Attribution(False, reason, Evidence.AUTHOR, None, sha)
        elif agent_emails and _email(commit.author) not in agent_emails:
            reason = (
                f"commit {sha[:7]} by {commit.author} carries no AI evidence, unlike the"
                " AI-evidenced commits of this pull request by other authors"
            )
            result[sha] = Attribution(False, reason, Evidence.AUTHOR, None, sha)
        else:
            result[sha] = pull_attribution
    return result


def _email(identity: str) -> str:
    """The email of "Name <email>", lowercased; the whole identity when it has none."""
    found = _EMAIL.search(identity)
    return (found.group(1) if found else identity).strip().lower()


def attribute_lines(
    origins: Sequence[LineOrigin],
    commits: Iterable[CommitInfo],
    pull: PullInfo = PullInfo(),
    rules: Rules = Rules(),
    claims: Sequence[LineClaim] = (),
) -> dict[tuple[str, int], Attribution]:
    """Attribution of every added line, keyed by (path, line at head).

    Precedence: configuration mode; a line claim (git-ai note / Agent Trace) naming the line in its
    commit; the attribution of the commit that introduced the line (attribute_commits); the pull
    request's evidence when that commit is unknown.
    """
    if rules.mode is DetectMode.NONE:
        off = Attribution(False, "AI detection is off (ai.detect: none)", Evidence.CONFIG)
        return {(o.path, o.line): off for o in origins}
    if rules.mode is DetectMode.ALL:
        on = Attribution(
            True, "the configuration counts every change as AI-written (ai.detect: all)", Evidence.CONFIG
        )
        return {(o.path, o.line): on for o in origins}
    by_commit = attribute_commits(commits, pull, rules)
    pull_attribution = classify_pull(pull, rules)
    claim_index = _index_claims(claims)
    result = {}
    for origin in origins:
        claim = _covering(claim_index, origin.sha, origin.path, origin.orig_line) or _covering(
            claim_index, None, origin.path, origin.line
        )
        commit_attribution = by_commit.get(origin.sha) if origin.sha else None
        result[(origin.path, origin.line)] = _combine(claim, commit_attribution, pull_attribution)
    return result


def _index_claims(claims: Sequence[LineClaim]) -> Mapping[tuple[str | None, str], list[LineClaim]]:
    """Claims by (commit, path), latest first. Kept as ranges: a note may claim lines 1-99999999999."""
    index: dict[tuple[str | None, str], list[LineClaim]] = {}
    for claim in reversed(claims):
        index.setdefault((claim.sha, claim.path), []).append(claim)
    return index


def _covering(
    index: Mapping[tuple[str | None, str], list[LineClaim]], sha: str | None, path: str, line: int | None
) -> LineClaim | None:
    """The latest claim on `path` in `sha` whose range holds `line` (a later record overrides an earlier)."""
    if line is None:
        return None
    return next((c for c in index.get((sha, path), ()) if c.first <= line <= c.last), None)


def _combine(claim: LineClaim | None, commit: Attribution | None, pull: Attribution) -> Attribution:
    if claim is not None:
        who = f" ({claim.agent})" if claim.agent else ""
        verdict = "AI-written" if claim.ai else "human-written"
        reason = f"{claim.source} marks lines {claim.first}-{claim.last} of {claim.path} {verdict}{who}"
        return Attribution(claim.ai, reason, Evidence.LINE_CLAIM, claim.agent, claim.sha)
    if commit is not None:
        return commit
    if pull.ai:
        return pull
    return Attribution(False, "the commit that added the line is unknown", Evidence.NONE)


def blame_by_content(
    added: Sequence[tuple[int, str]], commit_additions: Sequence[tuple[str, Sequence[str]]]
) -> dict[int, str]:
    """Approximate blame without a clone: each added line goes to the latest commit that added that text.

    `added` is (line at head, text); `commit_additions` is (sha, texts it added) in commit order.
    Used for GitHub PRs fetched through the API, where `git blame` is not available.
    """
    latest: dict[str, str] = {}
    for sha, texts in commit_additions:
        for text in texts:
            latest[text.strip()] = sha
    return {line: latest[text.strip()] for line, text in added if text.strip() in latest}


def claims_from_git_ai_note(sha: str, note: str) -> list[LineClaim]:
    """Parse a git-ai authorship note (refs/notes/ai): `path` lines, then indented `<prompt> <ranges>`
    lines, then `---` and JSON metadata naming each prompt's tool. Unknown shapes yield no claims."""
    attestation, _, metadata_text = note.partition("\n---")
    tools: dict[str, str] = {}
    try:
        prompts = json.loads(metadata_text).get("prompts", {}) if metadata_text.strip() else {}
        tools = {key: str(value.get("agent_id", {}).get("tool", "")) for key, value in prompts.items()}
    except (ValueError, AttributeError):
        tools = {}
    claims, path = [], None
    for raw in attestation.splitlines():
        if not raw.strip():
            continue
        if not raw[0].isspace():
            path = raw.strip().strip('"')
            continue
        parts = raw.split()
        if path is None or len(parts) != 2:
            continue
        prompt, ranges = parts
        for first, last in _ranges(ranges):
            claims.append(LineClaim(sha, path, first, last, True, "git-ai note", tools.get(prompt) or None))
    return claims


def claims_from_agent_trace(record: Mapping[str, object]) -> list[LineClaim]:
    """Parse one Agent Trace record (agent-trace.dev v0.1): files -> conversations -> contributor + ranges."""
    vcs = record.get("vcs")
    sha = str(vcs.get("revision")) if isinstance(vcs, dict) and vcs.get("revision") else None
    tool = record.get("tool")
    tool_name = str(tool.get("name")) if isinstance(tool, dict) and tool.get("name") else None
    claims = []
    for file in _dicts(record.get("files")):
        path = str(file.get("path", ""))
        for conversation in _dicts(file.get("conversations")):
            contributor = conversation.get("contributor")
            kind = contributor.get("type") if isinstance(contributor, dict) else None
            if kind not in ("ai", "mixed", "human") or not path:
                continue
            model = contributor.get("model_id") if isinstance(contributor, dict) else None
            for span in _dicts(conversation.get("ranges")):
                first, last = span.get("start_line"), span.get("end_line", span.get("start_line"))
                if _line_number(first) and _line_number(last) and first <= last:
                    agent = tool_name or (str(model) if model else None)
                    claims.append(LineClaim(sha, path, first, last, kind != "human", "Agent Trace", agent))
    return claims


def _line_number(value: object) -> TypeGuard[int]:
    """A 1-based line number: an int (JSON `true` is not one) of at least 1."""
    return type(value) is int and value >= 1


def _dicts(value: object) -> list[dict[str, object]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _ranges(text: str) -> list[tuple[int, int]]:
    result = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        # isascii: str.isdigit also accepts "²" and other digits int() refuses.
        if first.isascii() and first.isdigit() and (not last or (last.isascii() and last.isdigit())):
            start, end = int(first), int(last or first)
            if 1 <= start <= end:  # "0" or "9-2" name no line
                result.append((start, end))
    return result
