"""The second factor: setting up an authenticator app, TOTP codes and recovery codes."""

from __future__ import annotations

import base64

from django.test import Client

from schildwacht.accounts.models import AuthenticatorDevice, RecoveryCode, User
from schildwacht.accounts.views import PENDING_SECRET_SESSION_KEY
from schildwacht.audit.models import AuditAction, AuditEntry
from tests.personas import PASSWORD, Personas, make_user

LOGIN = "/accounts/login/"
VERIFY = "/accounts/mfa/verify/"
SETUP = "/accounts/mfa/setup/"


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
    assert client.get("/accounts/mfa/recovery-codes/").status_code == 405
    old = client.post("/accounts/mfa/recovery-codes/").context["codes"]
    response = client.post("/accounts/mfa/recovery-codes/")
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


def test_verified_user_may_replace_authenticator(personas: Personas) -> None:
    user = personas["board_member_a"]
    client = personas.client("board_member_a")
    page = client.get(SETUP)
    assert page.status_code == 200
    secret = client.session[PENDING_SECRET_SESSION_KEY]
    code, _step = code_for(secret)
    assert client.post(SETUP, {"otp_token": code}).status_code == 200
    assert AuthenticatorDevice.objects.get(user=user).secret == secret


def test_mfa_pages_need_a_password_first(db: None) -> None:
    for url in (SETUP, VERIFY):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
