"""``/api/v1/suppliers`` and ``/api/v1/organisations/{org_id}/agreements``: access per persona,
pagination with a pinned query count, 404 outside reach, 403 for refused writes and read-only
tokens, 422 naming the field."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from schildwacht.audit.models import AuditEntry
from schildwacht.organisations.models import Organisation
from schildwacht.suppliers import services
from schildwacht.suppliers.models import Agreement, Supplier
from tests.personas import Personas, assert_access
from tests.test_suppliers_views import CATALOGUE, CHANGES_A, CHANGES_SHARED, NONE, READS_A
from tests.test_suppliers_world import SYSTEM, World, world_fixture  # noqa: F401

JSON = "application/json"


def _agreements(org: Organisation, agreement: Agreement | None = None) -> str:
    base = f"/api/v1/organisations/{org.pk}/agreements"
    return f"{base}/{agreement.pk}" if agreement is not None else base


def test_supplier_reads_per_persona(personas: Personas, world: World) -> None:
    def lists(name: str, response: Any) -> None:
        if response.status_code == 200:
            names = {item["name"] for item in response.json()["items"]}
            assert "Leerling BV" in names
            assert ("Lokale ICT" in names) == (name.endswith("_a") and name != "staff_a")
            assert ("Bèta Software" in names) == (name == "coordinator_b")

    assert_access(personas, "/api/v1/suppliers", CATALOGUE, api=True, check=lists)
    assert_access(personas, f"/api/v1/suppliers/{world.shared.pk}", CATALOGUE, api=True)
    assert_access(personas, f"/api/v1/suppliers/{world.own_a.pk}", READS_A, api=True)
    body = personas.api("fg_a").get(f"/api/v1/suppliers/{world.shared.pk}").json()
    assert body["shared"] is True and body["kvk_number"] == "12345678"
    assert body["certifications"] == ["ISO 27001"] and body["convenant_status"] == "participant"


def test_supplier_writes_per_persona(personas: Personas, world: World) -> None:
    sector = personas.tree.sector.pk
    created: list[str] = []

    def body(name: str) -> str:
        created.append(name)
        return json.dumps({"organisation": sector, "name": f"Nieuw {len(created)}"})

    # One request per persona, each with a fresh name (assert_access sends the same data).
    statuses = {}
    for name in CATALOGUE:
        response = personas.api(name).post("/api/v1/suppliers", data=body(name), content_type=JSON)
        statuses[name] = response.status_code
    assert statuses == {**CHANGES_SHARED, "sector_curator": 201}
    assert Supplier.objects.filter(name__startswith="Nieuw").count() == 1
    assert_access(
        personas,
        f"/api/v1/suppliers/{world.shared.pk}",
        CHANGES_SHARED,
        method="patch",
        data=json.dumps({"notes": "Gecontroleerd"}),
        content_type=JSON,
        api=True,
    )
    assert_access(
        personas,
        f"/api/v1/suppliers/{world.own_a.pk}",
        CHANGES_A,
        method="patch",
        data=json.dumps({"notes": "Eigen"}),
        content_type=JSON,
        api=True,
    )
    # Board A's officer adds its own; board B's coordinator cannot put one on board A.
    response = personas.api("privacy_officer_a").post(
        "/api/v1/suppliers",
        data=json.dumps({"organisation": personas.tree.board_a.pk, "name": "Eigen BV"}),
        content_type=JSON,
    )
    assert response.status_code == 201 and response.json()["shared"] is False
    response = personas.api("coordinator_b").post(
        "/api/v1/suppliers",
        data=json.dumps({"organisation": personas.tree.board_a.pk, "name": "Sluip BV"}),
        content_type=JSON,
    )
    assert response.status_code == 404
    response = personas.api("sector_curator", read_only=True).patch(
        f"/api/v1/suppliers/{world.shared.pk}",
        data=json.dumps({"notes": "x"}),
        content_type=JSON,
    )
    assert response.status_code == 403
    reader = personas.api("sector_curator", read_only=True)
    assert reader.get(f"/api/v1/suppliers/{world.shared.pk}").status_code == 200


def test_supplier_validation_and_delete(personas: Personas, world: World) -> None:
    client = personas.api("sector_curator")
    response = client.post(
        "/api/v1/suppliers",
        data=json.dumps(
            {"organisation": personas.tree.sector.pk, "name": "Leerling bv", "kvk_number": "12"}
        ),
        content_type=JSON,
    )
    assert response.status_code == 422
    fields = {error["loc"][-1] for error in response.json()["detail"]}
    assert fields == {"name", "kvk_number"}
    response = client.post(
        "/api/v1/suppliers",
        data=json.dumps({"organisation": personas.tree.sector.pk, "convenant_status": "ja"}),
        content_type=JSON,
    )
    assert response.status_code == 422
    assert client.delete(f"/api/v1/suppliers/{world.shared.pk}").status_code == 422
    spare = services.create_supplier(SYSTEM, personas.tree.sector, name="Los")
    assert client.delete(f"/api/v1/suppliers/{world.own_a.pk}").status_code == 404
    assert personas.api("coordinator_a").delete(f"/api/v1/suppliers/{spare.pk}").status_code == 403
    assert client.delete(f"/api/v1/suppliers/{spare.pk}").status_code == 204
    assert not Supplier.objects.filter(pk=spare.pk).exists()


def test_supplier_list_paginates_with_fixed_queries(
    personas: Personas, world: World, django_assert_max_num_queries: Any
) -> None:
    for number in range(30):
        services.create_supplier(SYSTEM, personas.tree.sector, name=f"L {number:02d}")
    client = personas.api("coordinator_a")
    with django_assert_max_num_queries(10):
        response = client.get("/api/v1/suppliers", {"limit": 10, "offset": 5})
    body = response.json()
    assert body["count"] == 32 and len(body["items"]) == 10
    assert client.get("/api/v1/suppliers", {"search": "L 0"}).json()["count"] == 10


# Agreements ----------------------------------------------------------------------------------


def test_agreement_reads_per_persona(personas: Personas, world: World) -> None:
    board_a = personas.tree.board_a

    def lists(name: str, response: Any) -> None:
        if response.status_code == 200:
            titles = {item["title"] for item in response.json()["items"]}
            assert "VWO Leerling BV" in titles
            assert ("VWO Leesapp" in titles) == (name != "school_leader_a")

    assert_access(personas, _agreements(board_a), READS_A, api=True, check=lists)
    assert_access(personas, _agreements(board_a, world.board_agreement), READS_A, api=True)
    assert_access(
        personas,
        _agreements(personas.tree.school_a2, world.sibling_agreement),
        {**READS_A, "school_leader_a": 404},
        api=True,
    )
    body = personas.api("fg_a").get(_agreements(board_a, world.board_agreement)).json()
    assert body["valid"] is True and body["expiring"] is False
    assert body["applications"] == [world.parnassys.pk]
    assert body["breach_notification_hours"] == 48 and body["supplier_name"] == "Leerling BV"
    # A school's agreement is read under its board and under the school, not a sibling.
    url = f"/api/v1/organisations/{personas.tree.school_a2.pk}/agreements/"
    client = personas.api("coordinator_a")
    assert client.get(url + str(world.school_agreement.pk)).status_code == 404


def test_agreement_writes_per_persona(personas: Personas, world: World) -> None:
    board_a = personas.tree.board_a
    payload = {
        "supplier": world.own_a.pk,
        "title": "Nieuw",
        "model": "other",
        "status": "signed",
        "signed_on": "2025-01-01",
        "applications": [world.website.pk],
    }
    assert_access(
        personas,
        _agreements(board_a),
        {**CHANGES_A, "coordinator_a": 201, "privacy_officer_a": 201},
        method="post",
        data=json.dumps(payload),
        content_type=JSON,
        api=True,
    )
    assert Agreement.objects.filter(title="Nieuw").count() == 2
    assert_access(
        personas,
        _agreements(board_a, world.board_agreement),
        CHANGES_A,
        method="patch",
        data=json.dumps({"expires_on": "2031-01-01"}),
        content_type=JSON,
        api=True,
    )
    assert Agreement.objects.get(pk=world.board_agreement.pk).expires_on == dt.date(2031, 1, 1)
    leader = personas.api("school_leader_a")
    school = _agreements(personas.tree.school_a1, world.school_agreement)
    assert (
        leader.patch(school, data=json.dumps({"notes": "x"}), content_type=JSON).status_code == 200
    )
    assert (
        personas.api("coordinator_a", read_only=True)
        .patch(school, data=json.dumps({"notes": "y"}), content_type=JSON)
        .status_code
        == 403
    )
    # Deleting: a fresh agreement per persona, so every row of the table is a real attempt.
    statuses = {}
    for name in CHANGES_A:
        target = services.create_agreement(
            SYSTEM, board_a, supplier=world.shared, title=f"Weg {name}", model="other"
        )
        statuses[name] = personas.api(name).delete(_agreements(board_a, target)).status_code
    assert statuses == {**CHANGES_A, "coordinator_a": 204, "privacy_officer_a": 204}
    assert set(
        Agreement.objects.filter(title__startswith="Weg").values_list("title", flat=True)
    ) == {f"Weg {name}" for name, status in CHANGES_A.items() if status != 200}
    assert (
        AuditEntry.objects.filter(object_type="suppliers.agreement", action="delete").count() == 2
    )


def test_agreement_validation_names_fields(personas: Personas, world: World) -> None:
    client = personas.api("privacy_officer_a")
    url = _agreements(personas.tree.board_a)
    response = client.post(
        url,
        data=json.dumps(
            {
                "supplier": world.own_b.pk,
                "title": "Fout",
                "model": "model_4",
                "status": "signed",
                "expires_on": "2020-01-01",
                "applications": [world.magister.pk],
            }
        ),
        content_type=JSON,
    )
    assert response.status_code == 422
    fields = {error["loc"][-1] for error in response.json()["detail"]}
    assert fields == {"supplier", "applications", "signed_on"}
    response = client.post(
        url, data=json.dumps({"supplier": world.shared.pk, "title": "x"}), content_type=JSON
    )
    assert response.status_code == 422  # model is required
    response = client.patch(
        _agreements(personas.tree.board_a, world.board_agreement),
        data=json.dumps({"expires_on": "2023-12-31"}),
        content_type=JSON,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "expires_on"
    assert Agreement.objects.filter(title="Fout").count() == 0


def test_agreement_list_paginates_with_fixed_queries(
    personas: Personas, world: World, django_assert_max_num_queries: Any
) -> None:
    for number in range(20):
        services.create_agreement(
            SYSTEM,
            personas.tree.board_a,
            supplier=world.shared,
            title=f"VWO {number:02d}",
            model="model_4",
            applications=[world.parnassys, world.website],
        )
    client = personas.api("auditor_a")
    url = _agreements(personas.tree.board_a)
    with django_assert_max_num_queries(12):
        response = client.get(url, {"limit": 10})
    body = response.json()
    assert body["count"] == 23 and len(body["items"]) == 10
    assert client.get(url, {"status": "signed"}).json()["count"] == 2
    assert client.get(url, {"supplier": world.own_a.pk}).json()["count"] == 1
    assert NONE["staff_a"] == 404


def test_supplier_delete_per_persona(personas: Personas, world: World) -> None:
    """A fresh unused supplier per persona, so every row of the table is a real attempt."""
    tables = {
        personas.tree.sector: {**CHANGES_SHARED, "sector_curator": 204},
        personas.tree.board_a: {
            **CHANGES_A,
            "coordinator_a": 204,
            "privacy_officer_a": 204,
        },
    }
    for organisation, expected in tables.items():
        statuses = {}
        for name in expected:
            target = services.create_supplier(SYSTEM, organisation, name=f"Weg {name}")
            statuses[name] = personas.api(name).delete(f"/api/v1/suppliers/{target.pk}").status_code
            if statuses[name] != 204:
                assert Supplier.objects.filter(pk=target.pk).exists()
                services.delete_supplier(SYSTEM, target)
        assert statuses == expected, organisation


def test_unknown_filters_are_named(personas: Personas, world: World) -> None:
    client = personas.api("privacy_officer_a")
    response = client.get("/api/v1/suppliers", {"convenant_status": "ja"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "convenant_status"
    response = client.get(_agreements(personas.tree.board_a), {"status": "getekend"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "status"
    response = client.get(_agreements(personas.tree.board_a), {"supplier": "abc"})
    assert response.status_code == 422
    assert client.get(_agreements(personas.tree.board_a), {"status": ""}).json()["count"] == 3
    assert client.get("/api/v1/suppliers", {"convenant_status": "none"}).json()["count"] == 1
