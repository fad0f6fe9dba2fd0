"""The Action's supply chain: zizmor (offline) finds nothing in action.yml, our workflows or the example
workflows but the one documented finding; every action is pinned by commit; the Action's installs are held
to action-constraints.txt, which is part of its cache key; release pins resolve in a clone without tags."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AUDITED = [
    ROOT / "action.yml",
    *sorted((ROOT / ".github" / "workflows").glob("*.yml")),
    *sorted((ROOT / "examples" / "workflows").rglob("*.yml")),
]
# The findings we keep, each ignored on its line with the reason beside it and in docs/action.md.
ACCEPTED = {
    (
        "dangerous-triggers",
        "examples/workflows/fork-safe/redline-post.yml",
    ): "nothing from the fork is checked out or\n  # run",
    # redline's own workflows run the checked-out action under test; `./` works on every runner
    ("self-repository", ".github/workflows/redline.yml"): "the checked-out redline under test",
    ("self-repository", ".github/workflows/redline-report.yml"): "the checked-out redline under test",
}


def _zizmor(*args: str) -> list[dict]:
    binary = Path(sys.executable).with_name("zizmor")
    if not binary.exists():
        binary = Path(shutil.which("zizmor") or binary)
    if not binary.exists():
        pytest.fail("zizmor is not installed: it is in the test extra (pip install -e '.[test]')")
    # Files, not directories: zizmor collects only .github/workflows from a directory, not examples/.
    done = subprocess.run(
        [
            str(binary),
            "--offline",
            "--no-config",
            "--format",
            "json",
            "--no-exit-codes",
            *args,
            *(str(p.relative_to(ROOT)) for p in AUDITED),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _where(finding: dict) -> tuple[str, str, int]:
    location = finding["locations"][0]
    path = next(iter(location["symbolic"]["key"].values()))["verbatim_path"]
    return finding["ident"], path, location["concrete"]["location"]["start_point"]["row"] + 1


@pytest.mark.parametrize("persona", ["regular", "auditor"])
def test_zizmor_finds_nothing_in_the_action_and_the_workflows(persona):
    findings = [_where(f) for f in _zizmor("--persona", persona)]
    assert findings == [], findings


def test_the_only_ignored_findings_are_the_accepted_ones_and_each_says_why():
    findings = {_where(f) for f in _zizmor("--persona", "auditor", "--no-ignores")}
    assert {(ident, path) for ident, path, _ in findings} == set(ACCEPTED)
    for ident, path, _ in findings:
        lines = (ROOT / path).read_text().splitlines()
        [line] = [n for n, text in enumerate(lines) if f"# zizmor: ignore[{ident}]" in text]
        reason = "\n".join(lines[max(0, line - 5) : line + 1])
        assert ACCEPTED[(ident, path)] in reason, "the justification sits on or above the ignored line"
    docs = (ROOT / "docs" / "action.md").read_text()
    assert "`dangerous-triggers`" in docs and "tests/test_audit.py" in docs


USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", re.M)


DOCS = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]


@pytest.mark.parametrize("path", [*AUDITED, *DOCS], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_action_is_pinned_by_commit_with_its_release_in_a_comment(path):
    for ref, rest in USES.findall(path.read_text()):
        if ref.startswith(("./", "$/")):
            continue  # this repository, at the commit that runs
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), (
            f"{path.name}: {ref} is not pinned by commit"
        )
        assert re.match(r"\s+# v\d+(\.\d+)*\b", rest), f"{path.name}: {ref} has no '# vX.Y' comment"


def test_checkouts_keep_no_credentials():
    for path in AUDITED:
        text = path.read_text()
        for match in re.finditer(r"uses: actions/checkout@.*\n((?:\s{8,}.*\n)*)", text):
            assert "persist-credentials: false" in match.group(1), path


def test_the_example_workflows_rerun_the_check_when_a_label_changes():
    import yaml

    for path in [
        ROOT / "examples" / "workflows" / "redline.yml",
        ROOT / "examples" / "workflows" / "fork-safe" / "redline-pr.yml",
        ROOT / ".github" / "workflows" / "redline.yml",
    ]:
        trigger = yaml.safe_load(path.read_text())[True]["pull_request"]  # YAML 1.1 reads `on` as True
        assert {"opened", "synchronize", "reopened", "labeled", "unlabeled"} <= set(trigger["types"]), path


RELEASE_PIN = re.compile(r"redline-review/redline@([0-9a-f]{40})\"?\s+# v?(\d+\.\d+\.\d+)")


def test_release_pins_name_a_commit_of_this_repository_at_that_version_without_tags():
    """A pin works from a plain clone: the commit is in the history (tags are not in every clone), and its
    pyproject.toml is the version the comment names."""
    pages = [
        *sorted((ROOT / "docs").glob("*.md")),
        ROOT / "README.md",
        *sorted((ROOT / "examples" / "workflows").rglob("*.yml")),
    ]
    pins = {pin for page in pages for pin in RELEASE_PIN.findall(page.read_text())}
    assert pins, "no release pin found"
    shallow = (
        subprocess.run(
            ["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        == "true"
    )
    for sha, version in pins:
        shown = subprocess.run(
            ["git", "show", f"{sha}:pyproject.toml"], cwd=ROOT, capture_output=True, text=True
        )
        if shown.returncode != 0 and shallow:
            pytest.skip(f"{sha} is not in this shallow clone")
        assert shown.returncode == 0, f"{sha} is not a commit of this repository"
        assert f'\nversion = "{version}"\n' in shown.stdout, f"{sha} is not redline {version}"
    for page in [ROOT / "docs" / "install.md", ROOT / "docs" / "app.md"]:
        assert not re.search(r"git\+https://\S+@v\d", page.read_text()), f"{page.name} installs by tag"


def test_action_constraints_pin_every_dependency_of_the_core():
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "action_constraints.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr + "\nre-run scripts/action_constraints.py"


def test_every_install_of_the_action_is_held_to_the_constraints_and_they_are_in_the_cache_key(tmp_path):
    script = (ROOT / "scripts" / "action_install.sh").read_text()
    assert '--constraint "$src/action-constraints.txt"' in script
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))
    assert code.count("pip install") == 1, "every install goes through pip=(), which carries the constraints"
    action = tmp_path / "action"
    shutil.copytree(
        ROOT,
        action,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "__pycache__", "*.egg-info", "tests", "docs", ".hypothesis", "benchmarks"
        ),
    )

    def key() -> str:
        done = subprocess.run(
            ["bash", str(action / "scripts" / "action_install.sh"), "key"],
            capture_output=True,
            text=True,
            check=True,
            env={"PATH": "/usr/bin:/bin", "HOME": str(action)},
        )
        return dict(line.split("=", 1) for line in done.stdout.splitlines())["key"]

    first = key()
    constraints = action / "action-constraints.txt"
    constraints.write_text(constraints.read_text().replace("numpy==", "numpy==0.0.0+"))
    assert key() != first
