"""``/api/v1/organisations/{org_id}/dpias`` and ``…/dpia-prescans``: access per persona, the
FG's advice sub-path (its only write), 422 naming the field, locking after the decision, the
curator's sector DPIAs, and a pinned query count of the list."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor
from schildwacht.dpia import services
from schildwacht.dpia.models import Dpia
from tests.personas import Personas, assert_access
from tests.test_dpia_services import make_application, make_dpia

SYSTEM = Actor.system("tests")
JSON = "application/json"

READS = {
    "coordinator_a": 200,
    "board_member_a": 200,
    "privacy_officer_a": 200,
    "fg_a": 200,
    "school_leader_a": 200,
    "staff_a": 404,
    "auditor_a": 200,
    "coordinator_b": 404,
    "sector_analyst": 404,
    "sector_curator": 404,
}
WRITES = {
    **READS,
    "board_member_a": 403,
    "fg_a": 403,
    "school_leader_a": 403,
    "auditor_a": 403,
}


@pytest.fixture
def board_dpia(personas: Personas) -> Dpia:
    dpia = make_dpia(personas.tree.board_a, "DPIA Ouderapp")
    risk = services.add_risk(
        SYSTEM, dpia, title="Berichten naar verkeerde ouder", likelihood=2, impact=3
    )
    services.add_measure(SYSTEM, dpia, description="Koppeling met de administratie", risks=[risk])
    return dpia


def _url(personas: Personas, dpia: Dpia | None = None, suffix: str = "", org: Any = None) -> str:
    org = org or personas.tree.board_a
    base = f"/api/v1/organisations/{org.pk}/dpias"
    return f"{base}/{dpia.pk}{suffix}" if dpia is not None else base


def test_reads_per_persona(personas: Personas, board_dpia: Dpia) -> None:
    for url in (_url(personas), _url(personas, board_dpia)):
        assert_access(personas, url, READS, api=True)
    body = personas.api("fg_a").get(_url(personas, board_dpia)).json()
    assert body["title"] == "DPIA Ouderapp" and body["status"] == "concept"
    assert body["risks"][0]["inherent_score"] == 6 and body["risks"][0]["residual_high"] is False
    assert body["measures"][0]["risks"] == [body["risks"][0]["id"]]
    assert body["advice"] is None and body["prior_consultation"] is False
    # Under a school only that school's DPIAs; under the board also the schools'.
    school = make_dpia(personas.tree.school_a1, "DPIA De Eik")
    ids = {d["id"] for d in personas.api("auditor_a").get(_url(personas)).json()["items"]}
    assert ids == {board_dpia.pk, school.pk}
    school_url = _url(personas, org=personas.tree.school_a1)
    assert [d["id"] for d in personas.api("auditor_a").get(school_url).json()["items"]] == [
        school.pk
    ]


def test_writes_per_persona(personas: Personas, board_dpia: Dpia) -> None:
    assert_access(
        personas,
        _url(personas),
        {**WRITES, "coordinator_a": 201, "privacy_officer_a": 201},
        method="post",
        data=json.dumps({"title": "Nieuwe DPIA"}),
        content_type=JSON,
        api=True,
    )
    assert_access(
        personas,
        _url(personas, board_dpia),
        WRITES,
        method="patch",
        data=json.dumps({"nature": "Berichten aan ouders"}),
        content_type=JSON,
        api=True,
    )
    assert_access(
        personas,
        _url(personas, board_dpia, "/risks"),
        {**WRITES, "coordinator_a": 201, "privacy_officer_a": 201},
        method="post",
        data=json.dumps({"title": "Lek", "likelihood": 1, "impact": 2}),
        content_type=JSON,
        api=True,
    )
    # The advice: the FG only (200); everyone else who reads the DPIA gets 403.
    assert_access(
        personas,
        _url(personas, board_dpia, "/advice"),
        {
            **READS,
            "coordinator_a": 403,
            "board_member_a": 403,
            "privacy_officer_a": 403,
            "school_leader_a": 403,
            "auditor_a": 403,
        },
        method="put",
        data=json.dumps({"text": "Maak afspraken over bewaartermijnen."}),
        content_type=JSON,
        api=True,
    )
    body = personas.api("auditor_a").get(_url(personas, board_dpia)).json()
    assert body["advice"]["text"] == "Maak afspraken over bewaartermijnen."
    assert body["advice"]["advised_by"] == personas["fg_a"].pk
    assert body["nature"] == "Berichten aan ouders" and len(body["risks"]) == 3


def test_validation_names_the_field(personas: Personas, board_dpia: Dpia) -> None:
    api = personas.api("privacy_officer_a")
    other = make_application(personas.tree.board_b, "Van B")
    response = api.patch(
        _url(personas, board_dpia),
        json.dumps({"applications": [other.pk]}),
        content_type=JSON,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "applications"]
    response = api.post(
        _url(personas, board_dpia, "/risks"),
        json.dumps({"title": "x", "likelihood": 7, "impact": 1}),
        content_type=JSON,
    )
    assert response.status_code == 422
    assert {d["loc"][1] for d in response.json()["detail"]} == {"likelihood"}
    response = api.post(_url(personas), json.dumps({"title": ""}), content_type=JSON)
    assert response.status_code == 422
    assert (
        personas.api("privacy_officer_a", read_only=True)
        .post(_url(personas), json.dumps({"title": "x"}), content_type=JSON)
        .status_code
        == 403
    )


def test_decision_locks_and_delete_only_concepts(personas: Personas, board_dpia: Dpia) -> None:
    api = personas.api("privacy_officer_a")
    decision = {
        "decision": "proceed",
        "reasoning": "Aanvaardbaar.",
        "decided_by_name": "College van bestuur",
        "decided_on": timezone.localdate().isoformat(),
    }
    response = api.post(
        _url(personas, board_dpia, "/decision"), json.dumps(decision), content_type=JSON
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "no_advice_note"]
    assert (
        personas.api("fg_a")
        .post(_url(personas, board_dpia, "/decision"), json.dumps(decision), content_type=JSON)
        .status_code
        == 403
    )
    personas.api("fg_a").put(
        _url(personas, board_dpia, "/advice"), json.dumps({"text": "Akkoord."}), content_type=JSON
    )
    response = api.post(
        _url(personas, board_dpia, "/decision"), json.dumps(decision), content_type=JSON
    )
    assert response.status_code == 200 and response.json()["status"] == "decided"
    fg = personas.api("fg_a")  # a new token is audited itself: make it before counting
    before = AuditEntry.objects.count()
    assert (
        api.patch(
            _url(personas, board_dpia), json.dumps({"nature": "x"}), content_type=JSON
        ).status_code
        == 403
    )
    assert api.delete(_url(personas, board_dpia)).status_code == 403
    advice_url = _url(personas, board_dpia, "/advice")
    response = fg.put(advice_url, json.dumps({"text": "Anders"}), content_type=JSON)
    assert response.status_code == 403
    assert AuditEntry.objects.count() == before
    concept = make_dpia(personas.tree.board_a, "Weg ermee")
    assert personas.api("auditor_a").delete(_url(personas, concept)).status_code == 403
    assert personas.api("coordinator_b").delete(_url(personas, concept)).status_code == 404
    assert api.delete(_url(personas, concept)).status_code == 204
    assert not Dpia.objects.filter(pk=concept.pk).exists()


def test_sector_dpias_for_the_curator_only(personas: Personas, board_dpia: Dpia) -> None:
    sector = personas.tree.sector
    curator = personas.api("sector_curator")
    response = curator.post(
        _url(personas, org=sector),
        json.dumps({"title": "Sector-DPIA Ouderapp", "subject_name": "Ouderapp"}),
        content_type=JSON,
    )
    assert response.status_code == 201 and response.json()["organisation"] == sector.pk
    assert [d["title"] for d in curator.get(_url(personas, org=sector)).json()["items"]] == [
        "Sector-DPIA Ouderapp"
    ]
    assert curator.get(_url(personas, board_dpia)).status_code == 404
    assert curator.get(_url(personas)).status_code == 404
    for name in ("coordinator_a", "privacy_officer_a", "sector_analyst"):
        assert personas.api(name).get(_url(personas, org=sector)).status_code == 404, name


def test_prescans_endpoint(personas: Personas) -> None:
    app = make_application(personas.tree.board_a, "Leerplatform")
    url = f"/api/v1/organisations/{personas.tree.board_a.pk}/dpia-prescans"
    payload = {
        "application": app.pk,
        "criteria": ["kwetsbare_betrokkenen", "grote_schaal"],
        "reasoning": "Kinderen, alle scholen.",
    }
    assert_access(
        personas,
        url,
        {**WRITES, "coordinator_a": 201, "privacy_officer_a": 201},
        method="post",
        data=json.dumps(payload),
        content_type=JSON,
        api=True,
    )
    assert_access(personas, url, READS, api=True)
    items = personas.api("fg_a").get(url).json()["items"]
    assert len(items) == 2 and items[0]["required"] is True
    assert items[0]["criteria"] == ["grote_schaal", "kwetsbare_betrokkenen"]
    assert_access(personas, f"{url}/{items[0]['id']}", READS, api=True)
    response = personas.api("privacy_officer_a").post(
        url, json.dumps({**payload, "ap_items": ["bestaat_niet"]}), content_type=JSON
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == [
        "body",
        "ap_items",
    ]


def test_list_query_count_is_pinned(personas: Personas, django_assert_max_num_queries: Any) -> None:
    api = personas.api("auditor_a")
    for i in range(12):
        dpia = make_dpia(personas.tree.board_a, f"DPIA {i}")
        risk = services.add_risk(SYSTEM, dpia, title="Risico", likelihood=2, impact=2)
        services.add_measure(SYSTEM, dpia, description="Maatregel", risks=[risk])
        services.record_advice(SYSTEM, dpia, text="Advies")
    with django_assert_max_num_queries(14):
        response = api.get(_url(personas))
    body = response.json()
    assert body["count"] == 12 and len(body["items"]) == 12
    assert all(item["advice"]["text"] == "Advies" for item in body["items"])
