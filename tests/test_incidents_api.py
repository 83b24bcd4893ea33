"""``/api/v1/organisations/{org_id}/incidents``: access per persona for every endpoint, the
reporter's limited view, the breach flow through the API, 422s naming the field and the pinned
query count of the list."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from schildwacht.audit.services import Actor
from schildwacht.incidents import services
from schildwacht.incidents.models import ApNotification, Incident
from schildwacht.planning.services import create_measure
from tests.personas import Personas, assert_access
from tests.test_incidents_services import ago, decide, report

SYSTEM = Actor.system("tests")
JSON = "application/json"

READS = {
    "coordinator_a": 200,
    "board_member_a": 200,
    "privacy_officer_a": 200,
    "fg_a": 200,
    "school_leader_a": 200,
    "staff_a": 200,
    "auditor_a": 200,
    "coordinator_b": 404,
    "sector_analyst": 404,
    "sector_curator": 404,
}
CHANGES = {
    **READS,
    "board_member_a": 403,
    "fg_a": 403,
    "staff_a": 403,
    "auditor_a": 403,
}


def base(org_id: int) -> str:
    return f"/api/v1/organisations/{org_id}/incidents"


@pytest.fixture
def breach(personas: Personas) -> Incident:
    return report(
        personas.tree.school_a1,
        Actor.for_user(personas["staff_a"]),
        hours=30,
        title="Leerlinglijst gedeeld",
    )


def test_list_and_read_per_persona(personas: Personas, breach: Incident) -> None:
    tree = personas.tree
    # Under the board: every reader of the register; staff report at their school only.
    assert_access(personas, base(tree.board_a.pk), {**READS, "staff_a": 404}, api=True)
    seen: dict[str, Any] = {}

    def keep(name: str, response: Any) -> None:
        if response.status_code == 200:
            seen[name] = response.json()

    assert_access(personas, f"{base(tree.school_a1.pk)}/{breach.pk}", READS, api=True, check=keep)
    assert seen["staff_a"]["access"] == "reporter"
    assert seen["staff_a"]["timeline"] == [] and seen["staff_a"]["clock"] is None
    assert seen["fg_a"]["access"] == "full" and seen["fg_a"]["clock"]["hours_elapsed"] == 30
    assert seen["privacy_officer_a"]["timeline"][0]["text"] == "Gemeld door staff_a."
    # The board's URL reaches the school's incident too; board B's never.
    assert (
        personas.api("coordinator_a").get(f"{base(tree.board_a.pk)}/{breach.pk}").status_code == 200
    )
    assert (
        personas.api("coordinator_b").get(f"{base(tree.board_b.pk)}/{breach.pk}").status_code == 404
    )


def test_staff_list_holds_only_own_reports(personas: Personas, breach: Incident) -> None:
    report(personas.tree.school_a1, title="Van een ander")
    body = personas.api("staff_a").get(base(personas.tree.school_a1.pk)).json()
    assert body["count"] == 1 and body["items"][0]["title"] == "Leerlinglijst gedeeld"
    body = personas.api("fg_a").get(base(personas.tree.board_a.pk)).json()
    assert body["count"] == 2


def test_create_per_persona_and_422(personas: Personas) -> None:
    school = personas.tree.school_a1
    payload = {
        "description": "Onbekende USB-stick in de lerarenkamer gevonden.",
        "discovered_at": ago(1).isoformat(),
        "personal_data": "unknown",
    }
    assert_access(
        personas,
        base(school.pk),
        {
            **READS,
            "coordinator_a": 201,
            "board_member_a": 201,
            "privacy_officer_a": 201,
            "school_leader_a": 201,
            "staff_a": 201,
            "fg_a": 403,
            "auditor_a": 403,
        },
        method="post",
        data=json.dumps(payload),
        content_type=JSON,
        api=True,
    )
    assert Incident.objects.filter(kind="breach").count() == 5
    client = personas.api("coordinator_a")
    response = client.post(
        base(school.pk),
        data=json.dumps(
            {
                **payload,
                "discovered_at": (timezone.now() + dt.timedelta(days=1)).isoformat(),
                "applications": [99999],
            }
        ),
        content_type=JSON,
    )
    assert response.status_code == 422
    fields = {item["loc"][-1] for item in response.json()["detail"]}
    assert fields == {"discovered_at", "applications"}
    response = client.post(
        base(school.pk), data=json.dumps({**payload, "personal_data": "x"}), content_type=JSON
    )
    assert response.status_code == 422


def test_update_and_delete_per_persona(personas: Personas, breach: Incident) -> None:
    school = personas.tree.school_a1
    assert_access(
        personas,
        f"{base(school.pk)}/{breach.pk}",
        CHANGES,
        method="patch",
        data=json.dumps({"severity": "high", "people_min": 20, "people_max": 25}),
        content_type=JSON,
        api=True,
    )
    breach.refresh_from_db()
    assert (breach.severity, breach.people_min) == ("high", 20)
    response = personas.api("privacy_officer_a").patch(
        f"{base(school.pk)}/{breach.pk}", data=json.dumps({"people_min": 30}), content_type=JSON
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "people_max"]
    assert_access(
        personas,
        f"{base(school.pk)}/{breach.pk}",
        {**CHANGES, "coordinator_a": 403, "privacy_officer_a": 403, "school_leader_a": 403},
        method="delete",
        api=True,
    )
    assert Incident.objects.filter(pk=breach.pk).exists()


def test_breach_flow_per_persona(personas: Personas, breach: Incident) -> None:
    path = f"{base(personas.tree.school_a1.pk)}/{breach.pk}"
    assert_access(
        personas,
        f"{path}/advice",
        {
            **CHANGES,
            "coordinator_a": 403,
            "privacy_officer_a": 403,
            "school_leader_a": 403,
            "fg_a": 200,
        },
        method="put",
        data=json.dumps({"text": "Melden."}),
        content_type=JSON,
        api=True,
    )
    decision = {
        "is_breach": True,
        "risk": True,
        "high_risk": True,
        "unintelligible": True,
        "reasoning": "Versleuteld, wel melden.",
    }
    assert_access(
        personas,
        f"{path}/assessment",
        {**CHANGES, "school_leader_a": 403},
        method="put",
        data=json.dumps(decision),
        content_type=JSON,
        api=True,
    )
    body = personas.api("fg_a").get(path).json()
    assert body["assessment"]["notify_ap"] is True and body["assessment"]["inform"] == "none"
    assert body["advice"]["text"] == "Melden."
    notification = {"kind": "initial", "notified_at": ago(1).isoformat(), "reference": "AP-1"}
    assert_access(
        personas,
        f"{path}/notifications",
        {**CHANGES, "coordinator_a": 201, "privacy_officer_a": 422, "school_leader_a": 403},
        method="post",
        data=json.dumps(notification),
        content_type=JSON,
        api=True,
    )
    assert ApNotification.objects.get(incident=breach).reference == "AP-1"
    assert_access(
        personas,
        f"{path}/timeline",
        {**CHANGES, "coordinator_a": 201, "privacy_officer_a": 201, "school_leader_a": 201},
        method="post",
        data=json.dumps({"text": "Ouders gebeld"}),
        content_type=JSON,
        api=True,
    )
    assert breach.timeline.filter(text="Ouders gebeld").count() == 3
    assert_access(
        personas,
        f"{path}/close",
        {**CHANGES, "privacy_officer_a": 403, "school_leader_a": 403},  # closed after the first
        method="post",
        data=json.dumps({"closing_note": "Gemeld en afgerond."}),
        content_type=JSON,
        api=True,
    )
    breach.refresh_from_db()
    assert breach.closed


def test_late_notification_through_the_api_needs_reasons(personas: Personas) -> None:
    incident = report(personas.tree.board_a, hours=90)
    decide(incident)
    client = personas.api("privacy_officer_a")
    path = f"{base(personas.tree.board_a.pk)}/{incident.pk}/notifications"
    payload = {"kind": "initial", "notified_at": ago(1).isoformat()}
    response = client.post(path, data=json.dumps(payload), content_type=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "delay_reasons"]
    naive = {**payload, "notified_at": "2026-01-01T10:00:00", "kind": "addition"}
    response = client.post(path, data=json.dumps(naive), content_type=JSON)
    assert response.status_code == 422
    fields = {item["loc"][-1] for item in response.json()["detail"]}
    assert fields == {"notified_at", "kind", "summary"}
    response = client.post(
        path,
        data=json.dumps({**payload, "delay_reasons": "Pas na onderzoek zeker."}),
        content_type=JSON,
    )
    assert response.status_code == 201
    assert response.json()["clock"]["state"] == "notified_late"


def test_plan_measures_through_the_api(personas: Personas, breach: Incident) -> None:
    path = f"{base(personas.tree.school_a1.pk)}/{breach.pk}/plan-measures"
    officer = personas.api("privacy_officer_a")
    response = officer.post(
        path, data=json.dumps({"title": "Mailadressen controleren"}), content_type=JSON
    )
    assert response.status_code == 403  # the privacy officer adds nothing to the plan
    response = personas.api("coordinator_a").post(
        path, data=json.dumps({"title": "Mailadressen controleren"}), content_type=JSON
    )
    assert response.status_code == 201 and len(response.json()["plan_measures"]) == 1
    response = officer.post(path, data=json.dumps({}), content_type=JSON)
    assert response.status_code == 422


def test_list_query_count_is_pinned(personas: Personas, django_assert_max_num_queries: Any) -> None:
    board = personas.tree.board_a
    for number in range(2):
        incident = report(board, hours=3 + number, title=f"Lek {number}")
        services.add_timeline_entry(SYSTEM, incident, text="Stap")
    client = personas.api("privacy_officer_a")
    with django_assert_max_num_queries(20) as few:
        assert client.get(base(board.pk)).json()["count"] == 2
    for number in range(8):
        incident = report(board, hours=10 + number, title=f"Meer {number}")
        decide(incident)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(base(board.pk)).json()["count"] == 10
    assert client.get(base(board.pk), {"kind": "anders"}).status_code == 422


def test_out_of_range_ids_are_404_or_422_never_500(personas: Personas, breach: Incident) -> None:
    client = personas.api("coordinator_a")
    huge = 2**70
    school = personas.tree.school_a1.pk
    assert client.get(f"{base(school)}/{huge}").status_code in (404, 422)
    assert client.get(f"{base(huge)}").status_code in (404, 422)
    path = f"{base(school)}/{breach.pk}"
    for payload in (
        {"processor_application": huge},
        {"applications": [huge]},
        {"plan_measures": [2**63]},
    ):
        response = client.patch(path, data=json.dumps(payload), content_type=JSON)
        assert response.status_code == 422, payload
    response = client.post(
        f"{path}/plan-measures", data=json.dumps({"plan_measure": huge}), content_type=JSON
    )
    assert response.status_code == 422


def test_reopen_and_plan_measures_per_persona(personas: Personas, breach: Incident) -> None:
    incident = report(personas.tree.board_a, personal_data="no", title="DDoS op de website")
    services.close_incident(SYSTEM, incident, note="Opgelost door de provider.")
    # A security incident of the board: the FG and staff do not read it; only change:all on
    # the board reopens it (the first does; the rest are refused or do not reach it).
    reads = {**READS, "fg_a": 404, "staff_a": 404}
    assert_access(
        personas,
        f"{base(personas.tree.board_a.pk)}/{incident.pk}/reopen",
        {
            **reads,
            "board_member_a": 403,
            "privacy_officer_a": 403,
            "school_leader_a": 403,
            "auditor_a": 403,
        },
        method="post",
        data=json.dumps({"reason": "De aanval is terug."}),
        content_type=JSON,
        api=True,
    )
    incident.refresh_from_db()
    assert incident.status == "in_progress" and incident.closed_at is None
    measure = create_measure(SYSTEM, personas.tree.board_a, title="Filter op de mailserver")
    assert_access(
        personas,
        f"{base(personas.tree.school_a1.pk)}/{breach.pk}/plan-measures",
        {**CHANGES, "coordinator_a": 201, "privacy_officer_a": 201, "school_leader_a": 201},
        method="post",
        data=json.dumps({"plan_measure": measure.pk}),
        content_type=JSON,
        api=True,
    )
    assert list(breach.plan_measures.values_list("pk", flat=True)) == [measure.pk]
