"""Sign-in through a board's own identity provider (OpenID Connect), against a real local provider.

The round trip is real: the Django test client starts the login, ``requests`` follows the
redirect to the provider, and the callback view talks to the provider's token and JWKS
endpoints over HTTP.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from schildwacht.accounts.identity_providers import create_identity_provider
from schildwacht.accounts.models import IdentityProvider, ProviderDevice, User
from schildwacht.accounts.oidc import insecure_url_reason, pkce_challenge
from schildwacht.audit.models import AuditAction, AuditEntry
from schildwacht.organisations.services import add_membership
from tests.oidc_provider import LocalOIDCProvider
from tests.personas import TEST_ACTOR, Personas, Tree, assert_access, make_user

START = "/accounts/oidc/start/"
CALLBACK = "/accounts/oidc/callback/"
DOMAIN = "alfa.test"
JAN = f"jan@{DOMAIN}"


@pytest.fixture
def provider() -> Iterator[LocalOIDCProvider]:
    with LocalOIDCProvider().running() as running:
        running.settings.email = JAN
        yield running


@pytest.fixture
def idp(tree: Tree, provider: LocalOIDCProvider) -> IdentityProvider:
    """Board A's Entra ID provider, pointing at the local provider."""
    return create_identity_provider(
        TEST_ACTOR,
        organisation=tree.board_a,
        kind="entra",
        name="Alfa Entra",
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        email_domains=DOMAIN,
        require_mfa_claim=True,
        enabled=True,
    )


@pytest.fixture
def jan(tree: Tree) -> User:
    """A staff member of school A1 without an authenticator app: the provider is his MFA."""
    user = make_user(JAN, with_authenticator=False)
    add_membership(TEST_ACTOR, user=user, organisation=tree.school_a1, role="staff")
    return user


def go_to_provider(client: Client, email: str = JAN, **extra: str) -> requests.Response:
    start = client.get(START, {"email": email, **extra})
    assert start.status_code == 302, start.content
    answer = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return answer


def come_back(client: Client, location: str) -> Any:
    back = urlsplit(location)
    assert back.path == CALLBACK
    return client.get(f"{back.path}?{back.query}")


def sign_in(client: Client, email: str = JAN) -> Any:
    return come_back(client, go_to_provider(client, email).headers["Location"])


def failures() -> list[dict[str, Any]]:
    return [
        {key: value[1] for key, value in (entry.payload.changes or {}).items()}
        for entry in AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED)
        .select_related("payload")
        .order_by("id")
    ]


def assert_refused(
    response: Any,
    status: int,
    text: str,
    reason: str,
    logs: pytest.LogCaptureFixture | None = None,
) -> None:
    """The sign-in was refused with ``text``; with ``logs`` the failure concerned no known
    account, so it is only logged (never audited), else it is the last audited failure."""
    assert response.status_code == status
    assert text in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    assert "_auth_user_id" not in response.wsgi_request.session
    if logs is None:
        assert failures()[-1]["reason"].startswith(reason), failures()
    else:
        assert failures() == []
        assert any(f"failed: {reason}" in r.getMessage() for r in logs.records), logs.text


def test_round_trip_signs_in_with_the_providers_mfa(
    idp: IdentityProvider, jan: User, provider: LocalOIDCProvider
) -> None:
    client = Client()
    response = sign_in(client)
    assert response.status_code == 302
    assert response["Location"] == "/"

    # The authorization request carried state, nonce, PKCE (S256), scope and the login hint.
    sent = provider.authorize_requests[0]
    assert sent["scope"] == "openid email profile"
    assert sent["code_challenge_method"] == "S256"
    assert sent["login_hint"] == JAN
    assert len(sent["state"]) >= 32 and len(sent["nonce"]) >= 32
    verifier = provider.token_requests[0]["code_verifier"]
    assert pkce_challenge(verifier) == sent["code_challenge"]
    # client_secret_post was offered, so the secret went in the form.
    assert provider.token_requests[0]["client_secret"] == provider.client_secret

    # Signed in and verified: a normal page is served, not an MFA page.
    session = client.session
    assert session["_auth_user_id"] == str(jan.pk)
    device = ProviderDevice.objects.get(user=jan, provider=idp)
    assert session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert session["session_generation"] == jan.session_generation
    page = client.get("/")
    assert page.status_code == 200
    assert page.wsgi_request.user.is_verified()  # type: ignore[union-attr]

    login = AuditEntry.objects.filter(action=AuditAction.LOGIN).select_related("payload").get()
    assert login.actor_user_id == jan.pk
    assert login.organisation_id == idp.organisation_id
    assert login.payload.changes == {"via": [None, "Alfa Entra"], "amr": [None, ["pwd", "mfa"]]}

    # The pending login is used up: replaying the callback is refused.
    replay = Client().get(CALLBACK, {"code": "x", "state": sent["state"]})
    assert replay.status_code == 400


def test_second_sign_in_reuses_the_provider_device(
    idp: IdentityProvider, jan: User, provider: LocalOIDCProvider
) -> None:
    assert sign_in(Client()).status_code == 302
    assert sign_in(Client()).status_code == 302
    assert ProviderDevice.objects.filter(user=jan, provider=idp).count() == 1


def test_basic_client_authentication_when_post_is_not_offered(
    idp: IdentityProvider, jan: User, provider: LocalOIDCProvider
) -> None:
    provider.settings.auth_methods = ["client_secret_basic"]
    assert sign_in(Client()).status_code == 302
    request = provider.token_requests[0]
    assert request["authorization"].startswith("Basic ")
    assert "client_secret" not in request


def test_entra_preferred_username_when_email_is_missing(
    idp: IdentityProvider, jan: User, provider: LocalOIDCProvider
) -> None:
    provider.settings.extra_claims = {"email": None, "preferred_username": JAN.upper()}
    assert sign_in(Client()).status_code == 302


def test_missing_mfa_claim_is_refused(
    idp: IdentityProvider, jan: User, provider: LocalOIDCProvider
) -> None:
    provider.settings.amr = ["pwd"]
    assert_refused(sign_in(Client()), 403, "meervoudige authenticatie", "no mfa")
    assert failures()[-1]["email"] == JAN
    provider.settings.amr = None
    assert_refused(sign_in(Client()), 403, "meervoudige authenticatie", "no mfa")


def test_mfa_claim_not_required_when_switched_off(
    idp: IdentityProvider, jan: User, provider: LocalOIDCProvider
) -> None:
    IdentityProvider.objects.filter(pk=idp.pk).update(require_mfa_claim=False)
    provider.settings.amr = None
    assert sign_in(Client()).status_code == 302


def test_token_signed_with_another_key_is_refused(
    idp: IdentityProvider, jan: User, provider: LocalOIDCProvider, caplog: pytest.LogCaptureFixture
) -> None:
    provider.settings.sign_with_wrong_key = True
    assert_refused(sign_in(Client()), 400, "kon niet worden gecontroleerd", "bad id_token", caplog)


def test_wrong_nonce_is_refused(
    idp: IdentityProvider, jan: User, provider: LocalOIDCProvider, caplog: pytest.LogCaptureFixture
) -> None:
    provider.settings.nonce_override = "een-andere-nonce"
    assert_refused(
        sign_in(Client()), 400, "kon niet worden gecontroleerd", "nonce mismatch", caplog
    )


def test_wrong_audience_and_expired_token_are_refused(
    idp: IdentityProvider, jan: User, provider: LocalOIDCProvider, caplog: pytest.LogCaptureFixture
) -> None:
    provider.settings.audience_override = "een-andere-app"
    assert_refused(
        sign_in(Client()), 400, "kon niet worden gecontroleerd", "id_token claim", caplog
    )
    provider.settings.audience_override = None
    provider.settings.expired = True
    assert_refused(
        sign_in(Client()), 400, "kon niet worden gecontroleerd", "id_token expired", caplog
    )


def test_wrong_state_is_refused(
    idp: IdentityProvider, jan: User, provider: LocalOIDCProvider, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client()
    location = go_to_provider(client).headers["Location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    response = client.get(CALLBACK, {"code": code, "state": "vervalst"})
    assert_refused(response, 400, "hoort niet bij deze browsersessie", "state mismatch", caplog)
    # The code was never exchanged.
    assert provider.token_requests == []


def test_callback_without_a_started_login(
    idp: IdentityProvider, jan: User, provider: LocalOIDCProvider
) -> None:
    client = Client()
    location = go_to_provider(Client()).headers["Location"]
    response = come_back(client, location)
    assert response.status_code == 400
    assert "verlopen" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_missing_email_is_refused(
    idp: IdentityProvider, jan: User, provider: LocalOIDCProvider, caplog: pytest.LogCaptureFixture
) -> None:
    provider.settings.extra_claims = {"email": None}
    assert_refused(sign_in(Client()), 403, "geen e-mailadres", "no email", caplog)


def test_email_outside_the_providers_domains_is_refused(
    idp: IdentityProvider, jan: User, provider: LocalOIDCProvider, caplog: pytest.LogCaptureFixture
) -> None:
    provider.settings.email = "coordinator_a@example.test"
    assert_refused(sign_in(Client()), 403, "hoort niet bij dit bestuur", "email domain", caplog)


def test_user_without_membership_on_that_board_is_refused(
    idp: IdentityProvider, tree: Tree, provider: LocalOIDCProvider, caplog: pytest.LogCaptureFixture
) -> None:
    piet = make_user(f"piet@{DOMAIN}", with_authenticator=False)
    add_membership(TEST_ACTOR, user=piet, organisation=tree.board_b, role="security_officer")
    provider.settings.email = piet.email
    assert_refused(sign_in(Client(), piet.email), 403, "geen actief account", "no account")
    # An address without any account is refused the same way: no automatic provisioning.
    # It concerns no account, so it is only logged: strangers cannot fill the audit trail.
    audited = len(failures())
    caplog.clear()
    provider.settings.email = f"nieuw@{DOMAIN}"
    response = sign_in(Client(), f"nieuw@{DOMAIN}")
    assert response.status_code == 403
    assert "geen actief account" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    assert len(failures()) == audited
    assert any("failed: no account" in r.getMessage() for r in caplog.records)
    assert not User.objects.filter(email=f"nieuw@{DOMAIN}").exists()


def test_inactive_user_is_refused(
    idp: IdentityProvider, jan: User, provider: LocalOIDCProvider
) -> None:
    User.objects.filter(pk=jan.pk).update(is_active=False)
    assert_refused(sign_in(Client()), 403, "geen actief account", "no account")


def test_unknown_domain_goes_back_to_login(idp: IdentityProvider) -> None:
    response = Client().get(START, {"email": "iemand@onbekend.test"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("geen inlog via de eigen identiteitsprovider" in t for t in texts)


def test_start_without_or_with_a_bad_email(idp: IdentityProvider) -> None:
    form = Client().get(START)
    assert form.status_code == 200
    assert 'name="email"' in form.content.decode()
    bad = Client().get(START, {"email": "geen-adres"})
    assert bad.status_code == 400
    assert 'aria-describedby="id_email_error"' in bad.content.decode()


def test_disabled_provider_is_not_used(idp: IdentityProvider) -> None:
    IdentityProvider.objects.filter(pk=idp.pk).update(enabled=False)
    assert Client().get(START, {"email": JAN})["Location"] == "/accounts/login/"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_provider_unreachable_at_start(tree: Tree, jan: User) -> None:
    create_identity_provider(
        TEST_ACTOR,
        organisation=tree.board_a,
        kind="entra",
        name="Weg",
        issuer=f"http://127.0.0.1:{_closed_port()}",
        client_id="c",
        client_secret="s",
        email_domains=DOMAIN,
        require_mfa_claim=True,
        enabled=True,
    )
    response = Client().get(START, {"email": JAN})
    assert response.status_code == 400
    assert "niet bereikbaar" in response.content.decode()
    assert failures()[-1]["reason"] == "discovery unreachable"


def test_provider_down_before_the_callback(
    tree: Tree, jan: User, caplog: pytest.LogCaptureFixture
) -> None:
    other = LocalOIDCProvider()
    other.settings.email = JAN
    with other.running():
        create_identity_provider(
            TEST_ACTOR,
            organisation=tree.board_a,
            kind="entra",
            name="Valt uit",
            issuer=other.issuer,
            client_id=other.client_id,
            client_secret=other.client_secret,
            email_domains=DOMAIN,
            require_mfa_claim=True,
            enabled=True,
        )
        client = Client()
        location = go_to_provider(client).headers["Location"]
    assert_refused(come_back(client, location), 400, "niet bereikbaar", "token endpoint", caplog)


def test_provider_refusing_the_code(
    idp: IdentityProvider, jan: User, provider: LocalOIDCProvider, caplog: pytest.LogCaptureFixture
) -> None:
    IdentityProvider.objects.get(pk=idp.pk)
    stored = IdentityProvider.objects.get(pk=idp.pk)
    stored.client_secret = "verkeerd-geheim"
    stored.save()
    assert_refused(
        sign_in(Client()),
        400,
        "kon niet worden gecontroleerd",
        "token endpoint answered 401",
        caplog,
    )


def test_provider_reporting_an_error(
    idp: IdentityProvider, jan: User, provider: LocalOIDCProvider, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client()
    start = client.get(START, {"email": JAN})
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    response = client.get(CALLBACK, {"error": "access_denied", "state": state})
    assert_refused(response, 400, "niet voltooid", "provider error access_denied", caplog)


# --- configuration pages ---------------------------------------------------------------------

ONLY_COORDINATOR_A = {
    "coordinator_a": 200,
    "board_member_a": 404,
    "privacy_officer_a": 404,
    "fg_a": 404,
    "school_leader_a": 404,
    "staff_a": 404,
    "auditor_a": 404,
    "coordinator_b": 404,
    "sector_analyst": 404,
    "sector_curator": 404,
}


def provider_form(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "entra",
        "name": "Alfa Entra",
        "issuer": "https://login.microsoftonline.com/1234/v2.0",
        "client_id": "app-123",
        "client_secret": "s3cret-value-of-alfa",
        "email_domains": "Alfa.test, leerling.alfa.test",
        "require_mfa_claim": "on",
        "enabled": "on",
    } | overrides


def test_configuration_pages_are_for_the_boards_coordinator_only(
    personas: Personas, idp: IdentityProvider
) -> None:
    board = personas.tree.board_a.pk
    base = f"/accounts/oidc/boards/{board}/providers/"
    for url in (base, f"{base}new/", f"{base}{idp.pk}/", f"{base}{idp.pk}/delete/"):
        assert_access(personas, url, ONLY_COORDINATOR_A)
    # Board B's coordinator reaches board B's own list, never board A's providers.
    board_b = personas.tree.board_b.pk
    client_b = personas.client("coordinator_b")
    assert client_b.get(f"/accounts/oidc/boards/{board_b}/providers/").status_code == 200
    assert client_b.get(f"/accounts/oidc/boards/{board_b}/providers/{idp.pk}/").status_code == 404
    # Schools cannot have providers.
    school = personas.tree.school_a1.pk
    coordinator = personas.client("coordinator_a")
    assert coordinator.get(f"/accounts/oidc/boards/{school}/providers/").status_code == 404
    # Anonymous visitors are sent to the login page.
    assert Client().get(base).status_code == 302


def test_create_posts_only_for_the_coordinator(personas: Personas) -> None:
    board = personas.tree.board_a.pk
    expected = ONLY_COORDINATOR_A | {"coordinator_a": 302}
    assert_access(
        personas,
        f"/accounts/oidc/boards/{board}/providers/new/",
        expected,
        method="post",
        data=provider_form(),
    )
    assert IdentityProvider.objects.count() == 1


def test_create_stores_the_secret_encrypted_and_audits_without_it(personas: Personas) -> None:
    board = personas.tree.board_a
    client = personas.client("coordinator_a")
    response = client.post(f"/accounts/oidc/boards/{board.pk}/providers/new/", provider_form())
    assert response.status_code == 302
    provider = IdentityProvider.objects.get()
    assert provider.organisation == board
    assert provider.email_domains == "alfa.test, leerling.alfa.test"
    assert provider.client_secret == "s3cret-value-of-alfa"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret FROM accounts_identityprovider WHERE id = %s", [provider.pk]
        )
        raw = cursor.fetchone()[0]
    assert raw != "s3cret-value-of-alfa"
    assert "s3cret" not in raw

    entry = (
        AuditEntry.objects.filter(
            object_type="accounts.identityprovider", action=AuditAction.CREATE
        )
        .select_related("payload")
        .get()
    )
    assert entry.organisation_id == board.pk
    assert "s3cret" not in str(entry.payload.changes)
    changes = entry.payload.changes or {}
    assert changes["client_secret"] == [None, "ingesteld"]

    # The list shows the provider and the redirect URI to register, never the secret.
    page = client.get(f"/accounts/oidc/boards/{board.pk}/providers/").content.decode()
    assert "Alfa Entra" in page and "/accounts/oidc/callback/" in page
    assert "s3cret" not in page
    edit = client.get(f"/accounts/oidc/boards/{board.pk}/providers/{provider.pk}/")
    assert "s3cret" not in edit.content.decode()


def test_edit_keeps_a_blank_secret_and_audits_the_change(
    personas: Personas, idp: IdentityProvider
) -> None:
    client = personas.client("coordinator_a")
    url = f"/accounts/oidc/boards/{idp.organisation_id}/providers/{idp.pk}/"
    form = provider_form(name="Alfa nieuw", email_domains=DOMAIN, client_secret="")
    assert client.post(url, form).status_code == 302
    idp.refresh_from_db()
    assert idp.name == "Alfa nieuw"
    assert idp.client_secret == "test-client-secret-123"
    entry = AuditEntry.objects.filter(
        object_id=str(idp.pk), action=AuditAction.UPDATE, object_type="accounts.identityprovider"
    ).get()
    changes = entry.payload.changes or {}
    assert changes["name"] == ["Alfa Entra", "Alfa nieuw"]
    assert "client_secret" not in changes

    assert client.post(url, form | {"client_secret": "nieuw-geheim"}).status_code == 302
    idp.refresh_from_db()
    assert idp.client_secret == "nieuw-geheim"
    last = AuditEntry.objects.filter(object_id=str(idp.pk), action=AuditAction.UPDATE).latest("id")
    assert last.payload.changes == {"client_secret": [None, "gewijzigd"]}


def test_form_refuses_bad_input(personas: Personas, idp: IdentityProvider) -> None:
    client = personas.client("coordinator_a")
    url = f"/accounts/oidc/boards/{personas.tree.board_a.pk}/providers/new/"
    taken = client.post(url, provider_form(email_domains=f"nieuw.test, {DOMAIN}"))
    assert taken.status_code == 400
    assert "al in gebruik" in taken.content.decode()
    bad = client.post(url, provider_form(email_domains="geen domein", client_secret=""))
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "Geen geldig domein" in body
    assert 'aria-describedby="id_client_secret_error"' in body
    # Board B may not claim board A's domain either.
    board_b = personas.tree.board_b.pk
    response = personas.client("coordinator_b").post(
        f"/accounts/oidc/boards/{board_b}/providers/new/", provider_form(email_domains=DOMAIN)
    )
    assert response.status_code == 400
    assert IdentityProvider.objects.count() == 1


def test_http_issuer_refused_in_production(personas: Personas, settings: Any) -> None:
    settings.TESTING = False
    client = personas.client("coordinator_a")
    url = f"/accounts/oidc/boards/{personas.tree.board_a.pk}/providers/new/"
    response = client.post(url, provider_form(issuer="http://idp.example.com"))
    assert response.status_code == 400
    assert "https" in response.content.decode()
    assert not IdentityProvider.objects.exists()


def test_delete_removes_provider_and_its_sessions_verification(
    personas: Personas, idp: IdentityProvider, jan: User, provider: LocalOIDCProvider
) -> None:
    signed_in = Client()
    assert sign_in(signed_in).status_code == 302
    client = personas.client("coordinator_a")
    url = f"/accounts/oidc/boards/{idp.organisation_id}/providers/{idp.pk}/delete/"
    assert personas.client("coordinator_b").post(url).status_code == 404
    assert client.post(url).status_code == 302
    assert not IdentityProvider.objects.exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.DELETE, object_type="accounts.identityprovider"
    ).exists()
    # The session verified through the removed provider is no longer verified.
    response = signed_in.get("/")
    assert response.status_code == 302
    assert "/accounts/mfa/" in response["Location"]


def test_unusable_jwks_is_refused(
    idp: IdentityProvider,
    jan: User,
    provider: LocalOIDCProvider,
    monkeypatch: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(provider, "jwks", lambda: {"keys": [{"kty": "nonsense"}]})
    assert_refused(sign_in(Client()), 400, "kon niet worden gecontroleerd", "unusable jwks", caplog)


def test_next_page_only_within_the_site(
    idp: IdentityProvider, jan: User, provider: LocalOIDCProvider
) -> None:
    client = Client()
    location = go_to_provider(client, next="/organisaties/").headers["Location"]
    assert come_back(client, location)["Location"] == "/organisaties/"
    for evil in ("https://evil.example/", "//evil.example/"):
        client = Client()
        location = go_to_provider(client, next=evil).headers["Location"]
        assert come_back(client, location)["Location"] == "/"


# --- review fixes: cross-board takeover ------------------------------------------------------


def _board_a_provider_for(tree: Tree, provider: LocalOIDCProvider, domain: str) -> None:
    """Board A's provider claiming ``domain`` without the MFA check: what a hostile coordinator
    of board A could set up (made through the service, past the form's checks)."""
    create_identity_provider(
        TEST_ACTOR,
        organisation=tree.board_a,
        kind="google",
        name="Alfa kwaadwillend",
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        email_domains=domain,
        require_mfa_claim=False,
        enabled=True,
    )


def test_board_provider_cannot_sign_in_someone_with_rights_elsewhere(
    tree: Tree, provider: LocalOIDCProvider
) -> None:
    # Board B's coordinator, added by board A's coordinator as staff on one of A's schools.
    victim = make_user("bea@beta.test")
    add_membership(TEST_ACTOR, user=victim, organisation=tree.board_b, role="security_officer")
    add_membership(TEST_ACTOR, user=victim, organisation=tree.school_a1, role="staff")
    _board_a_provider_for(tree, provider, "beta.test")
    provider.settings.email = victim.email
    provider.settings.amr = None
    client = Client()
    response = sign_in(client, victim.email)
    assert_refused(response, 403, "rollen buiten dit bestuur", "memberships outside")
    assert "wachtwoord" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert failures()[-1]["email"] == victim.email


def test_fg_of_several_boards_and_sector_roles_are_refused_too(
    tree: Tree, provider: LocalOIDCProvider
) -> None:
    _board_a_provider_for(tree, provider, DOMAIN)
    fg = make_user(f"fg@{DOMAIN}", with_authenticator=False)
    add_membership(TEST_ACTOR, user=fg, organisation=tree.board_a, role="fg")
    add_membership(TEST_ACTOR, user=fg, organisation=tree.board_b, role="fg")
    provider.settings.email = fg.email
    assert_refused(sign_in(Client(), fg.email), 403, "rollen buiten", "memberships outside")
    # The sector node is above the board, not within it.
    analyst = make_user(f"analist@{DOMAIN}", with_authenticator=False)
    add_membership(TEST_ACTOR, user=analyst, organisation=tree.board_a, role="staff")
    add_membership(TEST_ACTOR, user=analyst, organisation=tree.sector, role="sector_analyst")
    provider.settings.email = analyst.email
    assert_refused(sign_in(Client(), analyst.email), 403, "rollen buiten", "memberships outside")


def test_roles_on_the_board_and_its_schools_may_sign_in(
    tree: Tree, provider: LocalOIDCProvider
) -> None:
    _board_a_provider_for(tree, provider, DOMAIN)
    user = make_user(f"els@{DOMAIN}", with_authenticator=False)
    add_membership(TEST_ACTOR, user=user, organisation=tree.board_a, role="privacy_officer")
    add_membership(TEST_ACTOR, user=user, organisation=tree.school_a2, role="school_leader")
    provider.settings.email = user.email
    client = Client()
    assert sign_in(client, user.email).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_form_refuses_public_mail_domains(personas: Personas) -> None:
    client = personas.client("coordinator_a")
    url = f"/accounts/oidc/boards/{personas.tree.board_a.pk}/providers/new/"
    for domains in ("gmail.com", "alfa.test, Hotmail.com", "ziggo.nl", "mail.outlook.com"):
        response = client.post(url, provider_form(email_domains=domains))
        assert response.status_code == 400, domains
        assert "openbaar e-maildomein" in response.content.decode()
    assert not IdentityProvider.objects.exists()


def test_public_mail_domains_are_reference_data() -> None:
    from schildwacht.accounts.identity_providers import (
        PUBLIC_MAIL_DOMAINS_FILE,
        public_mail_domains,
    )

    assert PUBLIC_MAIL_DOMAINS_FILE.parent.name == "data"
    listed = public_mail_domains()
    for domain in ("gmail.com", "outlook.com", "proton.me", "kpnmail.nl", "xs4all.nl", "aol.com"):
        assert domain in listed
    assert not any(d.startswith("#") for d in listed)


def test_form_refuses_a_domain_of_people_with_rights_elsewhere(
    personas: Personas, tree: Tree
) -> None:
    client = personas.client("coordinator_a")
    url = f"/accounts/oidc/boards/{tree.board_a.pk}/providers/new/"
    # coordinator_b@example.test holds a role on board B.
    response = client.post(url, provider_form(email_domains="example.test"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "ook rollen buiten dit bestuur" in body
    assert "coordinator_b" not in body
    assert not IdentityProvider.objects.exists()
    # A domain whose accounts all work within board A is fine; an inactive account elsewhere
    # does not count (it cannot sign in).
    eik = make_user("piet@eik.test")
    add_membership(TEST_ACTOR, user=eik, organisation=tree.school_a1, role="staff")
    gone = make_user("oud@eik.test")
    add_membership(TEST_ACTOR, user=gone, organisation=tree.board_b, role="staff")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    assert client.post(url, provider_form(email_domains="eik.test")).status_code == 302
    # Editing is checked the same way.
    provider = IdentityProvider.objects.get()
    edit = f"/accounts/oidc/boards/{tree.board_a.pk}/providers/{provider.pk}/"
    response = client.post(edit, provider_form(email_domains="eik.test, example.test"))
    assert response.status_code == 400
    assert "ook rollen buiten dit bestuur" in response.content.decode()


# --- review fixes: outgoing requests (SSRF) --------------------------------------------------

FAKE_DNS = {
    "login.microsoftonline.com": ["20.190.160.1"],
    "idp.intern.example": ["192.168.1.10"],
    "gemengd.example": ["20.190.160.2", "10.0.0.7"],
    "metadata.example": ["169.254.169.254"],
}


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Name resolution without the network: FAKE_DNS, anything else does not exist."""

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host not in FAKE_DNS:
            raise socket.gaierror("unknown host")
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
            for address in FAKE_DNS[host]
        ]

    monkeypatch.setattr("schildwacht.accounts.oidc.socket.getaddrinfo", getaddrinfo)


def production(settings: Any) -> None:
    settings.DEBUG = False
    settings.TESTING = False


def test_only_public_https_providers_in_production(settings: Any, fake_dns: None) -> None:
    production(settings)
    assert insecure_url_reason("https://login.microsoftonline.com/abc/v2.0") is None
    assert insecure_url_reason("http://login.microsoftonline.com/abc/v2.0") == "not https"
    assert insecure_url_reason("ftp://idp.example.com") == "not https"
    for internal in (
        "https://127.0.0.1:9000",
        "https://localhost/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://10.1.2.3/",
        "https://172.16.0.1/",
        "https://169.254.169.254/latest/",
        "https://0.0.0.0/",
        "https://240.0.0.1/",
        "https://idp.intern.example/",
        "https://gemengd.example/",
        "https://metadata.example/",
    ):
        assert insecure_url_reason(internal) == "internal address", internal
    assert insecure_url_reason("https://bestaat-niet.example/") == "host does not resolve"
    assert insecure_url_reason("http://127.0.0.1:9000") == "not https"
    # Development and tests may use a local provider over http.
    settings.TESTING = True
    assert insecure_url_reason("http://127.0.0.1:9000") is None
    assert insecure_url_reason("ftp://127.0.0.1") == "not https"


def test_form_refuses_internal_issuers_in_production(
    personas: Personas, settings: Any, fake_dns: None
) -> None:
    production(settings)
    client = personas.client("coordinator_a")
    url = f"/accounts/oidc/boards/{personas.tree.board_a.pk}/providers/new/"
    for issuer, text in (
        ("http://login.microsoftonline.com/1234/v2.0", "https-adres"),
        ("https://127.0.0.1:8443/", "intern netwerkadres"),
        ("https://idp.intern.example/", "intern netwerkadres"),
        ("https://bestaat-niet.example/", "niet te vinden"),
    ):
        response = client.post(url, provider_form(issuer=issuer))
        assert response.status_code == 400, issuer
        assert text in response.content.decode(), issuer
    assert not IdentityProvider.objects.exists()
    assert client.post(url, provider_form()).status_code == 302


def test_local_provider_is_not_contacted_in_production(
    settings: Any, idp: IdentityProvider, jan: User, provider: LocalOIDCProvider
) -> None:
    production(settings)
    response = Client().get(START, {"email": JAN})
    assert response.status_code == 400
    assert "kon niet worden gecontroleerd" in response.content.decode()
    assert provider.requests == []
    assert failures()[-1]["reason"].startswith("insecure or missing issuer")


def test_callback_checks_the_provider_again_before_requests(
    settings: Any,
    idp: IdentityProvider,
    jan: User,
    provider: LocalOIDCProvider,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Discovery (cached) happened while local providers were allowed; the token request after
    # the switch to production is checked on its own and never sent.
    client = Client()
    location = go_to_provider(client).headers["Location"]
    production(settings)
    assert_refused(
        come_back(client, location),
        400,
        "kon niet worden gecontroleerd",
        "insecure or missing",
        caplog,
    )
    assert provider.token_requests == []


def test_jwks_and_token_endpoint_checked_before_the_request(
    settings: Any, fake_dns: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from schildwacht.accounts import oidc

    def no_request(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an internal address was contacted")

    monkeypatch.setattr(oidc.requests, "get", no_request)
    monkeypatch.setattr(oidc.requests, "post", no_request)
    production(settings)
    metadata = oidc.ProviderMetadata(
        issuer="https://login.microsoftonline.com/abc/v2.0",
        authorization_endpoint="https://login.microsoftonline.com/abc/authorize",
        token_endpoint="https://idp.intern.example/token",
        jwks_uri="https://metadata.example/jwks",
        token_auth_methods=("client_secret_post",),
    )
    pending = oidc.PendingLogin(1, "s", "n", "v", "https://x.example/cb", 0)
    with pytest.raises(oidc.OIDCError, match="token_endpoint"):
        oidc.exchange_code(metadata, client_id="c", client_secret="s", code="c", pending=pending)
    with pytest.raises(oidc.OIDCError, match="jwks"):
        oidc.validate_id_token(metadata, id_token="x.y.z", client_id="c", nonce="n")


def test_redirects_from_the_provider_are_not_followed(
    tree: Tree, jan: User, caplog: pytest.LogCaptureFixture
) -> None:
    # A redirect could lead anywhere (e.g. a metadata service); it is never followed.
    other = LocalOIDCProvider()
    with other.running():
        other.settings.discovery_redirect = f"{other.issuer}/elders"
        create_identity_provider(
            TEST_ACTOR,
            organisation=tree.board_a,
            kind="entra",
            name="Stuurt door",
            issuer=other.issuer,
            client_id=other.client_id,
            client_secret=other.client_secret,
            email_domains=DOMAIN,
            require_mfa_claim=True,
            enabled=True,
        )
        response = Client().get(START, {"email": JAN})
    assert response.status_code == 400
    assert "niet bereikbaar" in response.content.decode()
    assert other.requests == ["GET /.well-known/openid-configuration"]


# --- review fixes: redirect URI, provider errors, audit flooding, access tables ---------------


def test_redirect_uri_comes_from_site_url(
    settings: Any, personas: Personas, idp: IdentityProvider, jan: User, provider: LocalOIDCProvider
) -> None:
    settings.SITE_URL = "https://schildwacht.example.nl/"
    expected = "https://schildwacht.example.nl/accounts/oidc/callback/"
    client = Client()
    # The request itself looks like plain http on another host (a TLS-terminating proxy).
    location = go_to_provider(client).headers["Location"]
    assert location.startswith(expected + "?")
    assert come_back(client, location).status_code == 302
    assert provider.authorize_requests[0]["redirect_uri"] == expected
    assert provider.token_requests[0]["redirect_uri"] == expected
    page = personas.client("coordinator_a").get(
        f"/accounts/oidc/boards/{idp.organisation_id}/providers/"
    )
    assert f"<code>{expected}</code>" in page.content.decode()


def test_only_registered_provider_error_codes_are_recorded(
    idp: IdentityProvider, jan: User, provider: LocalOIDCProvider, caplog: pytest.LogCaptureFixture
) -> None:
    from schildwacht.accounts.oidc import provider_error_code

    assert provider_error_code("consent_required") == "consent_required"
    assert provider_error_code("Access_Denied") == "onbekend"
    client = Client()
    start = client.get(START, {"email": JAN})
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    forged = "<script>alert(1)</script>\n2099 ADMIN LOGIN OK"
    response = client.get(CALLBACK, {"error": forged, "state": state})
    assert_refused(response, 400, "niet voltooid", "provider error onbekend", caplog)
    assert "script" not in caplog.text and "ADMIN" not in caplog.text


def test_failures_are_audited_only_for_existing_accounts(
    tree: Tree, jan: User, caplog: pytest.LogCaptureFixture
) -> None:
    create_identity_provider(
        TEST_ACTOR,
        organisation=tree.board_a,
        kind="entra",
        name="Weg",
        issuer=f"http://127.0.0.1:{_closed_port()}",
        client_id="c",
        client_secret="s",
        email_domains=DOMAIN,
        require_mfa_claim=True,
        enabled=True,
    )
    for number in range(3):
        response = Client().get(START, {"email": f"vreemde{number}@{DOMAIN}"})
        assert response.status_code == 400
    assert failures() == []
    assert "discovery unreachable" in caplog.text
    # The same failure for a real account is about that account: audited.
    assert Client().get(START, {"email": JAN.upper()}).status_code == 400
    assert [f["email"] for f in failures()] == [JAN]


START_FORM_FOR_EVERYONE = dict.fromkeys(ONLY_COORDINATOR_A, 200)


def test_start_page_access(personas: Personas, idp: IdentityProvider) -> None:
    def shows_the_form(name: str, response: Any) -> None:
        assert 'name="email"' in response.content.decode(), name

    assert_access(personas, START, START_FORM_FOR_EVERYONE, check=shows_the_form)
    assert_access(personas, START, dict.fromkeys(ONLY_COORDINATOR_A, 405), method="post")
    anonymous = Client().get(START)
    assert anonymous.status_code == 200
    assert 'name="email"' in anonymous.content.decode()
    assert Client().post(START).status_code == 405


def test_callback_without_a_started_flow(personas: Personas, idp: IdentityProvider) -> None:
    def expired(name: str, response: Any) -> None:
        assert "verlopen" in response.content.decode(), name

    assert_access(personas, CALLBACK, dict.fromkeys(ONLY_COORDINATOR_A, 400), check=expired)
    for query in (
        {},
        {"code": "x", "state": "y"},
        {"error": "access_denied"},
        {"state": ["a", "b"], "code": "\x00"},
    ):
        response = Client().get(CALLBACK, query)
        assert response.status_code == 400, query
        assert "verlopen" in response.content.decode()
    # A corrupt pending login in the session is treated as none.
    client = Client()
    session = client.session
    session["oidc_pending"] = {"provider_id": "geen getal", "state": "x"}
    session.save()
    assert client.get(CALLBACK, {"state": "x", "code": "y"}).status_code == 400
    assert failures() == []
