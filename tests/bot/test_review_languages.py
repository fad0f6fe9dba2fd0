"""TypeScript is scored first-class by a model whose card lists it; another language only when
`languages.extra` names it, and then every place its lines are shown says they were scored with
language-neutral features only. Real git repositories, `redline review` and a small real PR model."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.config import load_settings
from bot.review import review
from bot.snapshot import local_config_text, local_snapshot
from scoring.diff import parse
from scoring.languages import NEUTRAL_ONLY
from scoring.pr_features import ChangeSize, Family, FileChange
from scoring.pr_model import PRModel
from scoring.pr_scorer import PRScorer
from scoring.registry import load_scorer
from scoring.types import Span
from tests.bot.pr_models import linear_model

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "review-output.schema.json").read_text())
CLAUDE = "\n\nCo-authored-by: Claude <noreply@anthropic.com>"
FAMILIES = (Family.LINE, Family.DIFF)
TS = (
    "export function total(xs: number[]): number {\n  let s = 0;\n  for (const x of xs) s += x;\n"
    "  return s;\n}\n"
)
TSX = "export const Title = ({ text }: { text: string }) => {\n  return <h1>{text}</h1>;\n};\n"
GO = (
    "package calc\n\nfunc Total(xs []int) int {\n\ts := 0\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n"
    "\treturn s\n}\n"
)
AI_FILES = {"web/total.ts": TS, "web/Title.tsx": TSX, "calc/total.go": GO}


def small_model(languages: list[str] | None) -> PRModel:
    """TypeScript lines and longer lines a little likelier to be edited; a card listing `languages`."""
    card: dict[str, object] = {"version": "pr-languages-test"}
    if languages is not None:
        card["languages"] = languages
    return linear_model({"typescript": 0.5, "length": 0.2}, card)


def _repo(git_repo, model_path: Path, extra: str) -> Path:
    config = f"model: {{pr_model: '{model_path}'}}\nthresholds: {{comment: 0.0}}\n{extra}"
    git_repo.commit({"README": "base\n", ".github/redline.yml": config}, "base")
    git_repo.branch("feature")
    git_repo.commit(AI_FILES, "Add totals" + CLAUDE)
    return git_repo.path


@pytest.fixture
def model_path(tmp_path) -> Path:
    path = tmp_path / "pr_model.json"
    small_model(["python", "typescript"]).save(path)
    return path


def _cli(path: Path, *args: str) -> str:
    result = CliRunner().invoke(
        cli,
        ["review", "--repo", str(path), "--base", "main", "--head", "feature", "--no-fail-on-gate", *args],
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_typescript_is_scored_first_class_and_go_only_with_neutral_features_when_named(
    git_repo, model_path, tmp_path
):
    path = _repo(git_repo, model_path, "languages: {extra: [go]}\n")
    document = json.loads(
        _cli(path, "--format", "json", "--show", "all", "--sarif", str(tmp_path / "r.sarif"))
    )
    jsonschema.validate(document, SCHEMA)
    assert document["model_version"] == "pr-languages-test"
    lines = document["lines"]
    assert all(line["probability"] is not None for line in lines) and len(lines) == 5 + 3 + 9
    by_language = {line["language"] for line in lines if line["path"].startswith("web/")}
    assert by_language == {"typescript"}
    assert all(line["language_note"] is None for line in lines if line["language"] == "typescript")
    go = [line for line in lines if line["path"] == "calc/total.go"]
    assert go and all(line["language"] == "go" and line["language_note"] == NEUTRAL_ONLY for line in go)
    assert document["counts"]["scored_by_language"] == {"typescript": 8, "go": 9}

    results = json.loads((tmp_path / "r.sarif").read_text())["runs"][0]["results"]
    by_uri = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in results}
    assert by_uri["web/Title.tsx"]["properties"]["language"] == "typescript"
    assert "Language: TypeScript." in by_uri["web/total.ts"]["message"]["text"]
    assert "languageNote" not in by_uri["web/total.ts"]["properties"]
    assert by_uri["calc/total.go"]["properties"]["languageNote"] == NEUTRAL_ONLY
    assert f"Language: Go, {NEUTRAL_ONLY}." in by_uri["calc/total.go"]["message"]["text"]
    assert by_uri["calc/total.go"]["properties"]["modelVersion"] == "pr-languages-test"

    text = " ".join(_cli(path).split())  # rich wraps the summary
    assert f"typescript 8 lines, go 9 lines ({NEUTRAL_ONLY})" in text


def test_each_comment_names_its_language_and_a_go_comment_says_neutral_features_only(git_repo, model_path):
    path = _repo(git_repo, model_path, "languages: {extra: [go]}\n")
    settings = load_settings(local_config_text(path, "main"), env={})
    outcome = review(local_snapshot(path, "main", "feature"), lambda: load_scorer(settings.model), settings)
    bodies = {(d.path, d.line): d.body for d in outcome.plan.new}
    assert "Language: TypeScript." in bodies[("web/total.ts", 1)]
    assert "Language: TypeScript." in bodies[("web/Title.tsx", 2)]
    assert f"Language: Go, {NEUTRAL_ONLY}." in bodies[("calc/total.go", 3)]
    assert NEUTRAL_ONLY not in bodies[("web/total.ts", 1)]
    assert outcome.coverage.languages == (("typescript", 8), ("go", 9))  # the model's own first
    assert f"typescript 8 lines, go 9 lines ({NEUTRAL_ONLY})" in outcome.plan.summary


def test_without_languages_extra_the_go_file_is_skipped_and_named(git_repo, model_path):
    path = _repo(git_repo, model_path, "")
    document = json.loads(_cli(path, "--format", "json", "--show", "all"))
    jsonschema.validate(document, SCHEMA)
    assert {line["path"] for line in document["lines"] if line["probability"] is not None} == {
        "web/total.ts",
        "web/Title.tsx",
    }
    go = [line for line in document["lines"] if line["path"] == "calc/total.go"]
    assert go and all(line["not_scored_because"] == "language not scored (go)" for line in go)
    assert all(line["language_note"] is None for line in go)
    text = " ".join(_cli(path).split())
    assert "skipped 1 file (language not scored (go))" in text and "typescript 8 lines" in text
    assert NEUTRAL_ONLY not in text


def test_a_card_without_languages_scores_python_only_so_typescript_needs_languages_extra(git_repo):
    scorer = PRScorer(small_model(None))
    assert scorer.model_card.languages == ("python",)
    git_repo.commit({"README": "base\n"}, "base")
    git_repo.branch("feature")
    git_repo.commit(AI_FILES, "Add totals" + CLAUDE)
    snapshot = local_snapshot(git_repo.path, "main", "feature")
    plain = review(snapshot, lambda: scorer, load_settings(None, env={}))
    assert plain.coverage.scored_lines == 0
    assert ("language not scored (typescript)", 2) in plain.coverage.skipped
    named = load_settings("languages: {extra: [typescript]}\nthresholds: {comment: 0.0}\n", env={})
    extra = review(snapshot, lambda: scorer, named)
    assert extra.coverage.languages == (("typescript", 8),)
    body = next(d.body for d in extra.plan.new if d.path == "web/total.ts")
    assert "Language: TypeScript, the model was not trained on typescript; treat this score as rough." in body


def _new_file(path: str, text: str) -> FileChange:
    patch = f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,3 @@\n" + "".join(f"+{t}\n" for t in text.splitlines())
    return FileChange(parse(patch)[0], ChangeSize(1, 3))


def test_a_file_its_parser_cannot_read_is_scored_on_neutral_features_and_says_why() -> None:
    scorer = PRScorer.load()
    broken = "export function f( {\n  return 1;\n}\n"
    fine = "export function f() {\n  return 1;\n}\n"
    [bad] = scorer.score(broken, [Span.lines(2)], change=_new_file("src/a.ts", broken))
    [good] = scorer.score(fine, [Span.lines(2)], change=_new_file("src/a.ts", fine))
    assert bad.reasons[0] == f"its file did not parse (syntax error at line 1), so it was {NEUTRAL_ONLY}"
    assert not any("did not parse" in r for r in good.reasons)
