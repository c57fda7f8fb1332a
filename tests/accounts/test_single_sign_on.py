"""Single sign-on end to end against a real OpenID Connect provider on loopback
(oidc-provider-mock): the browser's trip there and back, the code exchanged for a signed ID
token, an account made at the first sign-in with the roles its groups map to; refused with a
wrong audience, an expired token, or groups that map to no role."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator
from urllib.parse import urlsplit

# The provider imports authlib.jose, which warns that it is deprecated; authlib's own "always"
# filter (set when authlib.deprecate is first imported) must come before ours to be overridden.
import authlib.deprecate  # noqa: F401
import pytest
import requests

from tests.accounts.conftest import audit_actions, make_person, services, sign_in
from tests.helpers import app_config
from web import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import oidc_provider_mock

ROLE_MAP = "kb-admins:admin, support:agent, docs:writer, docs:agent"
# The provider runs Authlib's server, which warns of its own deprecated hooks on every token.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def run_provider(**options) -> Iterator[str]:
    with oidc_provider_mock.run_server_in_thread(**options) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    yield from run_provider()


@pytest.fixture
def sso_app(built, content_dir, data_dir, embedder, database_url, provider):
    return make_app(content_dir, data_dir, embedder, database_url, provider)


def make_app(content_dir, data_dir, embedder, database_url, issuer: str, **extra):
    settings = {
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": "kb-help-center",
        "OIDC_CLIENT_SECRET": "client-secret",
        "OIDC_ROLE_MAP": ROLE_MAP,
        **extra,
    }
    config = app_config(content_dir, data_dir, embedder, database_url, **settings)
    return create_app(config)


def through_provider(client, issuer: str, sub: str, claims: dict, area: str = "agent"):
    """The browser's trip: our sign-in button, the provider's form (the person is `sub`, with
    `claims`), and back to our callback; our answer to the callback."""
    start = client.get(f"/staff/sso?area={area}")
    assert start.status_code == 302, start.get_data(as_text=True)
    authorize = start.headers["Location"]
    assert authorize.startswith(issuer + "/oauth2/authorize")
    requests.put(f"{issuer}/users/{sub}", json=claims, timeout=10).raise_for_status()
    back = requests.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text
    callback = urlsplit(back.headers["Location"])
    assert callback.path == "/staff/sso/callback"
    return client.get(f"{callback.path}?{callback.query}")


ANN = {
    "email": "ann@example.com",
    "name": "Ann Agent",
    "groups": ["support", "staff"],
    "email_verified": True,
}


def test_a_first_sign_on_makes_the_account_with_the_roles_its_groups_map_to(
    sso_app, provider
) -> None:
    client = sso_app.test_client()
    answer = through_provider(client, provider, "ann-1", ANN)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/agent")
    assert client.get("/agent").status_code == 200
    assert client.get("/writer").status_code == 302
    ann = services(sso_app).users.find_email("ann@example.com")
    assert (ann.name, ann.roles, ann.single_sign_on, ann.has_password) == (
        "Ann Agent",
        ("agent",),
        True,
        False,
    )
    actions = audit_actions(sso_app)
    assert actions[:2] == [
        ("user_created", "Ann Agent", "ann@example.com"),
        ("sign_in", "Ann Agent", ""),
    ]
    assert "single sign-on" in services(sso_app).audit.entries()[0].detail


def test_roles_follow_the_providers_groups_at_every_sign_in(sso_app, provider) -> None:
    through_provider(sso_app.test_client(), provider, "ann-1", ANN)
    client = sso_app.test_client()
    answer = through_provider(client, provider, "ann-1", {**ANN, "groups": ["docs"]}, "writer")
    assert answer.headers["Location"].endswith("/writer")
    assert services(sso_app).users.find_email("ann@example.com").roles == ("agent", "writer")
    assert audit_actions(sso_app)[-2][0] == "roles_changed"


def test_groups_that_map_to_no_role_are_refused(sso_app, provider) -> None:
    client = sso_app.test_client()
    claims = {**ANN, "email": "mallory@example.com", "groups": ["marketing"]}
    answer = through_provider(client, provider, "mallory", claims)
    assert answer.headers["Location"].endswith("/agent/login")
    page = client.get("/agent/login").get_data(as_text=True)
    assert "your groups (marketing) give you no role" in page
    assert client.get("/agent").status_code == 302
    assert services(sso_app).users.find_email("mallory@example.com") is None
    ((action, _, _),) = audit_actions(sso_app)
    assert action == "sign_in_failed"


@pytest.mark.parametrize(
    "claims",
    [{"aud": ["another-application"]}, {"aud": ["another-application"], "azp": "kb-help-center"}],
    ids=["aud", "aud-with-our-azp"],
)
def test_a_token_for_another_audience_is_refused(sso_app, provider, monkeypatch, claims) -> None:
    """The provider signs a token for another client (its `aud`): it must not sign in here,
    even when it names us as the party it was issued to (`azp`)."""
    issue = oidc_provider_mock._app.OpenIDCode.get_jwt_config

    def for_someone_else(self, grant, client=None):
        return {**issue(self, grant, client), **claims}

    monkeypatch.setattr(oidc_provider_mock._app.OpenIDCode, "get_jwt_config", for_someone_else)
    client = sso_app.test_client()
    answer = through_provider(client, provider, "ann-1", ANN)
    assert answer.headers["Location"].endswith("/agent/login")
    assert "aud" in client.get("/agent/login").get_data(as_text=True)
    assert client.get("/agent").status_code == 302
    assert services(sso_app).users.find_email("ann@example.com") is None


def test_an_expired_token_is_refused(built, content_dir, data_dir, embedder, database_url):
    """A provider whose ID tokens expired an hour before they were issued (a clock far off)."""
    for issuer in run_provider(access_token_max_age=dt.timedelta(hours=-1)):
        app = make_app(content_dir, data_dir, embedder, database_url, issuer)
        client = app.test_client()
        answer = through_provider(client, issuer, "ann-1", ANN)
        assert answer.headers["Location"].endswith("/agent/login")
        assert "expired" in client.get("/agent/login").get_data(as_text=True)
        assert client.get("/agent").status_code == 302


def test_a_callback_without_the_sessions_state_is_refused(sso_app, provider) -> None:
    """A callback this browser did not start (a forged link): the state does not match."""
    victim = sso_app.test_client()
    start = sso_app.test_client().get("/staff/sso")  # someone else's trip
    authorize = start.headers["Location"]
    requests.put(f"{provider}/users/ann-1", json=ANN, timeout=10)
    back = requests.post(authorize, data={"sub": "ann-1"}, allow_redirects=False, timeout=10)
    callback = urlsplit(back.headers["Location"])
    answer = victim.get(f"{callback.path}?{callback.query}")
    assert answer.headers["Location"].endswith("/agent/login")
    assert victim.get("/agent").status_code == 302


def test_an_existing_account_is_linked_only_when_the_address_is_verified(sso_app, provider) -> None:
    make_person(sso_app, "ann@example.com", ["writer"])
    client = sso_app.test_client()
    unverified = through_provider(client, provider, "ann-2", {**ANN, "email_verified": False})
    assert unverified.headers["Location"].endswith("/agent/login")
    assert "not say the address is verified" in client.get("/agent/login").get_data(as_text=True)
    verified = through_provider(client, provider, "ann-2", ANN)
    assert verified.headers["Location"].endswith("/agent")
    ann = services(sso_app).users.find_email("ann@example.com")
    assert ann.single_sign_on and ann.has_password and ann.roles == ("agent",)


def test_a_disabled_account_cannot_sign_on(sso_app, provider) -> None:
    through_provider(sso_app.test_client(), provider, "ann-1", ANN)
    ann = services(sso_app).users.find_email("ann@example.com")
    services(sso_app).users.disable(ann.id)
    client = sso_app.test_client()
    answer = through_provider(client, provider, "ann-1", ANN)
    assert answer.headers["Location"].endswith("/agent/login")
    assert "disabled" in client.get("/agent/login").get_data(as_text=True)


def test_an_unreachable_provider_is_a_message_not_an_error(
    built, content_dir, data_dir, embedder, database_url
) -> None:
    app = make_app(content_dir, data_dir, embedder, database_url, "http://127.0.0.1:1")
    client = app.test_client()
    answer = client.get("/staff/sso?area=writer")
    assert answer.headers["Location"].endswith("/writer/login")
    assert "cannot be reached" in client.get("/writer/login").get_data(as_text=True)


def test_without_a_provider_there_is_no_single_sign_on(app, client) -> None:
    assert "single sign-on" not in client.get("/agent/login").get_data(as_text=True)
    assert client.get("/staff/sso").status_code == 404


def test_a_password_sign_in_still_works_beside_it(sso_app) -> None:
    make_person(sso_app, "bob@example.com", ["agent"])
    client = sso_app.test_client()
    page = client.get("/agent/login").get_data(as_text=True)
    assert 'name="password"' in page and "Sign in with single sign-on" in page
    assert sign_in(client, "bob@example.com").status_code == 302


def test_a_bad_role_map_stops_the_start_naming_the_setting(
    built, content_dir, data_dir, embedder, database_url
) -> None:
    from kb.errors import ConfigurationError  # noqa: PLC0415

    with pytest.raises(ConfigurationError, match="KB_OIDC_ROLE_MAP"):
        make_app(
            content_dir,
            data_dir,
            embedder,
            database_url,
            "http://127.0.0.1:1",
            OIDC_ROLE_MAP="support:boss",
        )
