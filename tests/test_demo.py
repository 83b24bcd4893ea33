"""``schildwacht demo``: the demo file's schema, the idempotent loader, the printed accounts."""

from __future__ import annotations

import base64
import io
import json
import re

import pytest
import yaml
from django.core.management import call_command
from django_otp.oath import totp
from pydantic import ValidationError

from schildwacht.accounts.models import AuthenticatorDevice, User
from schildwacht.audit.models import AuditEntry
from schildwacht.demo.schema import DEMO_FILE, DemoData, load_demo_data
from schildwacht.demo.services import load_demo
from schildwacht.organisations.models import Membership, Organisation
from schildwacht.organisations.roles import Role


def _counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "devices": AuthenticatorDevice.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_demo_file_is_valid_and_fictional() -> None:
    data = load_demo_data()
    assert data.sector.name == "Funderend onderwijs (demo)"
    assert len(data.boards) >= 2
    for board in data.boards:
        assert board.bevoegd_gezag_number.startswith("99")
        for school in board.schools:
            assert re.fullmatch(r"99[A-Z]{2}", school.brin)
    roles = {m.role for a in data.accounts for m in a.memberships}
    assert roles == set(Role)


def test_demo_schema_rejects_bad_data() -> None:
    raw = yaml.safe_load(DEMO_FILE.read_text())
    raw["accounts"][0]["memberships"][0]["organisation"] = "bestaat-niet"
    with pytest.raises(ValidationError, match="unknown organisation"):
        DemoData.model_validate(raw)
    raw = yaml.safe_load(DEMO_FILE.read_text())
    raw["accounts"][0]["totp_secret"] = "not base32!"
    with pytest.raises(ValidationError, match="base32"):
        DemoData.model_validate(raw)
    raw = yaml.safe_load(DEMO_FILE.read_text())
    raw["accounts"][0]["memberships"][0] = {"organisation": "regenboog", "role": "sector_analyst"}
    with pytest.raises(ValidationError, match="sector roles"):
        DemoData.model_validate(raw)


@pytest.mark.django_db
def test_loader_is_idempotent() -> None:
    first = load_demo()
    counts = _counts()
    assert counts["organisations"] == 1 + 2 + 8
    assert counts["users"] == len(first) == 10
    last_entry = AuditEntry.objects.order_by("-id").first()
    second = load_demo()
    assert second == first
    assert _counts() == counts
    assert AuditEntry.objects.order_by("-id").first() == last_entry
    assert all(e.actor_label == "systeem: demo" for e in AuditEntry.objects.all())


@pytest.mark.django_db
def test_loader_repairs_a_changed_password() -> None:
    load_demo()
    user = User.objects.get(email="ibp@regenboog.example")
    user.set_password("iets heel anders 123")
    user.save()
    load_demo()
    user.refresh_from_db()
    assert user.check_password("Demo-IBP-Regenboog-2027!")


@pytest.mark.django_db
def test_fg_serves_both_boards() -> None:
    load_demo()
    boards = Membership.objects.filter(user__email="fg@privacybureau.example", role="fg")
    assert sorted(m.organisation.kind for m in boards) == ["board", "board"]


@pytest.mark.django_db
def test_demo_command_json_accounts_can_sign_in() -> None:
    out = io.StringIO()
    call_command("demo", "--no-serve", "--json", stdout=out)
    accounts = json.loads(out.getvalue())
    assert len(accounts) == 10
    assert {a["role"] for a in accounts} >= {r.value for r in Role}
    for account in accounts:
        assert set(account) == {"email", "password", "totp_secret", "role", "organisation"}
        user = User.objects.get(email=account["email"])
        assert user.check_password(account["password"])
        device = AuthenticatorDevice.objects.get(user=user)
        code = totp(base64.b32decode(account["totp_secret"]), step=30, digits=6)
        assert device.verify_token(f"{code:06d}"), account["email"]
        assert not device.verify_token(f"{code:06d}")  # a code works once


@pytest.mark.django_db
def test_demo_command_table() -> None:
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    text = out.getvalue()
    assert "bestuurder@regenboog.example" in text
    assert "otpauth://totp/Schildwacht%3Aibp%40hetbaken.example?secret=" in text
    assert "Stichting Voortgezet Onderwijs Het Baken" in text
