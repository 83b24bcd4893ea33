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
from schildwacht.dpia.models import Dpia, DpiaMeasure
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
    return f"{base}/{dpia.pk}{suffix}" if dpia is not None else f"{base}{suffix}"


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
    assert (
        curator.get(f"/api/v1/organisations/{personas.tree.board_a.pk}/dpia-prescans").status_code
        == 404
    )
    # Board readers see the sector's published DPIAs only; the concept is the curator's.
    assert_access(
        personas,
        _url(personas, org=sector),
        {**READS, "coordinator_b": 200, "sector_curator": 200},
        api=True,
        check=lambda name, r: (
            r.status_code != 200 or len(r.json()["items"]) == (1 if name == "sector_curator" else 0)
        ),
    )


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


def _decide(dpia: Dpia) -> None:
    services.record_decision(
        SYSTEM,
        dpia,
        decision="proceed",
        reasoning="Aanvaardbaar.",
        decided_by_name="College van bestuur",
        decided_on=timezone.localdate(),
        no_advice_note="Test.",
    )


def test_every_other_route_per_persona(personas: Personas, board_dpia: Dpia) -> None:
    risk, measure = board_dpia.risks.get(), board_dpia.measures.get()
    patch = {"method": "patch", "content_type": JSON, "api": True}
    assert_access(
        personas,
        _url(personas, board_dpia, f"/risks/{risk.pk}"),
        WRITES,
        data=json.dumps({"residual_likelihood": 1, "residual_impact": 3}),
        **patch,
    )
    assert_access(
        personas,
        _url(personas, board_dpia, "/measures"),
        {**WRITES, "coordinator_a": 201, "privacy_officer_a": 201},
        method="post",
        data=json.dumps({"description": "Bewaartermijn instellen", "risks": [risk.pk]}),
        content_type=JSON,
        api=True,
    )
    assert_access(
        personas,
        _url(personas, board_dpia, f"/measures/{measure.pk}"),
        WRITES,
        data=json.dumps({"description": "Koppeling met de leerlingadministratie"}),
        **patch,
    )

    # Deleting a row: who may change the DPIA removes it; the row is put back after each
    # success so that every persona meets the same row.
    def put_back(row: Any) -> Any:
        def check(name: str, response: Any) -> None:
            if response.status_code == 204:
                row.save(force_insert=True)
                if isinstance(row, DpiaMeasure):
                    row.risks.set([risk])
                else:
                    measure.risks.add(row)

        return check

    deletes = {**WRITES, "coordinator_a": 204, "privacy_officer_a": 204}
    for row, suffix in ((measure, "measures"), (risk, "risks")):
        assert_access(
            personas,
            _url(personas, board_dpia, f"/{suffix}/{row.pk}"),
            deletes,
            method="delete",
            api=True,
            check=put_back(row),
        )
    assert AuditEntry.objects.filter(object_type="dpia.dpiarisk", action="delete").count() == 2
    # The measure lost its link to the deleted risk: recorded as the measure's change.
    link_changes = AuditEntry.objects.filter(
        object_type="dpia.dpiameasure", action="update", object_id=str(measure.pk)
    ).select_related("payload")
    assert [e.payload.changes.get("risks") for e in link_changes.order_by("pk")][-2:] == [
        [[risk.pk], []],
        [[risk.pk], []],
    ]
    services.delete_measure(SYSTEM, measure)
    services.delete_risk(SYSTEM, risk)
    assert_access(
        personas,
        _url(personas, board_dpia, "/submit"),
        {**WRITES, "privacy_officer_a": 403},
        method="post",
        api=True,
    )
    decision = {
        "decision": "proceed",
        "reasoning": "Aanvaardbaar.",
        "decided_by_name": "College van bestuur",
        "decided_on": timezone.localdate().isoformat(),
        "no_advice_note": "Spoed.",
    }
    assert_access(
        personas,
        _url(personas, board_dpia, "/decision"),
        {**WRITES, "privacy_officer_a": 403},
        method="post",
        data=json.dumps(decision),
        content_type=JSON,
        api=True,
    )
    assert_access(
        personas,
        _url(personas, board_dpia, "/new-version"),
        {**WRITES, "coordinator_a": 201, "privacy_officer_a": 403},
        method="post",
        api=True,
    )
    body = personas.api("auditor_a").get(_url(personas, board_dpia)).json()
    assert body["status"] == "decided" and body["risks"] == []
    assert [m["description"] for m in body["measures"]] == ["Bewaartermijn instellen"] * 2
    assert body["decision_reasoning"] == "Aanvaardbaar."
    # Deleting a DPIA: decided ones are records; a concept goes.
    locked = {**WRITES, "coordinator_a": 403, "privacy_officer_a": 403}
    assert_access(personas, _url(personas, board_dpia), locked, method="delete", api=True)
    concept = make_dpia(personas.tree.board_a, "Weg ermee")
    assert_access(
        personas,
        _url(personas, concept),
        {**WRITES, "coordinator_a": 204, "privacy_officer_a": 204},
        method="delete",
        api=True,
        check=lambda name, r: r.status_code != 204 or concept.save(force_insert=True),
    )
    deleted = AuditEntry.objects.filter(object_type="dpia.dpia", action="delete")
    assert list(deleted.values_list("object_id", flat=True)) == [str(concept.pk)] * 2


def test_publish_and_adopt_per_persona(personas: Personas) -> None:
    tree = personas.tree
    sector = tree.sector
    draft = services.create_dpia(
        SYSTEM, sector, title="Sector-DPIA Leesapp", subject_name="Leesapp"
    )
    services.add_risk(SYSTEM, draft, title="Leesprofiel", likelihood=3, impact=3)
    only_curator = {**dict.fromkeys(READS, 404), "sector_curator": 200}
    assert_access(
        personas,
        _url(personas, draft, "/publish", org=sector),
        {**only_curator, "sector_curator": 200},
        method="post",
        api=True,
    )
    draft.refresh_from_db()
    assert draft.status == "published"
    adopt = {"method": "post", "content_type": JSON, "api": True}
    payload = json.dumps({"sector_dpia": draft.pk})
    assert_access(
        personas,
        _url(personas, None, "/adopt"),
        {**WRITES, "coordinator_a": 201, "privacy_officer_a": 201},
        data=payload,
        **adopt,
    )
    adopted = Dpia.objects.filter(sector_dpia=draft, organisation=tree.board_a)
    assert adopted.count() == 2
    copy = adopted.first()
    assert copy is not None and copy.prior_consultation is True
    assert [r.title for r in copy.risks.all()] == ["Leesprofiel"]
    # Under the sector node nobody adopts: the curator may not, a board user does not write there.
    assert_access(
        personas,
        f"/api/v1/organisations/{sector.pk}/dpias/adopt",
        {
            **READS,
            **{n: 403 for n, s in READS.items() if s == 200},
            "coordinator_b": 403,
            "sector_curator": 403,
        },
        data=payload,
        **adopt,
    )
    # A concept sector DPIA, or an id that is no sector DPIA, names the field.
    concept = services.create_dpia(SYSTEM, sector, title="Nog concept", subject_name="X")
    api = personas.api("privacy_officer_a")
    for bad in (concept.pk, copy.pk, 10**30):
        response = api.post(
            _url(personas, None, "/adopt"), json.dumps({"sector_dpia": bad}), content_type=JSON
        )
        assert response.status_code == 422, bad
        assert response.json()["detail"][0]["loc"] == ["body", "sector_dpia"]
    assert Dpia.objects.filter(sector_dpia__isnull=False).count() == 2


def test_odd_input_gives_422_or_404_and_writes_nothing(
    personas: Personas, board_dpia: Dpia
) -> None:
    api = personas.api("privacy_officer_a")
    risk = board_dpia.risks.get()
    before = AuditEntry.objects.count()
    huge = 10**30
    cases: list[tuple[str, str, dict[str, Any], str]] = [
        ("post", _url(personas), {"title": "x", "applications": [huge]}, "applications"),
        ("post", _url(personas), {"title": "x", "supplier": huge}, "supplier"),
        ("post", _url(personas), {"title": "x", "prescan": huge}, "prescan"),
        ("post", _url(personas), {"title": "x" * 201}, "title"),
        (
            "patch",
            _url(personas, board_dpia),
            {"processing_activities": [0]},
            "processing_activities",
        ),
        ("patch", _url(personas, board_dpia), {"legal_basis": "onbekend"}, "legal_basis"),
        ("patch", _url(personas, board_dpia, f"/risks/{risk.pk}"), {"impact": huge}, "impact"),
        (
            "patch",
            _url(personas, board_dpia, f"/risks/{risk.pk}"),
            {"residual_impact": 2},
            "residual_likelihood",
        ),
        (
            "post",
            _url(personas, board_dpia, "/measures"),
            {"description": "m", "risks": [huge]},
            "risks",
        ),
        (
            "post",
            _url(personas, board_dpia, "/measures"),
            {"description": "m", "plan_measure": huge},
            "plan_measure",
        ),
        ("post", _url(personas, board_dpia, "/measures"), {"description": "   "}, "description"),
        (
            "post",
            _url(personas, board_dpia, "/decision"),
            {
                "decision": "proceed",
                "reasoning": "r",
                "decided_by_name": "n",
                "decided_on": "2024-13-01",
            },
            "decided_on",
        ),
        (
            "post",
            _url(personas, board_dpia, "/decision"),
            {
                "decision": "misschien",
                "reasoning": "r",
                "decided_by_name": "n",
                "decided_on": "2024-01-01",
            },
            "decision",
        ),
    ]
    for method, url, payload, field in cases:
        response = getattr(api, method)(url, json.dumps(payload), content_type=JSON)
        assert response.status_code == 422, (url, payload)
        assert field in {d["loc"][-1] for d in response.json()["detail"]}, (
            payload,
            response.json(),
        )
    for url in (_url(personas, None, f"/{huge}"), f"/api/v1/organisations/{huge}/dpias"):
        assert api.get(url).status_code == 404, url
    assert api.get(_url(personas, board_dpia, "/decision")).status_code == 405
    assert api.get(f"{_url(personas)}?limit=abc").status_code == 422
    assert api.post(_url(personas), "{geen json", content_type=JSON).status_code == 400
    board_dpia.refresh_from_db()
    assert board_dpia.legal_basis == "" and board_dpia.status == "concept"
    assert Dpia.objects.count() == 1 and AuditEntry.objects.count() == before


def test_the_fgs_advice_keeps_the_dpia(personas: Personas, board_dpia: Dpia) -> None:
    fg = personas.api("fg_a")
    response = fg.put(
        _url(personas, board_dpia, "/advice"), json.dumps({"text": "Akkoord."}), content_type=JSON
    )
    assert response.status_code == 200
    response = personas.api("privacy_officer_a").delete(_url(personas, board_dpia))
    assert response.status_code == 403
    assert Dpia.objects.filter(pk=board_dpia.pk).exists()
