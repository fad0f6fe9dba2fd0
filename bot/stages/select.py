"""Pure selection: every added line of a change marked with whether it is scored, and if not, why.

Files in, lines out; the first stage of a review (bot.review), before any model runs. A line of a skipped
file keeps the file's reason, so coverage can say "skipped (too large)" instead of guessing authorship.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from bot.config import Settings
from scoring.attribution import Attribution, Evidence
from scoring.card import DEFAULT_LANGUAGES, ModelCard
from scoring.diff import FileDiff
from scoring.languages import language_of
from scoring.types import LineScore, LineStatus

UNKNOWN = Attribution(False, "no blame information for this line", Evidence.NONE)


def glob_regex(pattern: str) -> re.Pattern[str]:
    """Translate a path glob with `**` (any directories), `*` and `?` into a regex over POSIX paths."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(f"^{out}$")


def trained_languages(card: ModelCard | None) -> tuple[str, ...]:
    """The languages the model scores first-class, as its card lists them (Python where it lists none)."""
    return card.languages if card is not None else DEFAULT_LANGUAGES


def skip_reason(f: FileDiff, settings: Settings, trained: Sequence[str]) -> str | None:
    """Why a changed file is not scored (unscorable diff, excluded path, a language the model does not
    list and `languages.extra` does not name), or None."""
    if f.skip is not None:
        return f.skip.value
    if not any(glob_regex(p).match(f.path) for p in settings.paths.include) or any(
        glob_regex(p).match(f.path) for p in settings.paths.exclude
    ):
        return "excluded by paths"
    language = language_of(f.path)
    extra = settings.languages.extra
    if language not in trained and "*" not in extra and language not in extra:
        return f"language not scored ({language})"
    return None


def select(
    files: Sequence[FileDiff],
    attributions: Mapping[tuple[str, int], Attribution],
    settings: Settings,
    trained: Sequence[str],
) -> tuple[LineScore, ...]:
    """Every added line, in diff order: TO_SCORE when an AI wrote it in a file that is scored, else why not.
    A line of a file scored only because `languages.extra` names its language carries that language as
    `untrained_language` (bot.stages.comments.language_note says what that means for its score)."""
    lines = []
    for f in files:
        reason = skip_reason(f, settings, trained)
        language = language_of(f.path)
        untrained = None if reason is not None or language in trained else language
        for added in f.added:
            n = added.new_line or 0
            attribution = attributions.get((f.path, n), UNKNOWN)
            if reason is not None:
                status = LineStatus.FILE_SKIPPED
            else:
                status = LineStatus.TO_SCORE if attribution.ai else LineStatus.NOT_AI
            lines.append(
                LineScore(
                    f.path,
                    n,
                    text=added.text,
                    ai=attribution.ai,
                    why=attribution.reason,
                    status=status,
                    reason=reason or "",
                    untrained_language=untrained,
                )
            )
    return tuple(lines)
