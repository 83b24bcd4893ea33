"""Console commands: verifyaudit and createtoken."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone

from schildwacht.accounts.models import ApiToken, hash_secret
from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor, erase_expired_payloads
from schildwacht.organisations.services import update_organisation
from tests.personas import TEST_ACTOR, Personas, Tree

pytestmark = pytest.mark.django_db


def _verify() -> str:
    out = io.StringIO()
    call_command("verifyaudit", stdout=out)
    return out.getvalue()


def _raw(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_verifyaudit_intact(tree: Tree) -> None:
    count = AuditEntry.objects.count()
    assert count > 0
    assert f"Audittrail intact: {count} regels gecontroleerd" in _verify()


def test_verifyaudit_names_tampered_entry(tree: Tree) -> None:
    victim = AuditEntry.objects.order_by("id")[2]
    _raw("UPDATE audit_auditentry SET object_repr='x' WHERE id=%s", [victim.pk])
    with pytest.raises(CommandError) as raised:
        _verify()
    assert raised.value.returncode == 1
    message = str(raised.value)
    assert f"regel {victim.pk} " in message
    assert timezone.localtime(victim.created_at).isoformat() in message
    assert "de hash klopt niet" in message


def test_verifyaudit_names_deleted_last_entry(tree: Tree) -> None:
    last = AuditEntry.objects.order_by("-id").first()
    assert last is not None
    _raw("DELETE FROM audit_auditentry WHERE id=%s", [last.pk])
    with pytest.raises(CommandError) as raised:
        _verify()
    assert raised.value.returncode == 1
    assert f"regel {last.pk} " in str(raised.value)
    assert "ontbreken" in str(raised.value)


def test_verifyaudit_detects_changed_payload(tree: Tree) -> None:
    update_organisation(TEST_ACTOR, tree.board_a, name="Stichting Alfa-Omega")
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry is not None
    _raw(
        "UPDATE audit_auditpayload SET changes=%s WHERE entry_id=%s",
        ['{"name": ["Stichting Alfa", "Iets anders"]}', entry.pk],
    )
    with pytest.raises(CommandError) as raised:
        _verify()
    assert f"regel {entry.pk} " in str(raised.value)
    assert "waarden zijn gewijzigd" in str(raised.value)


def test_verifyaudit_intact_after_erasing_payloads(tree: Tree) -> None:
    erased = erase_expired_payloads(
        Actor.system("retentie"), timezone.now() + dt.timedelta(seconds=1)
    )
    assert erased > 0
    assert "Audittrail intact" in _verify()


def test_createtoken_prints_only_a_working_token(personas: Personas) -> None:
    out = io.StringIO()
    call_command("createtoken", "--user", "coordinator_a@example.test", "--name", "ci", stdout=out)
    raw = out.getvalue().strip()
    assert "\n" not in raw
    token = ApiToken.objects.get(token_hash=hash_secret(raw))
    assert token.user == personas["coordinator_a"]
    assert token.name == "ci"
    assert not token.read_only
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry is not None and entry.actor_label == "systeem: createtoken"
    response = Client(headers={"authorization": f"Bearer {raw}"}).get("/api/v1/me")
    assert response.status_code == 200


def test_createtoken_narrowed_read_only(personas: Personas, tree: Tree) -> None:
    out = io.StringIO()
    call_command(
        "createtoken",
        "--user",
        "COORDINATOR_A@example.test",
        "--read-only",
        "--organisation",
        str(tree.school_a1.pk),
        stdout=out,
    )
    token = ApiToken.objects.get(token_hash=hash_secret(out.getvalue().strip()))
    assert token.read_only
    assert list(token.organisations.all()) == [tree.school_a1]


def test_createtoken_unknown_user() -> None:
    with pytest.raises(CommandError, match="geen gebruiker"):
        call_command("createtoken", "--user", "nobody@example.test", stdout=io.StringIO())
    assert not ApiToken.objects.exists()


def test_createtoken_refuses_organisation_outside_reach(personas: Personas, tree: Tree) -> None:
    with pytest.raises(CommandError, match=str(tree.board_b.pk)):
        call_command(
            "createtoken",
            "--user",
            "coordinator_a@example.test",
            "--organisation",
            str(tree.board_b.pk),
            stdout=io.StringIO(),
        )
    assert not ApiToken.objects.exists()
