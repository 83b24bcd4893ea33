"""E-mail notifications: invitations, new roles and security notices, sent only on commit."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client

from schildwacht.accounts.models import User
from schildwacht.accounts.services import create_api_token
from schildwacht.audit.services import Actor
from schildwacht.organisations.services import add_member
from tests.personas import TEST_ACTOR, Personas

NEW_PASSWORD = "een heel nieuw wachtwoord 77"


def test_new_member_is_invited_and_can_set_a_password(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    coordinator = Actor.for_user(personas["coordinator_a"])
    with django_capture_on_commit_callbacks(execute=True):
        add_member(
            coordinator,
            organisation=personas.tree.school_a2,
            email="nieuw@example.test",
            role="school_leader",
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nieuw@example.test"]
    assert "De Linde" in message.subject
    assert "Schoolleider" in message.body
    link = re.search(r"http://\S+/accounts/password/reset/\S+/", message.body)
    assert link is not None
    client = Client()
    response = client.get(urlsplit(link.group(0)).path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert User.objects.get(email="nieuw@example.test").check_password(NEW_PASSWORD)


def test_existing_user_hears_of_a_new_role(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        add_member(
            TEST_ACTOR,
            organisation=personas.tree.board_a,
            email=personas["staff_a"].email,
            role="privacy_officer",
        )
    assert [m.to for m in mail.outbox] == [[personas["staff_a"].email]]
    assert "Privacy officer" in mail.outbox[0].subject


def test_token_creation_sends_a_security_notice(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        create_api_token(TEST_ACTOR, user=personas["auditor_a"], name="rapportage")
    assert len(mail.outbox) == 1
    assert "rapportage" in mail.outbox[0].body
    assert "Overal uitloggen" in mail.outbox[0].body


def test_rolled_back_change_sends_nothing(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        create_api_token(TEST_ACTOR, user=personas["auditor_a"], name="weg")
        raise RuntimeError("rollback")
    assert mail.outbox == []


def test_security_notice_is_dutch_whatever_the_users_language(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    from django.utils import translation

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        create_api_token(TEST_ACTOR, user=personas["auditor_a"], name="rapport")
    assert "er is een API-token „rapport” aangemaakt" in mail.outbox[0].body
