"""The demo's plan: measures in every state (overdue included) on the boards and some schools,
linked to the shipped catalogue, created through the planning services and loaded idempotently."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

import pytest
import yaml
from django.test import Client
from django.utils import timezone
from pydantic import ValidationError

from schildwacht.accounts.models import User
from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor
from schildwacht.demo.schema import DEMO_FILE, DemoData, load_demo_data
from schildwacht.demo.services import load_demo
from schildwacht.frameworks.loader import read_catalogues
from schildwacht.organisations.models import Organisation
from schildwacht.planning.models import Measure, MeasureStatus
from schildwacht.planning.queries import basismaatregelen_overview, is_overdue, plan_summary
from schildwacht.planning.services import change_measure_status
from tests.personas import login


def _raw() -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    return raw


def _plan(raw: dict[str, Any], organisation: str) -> dict[str, Any]:
    plan: dict[str, Any] = next(p for p in raw["maatregelen"] if p["organisation"] == organisation)
    return plan


def test_demo_plan_tells_a_story() -> None:
    data = load_demo_data()
    plans = {plan.organisation: plan.measures for plan in data.maatregelen}
    assert 8 <= len(plans["regenboog"]) <= 12
    assert 3 <= len(plans["baken"]) <= 5
    schools = {s.key for b in data.boards for s in b.schools}
    assert len(set(plans) & schools) >= 2
    for board in ("regenboog", "baken"):
        statuses = Counter(m.status for m in plans[board])
        assert {"open", "in_progress", "done"} <= set(statuses), board
        assert any(m.overdue for m in plans[board]), board
        assert any(not m.overdue and m.status == "open" for m in plans[board]), board
    every = [m for measures in plans.values() for m in measures]
    assert any(m.owner_name for m in every)  # an owner outside the accounts (a supplier)
    assert all(m.owner or m.owner_name for m in every)


def test_demo_plan_uses_only_catalogue_ids() -> None:
    catalogues = read_catalogues()
    norm_ids = {
        norm.id
        for loaded in catalogues.frameworks
        if loaded.data.id == "normenkader-ibp-fo"
        for domain in loaded.data.domains
        for norm in domain.norms
    }
    codes = {code for loaded in catalogues.groeipaden for code in loaded.data.codes()}
    assert catalogues.basismaatregelen is not None
    numbers = {b.number for b in catalogues.basismaatregelen.data.measures}
    measures = [m for plan in load_demo_data().maatregelen for m in plan.measures]
    assert {n for m in measures for n in m.norms} <= norm_ids
    assert {m.groeipad for m in measures if m.groeipad} <= codes
    assert {n for m in measures for n in m.basismaatregelen} <= numbers
    assert {n for m in measures for n in m.basismaatregelen}  # some are linked at all


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: _plan(raw, "regenboog").update(organisation="sector"), "unknown organisation"),
        (
            lambda raw: _plan(raw, "regenboog").update(organisation="nergens"),
            "unknown organisation",
        ),
        (lambda raw: raw["maatregelen"].append(_plan(raw, "baken")), "two plans"),
        (
            lambda raw: _plan(raw, "baken")["measures"].append(_plan(raw, "baken")["measures"][0]),
            "duplicate measure title",
        ),
        (
            lambda raw: _plan(raw, "baken")["measures"][0].update(owner="ibp@regenboog.example"),
            "is no member",
        ),
        (
            lambda raw: _plan(raw, "baken")["measures"][0].update(owner="wie@nergens.example"),
            "unknown owner",
        ),
        (
            lambda raw: _plan(raw, "baken")["measures"][0].update(owner_name="Leverancier"),
            "not both",
        ),
        (
            lambda raw: _plan(raw, "baken")["measures"][1].update(done_days_ago=3),
            "done measure only",
        ),
        (lambda raw: _plan(raw, "baken")["measures"][0].update(norms=["GO.1"]), "not a norm id"),
        (
            lambda raw: _plan(raw, "baken")["measures"][0].update(basismaatregelen=[12]),
            "1 to 11",
        ),
        (lambda raw: _plan(raw, "baken")["measures"][0].update(status="klaar"), "status"),
        (lambda raw: _plan(raw, "baken")["measures"][0].update(groeipad="fase 2"), "groeipad"),
        (lambda raw: _plan(raw, "baken")["measures"][0].update(cost=-5), "cost"),
        (lambda raw: _plan(raw, "baken")["measures"][0].update(extra=1), "extra"),
    ],
)
def test_demo_plan_schema_rejects_bad_measures(change: Any, message: str) -> None:
    raw = _raw()
    DemoData.model_validate(raw)  # the shipped file is fine before the change
    change(raw)
    with pytest.raises(ValidationError, match=message):
        DemoData.model_validate(raw)


def test_a_school_leader_may_own_measures_of_the_own_school_only() -> None:
    raw = _raw()
    _plan(raw, "regenboog")["measures"][0]["owner"] = "directeur.zonnebloem@regenboog.example"
    with pytest.raises(ValidationError, match="is no member"):
        DemoData.model_validate(raw)
    raw = _raw()
    # A board's account may own a measure of one of the board's schools.
    _plan(raw, "zonnebloem")["measures"][0]["owner"] = "ibp@regenboog.example"
    DemoData.model_validate(raw)


@pytest.mark.django_db
def test_demo_plan_is_loaded_through_the_services() -> None:
    load_demo()
    today = timezone.localdate()
    data = load_demo_data()
    by_key = _organisations_by_key(data)
    plan_measure_ids: list[int] = []
    for plan in data.maatregelen:
        organisation = by_key[plan.organisation]
        # The plan of the demo file; the exercise's findings add their own measures.
        stored = {
            m.title: m
            for m in Measure.objects.filter(
                organisation=organisation, exercise_findings__isnull=True
            )
        }
        assert set(stored) == {m.title for m in plan.measures}
        plan_measure_ids += [m.pk for m in stored.values()]
        for expected in plan.measures:
            measure = stored[expected.title]
            assert measure.status == expected.status
            assert measure.due_date == (
                today + dt.timedelta(days=expected.due_in_days)
                if expected.due_in_days is not None
                else None
            )
            assert is_overdue(measure, today) == expected.overdue
            assert (measure.owner.email if measure.owner else None) == expected.owner
            assert measure.owner_name == expected.owner_name
            assert measure.norm_ids == sorted(expected.norms)
            assert measure.basismaatregelen == sorted(expected.basismaatregelen)
            assert measure.groeipad_code == expected.groeipad
            if expected.status == "done":
                assert measure.done_at is not None
                days = (timezone.now() - measure.done_at).days
                assert days == (expected.done_days_ago or 0)
            else:
                assert measure.done_at is None
    # Every measure is in the audit trail, written by the demo actor; moved cards twice.
    entries = AuditEntry.objects.filter(
        object_type="planning.measure", object_id__in=[str(pk) for pk in plan_measure_ids]
    )
    assert entries.count() == sum(
        1 if m.status == "open" else 2 for plan in data.maatregelen for m in plan.measures
    )
    assert set(entries.values_list("actor_label", flat=True)) == {"systeem: demo"}
    summary = plan_summary(by_key["regenboog"], day=today)
    assert summary.counts.overdue >= 3
    assert summary.counts.open and summary.counts.in_progress and summary.counts.done


def _organisations_by_key(data: DemoData) -> dict[str, Organisation]:
    by_key: dict[str, Organisation] = {}
    for board in data.boards:
        by_key[board.key] = Organisation.objects.get(
            bevoegd_gezag_number=board.bevoegd_gezag_number
        )
        for school in board.schools:
            by_key[school.key] = Organisation.objects.get(
                brin=school.brin, vestiging=school.vestiging
            )
    return by_key


@pytest.mark.django_db
def test_demo_plan_is_idempotent_and_keeps_moved_cards() -> None:
    load_demo()
    measure = Measure.objects.get(title="Bewustwordingscampagne phishing voor alle teams")
    change_measure_status(Actor.system("tests"), measure, MeasureStatus.IN_PROGRESS)
    counts = (Measure.objects.count(), AuditEntry.objects.count())
    last_entry = AuditEntry.objects.order_by("-id").first()
    load_demo()
    assert (Measure.objects.count(), AuditEntry.objects.count()) == counts
    assert AuditEntry.objects.order_by("-id").first() == last_entry
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.IN_PROGRESS
    # A removed demo measure comes back on the next run (and only that one).
    Measure.objects.filter(title="Eigen logserver inrichten").delete()
    load_demo()
    assert Measure.objects.count() == counts[0]
    restored = Measure.objects.get(title="Eigen logserver inrichten")
    assert restored.status == MeasureStatus.CANCELLED


@pytest.mark.django_db
def test_demo_dashboard_shows_the_plan() -> None:
    load_demo()
    regenboog = Organisation.objects.get(bevoegd_gezag_number="99001")
    client = login(Client(), User.objects.get(email="bestuurder@regenboog.example"))
    response = client.get(f"/rapportage/{regenboog.pk}/")
    assert response.status_code == 200
    summary = plan_summary(regenboog, day=timezone.localdate())
    text = re.sub(r"\s+", " ", response.content.decode())
    assert f"<dt>Over de deadline</dt><dd>{summary.counts.overdue} (" in text
    assert "Er zijn nog geen maatregelen in het plan vastgelegd." not in text
    board = client.get("/plan/bord/")
    assert board.status_code == 200
    for title in ("Risicoanalyse op de kernsystemen uitvoeren", "Leerlingdossiers in afsluitbare"):
        assert title in board.content.decode()
    # The basismaatregelen are in mixed states on both boards (from the plan and the levels).
    for email, number in (
        ("bestuurder@regenboog.example", "99001"),
        ("ibp@hetbaken.example", "99002"),
    ):
        organisation = Organisation.objects.get(bevoegd_gezag_number=number)
        _meting, rows = basismaatregelen_overview(User.objects.get(email=email), organisation)
        assert len({row.status for row in rows}) >= 2, organisation
