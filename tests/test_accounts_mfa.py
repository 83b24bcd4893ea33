"""The second factor: setting up an authenticator app, TOTP codes and recovery codes."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from schildwacht.accounts.middleware import SESSION_GENERATION_KEY
from schildwacht.accounts.models import (
    AuthenticatorDevice,
    IdentityProvider,
    ProviderDevice,
    RecoveryCode,
    User,
)
from schildwacht.accounts.services import create_user, verify_second_factor
from schildwacht.accounts.views import PENDING_SECRET_SESSION_KEY
from schildwacht.audit.models import AuditAction, AuditEntry
from tests.personas import PASSWORD, PERSONA_ROLES, TEST_ACTOR, Personas, assert_access, make_user

LOGIN = "/accounts/login/"
VERIFY = "/accounts/mfa/verify/"
SETUP = "/accounts/mfa/setup/"
RECOVERY = "/accounts/mfa/recovery-codes/"
# Digits that str.isdigit() accepts but int() refuses.
SUPERSCRIPT_CODE = "²²²²²²"


def code_for(secret: str, offset: int = 0) -> tuple[str, int]:
    device = AuthenticatorDevice(secret=secret)
    step = device.current_step() + offset
    return f"{device.code_at(step):06d}", step


def sign_in_with_password(email: str) -> Client:
    client = Client()
    response = client.post(LOGIN, {"username": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def wrong_code(user: User) -> str:
    """A six-digit code valid at none of the accepted time steps."""
    device = AuthenticatorDevice.objects.get(user=user)
    now = device.current_step()
    valid = {device.code_at(step) for step in range(now - 2, now + 3)}
    return next(f"{n:06d}" for n in range(1_000_000) if n not in valid)


def set_up_authenticator(email: str) -> tuple[Client, list[str], str]:
    """Go through the set-up page; return the client, the recovery codes and the secret."""
    client = sign_in_with_password(email)
    page = client.get(SETUP)
    assert page.status_code == 200
    secret = client.session[PENDING_SECRET_SESSION_KEY]
    code, _step = code_for(secret)
    response = client.post(SETUP, {"otp_token": code})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return client, list(response.context["codes"]), secret


def test_setup_page_shows_qr_and_base32_secret(db: None) -> None:
    user = make_user("nieuw@example.test", with_authenticator=False)
    client = sign_in_with_password(user.email)
    page = client.get(SETUP)
    content = page.content.decode()
    secret = client.session[PENDING_SECRET_SESSION_KEY]
    base32 = base64.b32encode(bytes.fromhex(secret)).decode().rstrip("=")
    assert base32 in content
    assert 'src="data:image/svg+xml' in content
    assert 'alt="QR-code' in content
    assert 'name="otp_token"' in content
    # The same secret is offered until it is confirmed (a reload does not change it).
    client.get(SETUP)
    assert client.session[PENDING_SECRET_SESSION_KEY] == secret


def test_setup_confirms_device_and_shows_recovery_codes_once(db: None) -> None:
    user = make_user("nieuw@example.test", with_authenticator=False)
    client, codes, secret = set_up_authenticator(user.email)
    assert len(codes) == 10
    device = AuthenticatorDevice.objects.get(user=user)
    assert device.confirmed
    assert device.secret == secret
    assert PENDING_SECRET_SESSION_KEY not in client.session
    # The session is verified now.
    assert client.get("/accounts/").status_code == 200
    # Only hashes are stored.
    stored = set(RecoveryCode.objects.filter(device__user=user).values_list("code_hash", flat=True))
    assert not stored & {code.replace("-", "") for code in codes}
    assert AuditEntry.objects.filter(
        object_type="accounts.authenticatordevice", action=AuditAction.CREATE, actor_user=user
    ).exists()


def test_setup_rejects_wrong_code(db: None) -> None:
    user = make_user("nieuw@example.test", with_authenticator=False)
    client = sign_in_with_password(user.email)
    client.get(SETUP)
    for bad in ("123", "abcdef", "9" * 40, ""):
        response = client.post(SETUP, {"otp_token": bad})
        assert response.status_code == 200
        assert response.context["form"].errors
    assert not AuthenticatorDevice.objects.filter(user=user).exists()
    assert client.get("/accounts/")["Location"] == SETUP


def test_code_used_at_setup_cannot_sign_in_again(db: None) -> None:
    user = make_user("nieuw@example.test", with_authenticator=False)
    _client, _codes, secret = set_up_authenticator(user.email)
    code, _step = code_for(secret)
    again = sign_in_with_password(user.email)
    response = again.post(VERIFY, {"otp_token": code})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_totp_code_works_only_once(personas: Personas) -> None:
    user = personas["coordinator_a"]
    device = AuthenticatorDevice.objects.get(user=user)
    code = f"{device.code_at(device.current_step()):06d}"
    first = sign_in_with_password(user.email)
    assert first.post(VERIFY, {"otp_token": code})["Location"] == "/"
    second = sign_in_with_password(user.email)
    response = second.post(VERIFY, {"otp_token": code})
    assert response.status_code == 200
    assert "niet juist of is al gebruikt" in response.content.decode()
    assert second.get("/accounts/")["Location"] == VERIFY


def test_wrong_totp_gives_form_error_and_is_audited(personas: Personas) -> None:
    user = personas["auditor_a"]
    client = sign_in_with_password(user.email)
    for bad in (wrong_code(user), "x" * 10_000, "", "12 34 56 78"):
        response = client.post(VERIFY, {"otp_token": bad})
        assert response.status_code == 200
        assert response.context["form"].errors
        AuthenticatorDevice.objects.get(user=user).throttle_reset()
    assert client.get("/accounts/")["Location"] == VERIFY
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED, actor_user=user).exists()


def test_repeated_wrong_codes_are_throttled(personas: Personas) -> None:
    user = personas["staff_a"]
    client = sign_in_with_password(user.email)
    client.post(VERIFY, {"otp_token": wrong_code(user)})
    # Straight after a failure even the right code is refused, with a message saying why.
    device = AuthenticatorDevice.objects.get(user=user)
    response = client.post(VERIFY, {"otp_token": f"{device.code_at(device.current_step()):06d}"})
    assert response.status_code == 200
    assert "Te veel onjuiste codes" in response.content.decode()
    assert client.get("/accounts/")["Location"] == VERIFY


def test_recovery_code_works_once(db: None) -> None:
    user = make_user("nieuw@example.test", with_authenticator=False)
    _client, codes, _secret = set_up_authenticator(user.email)
    first = sign_in_with_password(user.email)
    response = first.post(VERIFY, {"otp_token": codes[3].upper()})
    assert response["Location"] == "/"
    assert first.get("/accounts/").status_code == 200
    second = sign_in_with_password(user.email)
    response = second.post(VERIFY, {"otp_token": codes[3]})
    assert response.status_code == 200
    assert response.context["form"].errors
    AuthenticatorDevice.objects.get(user=user).throttle_reset()
    # Another unused code still works.
    assert second.post(VERIFY, {"otp_token": codes[4]})["Location"] == "/"
    methods = [
        (entry.payload.changes or {}).get("methode", [None, None])[1]
        for entry in AuditEntry.objects.filter(action=AuditAction.LOGIN, actor_user=user)
        .select_related("payload")
        .order_by("id")
    ]
    assert methods.count("herstelcode") == 2


def test_regenerated_recovery_codes_replace_the_old(personas: Personas) -> None:
    user = personas["privacy_officer_a"]
    client = personas.client("privacy_officer_a")
    confirm = client.get(RECOVERY)
    assert confirm.status_code == 200
    assert 'name="current_password"' in confirm.content.decode()
    old = client.post(RECOVERY, {"current_password": PASSWORD}).context["codes"]
    response = client.post(RECOVERY, {"current_password": PASSWORD})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    new = response.context["codes"]
    assert set(old).isdisjoint(new)
    for code in new:
        assert code in response.content.decode()
    stale = sign_in_with_password(user.email)
    assert stale.post(VERIFY, {"otp_token": old[0]}).status_code == 200
    AuthenticatorDevice.objects.get(user=user).throttle_reset()
    assert stale.post(VERIFY, {"otp_token": new[0]})["Location"] == "/"


def test_verified_user_may_replace_authenticator_with_password(personas: Personas) -> None:
    user = personas["board_member_a"]
    client = personas.client("board_member_a")
    page = client.get(SETUP)
    assert page.status_code == 200
    assert 'name="current_password"' in page.content.decode()
    secret = client.session[PENDING_SECRET_SESSION_KEY]
    code, _step = code_for(secret)
    response = client.post(SETUP, {"otp_token": code, "current_password": PASSWORD})
    assert response.status_code == 200
    assert len(response.context["codes"]) == 10
    assert AuthenticatorDevice.objects.get(user=user).secret == secret


@pytest.mark.parametrize("password", ["", "een fout wachtwoord"])
def test_replacing_authenticator_needs_the_current_password(
    personas: Personas, password: str
) -> None:
    """A hijacked session must not be able to swap the second factor."""
    user = personas["fg_a"]
    old_secret = AuthenticatorDevice.objects.get(user=user).secret
    client = personas.client("fg_a")
    client.get(SETUP)
    code, _step = code_for(client.session[PENDING_SECRET_SESSION_KEY])
    response = client.post(SETUP, {"otp_token": code, "current_password": password})
    assert response.status_code == 200
    assert "current_password" in response.context["password_form"].errors
    assert 'aria-describedby="id_current_password_helptext id_current_password_error"' in (
        response.content.decode()
    )
    assert AuthenticatorDevice.objects.get(user=user).secret == old_secret
    assert not AuditEntry.objects.filter(
        object_type="accounts.authenticatordevice", actor_user=user
    ).exists()


@pytest.mark.parametrize("password", ["", "een fout wachtwoord"])
def test_regenerating_recovery_codes_needs_the_current_password(
    personas: Personas, password: str
) -> None:
    user = personas["sector_analyst"]
    before = set(RecoveryCode.objects.filter(device__user=user).values_list("pk", flat=True))
    response = personas.client("sector_analyst").post(RECOVERY, {"current_password": password})
    assert response.status_code == 200
    assert "codes" not in response.context
    assert response.context["form"].errors["current_password"]
    after = set(RecoveryCode.objects.filter(device__user=user).values_list("pk", flat=True))
    assert after == before


def test_reauthentication_is_throttled_like_sign_in(personas: Personas) -> None:
    client = personas.client("staff_a")
    statuses = [
        client.post(RECOVERY, {"current_password": f"fout {i}"}).status_code for i in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    # Locked: the right password is refused too, here and on the sign-in page.
    assert client.post(RECOVERY, {"current_password": PASSWORD}).status_code == 429
    locked = Client().post(LOGIN, {"username": personas["staff_a"].email, "password": PASSWORD})
    assert locked.status_code == 429


def test_mfa_pages_for_every_persona(personas: Personas) -> None:
    everyone = PERSONA_ROLES
    # Every persona has an authenticator: the set-up page offers to replace it.
    assert_access(personas, SETUP, dict.fromkeys(everyone, 200))
    # The personas' sessions are verified already: the verify page sends them on.
    assert_access(personas, VERIFY, dict.fromkeys(everyone, 302))
    assert_access(personas, RECOVERY, dict.fromkeys(everyone, 200))

    def got_new_codes(name: str, response: Any) -> None:
        assert len(response.context["codes"]) == 10, name

    assert_access(
        personas,
        RECOVERY,
        dict.fromkeys(everyone, 200),
        method="post",
        data={"current_password": PASSWORD},
        check=got_new_codes,
    )


def provider_session(tree: Any) -> tuple[Client, User]:
    """A client signed in through the board's provider, as a user without a local password."""
    user = create_user(TEST_ACTOR, email="jan@alfa.example", password=None)
    provider = IdentityProvider.objects.create(
        organisation=tree.board_a,
        kind="entra",
        name="Alfa Entra",
        issuer="https://login.alfa.example/",
        client_id="schildwacht",
        client_secret="geheim",
        email_domains="alfa.example",
    )
    device = ProviderDevice.objects.create(
        user=user, provider=provider, name="Alfa Entra", confirmed=True
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SESSION_GENERATION_KEY] = user.session_generation
    session.save()
    return client, user


def test_provider_users_are_told_their_board_handles_mfa(tree: Any) -> None:
    client, user = provider_session(tree)
    account = client.get("/accounts/").content.decode()
    assert "regelt ook de tweede factor" in account
    assert SETUP not in account
    for response in (client.get(SETUP), client.get(RECOVERY), client.post(RECOVERY)):
        assert response.status_code == 200
        assert "Tweede factor via uw schoolbestuur" in response.content.decode()
    response = client.post(SETUP, {"otp_token": "123456"})
    assert "Tweede factor via uw schoolbestuur" in response.content.decode()
    assert PENDING_SECRET_SESSION_KEY not in client.session
    assert not AuthenticatorDevice.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(device__user=user).exists()


def test_superscript_digits_are_not_a_code(personas: Personas) -> None:
    user = personas["school_leader_a"]
    client = sign_in_with_password(user.email)
    response = client.post(VERIFY, {"otp_token": SUPERSCRIPT_CODE})
    assert response.status_code == 200
    assert response.context["form"].errors
    AuthenticatorDevice.objects.get(user=user).throttle_reset()
    device = AuthenticatorDevice.objects.get(user=user)
    assert device.verify_token(SUPERSCRIPT_CODE) is False
    device.throttle_reset()
    assert verify_second_factor(TEST_ACTOR, user, SUPERSCRIPT_CODE) is None

    fresh = sign_in_with_password(make_user("nieuw@example.test", with_authenticator=False).email)
    fresh.get(SETUP)
    response = fresh.post(SETUP, {"otp_token": SUPERSCRIPT_CODE})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_mfa_pages_need_a_password_first(db: None) -> None:
    for url in (SETUP, VERIFY):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
