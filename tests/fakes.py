"""FakeGitHub: a local HTTP server on loopback that answers PyGithub like GitHub does.

Responses are the recorded shapes in ../shared/github/rest (routed by index.json, api.github.com rewritten
to the fake's base URL) filled from in-memory state (pull requests, files, commits, contents, reviews,
review comments, check runs, issues, and a GitHub App's installation tokens and `GET /app`). Requests are
validated the way GitHub validates them (422 for a review comment outside the diff, at most 50 annotations
per check-run request), every request is recorded, and failures (rate limits, 5xx) can be injected. Add
routes with `FakeGitHub.route`; the HTTP plumbing is in tests/fake_server.py.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import itertools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from scoring.diff import SkipReason, parse_file_patch
from tests.fake_server import (
    RECORDED_API,
    REST,
    FakeRequest,
    FakeResponse,
    NotFound,
    handler_for,
    recorded,
    recorded_error,
    template_regex,
)

MAX_ANNOTATIONS_PER_REQUEST = 50
MAX_BODY_CHARS = 65536
CHECK_CONCLUSIONS = {"action_required", "cancelled", "failure", "neutral", "success", "skipped", "timed_out"}
INSTALLATION_TOKEN_LIFETIME_S = 3600


@dataclass(slots=True)
class FakePull:
    repo: str
    number: int
    title: str = "Add a feature"
    body: str = ""
    head_sha: str = "h" * 40
    base_sha: str = "b" * 40
    head_ref: str = "feature"
    base_ref: str = "main"
    author: str = "octocat"
    labels: list[str] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)  # filename, status, patch, previous_filename
    # sha, author_name, author_email, message, login; `files` (as above) answers GET /commits/{sha}
    commits: list[dict[str, Any]] = field(default_factory=list)
    merged_at: dt.datetime | None = None  # set: the PR is closed and merged (listed with state=closed)
    merge_commit_sha: str | None = None  # set: answered as the PR's merge_commit_sha


class FakeGitHub:
    """Start with `with FakeGitHub() as gh:`; point PyGithub at `gh.base_url`."""

    def __init__(self, login: str = "github-actions[bot]") -> None:
        self.login = login  # who the token posts as; GET /user answers 403 like an Actions token
        self.tokens_minted = 0  # installation tokens handed out
        self.pulls: dict[tuple[str, int], FakePull] = {}
        self.contents: dict[tuple[str, str, str], bytes] = {}  # (repo, path, ref) -> bytes
        self.reviews: list[dict[str, Any]] = []
        self.review_comments: list[dict[str, Any]] = []
        self.check_runs: list[dict[str, Any]] = []
        self.issues: list[dict[str, Any]] = []
        self.requests: list[FakeRequest] = []
        self._failures: list[list[Any]] = []  # [method, regex, status, remaining, headers, body, after]
        self._ids = itertools.count(1000)
        self._issue_numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., FakeResponse]]] = []
        self._index = json.loads((REST / "index.json").read_text())["entries"]
        self._install_routes()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(self.dispatch))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    # lifecycle -------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeGitHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    # state and injection ---------------------------------------------------------------------------
    def add_pull(self, pull: FakePull, contents: dict[str, bytes | str] | None = None) -> FakePull:
        """Register a PR; `contents` are the files at its head (path -> text)."""
        self.pulls[(pull.repo, pull.number)] = pull
        for path, text in (contents or {}).items():
            data = text.encode() if isinstance(text, str) else text
            self.contents[(pull.repo, path, pull.head_sha)] = data
        return pull

    def fail(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """Answer the next `times` requests matching method + path regex with `status`."""
        self._failures.append(
            [method.upper(), re.compile(path_regex), status, times, headers or {}, body, False]
        )

    def lose_response(self, method: str, path_regex: str, status: int = 502, *, times: int = 1) -> None:
        """Do what the next `times` matching requests ask (create the review, the check run) but answer
        `status`, as when GitHub's response is lost on the way back (a proxy's 502, a client timeout)."""
        self._failures.append([method.upper(), re.compile(path_regex), status, times, {}, None, True])

    def route(
        self, method: str, template: str
    ) -> Callable[[Callable[..., FakeResponse]], Callable[..., FakeResponse]]:
        """Decorator adding (or overriding) a route: handler(request, **path_params) -> FakeResponse."""

        def register(handler: Callable[..., FakeResponse]) -> Callable[..., FakeResponse]:
            self._routes.insert(0, (method.upper(), template_regex(template), handler))
            return handler

        return register

    def calls(self, method: str, path_regex: str) -> list[FakeRequest]:
        pattern = re.compile(path_regex)
        return [r for r in self.requests if r.method == method.upper() and pattern.search(r.path)]

    # dispatch --------------------------------------------------------------------------------------
    def dispatch(self, request: FakeRequest) -> FakeResponse:
        with self._lock:
            self.requests.append(request)
            lost: FakeResponse | None = None
            for failure in self._failures:
                method, pattern, status, remaining, headers, body, after = failure
                if remaining > 0 and method == request.method and pattern.search(request.path):
                    failure[3] -= 1
                    injected = FakeResponse(
                        status, body if body is not None else {"message": "injected"}, dict(headers)
                    )
                    if not after:
                        return injected
                    lost = injected
                    break
            for method, pattern, handler in self._routes:
                if method == request.method and (match := pattern.match(request.path)):
                    try:
                        answer = handler(request, **match.groupdict())
                    except NotFound:
                        break
                    return lost or answer
        return FakeResponse(404, recorded("errors.404.not-found"))

    def rewrite(self, body: Any, replacements: dict[str, str] | None = None) -> Any:
        """Point recorded URLs at this server (and replace recorded names) so PyGithub accepts them."""
        text = json.dumps(body)
        for old, new in (replacements or {}).items():
            text = text.replace(old, new)
        return json.loads(text.replace(RECORDED_API, self.base_url))

    # routes ----------------------------------------------------------------------------------------
    def _install_routes(self) -> None:
        # recorded fallbacks first, so stateful routes (inserted at the front) win
        for entry in self._index:
            if entry["path_template"].startswith("/repos/{owner}/{repo}") and entry["status"] < 300:
                self._routes.append(
                    (entry["method"], template_regex(entry["path_template"]), self._recorded(entry))
                )
        r = "/repos/{owner}/{repo}"
        self.route("GET", "/user")(
            lambda req: FakeResponse(403, recorded_error("403.resource-not-accessible-by-integration"))
        )
        self.route("POST", "/app/installations/{installation_id}/access_tokens")(self._access_token)
        self.route("GET", "/app")(self._get_app)
        self.route("GET", r + "/pulls")(self._list_pulls)
        self.route("GET", r + "/pulls/{number}")(self._get_pull)
        self.route("GET", r + "/commits/{ref}")(self._get_commit)
        self.route("GET", r + "/issues")(self._list_issues)
        self.route("POST", r + "/issues")(self._create_issue)
        for method in ("GET", "PATCH"):
            self.route(method, r + "/issues/{number}")(self._issue)
        self.route("GET", r + "/pulls/{number}/files")(self._list_files)
        self.route("GET", r + "/pulls/{number}/commits")(self._list_commits)
        self.route("GET", r + "/contents/{path}")(self._get_contents)
        self.route("POST", r + "/pulls/{number}/reviews")(self._create_review)
        self.route("GET", r + "/pulls/{number}/reviews")(self._list_reviews)
        self.route("GET", r + "/commits/{ref}/check-runs")(self._list_check_runs)
        self.route("GET", r + "/pulls/{number}/comments")(self._list_review_comments)
        for method in ("GET", "PATCH", "DELETE"):
            self.route(method, r + "/pulls/comments/{comment_id}")(self._review_comment)
        self.route("POST", r + "/check-runs")(self._create_check_run)
        for method in ("GET", "PATCH"):
            self.route(method, r + "/check-runs/{run_id}")(self._check_run)

    def _recorded(self, entry: dict[str, Any]) -> Callable[..., FakeResponse]:
        def handler(request: FakeRequest, **_: str) -> FakeResponse:
            if entry["response_file"] is None:
                return FakeResponse(entry["status"])
            return FakeResponse(
                entry["status"], self.rewrite(json.loads((REST / entry["response_file"]).read_text()))
            )

        return handler

    def _pull(self, owner: str, repo: str, number: str) -> FakePull:
        if (f"{owner}/{repo}", int(number)) not in self.pulls:
            raise NotFound
        return self.pulls[(f"{owner}/{repo}", int(number))]

    def _pull_json(self, pull: FakePull) -> dict[str, Any]:
        body = self.rewrite(
            recorded("pulls.get.open"),
            {"hub4j-test-org/github-api": pull.repo, "/pulls/309": f"/pulls/{pull.number}"},
        )
        body.update(
            number=pull.number, title=pull.title, body=pull.body, labels=[{"name": n} for n in pull.labels]
        )
        body["user"]["login"] = pull.author
        body["head"].update(sha=pull.head_sha, ref=pull.head_ref)
        body["base"].update(sha=pull.base_sha, ref=pull.base_ref)
        if pull.merged_at is not None:
            stamp = pull.merged_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            body.update(state="closed", merged=True, merged_at=stamp, closed_at=stamp, updated_at=stamp)
        if pull.merge_commit_sha is not None:
            body["merge_commit_sha"] = pull.merge_commit_sha
        return body

    def _get_pull(self, request: FakeRequest, owner: str, repo: str, number: str) -> FakeResponse:
        return FakeResponse(200, self._pull_json(self._pull(owner, repo, number)))

    def _list_pulls(self, request: FakeRequest, owner: str, repo: str) -> FakeResponse:
        """Open, closed (= merged here) or all PRs of the repository, in the order they were added."""
        state = request.query.get("state", "open")
        pulls = [p for (name, _), p in self.pulls.items() if name == f"{owner}/{repo}"]
        chosen = [p for p in pulls if state == "all" or (p.merged_at is None) == (state == "open")]
        return self._paginate(request, [self._pull_json(p) for p in chosen])

    def _get_commit(self, request: FakeRequest, owner: str, repo: str, ref: str) -> FakeResponse:
        """One commit of a registered PR with the `files` its commit entry lists."""
        commits = [c for (name, _), p in self.pulls.items() if name == f"{owner}/{repo}" for c in p.commits]
        commit = next((c for c in commits if c["sha"] == ref and "files" in c), None)
        if commit is None:
            raise NotFound
        body = self.rewrite(recorded("commits.get"))
        template = body["files"][0]
        body.update(sha=ref, files=[{**template, **f, "sha": ref} for f in commit["files"]])
        return FakeResponse(200, body)

    # the GitHub App's endpoints --------------------------------------------------------------------
    def _access_token(self, request: FakeRequest, installation_id: str) -> FakeResponse:
        """A new installation token per request, `ghs_{installation}_{n}`; the JWT is not verified."""
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return FakeResponse(401, {"message": "A JSON web token could not be decoded"})
        self.tokens_minted += 1  # dispatch holds the lock
        token = f"ghs_{installation_id}_{self.tokens_minted}"
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=INSTALLATION_TOKEN_LIFETIME_S)
        body = recorded("apps.installations.access_tokens.create")
        body.update(token=token, expires_at=expires.strftime("%Y-%m-%dT%H:%M:%SZ"))
        return FakeResponse(201, self.rewrite(body))

    def _get_app(self, request: FakeRequest) -> FakeResponse:
        """The App whose bot account is `login` ("slug[bot]")."""
        body = self.rewrite(recorded("app.get"))
        body["slug"] = self.login.removesuffix("[bot]")
        return FakeResponse(200, body)

    def _issue_json(self, issue: dict[str, Any]) -> dict[str, Any]:
        body = self.rewrite(recorded("issues.create"))
        label = {"id": 1, "node_id": "x", "url": "", "color": "ffffff", "default": False, "description": None}
        body.update(
            number=issue["number"],
            title=issue["title"],
            body=issue["body"],
            state=issue["state"],
            labels=[{**label, "name": n} for n in issue["labels"]],
            url=f"{self.base_url}/repos/{issue['repo']}/issues/{issue['number']}",
        )
        body.pop("pull_request", None)
        return body

    def _list_issues(self, request: FakeRequest, owner: str, repo: str) -> FakeResponse:
        wanted = set(filter(None, request.query.get("labels", "").split(",")))
        state = request.query.get("state", "open")  # GitHub lists open issues unless asked otherwise
        items = [
            self._issue_json(i)
            for i in self.issues
            if i["repo"] == f"{owner}/{repo}" and wanted <= set(i["labels"]) and state in ("all", i["state"])
        ]
        return self._paginate(request, items)

    def _create_issue(self, request: FakeRequest, owner: str, repo: str) -> FakeResponse:
        body = request.body or {}
        issue = {
            "repo": f"{owner}/{repo}",
            "number": next(self._issue_numbers),
            "title": body["title"],
            "body": body.get("body", ""),
            "labels": list(body.get("labels", [])),
            "state": "open",
        }
        self.issues.append(issue)
        return FakeResponse(201, self._issue_json(issue))

    def _issue(self, request: FakeRequest, owner: str, repo: str, number: str) -> FakeResponse:
        """GET or PATCH (title, body, state) one issue."""
        issue = next(
            (i for i in self.issues if i["repo"] == f"{owner}/{repo}" and i["number"] == int(number)), None
        )
        if issue is None:
            raise NotFound
        if request.method == "PATCH":
            issue.update({k: v for k, v in (request.body or {}).items() if k in ("title", "body", "state")})
        return FakeResponse(200, self._issue_json(issue))

    def _paginate(self, request: FakeRequest, items: list[Any]) -> FakeResponse:
        per_page = min(int(request.query.get("per_page", 30)), 100)
        page = int(request.query.get("page", 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        last = max(1, -(-len(items) // per_page))
        if page < last:
            url = f"{self.base_url}{request.path}?per_page={per_page}"
            headers["Link"] = f'<{url}&page={page + 1}>; rel="next", <{url}&page={last}>; rel="last"'
        return FakeResponse(200, chunk, headers)

    def _list_files(self, request: FakeRequest, owner: str, repo: str, number: str) -> FakeResponse:
        pull = self._pull(owner, repo, number)
        template = recorded("pulls.files.list")[0]
        files = []
        for f in pull.files:
            item = {**template, "filename": f["filename"], "status": f.get("status", "modified")}
            item.update(additions=0, deletions=0, changes=0)
            item.pop("patch", None)
            if f.get("patch") is not None:
                item["patch"] = f["patch"]
            if f.get("previous_filename"):
                item["previous_filename"] = f["previous_filename"]
            files.append(item)
        return self._paginate(request, files)

    def _list_commits(self, request: FakeRequest, owner: str, repo: str, number: str) -> FakeResponse:
        pull = self._pull(owner, repo, number)
        template = self.rewrite(recorded("pulls.commits.list")[0])
        commits = []
        for c in pull.commits:
            item = copy.deepcopy(template)
            item["sha"] = c["sha"]
            person = {"name": c.get("author_name", "Ada"), "email": c.get("author_email", "ada@example.com")}
            person["date"] = "2026-01-01T00:00:00Z"
            item["commit"].update(message=c.get("message", ""), author=person, committer=dict(person))
            item["author"] = {**template["author"], "login": c["login"]} if c.get("login") else None
            commits.append(item)
        return self._paginate(request, commits)

    def _get_contents(self, request: FakeRequest, owner: str, repo: str, path: str) -> FakeResponse:
        data = self.contents.get((f"{owner}/{repo}", path, request.query.get("ref", "")))
        if data is None:
            return FakeResponse(404, recorded("errors.404.not-found"))
        body = self.rewrite(recorded("contents.get.file"))
        encoded = base64.encodebytes(data).decode()  # GitHub wraps base64 at 60 characters
        body.update(path=path, name=path.rsplit("/", 1)[-1], content=encoded, size=len(data), type="file")
        return FakeResponse(200, body)

    def _create_review(self, request: FakeRequest, owner: str, repo: str, number: str) -> FakeResponse:
        pull = self._pull(owner, repo, number)
        body = request.body or {}
        if len(body.get("body") or "") > MAX_BODY_CHARS:
            return FakeResponse(422, recorded_error("issue-comment.422.body-too-long"))
        if (
            body.get("event") in ("COMMENT", "REQUEST_CHANGES")
            and not body.get("body")
            and not body.get("comments")
        ):
            return FakeResponse(422, {"message": "Unprocessable Entity", "errors": ["Body can't be blank"]})
        for comment in body.get("comments", []):
            if error := self._comment_error(pull, comment):
                return FakeResponse(422, error)
        review_id = next(self._ids)
        review = self.rewrite(recorded("pulls.reviews.create.pending-with-comments"))
        review.update(id=review_id, body=body.get("body", ""), commit_id=body.get("commit_id", pull.head_sha))
        review["state"] = "COMMENTED" if body.get("event") == "COMMENT" else "PENDING"
        review["user"]["login"] = self.login
        self.reviews.append({**review, "repo": pull.repo, "number": pull.number})
        for comment in body.get("comments", []):
            self._store_comment(pull, comment, review_id, review["commit_id"])
        return FakeResponse(200, review)

    def _list_reviews(self, request: FakeRequest, owner: str, repo: str, number: str) -> FakeResponse:
        pull = self._pull(owner, repo, number)
        items = [
            self._public(r) for r in self.reviews if r["repo"] == pull.repo and r["number"] == pull.number
        ]
        return self._paginate(request, items)

    def _list_check_runs(self, request: FakeRequest, owner: str, repo: str, ref: str) -> FakeResponse:
        """The runs on commit `ref`, newest first, filtered by check_name (filter=latest: one per name)."""
        name = request.query.get("check_name")
        runs = [
            r
            for r in reversed(self.check_runs)
            if r["repo"] == f"{owner}/{repo}" and r["head_sha"] == ref and name in (None, r["name"])
        ]
        if request.query.get("filter", "latest") == "latest":
            runs = list({r["name"]: r for r in reversed(runs)}.values())[::-1]
        public = [{k: v for k, v in r.items() if k not in ("repo", "annotations")} for r in runs]
        return FakeResponse(200, {"total_count": len(public), "check_runs": public})

    def _comment_error(self, pull: FakePull, comment: dict[str, Any]) -> Any:
        """GitHub's rule: line (and start_line) must be inside a hunk of that file's patch, on that side."""
        not_in_diff = recorded_error("create-review.422.line-not-in-diff.2024")
        entry = next((f for f in pull.files if f["filename"] == comment.get("path")), None)
        if entry is None or entry.get("patch") is None or "line" not in comment:
            return not_in_diff
        parsed = parse_file_patch(
            entry["filename"],
            entry["patch"],
            status=entry.get("status", "modified"),
            previous_path=entry.get("previous_filename"),
        )
        if parsed.skip is SkipReason.NO_PATCH:
            return not_in_diff
        side = comment.get("side", "RIGHT")
        for hunk in parsed.hunks:
            lines = {(ln.new_line if side == "RIGHT" else ln.old_line) for ln in hunk.lines} - {None}
            if comment["line"] in lines:
                start = comment.get("start_line")
                if start is None:
                    return None
                if start >= comment["line"]:
                    return recorded_error("create-review.422.start-line-must-precede-end-line")
                return (
                    None
                    if start in lines
                    else recorded_error("create-review.422.line-and-start-line-not-in-diff.2025")
                )
        return not_in_diff

    def _store_comment(self, pull: FakePull, comment: dict[str, Any], review_id: int, commit_id: str) -> None:
        comment_id = next(self._ids)
        item = self.rewrite(recorded("pulls.comments.get"))
        item.update({key: comment.get(key) for key in ("path", "line", "body", "start_line", "start_side")})
        item.update(id=comment_id, side=comment.get("side", "RIGHT"), pull_request_review_id=review_id)
        item.update(commit_id=commit_id, original_commit_id=commit_id)
        item["url"] = f"{self.base_url}/repos/{pull.repo}/pulls/comments/{comment_id}"
        item["pull_request_url"] = f"{self.base_url}/repos/{pull.repo}/pulls/{pull.number}"
        item["user"] = {**item["user"], "login": comment.get("_login", self.login), "type": "Bot"}
        if comment.get("in_reply_to"):
            item["in_reply_to_id"] = comment["in_reply_to"]
        self.review_comments.append({**item, "repo": pull.repo, "number": pull.number})

    def add_review_comment(
        self, pull: FakePull, path: str, line: int, body: str, *, login: str, in_reply_to: int | None = None
    ) -> int:
        """Seed a comment written by someone (a person, or another bot); returns its id."""
        seeded = {"path": path, "line": line, "body": body, "_login": login, "in_reply_to": in_reply_to}
        self._store_comment(pull, seeded, 0, pull.head_sha)
        return int(self.review_comments[-1]["id"])

    def _public(self, item: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in item.items() if k not in ("repo", "number")}

    def _list_review_comments(self, request: FakeRequest, owner: str, repo: str, number: str) -> FakeResponse:
        items = [
            self._public(c)
            for c in self.review_comments
            if c["repo"] == f"{owner}/{repo}" and c["number"] == int(number)
        ]
        return self._paginate(request, items)

    def _review_comment(self, request: FakeRequest, owner: str, repo: str, comment_id: str) -> FakeResponse:
        """GET, PATCH (edit body) or DELETE one review comment."""
        found = [
            c for c in self.review_comments if c["repo"] == f"{owner}/{repo}" and c["id"] == int(comment_id)
        ]
        if not found:
            raise NotFound
        if request.method == "DELETE":
            self.review_comments.remove(found[0])
            return FakeResponse(204)
        if request.method == "PATCH":
            found[0]["body"] = (request.body or {}).get("body", found[0]["body"])
        return FakeResponse(200, self._public(found[0]))

    def _check_output_error(self, body: dict[str, Any]) -> Any:
        output = body.get("output")
        if output is None:
            return None
        if not output.get("title") or not output.get("summary"):
            return {"message": 'Invalid request.\n\n"title", "summary" weren\'t supplied.'}
        if len(output["summary"]) > 65535:
            return {"message": "Invalid request.\n\nsummary is too long (maximum is 65535 characters)"}
        if len(output.get("annotations", [])) > MAX_ANNOTATIONS_PER_REQUEST:
            return {"message": "Invalid request.\n\nOnly 50 annotations are allowed per request."}
        required = ("path", "start_line", "end_line", "annotation_level", "message")
        if any(any(key not in a for key in required) for a in output.get("annotations", [])):
            return {"message": "Invalid request.\n\nannotation is missing a required key."}
        return None

    def _create_check_run(self, request: FakeRequest, owner: str, repo: str) -> FakeResponse:
        body = request.body or {}
        if body.get("status") == "completed" and body.get("conclusion") is None:
            return FakeResponse(422, recorded("checks.runs.create.422-missing-conclusion"))
        if body.get("conclusion") is not None and body["conclusion"] not in CHECK_CONCLUSIONS:
            return FakeResponse(
                422, {"message": "Invalid request.\n\nconclusion is not a member of the enum."}
            )
        if error := self._check_output_error(body):
            return FakeResponse(422, error)
        run_id = next(self._ids)
        run = self.rewrite(
            recorded("checks.runs.create.completed"), {"hub4j-test-org/test-checks": f"{owner}/{repo}"}
        )
        run.update({key: body.get(key) for key in ("name", "head_sha", "conclusion", "external_id")})
        run.update(id=run_id, status=body.get("status", "queued"))
        run["url"] = f"{self.base_url}/repos/{owner}/{repo}/check-runs/{run_id}"
        output = body.get("output") or {}
        run["output"] = {key: output.get(key) for key in ("title", "summary", "text")}
        run["output"]["annotations_count"] = len(output.get("annotations", []))
        self.check_runs.append(
            {**run, "repo": f"{owner}/{repo}", "annotations": list(output.get("annotations", []))}
        )
        return FakeResponse(201, run)

    def _check_run(self, request: FakeRequest, owner: str, repo: str, run_id: str) -> FakeResponse:
        """GET or PATCH one check run; a PATCH appends its annotations, as GitHub does."""
        run = next((r for r in self.check_runs if r["id"] == int(run_id)), None)
        if run is None:
            raise NotFound
        body = request.body or {} if request.method == "PATCH" else {}
        if error := self._check_output_error(body):
            return FakeResponse(422, error)
        output = body.get("output") or {}
        run["annotations"].extend(output.get("annotations", []))
        run["output"].update(
            title=output.get("title", run["output"]["title"]),
            summary=output.get("summary", run["output"]["summary"]),
            annotations_count=len(run["annotations"]),
        )
        run.update({key: body[key] for key in ("conclusion", "status") if key in body})
        return FakeResponse(200, {k: v for k, v in run.items() if k not in ("repo", "annotations")})
