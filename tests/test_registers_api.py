"""``/api/v1/organisations/{org_id}/applications`` (with import) and ``…/processing-activities``:
access per persona, lists under a board with its schools (paginated, pinned query counts),
422 naming the field or listing every bad row, 403 for refused writes and read-only tokens."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from schildwacht.audit.models import AuditEntry
from schildwacht.registers import services
from schildwacht.registers.models import Application, ProcessingActivity
from tests.personas import Personas, assert_access
from tests.registers_data import SYSTEM, make_application, make_suppliers
from tests.test_registers_views import CHANGES_BOARD_A, READS_BOARD_A

JSON = "application/json"


def _url(personas: Personas, resource: str, pk: int | None = None, org: Any = None) -> str:
    org = org or personas.tree.board_a
    base = f"/api/v1/organisations/{org.pk}/{resource}"
    return f"{base}/{pk}" if pk is not None else base


@pytest.fixture
def board_app(personas: Personas) -> Application:
    make_suppliers(personas.tree)
    return make_application(
        personas.tree.board_a, name="ParnasSys", schools=[personas.tree.school_a1]
    )


@pytest.fixture
def activity(personas: Personas, board_app: Application) -> ProcessingActivity:
    return services.create_processing_activity(
        SYSTEM,
        personas.tree.board_a,
        name="Leerlingadministratie",
        purposes="Onderwijs",
        data_subject_categories=["pupils"],
        applications=[board_app],
    )


def test_read_endpoints_per_persona(
    personas: Personas, board_app: Application, activity: ProcessingActivity
) -> None:
    for url in [
        _url(personas, "applications"),
        _url(personas, "applications", board_app.pk),
        _url(personas, "processing-activities"),
        _url(personas, "processing-activities", activity.pk),
    ]:
        assert_access(personas, url, READS_BOARD_A, api=True)
    body = personas.api("fg_a").get(_url(personas, "applications", board_app.pk)).json()
    assert body["name"] == "ParnasSys" and body["schools"] == [personas.tree.school_a1.pk]
    assert body["complete"] is True and body["missing"] == []
    assert body["data_categories"] == ["contact", "results"]
    body = (
        personas.api("auditor_a").get(_url(personas, "processing-activities", activity.pk)).json()
    )
    assert body["applications"] == [board_app.pk] and body["data_subject_categories"] == ["pupils"]


def _delete_table(personas: Personas, url_for: Any, expected: dict[str, int]) -> dict[str, int]:
    """DELETE as every persona; the allowed ones each get a fresh object, last."""
    allowed = [name for name, status in expected.items() if status == 204]
    got = {
        name: personas.api(name).delete(url_for()).status_code
        for name in expected
        if name not in allowed
    }
    for name in allowed:
        got[name] = personas.api(name).delete(url_for()).status_code
    return got


def test_application_writes_per_persona(personas: Personas, board_app: Application) -> None:
    assert_access(
        personas,
        _url(personas, "applications"),
        {**CHANGES_BOARD_A, "coordinator_a": 201, "privacy_officer_a": 422},
        method="post",
        data=json.dumps({"name": "Gynzy", "kind": "learning_app"}),
        content_type=JSON,
        api=True,
    )  # the privacy officer comes second: the name is taken by then (422 naming the field)
    assert_access(
        personas,
        _url(personas, "applications", board_app.pk),
        {**CHANGES_BOARD_A, "coordinator_a": 200, "privacy_officer_a": 200},
        method="patch",
        data=json.dumps({"owner_name": "Administratie", "people_count": None}),
        content_type=JSON,
        api=True,
    )
    board_app.refresh_from_db()
    assert board_app.owner_name == "Administratie"
    counter = iter(range(100))

    def fresh() -> str:
        app = make_application(personas.tree.board_a, name=f"Weg {next(counter)}")
        return _url(personas, "applications", app.pk)

    expected = {**CHANGES_BOARD_A, "coordinator_a": 204, "privacy_officer_a": 204}
    assert _delete_table(personas, fresh, expected) == expected


def test_school_leader_writes_own_school_only(personas: Personas, board_app: Application) -> None:
    tree = personas.tree
    client = personas.api("school_leader_a")
    data = json.dumps({"name": "Eik-app", "kind": "sis"})
    assert client.post(_url(personas, "applications"), data, content_type=JSON).status_code == 403
    assert (
        client.post(
            _url(personas, "applications", org=tree.school_a2), data, content_type=JSON
        ).status_code
        == 404
    )
    response = client.post(
        _url(personas, "applications", org=tree.school_a1), data, content_type=JSON
    )
    assert response.status_code == 201 and response.json()["organisation"] == tree.school_a1.pk
    assert (
        client.patch(
            _url(personas, "applications", board_app.pk),
            json.dumps({"notes": "x"}),
            content_type=JSON,
        ).status_code
        == 403
    )


def test_validation_names_the_field(personas: Personas, board_app: Application) -> None:
    client = personas.api("privacy_officer_a")
    response = client.post(
        _url(personas, "applications"),
        json.dumps(
            {
                "name": "X",
                "kind": "sis",
                "data_categories": ["zodiac"],
                "schools": [personas.tree.school_b1.pk],
            }
        ),
        content_type=JSON,
    )
    assert response.status_code == 422
    fields = {item["loc"][-1] for item in response.json()["detail"]}
    assert fields == {"data_categories", "schools"}
    response = client.post(
        _url(personas, "applications"), json.dumps({"name": "X", "kind": "boat"}), content_type=JSON
    )
    assert response.status_code == 422 and "kind" in json.dumps(response.json())
    response = client.patch(
        _url(personas, "processing-activities", 999999), json.dumps({}), content_type=JSON
    )
    assert response.status_code == 404
    read_only = personas.api("coordinator_a", read_only=True)
    response = read_only.patch(
        _url(personas, "applications", board_app.pk), json.dumps({"notes": "x"}), content_type=JSON
    )
    assert response.status_code == 403


def test_activity_writes_per_persona(personas: Personas, board_app: Application) -> None:
    assert_access(
        personas,
        _url(personas, "processing-activities"),
        {**CHANGES_BOARD_A, "coordinator_a": 201, "privacy_officer_a": 422},
        method="post",
        data=json.dumps({"name": "Toetsen", "purposes": "Volgen", "applications": [board_app.pk]}),
        content_type=JSON,
        api=True,
    )
    activity = ProcessingActivity.objects.get()
    assert list(activity.applications.all()) == [board_app]
    assert_access(
        personas,
        _url(personas, "processing-activities", activity.pk),
        {**CHANGES_BOARD_A, "coordinator_a": 200, "privacy_officer_a": 200},
        method="patch",
        data=json.dumps({"legal_basis": "public_task", "applications": []}),
        content_type=JSON,
        api=True,
    )
    activity.refresh_from_db()
    assert activity.legal_basis == "public_task" and not activity.applications.exists()
    counter = iter(range(100))

    def fresh() -> str:
        made = services.create_processing_activity(
            SYSTEM, personas.tree.board_a, name=f"Weg {next(counter)}", purposes="x"
        )
        return _url(personas, "processing-activities", made.pk)

    expected = {**CHANGES_BOARD_A, "coordinator_a": 204, "privacy_officer_a": 204}
    assert _delete_table(personas, fresh, expected) == expected


def test_import_endpoint(personas: Personas, board_app: Application) -> None:
    url = _url(personas, "applications") + "/import"

    def upload(text: str) -> dict[str, Any]:
        return {"file": SimpleUploadedFile("r.csv", ("\ufeff" + text).encode())}

    good = "naam;soort;eigenaar\nParnasSys;sis;Administratie\nGynzy;learning_app;\n"
    expected = {**CHANGES_BOARD_A, "coordinator_a": 200, "privacy_officer_a": 200}
    got: dict[str, int] = {}
    bodies: dict[str, Any] = {}
    for name in expected:
        response = personas.api(name).post(url, upload(good))
        got[name] = response.status_code
        bodies[name] = response.json()
    assert got == expected
    assert bodies["coordinator_a"] == {"created": 1, "updated": 1, "unchanged": 0}
    assert bodies["privacy_officer_a"] == {"created": 0, "updated": 0, "unchanged": 2}
    client = personas.api("coordinator_a")
    before = (Application.objects.count(), AuditEntry.objects.count())
    response = client.post(url, upload("naam;soort;leverancier\nA;sis;Niemand\nA;schip;\n"))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [(d["row"], d["column"], d["value"]) for d in detail] == [
        (2, "leverancier", "Niemand"),
        (3, "soort", "schip"),
        (3, "naam", "A"),
    ]
    assert all(d["loc"] == ["body", "file"] and d["msg"] for d in detail)
    assert (Application.objects.count(), AuditEntry.objects.count()) == before
    response = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"%PDF")})
    assert response.status_code == 422 and response.json()["detail"][0]["row"] is None


def test_lists_under_board_include_schools_and_paginate(
    personas: Personas, board_app: Application, django_assert_max_num_queries: Any
) -> None:
    tree = personas.tree
    for org in (tree.school_a1, tree.school_a2, tree.board_b):
        make_application(org, name=org.name, owner_name="")
        services.create_processing_activity(SYSTEM, org, name=org.name, purposes="x")
    client = personas.api("auditor_a")
    board = client.get(_url(personas, "applications")).json()
    assert board["count"] == 3
    assert {i["name"] for i in board["items"]} == {"ParnasSys", "De Eik", "De Linde"}
    school = client.get(_url(personas, "applications", org=tree.school_a1)).json()
    assert [i["name"] for i in school["items"]] == ["De Eik"]
    leader = personas.api("school_leader_a").get(_url(personas, "applications")).json()
    assert {i["name"] for i in leader["items"]} == {"ParnasSys", "De Eik"}
    assert client.get(_url(personas, "applications"), {"incomplete": "true"}).json()["count"] == 2
    assert (
        client.get(_url(personas, "applications"), {"school": tree.school_a1.pk}).json()["count"]
        == 2
    )
    assert client.get(_url(personas, "applications"), {"limit": 1}).json()["count"] == 3
    activities = client.get(_url(personas, "processing-activities")).json()
    assert {i["name"] for i in activities["items"]} == {"De Eik", "De Linde"}
    for n in range(20):
        make_application(tree.board_a, name=f"App {n}", schools=[tree.school_a1, tree.school_a2])
        services.create_processing_activity(
            SYSTEM, tree.board_a, name=f"V {n}", purposes="x", applications=[board_app]
        )
    client.get(_url(personas, "applications"))  # token last-used stamp written once
    with django_assert_max_num_queries(8):
        response = client.get(_url(personas, "applications"), {"limit": 50})
    assert len(response.json()["items"]) == 23
    with django_assert_max_num_queries(8):
        response = client.get(_url(personas, "processing-activities"), {"limit": 50})
    assert len(response.json()["items"]) == 22
