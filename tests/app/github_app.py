"""The GitHub App side of the fake GitHub (tests/fakes.py): installation tokens, GET /app, stateful issues.

Added as routes on a FakeGitHub, answering with the recorded response shapes.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes import FakeGitHub, FakePull, FakeRequest, FakeResponse, recorded

APP_SLUG = "redline-test"
REPO = "Codertocat/Hello-World"  # the repository of the recorded pull_request payloads
# An AI-authored file whose `bug` lines the tiny test scorer flags (scoring.testing plants that word).
AI_CODE = "def bug(x):\n    return x - 1  # bug\n\n\ndef add(a, b):\n    return a + b\n"
TOKEN_LIFETIME_S = 3600


def private_key_pem() -> str:
    """A throw-away RSA key for the App's JWT (the fake does not check the signature)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def add_ai_pull(fake: FakeGitHub, number: int, head_sha: str, code: str = AI_CODE) -> FakePull:
    """A PR adding one file in one commit by an aider session (AI-authored by scoring.attribution's rules)."""
    patch = "@@ -0,0 +1,{} @@\n".format(len(code.splitlines())) + "".join(f"+{line}\n" for line in code.splitlines())
    pull = FakePull(REPO, number, title="Add calc helpers", head_sha=head_sha,
                    files=[{"filename": "calc.py", "status": "added", "patch": patch}],
                    commits=[{"sha": head_sha, "author_name": "Dev (aider)", "author_email": "dev@example.com",
                              "message": "feat: calc helpers"}])
    return fake.add_pull(pull, {"calc.py": code})


def install_app_routes(fake: FakeGitHub) -> FakeGitHub:
    """Teach `fake` the App endpoints redline uses; tokens minted are counted in fake.tokens_minted."""
    numbers = itertools.count(1)
    fake.tokens_minted = 0  # type: ignore[attr-defined]

    @fake.route("POST", "/app/installations/{installation_id}/access_tokens")
    def access_token(request: FakeRequest, installation_id: str) -> FakeResponse:
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return FakeResponse(401, {"message": "A JSON web token could not be decoded"})
        fake.tokens_minted += 1  # type: ignore[attr-defined]
        body = recorded("apps.installations.access_tokens.create")
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=TOKEN_LIFETIME_S)
        token = f"ghs_{installation_id}_{fake.tokens_minted}"  # type: ignore[attr-defined]
        body.update(token=token, expires_at=expires.strftime("%Y-%m-%dT%H:%M:%SZ"))
        return FakeResponse(201, fake.rewrite(body))

    @fake.route("GET", "/app")
    def get_app(request: FakeRequest) -> FakeResponse:
        body = fake.rewrite(recorded("app.get"))
        body["slug"] = APP_SLUG
        return FakeResponse(200, body)

    def issue_json(issue: dict[str, Any], owner: str, repo: str) -> dict[str, Any]:
        body = fake.rewrite(recorded("issues.create"))
        body.update(number=issue["number"], title=issue["title"], body=issue["body"], state="open",
                    labels=[{"name": n, "id": 1, "node_id": "x", "url": "", "color": "ffffff", "default": False,
                             "description": None} for n in issue["labels"]],
                    url=f"{fake.base_url}/repos/{owner}/{repo}/issues/{issue['number']}")
        body.pop("pull_request", None)
        return body

    @fake.route("GET", "/repos/{owner}/{repo}/issues")
    def list_issues(request: FakeRequest, owner: str, repo: str) -> FakeResponse:
        wanted = set(filter(None, request.query.get("labels", "").split(",")))
        items = [issue_json(i, owner, repo) for i in fake.issues
                 if i["repo"] == f"{owner}/{repo}" and wanted <= set(i["labels"])]
        return FakeResponse(200, items)

    @fake.route("POST", "/repos/{owner}/{repo}/issues")
    def create_issue(request: FakeRequest, owner: str, repo: str) -> FakeResponse:
        body = request.body or {}
        issue = {"repo": f"{owner}/{repo}", "number": next(numbers), "title": body["title"],
                 "body": body.get("body", ""), "labels": list(body.get("labels", []))}
        fake.issues.append(issue)
        return FakeResponse(201, issue_json(issue, owner, repo))

    def find(owner: str, repo: str, number: str) -> dict[str, Any] | None:
        return next((i for i in fake.issues if i["repo"] == f"{owner}/{repo}" and i["number"] == int(number)), None)

    @fake.route("GET", "/repos/{owner}/{repo}/issues/{number}")
    def get_issue(request: FakeRequest, owner: str, repo: str, number: str) -> FakeResponse:
        issue = find(owner, repo, number)
        if issue is None:
            return FakeResponse(404, {"message": "Not Found"})
        return FakeResponse(200, issue_json(issue, owner, repo))

    @fake.route("PATCH", "/repos/{owner}/{repo}/issues/{number}")
    def edit_issue(request: FakeRequest, owner: str, repo: str, number: str) -> FakeResponse:
        issue = find(owner, repo, number)
        if issue is None:
            return FakeResponse(404, {"message": "Not Found"})
        issue.update({k: v for k, v in (request.body or {}).items() if k in ("title", "body")})
        return FakeResponse(200, issue_json(issue, owner, repo))

    return fake


def install_history_routes(fake: FakeGitHub, merged_at: dt.datetime) -> dict[str, list[dict[str, Any]]]:
    """Closed-PR listing (every registered PR, merged at `merged_at`) and single commits with their files.

    Returns the table `commit sha -> files` ({filename, status, patch}) for the test to fill.
    """
    commit_files: dict[str, list[dict[str, Any]]] = {}
    stamp = merged_at.strftime("%Y-%m-%dT%H:%M:%SZ")

    @fake.route("GET", "/repos/{owner}/{repo}/pulls")
    def list_pulls(request: FakeRequest, owner: str, repo: str) -> FakeResponse:
        items = []
        for (name, number), pull in fake.pulls.items():
            if name != f"{owner}/{repo}":
                continue
            body = fake.rewrite(recorded("pulls.get.merged"))
            body.update(number=number, title=pull.title, body=pull.body, merged_at=stamp, updated_at=stamp,
                        closed_at=stamp, state="closed", labels=[])
            body["head"].update(sha=pull.head_sha, ref=pull.head_ref)
            body["user"]["login"] = pull.author
            items.append(body)
        return FakeResponse(200, items)

    @fake.route("GET", "/repos/{owner}/{repo}/commits/{ref}")
    def get_commit(request: FakeRequest, owner: str, repo: str, ref: str) -> FakeResponse:
        if ref not in commit_files:
            return FakeResponse(404, {"message": "No commit found for SHA"})
        body = fake.rewrite(recorded("commits.get"))
        template = body["files"][0]
        body.update(sha=ref, files=[{**template, **f, "sha": ref} for f in commit_files[ref]])
        return FakeResponse(200, body)

    return commit_files
