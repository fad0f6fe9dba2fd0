"""End to end on real git repositories with the real (tiny) scorer: attribution, scoring, decisions, gate."""

from __future__ import annotations

import math

import pytest

from bot.config import load_settings
from bot.review import review
from bot.snapshot import local_snapshot
from bot.stages.select import glob_regex
from scoring.decisions import GateConclusion
from scoring.errors import ProbeError, SpanError
from scoring.types import CalibrationMode, LineStatus, LineVerdict

CLAUDE = "\n\nCo-authored-by: Claude <noreply@anthropic.com>"
BASE = "def add(a, b):\n    return a + b\n"
# The tiny scorer's probe learnt the planted signal: lines containing `bug` get edited.
AI_CODE = BASE + "def bug(x):\n    return x - 1  # bug\nfor i in range(10):\n\tprint(i)\n"
SETTINGS = load_settings(None, env={})


def _snapshot(git_repo, ai_author="Ada <ada@example.com>", message="Add loop" + CLAUDE, files=None):
    git_repo.commit({"calc.py": BASE}, "base")
    git_repo.branch("feature")
    git_repo.commit(files or {"calc.py": AI_CODE}, message, author=ai_author)
    return local_snapshot(git_repo.path, "main", "feature")


def test_ai_commit_gets_comments_only_above_threshold(git_repo, tiny):
    outcome = review(_snapshot(git_repo), lambda: tiny, SETTINGS)
    threshold = SETTINGS.decision_thresholds().comment
    commented = {d.line for d in outcome.decision.commented}
    assert commented == {3, 4}  # the two planted lines, nothing else
    for finding in outcome.scored:
        assert (finding.probability >= threshold) == (finding.line in commented)
    assert {d.line for d in outcome.plan.new} == commented
    assert outcome.coverage.scored_lines == 4 and outcome.coverage.ai_lines == 4
    assert all("Co-authored-by: Claude" in f.why for f in outcome.scored)


class _RecordingScorer:
    """Passes scoring through and remembers the logit returned for each one-line span."""

    def __init__(self, inner):
        self.inner, self.logits = inner, {}
        self.model_version, self.model_card = inner.model_version, inner.model_card
        self.fingerprint = inner.fingerprint
        self.calibration, self.reads_history = inner.calibration, inner.reads_history

    def score(self, text, spans, intent=None, mode=CalibrationMode.PR, change=None):
        scores = self.inner.score(text, spans, intent, mode, change=change)
        self.logits.update(
            {span.start: s.logit for span, s in zip(spans, scores, strict=True) if span.start == span.end}
        )
        return scores


def test_each_scored_line_carries_the_raw_logit_the_scorer_returned(git_repo, tiny):
    recording = _RecordingScorer(tiny)
    outcome = review(_snapshot(git_repo), lambda: recording, SETTINGS)
    scored = {ln.line: ln.logit for ln in outcome.lines if not math.isnan(ln.probability)}
    assert scored == {n: recording.logits[n] for n in (3, 4, 5, 6)}
    assert all(math.isnan(ln.logit) for ln in outcome.lines if math.isnan(ln.probability))


def test_human_commit_gets_no_comments_and_is_not_scored(git_repo, tiny):
    outcome = review(_snapshot(git_repo, message="Add loop"), lambda: tiny, SETTINGS)
    assert outcome.scored == () and outcome.plan.new == ()
    assert outcome.coverage.human_lines == 4 and outcome.coverage.scored_lines == 0
    assert {ln.status for ln in outcome.lines} == {LineStatus.NOT_AI}
    assert outcome.gate.conclusion is GateConclusion.SUCCESS


def test_only_the_lines_of_the_ai_commit_are_scored_in_a_mixed_branch(git_repo, tiny):
    git_repo.commit({"calc.py": BASE}, "base")
    git_repo.branch("feature")
    git_repo.commit({"calc.py": BASE + "def bug(x):\n    return x - 1  # bug\n"}, "human part")
    git_repo.commit(
        {"calc.py": BASE + "def bug(x):\n    return x - 1  # bug\nfor i in range(10):\n\tprint(i)\n"},
        "agent part",
        author="Copilot <198982749+Copilot@users.noreply.github.com>",
    )
    outcome = review(local_snapshot(git_repo.path, "main", "feature"), lambda: tiny, SETTINGS)
    assert {ln.line: ln.ai for ln in outcome.lines} == {3: False, 4: False, 5: True, 6: True}
    assert {f.line for f in outcome.scored} == {5, 6}


def test_gate_fails_on_a_planted_high_risk_hunk_and_the_label_overrides_it(git_repo, tiny):
    snapshot = _snapshot(git_repo)
    outcome = review(snapshot, lambda: tiny, SETTINGS)
    assert outcome.gate.conclusion is GateConclusion.FAILURE and outcome.exit_code == 1
    assert outcome.gate.blocking[0].start <= 3 and outcome.gate.blocking[0].end >= 4
    from dataclasses import replace

    from scoring.attribution import PullInfo

    accepted = review(
        replace(snapshot, pull=PullInfo(labels=("redline:accept-risk",))), lambda: tiny, SETTINGS
    )
    assert accepted.gate.conclusion is GateConclusion.SUCCESS and accepted.exit_code == 0


def test_gate_stays_neutral_when_the_model_is_missing(git_repo):
    def missing():
        raise ProbeError("no probe is installed")

    outcome = review(_snapshot(git_repo), missing, SETTINGS)
    assert outcome.gate.conclusion is GateConclusion.NEUTRAL and outcome.exit_code == 0
    assert "no probe is installed" in outcome.gate.reason and outcome.plan.new == ()
    assert all(math.isnan(ln.probability) for ln in outcome.lines)


def test_one_file_failing_to_score_is_marked_and_the_rest_is_scored(git_repo, tiny):
    class Flaky:
        model_version, model_card, fingerprint, calibration = (
            tiny.model_version,
            tiny.model_card,
            tiny.fingerprint,
            tiny.calibration,
        )
        reads_history = False

        def score(self, text, spans, intent=None, mode=None, change=None):
            if "loop" in text:
                raise SpanError("span outside text")
            return tiny.score(text, spans, intent=intent, mode=mode)

    files = {"calc.py": AI_CODE, "other.py": "# loop\nx = 1\n"}
    outcome = review(_snapshot(git_repo, files=files), lambda: Flaky(), SETTINGS)
    assert {f.path for f in outcome.scored} == {"calc.py"}
    assert any("scoring failed" in reason for reason, _ in outcome.coverage.skipped)


def test_untrained_language_is_skipped_unless_configured_then_flagged(git_repo, tiny):
    files = {"calc.py": AI_CODE, "web.js": "const bug = 1; // bug\n"}
    snapshot = _snapshot(git_repo, files=files)
    outcome = review(snapshot, lambda: tiny, SETTINGS)
    assert ("language not scored (javascript)", 1) in outcome.coverage.skipped
    configured = review(snapshot, lambda: tiny, load_settings("languages: {extra: [javascript]}", env={}))
    js = [f for f in configured.scored if f.path == "web.js"]
    assert js and js[0].untrained_language == "javascript"
    assert configured.coverage.untrained_languages == ("javascript",)


def test_excluded_paths_and_the_comment_cap(git_repo, tiny):
    files = {"calc.py": AI_CODE, "gen/x.py": "bug = 1  # bug\n"}
    settings = load_settings("paths: {exclude: ['gen/**']}\ncomments: {max: 1}", env={})
    outcome = review(_snapshot(git_repo, files=files), lambda: tiny, settings)
    assert ("excluded by paths", 1) in outcome.coverage.skipped
    assert len(outcome.plan.new) == 1
    assert [d.verdict for d in outcome.decision.lines].count(LineVerdict.OVER_CAP) == 1


def test_time_budget_exhausted_is_neutral(git_repo, tiny):
    ticks = iter(range(0, 10_000, 1000))
    outcome = review(
        _snapshot(git_repo), lambda: tiny, SETTINGS, time_budget_s=1, clock=lambda: float(next(ticks))
    )
    assert outcome.gate.conclusion is GateConclusion.NEUTRAL and "time budget" in outcome.gate.reason


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("**", "a/b.py", True),
        ("src/**", "src/a/b.py", True),
        ("src/**", "lib/a.py", False),
        ("**/*.lock", "poetry.lock", True),
        ("**/*.lock", "a/b/c.lock", True),
        ("*.py", "a/b.py", False),
    ],
)
def test_path_globs(pattern, path, matches):
    assert bool(glob_regex(pattern).match(path)) is matches


def test_a_new_commit_re_runs_only_the_windows_of_the_files_it_touched(git_repo, tiny):
    """Each file's intent is the PR's text and the messages of the AI commits that wrote it, so a pushed
    commit changes the prefix (and the cached windows) of the files it touches, not of every file."""
    from scoring.probe.cache import WindowCache

    git_repo.commit({"calc.py": BASE}, "base")
    git_repo.branch("feature")
    other = "def mul(a, b):\n    return a * b  # bug\n" * 3
    git_repo.commit({"calc.py": AI_CODE, "other.py": other}, "Add helpers" + CLAUDE)
    tiny.cache = WindowCache()
    try:
        first = review(local_snapshot(git_repo.path, "main", "feature"), lambda: tiny, SETTINGS)
        before = tiny.supervisor.tokens_forwarded
        git_repo.commit({"other.py": other + "def div(a, b):\n    return a / b\n"}, "Add div" + CLAUDE)
        second = review(local_snapshot(git_repo.path, "main", "feature"), lambda: tiny, SETTINGS)
        re_run = tiny.supervisor.tokens_forwarded - before
        tiny.cache = None
        fresh_before = tiny.supervisor.tokens_forwarded
        review(local_snapshot(git_repo.path, "main", "feature"), lambda: tiny, SETTINGS)
        full = tiny.supervisor.tokens_forwarded - fresh_before
    finally:
        tiny.cache = None
    calc = lambda outcome: {ln.line: ln.probability for ln in outcome.scored if ln.path == "calc.py"}  # noqa: E731
    assert calc(second) == calc(first) and calc(first)
    assert 0 < re_run < full  # other.py's windows ran again, calc.py's came from the cache
