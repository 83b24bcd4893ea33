"""Sign-in with password, throttling, sign-out and passwords (through the Django test client)."""

from __future__ import annotations

import logging
import re
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.test import Client, RequestFactory

from schildwacht.accounts.backends import EmailPasswordBackend
from schildwacht.accounts.models import AuthenticatorDevice, User
from schildwacht.accounts.services import create_user
from schildwacht.audit.models import AuditAction, AuditEntry
from tests.personas import (
    PASSWORD,
    PERSONA_ROLES,
    TEST_ACTOR,
    Personas,
    assert_access,
    make_user,
)

LOGIN = "/accounts/login/"
VERIFY = "/accounts/mfa/verify/"
SETUP = "/accounts/mfa/setup/"
GENERIC_ERROR = "Het e-mailadres of het wachtwoord is niet juist."


def current_code(user: User) -> str:
    device = AuthenticatorDevice.objects.get(user=user, confirmed=True)
    return f"{device.code_at(device.current_step()):06d}"


def password_step(client: Client, email: str, password: str = PASSWORD, next_url: str = "") -> str:
    """Post the login form; return where it redirects to."""
    url = f"{LOGIN}?next={next_url}" if next_url else LOGIN
    response = client.post(url, {"username": email, "password": password})
    assert response.status_code == 302, response.content[:500]
    return str(response["Location"])


def test_login_page_renders(db: None) -> None:
    response = Client().get(LOGIN)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="username"' in content
    assert 'name="password"' in content
    assert 'href="/accounts/password/reset/"' in content


def test_full_login_with_password_and_totp(personas: Personas) -> None:
    user = personas["coordinator_a"]
    client = Client()
    assert password_step(client, "Coordinator_A@example.test") == VERIFY
    # Password alone opens nothing but the second-factor pages.
    assert client.get("/accounts/")["Location"] == VERIFY
    response = client.post(VERIFY, {"otp_token": current_code(user)})
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get("/accounts/")
    assert page.status_code == 200
    assert "coordinator_a@example.test" in page.content.decode()
    steps = [
        (entry.payload.changes or {})["stap"][1]
        for entry in AuditEntry.objects.filter(action=AuditAction.LOGIN, actor_user=user)
        .select_related("payload")
        .order_by("id")
    ]
    assert steps == ["wachtwoord", "tweede factor"]


def test_wrong_password_is_generic_and_audited_for_real_accounts_only(
    personas: Personas, caplog: pytest.LogCaptureFixture
) -> None:
    existing = Client().post(
        LOGIN, {"username": "coordinator_a@example.test", "password": "wrong password"}
    )
    with caplog.at_level(logging.WARNING, logger="schildwacht.accounts.services"):
        unknown = Client().post(LOGIN, {"username": "nobody@example.test", "password": "whatever"})
    for response in (existing, unknown):
        assert response.status_code == 200
        assert GENERIC_ERROR in response.content.decode()
    # Only the failure on an existing account is in the audit trail, with the account as object.
    failures = list(
        AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).select_related("payload")
    )
    assert [(entry.object_id, entry.object_repr) for entry in failures] == [
        (str(personas["coordinator_a"].pk), "coordinator_a@example.test")
    ]
    assert "wrong password" not in str(failures[0].payload.changes)
    # Whatever outsiders type only reaches the log, without the address typed.
    assert "failed sign-in for an unknown address" in caplog.text
    assert "nobody@example.test" not in caplog.text
    assert not AuditEntry.objects.filter(object_repr__icontains="nobody").exists()


def test_backend_normalises_the_address(personas: Personas) -> None:
    request = RequestFactory().post(LOGIN)
    user = EmailPasswordBackend().authenticate(
        request, username="  Coordinator_A@Example.TEST ", password=PASSWORD
    )
    assert user == personas["coordinator_a"]
    assert EmailPasswordBackend().authenticate(request, username=None, password=PASSWORD) is None
    assert (
        EmailPasswordBackend().authenticate(
            request, username="coordinator_a@example.test", password="fout"
        )
        is None
    )


def test_login_with_upper_case_address_uses_the_backend(personas: Personas) -> None:
    client = Client()
    assert password_step(client, "  STAFF_A@EXAMPLE.TEST") == VERIFY
    assert client.session["_auth_user_backend"] == (
        "schildwacht.accounts.backends.EmailPasswordBackend"
    )


@pytest.mark.parametrize("kind", ["zonder wachtwoord", "onbekend"])
def test_password_less_and_unknown_accounts_cost_a_hash(db: None, kind: str) -> None:
    """Accounts made by invitation have no usable password: answering them without hashing
    would tell an outsider by timing which addresses have such an account."""
    if kind == "zonder wachtwoord":
        create_user(TEST_ACTOR, email="uitgenodigd@example.test", password=None)
    request = RequestFactory().post(LOGIN)
    with mock.patch.object(User, "set_password", autospec=True) as hashing:
        result = EmailPasswordBackend().authenticate(
            request, username="uitgenodigd@example.test", password="geraden wachtwoord"
        )
    assert result is None
    hashing.assert_called_once()
    assert hashing.call_args.args[1] == "geraden wachtwoord"
    # Through the sign-in page the answer is the generic one.
    response = Client().post(
        LOGIN, {"username": "uitgenodigd@example.test", "password": "geraden wachtwoord"}
    )
    assert GENERIC_ERROR in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"username": "", "password": ""},
        {"username": "coordinator_a@example.test"},
        {"password": PASSWORD},
        {"username": "not an e-mail address", "password": PASSWORD},
        {"username": "a" * 10_000 + "@example.test", "password": PASSWORD},
        {"username": "coordinator_a@example.test", "password": "x" * 10_000},
        {"username": "\x00@example.test", "password": PASSWORD},
    ],
)
def test_malformed_login_gives_form_errors(personas: Personas, data: dict[str, str]) -> None:
    client = Client()
    response = client.post(LOGIN, data)
    assert response.status_code == 200
    assert response.context["form"].errors
    # Errors are linked to their field for screen readers.
    assert 'aria-invalid="true" aria-describedby="id_' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_after_five_failures(personas: Personas) -> None:
    client = Client()
    email = "auditor_a@example.test"
    statuses = [
        client.post(LOGIN, {"username": email, "password": f"fout {i}"}).status_code
        for i in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    # Locked: even the right password is refused now.
    locked = client.post(LOGIN, {"username": email, "password": PASSWORD})
    assert locked.status_code == 429
    assert "tijdelijk geblokkeerd" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked (the lock is per account and address).
    assert password_step(client, "staff_a@example.test") == VERIFY


def test_unauthenticated_user_is_sent_to_login(db: None) -> None:
    for url in ("/", "/accounts/", "/accounts/tokens/", "/accounts/password/"):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(LOGIN), url


def test_password_only_session_is_kept_on_mfa_pages(personas: Personas) -> None:
    enrolled = Client()
    password_step(enrolled, "school_leader_a@example.test")
    for url in ("/", "/accounts/", "/accounts/tokens/", "/organisaties/"):
        assert enrolled.get(url)["Location"] == VERIFY, url
    # A password alone must not be able to replace the authenticator.
    assert enrolled.get(SETUP)["Location"] == VERIFY

    make_user("nieuw@example.test", with_authenticator=False)
    fresh = Client()
    assert password_step(fresh, "nieuw@example.test") == SETUP
    for url in ("/", "/accounts/", "/accounts/tokens/"):
        assert fresh.get(url)["Location"] == SETUP, url


def test_next_is_followed_only_within_the_site(personas: Personas) -> None:
    user = personas["fg_a"]
    client = Client()
    location = password_step(client, user.email, next_url="/accounts/tokens/")
    assert location == f"{VERIFY}?next=%2Faccounts%2Ftokens%2F"
    response = client.post(location, {"otp_token": current_code(user)})
    assert response["Location"] == "/accounts/tokens/"

    other = personas["privacy_officer_a"]
    client = Client()
    location = password_step(client, other.email, next_url="https://evil.example/")
    assert location == VERIFY
    response = client.post(f"{VERIFY}?next=//evil.example/x", {"otp_token": current_code(other)})
    assert response["Location"] == "/"


def test_logout_and_password_pages_for_every_persona(personas: Personas) -> None:
    everyone_ok = dict.fromkeys(PERSONA_ROLES, 200)
    assert_access(personas, "/accounts/logout/", everyone_ok)
    assert_access(personas, "/accounts/password/", everyone_ok)

    def signed_out(name: str, response: Any) -> None:
        assert response["Location"] == LOGIN, name

    assert_access(
        personas,
        "/accounts/logout-everywhere/",
        dict.fromkeys(PERSONA_ROLES, 302),
        method="post",
        check=signed_out,
    )
    for name in PERSONA_ROLES:
        personas[name].refresh_from_db()
        assert personas[name].session_generation == 1, name


def test_logout_asks_then_ends_the_session(personas: Personas) -> None:
    client = personas.client("board_member_a")
    confirm = client.get("/accounts/logout/")
    assert confirm.status_code == 200
    assert client.get("/accounts/").status_code == 200  # GET did not sign out
    response = client.post("/accounts/logout/")
    assert response["Location"] == LOGIN
    assert client.get("/accounts/")["Location"].startswith(LOGIN)
    assert AuditEntry.objects.filter(
        action=AuditAction.LOGOUT, actor_user=personas["board_member_a"]
    ).exists()


def test_logout_everywhere_ends_other_sessions(personas: Personas) -> None:
    laptop = personas.client("coordinator_b")
    phone = personas.client("coordinator_b")
    assert phone.get("/accounts/").status_code == 200
    assert laptop.get("/accounts/logout-everywhere/").status_code == 405
    response = laptop.post("/accounts/logout-everywhere/")
    assert response["Location"] == LOGIN
    assert phone.get("/accounts/")["Location"].startswith(LOGIN)
    assert laptop.get("/accounts/")["Location"].startswith(LOGIN)


def test_password_reset_mail_is_queued_not_sent_inline(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    """Sending by SMTP inside the request would make known addresses answer slower."""
    with django_capture_on_commit_callbacks() as callbacks:
        response = Client().post("/accounts/password/reset/", {"email": "staff_a@example.test"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [message.to for message in mail.outbox] == [["staff_a@example.test"]]


def test_password_reset_by_email(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    user = personas["staff_a"]
    other_session = personas.client("staff_a")
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": "Staff_A@example.test"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["staff_a@example.test"]
    assert message.subject == "Nieuw wachtwoord voor Schildwacht"
    assert "Kies een nieuw wachtwoord via deze link" in message.body
    match = re.search(r"http://testserver(/accounts/password/reset/\S+/\S+/)", str(message.body))
    assert match, message.body
    set_password_url = client.get(match.group(1))["Location"]
    form = client.get(set_password_url)
    assert form.status_code == 200
    assert form.context["validlink"]
    # The validators apply (at least 12 characters).
    short = client.post(set_password_url, {"new_password1": "kort", "new_password2": "kort"})
    assert short.status_code == 200
    assert short.context["form"].errors
    new_password = "een heel nieuw wachtwoord 2024"
    done = client.post(
        set_password_url, {"new_password1": new_password, "new_password2": new_password}
    )
    assert done["Location"] == "/accounts/password/reset/done/"
    assert client.get(done["Location"]).status_code == 200
    user.refresh_from_db()
    assert user.check_password(new_password)
    # Every session of the account has ended.
    assert other_session.get("/accounts/")["Location"].startswith(LOGIN)
    assert password_step(Client(), user.email, new_password) == VERIFY
    assert Client().post(LOGIN, {"username": user.email, "password": PASSWORD}).status_code == 200
    # The link works once.
    assert not client.get(match.group(1), follow=True).context["validlink"]


def test_password_reset_does_not_reveal_accounts(
    db: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = Client().post("/accounts/password/reset/", {"email": "niemand@example.test"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert callbacks == []
    assert mail.outbox == []
    too_long = Client().post("/accounts/password/reset/", {"email": "a" * 10_000})
    assert too_long.status_code == 200
    assert too_long.context["form"].errors


def test_password_change_keeps_this_session(personas: Personas) -> None:
    user = personas["sector_curator"]
    client = personas.client("sector_curator")
    other = personas.client("sector_curator")
    new_password = "nog een ander wachtwoord 77"
    wrong = client.post(
        "/accounts/password/",
        {"old_password": "fout", "new_password1": new_password, "new_password2": new_password},
    )
    assert wrong.status_code == 200
    assert "Het huidige wachtwoord is niet juist." in wrong.content.decode()
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response["Location"] == "/accounts/"
    assert client.get("/accounts/").status_code == 200
    assert other.get("/accounts/")["Location"].startswith(LOGIN)
    user.refresh_from_db()
    assert user.check_password(new_password)
    assert AuditEntry.objects.filter(
        action=AuditAction.UPDATE, object_type="accounts.user", actor_user=user
    ).exists()


def test_account_page_for_every_persona(personas: Personas) -> None:
    def shows_own_details(name: str, response: object) -> None:
        content = response.content.decode()  # type: ignore[attr-defined]
        assert f"{name}@example.test" in content
        assert response.context["memberships"][0].role_label in content  # type: ignore[attr-defined]

    assert_access(
        personas,
        "/accounts/",
        dict.fromkeys(PERSONA_ROLES, 200),
        check=shows_own_details,
    )
    content = personas.client("school_leader_a").get("/accounts/").content.decode()
    assert "Schoolleider" in content
    assert "De Eik" in content
    assert "Stichting Bèta" not in content
