"""Odd input never gives a 500 and never half-writes: control characters (PostgreSQL refuses
NUL), dates in the wrong format, far in the past or in the future, huge ids, a POST to a page
that only reads; and a breach never leaves the register, also not by first calling it
something else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor
from schildwacht.incidents import services
from schildwacht.incidents.models import Incident, TimelineEntry
from tests.personas import Personas
from tests.test_incidents_services import ago, report

SYSTEM = Actor.system("tests")
JSON = "application/json"
INVISIBLE = "De waarde bevat een ongeldig (onzichtbaar) teken."


def base(org_id: int) -> str:
    return f"/api/v1/organisations/{org_id}/incidents"


def errors_of(response: Any) -> dict[str, str]:
    return {item["loc"][-1]: item["msg"] for item in response.json()["detail"]}


def test_control_characters_are_refused_by_the_api_naming_the_field(personas: Personas) -> None:
    client = personas.api("coordinator_a")
    url = base(personas.tree.board_a.pk)
    before = (Incident.objects.count(), TimelineEntry.objects.count(), AuditEntry.objects.count())
    payload = {"description": "a\x00b", "discovered_at": ago(1).isoformat(), "personal_data": "no"}
    response = client.post(url, payload, content_type=JSON)
    assert response.status_code == 422
    assert errors_of(response)["description"] == INVISIBLE
    after = (Incident.objects.count(), TimelineEntry.objects.count(), AuditEntry.objects.count())
    assert after == before  # nothing half-written
    incident = report(personas.tree.board_a, hours=3)
    path = f"{url}/{incident.pk}"
    for suffix, method, body, field in (
        ("", "patch", {"handler_name": "Bea\x07"}, "handler_name"),
        ("/timeline", "post", {"text": "Gebeld\x00"}, "text"),
        ("/advice", "put", {"text": "\x1b[31m"}, "text"),
        ("/plan-measures", "post", {"title": "Wacht\x00woord"}, "title"),
    ):
        who = "fg_a" if suffix == "/advice" else "coordinator_a"
        response = getattr(personas.api(who), method)(
            path + suffix, data=json.dumps(body), content_type=JSON
        )
        assert response.status_code == 422, suffix
        assert errors_of(response)[field] == INVISIBLE
    assert TimelineEntry.objects.filter(incident=incident).count() == 1
    # Tabs and newlines are text, not control characters.
    response = client.patch(path, data=json.dumps({"aware_note": "a\tb\r\nc"}), content_type=JSON)
    assert response.status_code == 200


def test_cert_contact_refuses_control_characters(personas: Personas) -> None:
    with pytest.raises(ValidationError) as caught:
        services.set_cert_contact(SYSTEM, personas.tree.board_a, name="CERT\x00", notes="\x01")
    assert set(caught.value.message_dict) == {"name", "notes"}


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("29-11-2026 10:00", 422),  # wrong format
        ("2026-02-30T10:00:00+01:00", 422),  # no such day
        ("9999-12-31T23:59:59+00:00", 422),  # the future
        ("0001-01-01T00:00:00+14:00", 422),  # before year 1 in UTC
        ("2026-01-10T10:00:00", 422),  # no time zone
    ],
)
def test_odd_dates_through_the_api(personas: Personas, value: str, code: int) -> None:
    url = base(personas.tree.board_a.pk)
    payload = {"description": "Laptop kwijt", "discovered_at": value, "personal_data": "yes"}
    response = personas.api("coordinator_a").post(url, payload, content_type=JSON)
    assert response.status_code == code
    assert "discovered_at" in errors_of(response)
    assert not Incident.objects.exists()


def test_odd_dates_and_ids_through_the_pages(personas: Personas) -> None:
    client = personas.client("staff_a")
    school = personas.tree.school_a1.pk
    for value in ("31-02-2026 10:00", "9999-12-31T23:59", "0001-01-01T00:00", "gisteren"):
        response = client.post(
            reverse("incidents:report"),
            {
                "description": "Laptop kwijt",
                "personal_data": "yes",
                "discovered_at": value,
                "organisation": school,
            },
        )
        assert response.status_code == 200, value
        assert response.context["form"].errors["discovered_at"], value
    assert not Incident.objects.exists()
    coordinator = personas.client("coordinator_a")
    assert coordinator.get("/incidenten/99999999999999999999/").status_code == 404
    assert (
        coordinator.get(reverse("incidents:list"), {"pagina": "x", "soort": "?"}).status_code == 200
    )
    assert coordinator.post(reverse("incidents:export")).status_code == 405


def test_a_breach_called_something_else_is_still_never_deleted(personas: Personas) -> None:
    coordinator = Actor.for_user(personas["coordinator_a"])
    incident = report(personas.tree.board_a, coordinator, hours=3)
    services.update_incident(coordinator, incident, kind="security")
    assert incident.status == "reported"
    with pytest.raises(services.IncidentRefused):
        services.delete_incident(coordinator, incident)
    client = personas.client("coordinator_a")
    assert (
        b"verwijderen/" not in client.get(reverse("incidents:detail", args=[incident.pk])).content
    )
    assert client.post(reverse("incidents:delete", args=[incident.pk])).status_code == 403
    assert Incident.objects.filter(pk=incident.pk).exists()


def test_a_new_awareness_moment_cannot_make_a_notification_late_without_reasons(
    personas: Personas,
) -> None:
    officer = Actor.for_user(personas["privacy_officer_a"])
    incident = report(personas.tree.board_a, officer, hours=100)
    services.update_incident(officer, incident, aware_at=ago(50))
    services.record_assessment(
        officer, incident, is_breach=True, risk=True, high_risk=False, reasoning="Melden."
    )
    services.record_notification(officer, incident, kind="initial", notified_at=ago(1))
    # Notified at hour 49; awareness 80 hours ago would make that hour 79: refused.
    with pytest.raises(ValidationError) as caught:
        services.update_incident(officer, incident, aware_at=ago(80))
    assert set(caught.value.message_dict) == {"aware_at"}
    incident.refresh_from_db()
    assert incident.aware_at is not None and incident.aware_at < ago(49.9)  # still 50 hours ago
    services.update_incident(officer, incident, aware_at=ago(60))  # hour 59: still in time
