"""Property-based: whatever a list endpoint answers (any JSON shape, a truncated body, any Link header), the
client returns items of the documented types or raises GitHubError, never another exception."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.github import pulls
from bot.github.client import GitHubClient, RetryPolicy
from scoring.errors import GitHubError
from tests.fakes import FakeGitHub, FakePull, FakeResponse

EXAMPLES = int(os.environ.get("REDLINE_FUZZ_EXAMPLES", "300"))
FIELDS = [
    "filename",
    "status",
    "patch",
    "previous_filename",
    "id",
    "path",
    "line",
    "body",
    "user",
    "login",
    "in_reply_to_id",
    "sha",
    "commit",
    "author",
    "committer",
    "name",
    "email",
    "message",
]
_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10)
# Objects keyed by the fields the client reads, so that the fuzz reaches past the outer shape.
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=5), inner, max_size=6)
    ),
    max_leaves=20,
)
_BODIES = (
    st.lists(_VALUES, max_size=4)
    | _VALUES
    | _VALUES.map(lambda v: json.dumps(v).encode()).flatmap(
        lambda raw: st.integers(0, max(len(raw) - 1, 0)).map(lambda cut: raw[:cut])
    )
)
_LINKS = st.sampled_from(["", "self", "next", "garbage"])
# (what to call, the endpoint it pages, the type every item must have)
ENDPOINTS = {
    "files": (pulls.list_files, "files", pulls.PullFile),
    "comments": (pulls.list_review_comments, "comments", pulls.ReviewComment),
    "commits": (pulls.list_commits, "commits", pulls.PullCommit),
}


@pytest.fixture(scope="module")
def fuzzed() -> Any:
    """A fake whose list endpoints answer whatever `answer` holds."""
    answer: dict[str, Any] = {}
    with FakeGitHub() as fake:
        fake.add_pull(FakePull("acme/app", 7))

        def handler(request: Any, **_: str) -> FakeResponse:
            page = int(request.query.get("page", 1))
            link = {
                "": "",
                "garbage": "<>; rel=next, ;;",
                "self": f'<{fake.base_url}{request.path}?per_page=100>; rel="next"',
                # three pages, then the end: the page cap itself is tested in test_github.py
                "next": ""
                if page == 3
                else f'<{fake.base_url}{request.path}?per_page=100&page={page + 1}>; rel="next"',
            }[answer["link"]]
            return FakeResponse(200, answer["body"], {"Link": link} if link else {})

        for endpoint in ("files", "comments", "commits"):
            fake.route("GET", f"/repos/{{owner}}/{{repo}}/pulls/{{number}}/{endpoint}")(handler)
        client = GitHubClient(
            "t",
            base_url=fake.base_url,
            retry=RetryPolicy(attempts=1),
            seconds_between_requests=0,
            seconds_between_writes=0,
            sleep=lambda s: None,
        )
        yield client, answer


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=_BODIES, link=_LINKS)
def test_any_list_answer_gives_typed_items_or_a_github_error(fuzzed, endpoint, body, link):
    client, answer = fuzzed
    answer.update(body=body, link=link)
    read, _, kind = ENDPOINTS[endpoint]
    try:
        items = read(client, "acme/app", 7)
    except GitHubError:
        return
    for item in items:
        assert isinstance(item, kind)
        for name, value in ((f, getattr(item, f)) for f in kind.__dataclass_fields__):
            assert value is None or (isinstance(value, (str, int)) and not isinstance(value, bool)), (
                name,
                value,
            )
