"""What the App tests put on the fake GitHub (tests/fakes.py): the App's key, its bot account, AI-written
PRs."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes import FakeGitHub, FakePull

APP_SLUG = "redline-test"
REPO = "Codertocat/Hello-World"  # the repository of the recorded pull_request payloads
# An AI-authored file whose `bug` lines the tiny test scorer flags (scoring.probe.testing plants that word).
AI_CODE = "def bug(x):\n    return x - 1  # bug\n\n\ndef add(a, b):\n    return a + b\n"


def private_key_pem() -> str:
    """A throw-away RSA key for the App's JWT (the fake does not check the signature)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def add_ai_pull(fake: FakeGitHub, number: int, head_sha: str, code: str = AI_CODE) -> FakePull:
    """A PR adding one file in one commit by an aider session (AI-authored by scoring.attribution's rules)."""
    patch = f"@@ -0,0 +1,{len(code.splitlines())} @@\n" + "".join(f"+{line}\n" for line in code.splitlines())
    pull = FakePull(
        REPO,
        number,
        title="Add calc helpers",
        head_sha=head_sha,
        files=[{"filename": "calc.py", "status": "added", "patch": patch}],
        commits=[
            {
                "sha": head_sha,
                "author_name": "Dev (aider)",
                "author_email": "dev@example.com",
                "message": "feat: calc helpers",
            }
        ],
    )
    return fake.add_pull(pull, {"calc.py": code})
