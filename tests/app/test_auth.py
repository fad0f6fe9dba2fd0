import datetime as dt

import pytest

from bot.github.auth import TOKEN_REFRESH_MARGIN_S, AppAuth
from scoring.errors import ConfigError
from tests.app.github_app import APP_SLUG, private_key_pem
from tests.fakes import INSTALLATION_TOKEN_LIFETIME_S


@pytest.fixture(scope="module")
def key() -> str:
    return private_key_pem()


def test_installation_token_is_cached_until_shortly_before_it_expires(app_github, key):
    now = [dt.datetime.now(dt.UTC)]
    auth = AppAuth("82994", key, base_url=app_github.base_url, throttle=False, clock=lambda: now[0])
    before = app_github.tokens_minted
    first = auth.token(7)
    assert auth.token(7) == first and app_github.tokens_minted == before + 1
    now[0] += dt.timedelta(seconds=INSTALLATION_TOKEN_LIFETIME_S - TOKEN_REFRESH_MARGIN_S + 1)
    assert auth.token(7).token != first.token and app_github.tokens_minted == before + 2


def test_tokens_are_per_installation(app_github, key):
    auth = AppAuth("82994", key, base_url=app_github.base_url, throttle=False)
    assert auth.token(1).token.startswith("ghs_1_") and auth.token(2).token.startswith("ghs_2_")


def test_the_app_posts_as_its_bot_login(app_github, key):
    assert (
        AppAuth("82994", key, base_url=app_github.base_url, throttle=False).bot_login() == f"{APP_SLUG}[bot]"
    )


def test_the_token_reaches_github_as_the_client_credential(app_github, key):
    client = AppAuth("82994", key, base_url=app_github.base_url, throttle=False).client(3)
    client.call("get repo", lambda: client.github.get_repo("octo/a", lazy=False))
    (request,) = app_github.calls("GET", r"^/repos/octo/a$")
    assert request.headers["Authorization"].startswith("token ghs_3_")


@pytest.mark.parametrize("app_id,private_key", [("", "x"), ("1", ""), ("1", "not a pem key")])
def test_missing_or_broken_credentials_are_a_config_error(app_id, private_key):
    with pytest.raises(ConfigError):
        AppAuth(app_id, private_key)
