"""``/api/v1/organisations/{org_id}/measures``: list (with schools, paginated, filtered),
create, read, update, delete; 404 outside reach, 403 for refused writes and read-only tokens,
422 naming the field."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor
from schildwacht.frameworks.services import load_catalogues
from schildwacht.planning import services
from schildwacht.planning.models import Measure
from tests.personas import Personas, assert_access

SYSTEM = Actor.system("tests")

READS_BOARD_A = {
    "coordinator_a": 200,
    "board_member_a": 200,
    "privacy_officer_a": 200,
    "fg_a": 404,
    "school_leader_a": 200,
    "staff_a": 404,
    "auditor_a": 200,
    "coordinator_b": 404,
    "sector_analyst": 404,
    "sector_curator": 404,
}
WRITES_BOARD_A = {
    **READS_BOARD_A,
    "board_member_a": 403,
    "privacy_officer_a": 403,
    "school_leader_a": 403,
    "auditor_a": 403,
}
JSON = "application/json"


@pytest.fixture
def board_measure(personas: Personas) -> Measure:
    load_catalogues(SYSTEM)
    return services.create_measure(
        SYSTEM, personas.tree.board_a, title="MFA", norm_ids=["ID.02"], basismaatregelen=[9]
    )


def _url(personas: Personas, measure: Measure | None = None, org: Any = None) -> str:
    org = org or personas.tree.board_a
    base = f"/api/v1/organisations/{org.pk}/measures"
    return f"{base}/{measure.pk}" if measure is not None else base


def test_read_endpoints_per_persona(personas: Personas, board_measure: Measure) -> None:
    for url in [_url(personas), _url(personas, board_measure)]:
        assert_access(personas, url, READS_BOARD_A, api=True)
    body = personas.api("auditor_a").get(_url(personas, board_measure)).json()
    assert body["title"] == "MFA" and body["norm_ids"] == ["ID.02"]
    assert body["basismaatregelen"] == [9] and body["status"] == "open"
    assert body["overdue"] is False and body["cost"] is None


def test_writes_per_persona(personas: Personas, board_measure: Measure) -> None:
    assert_access(
        personas,
        _url(personas),
        {**WRITES_BOARD_A, "coordinator_a": 201},
        method="post",
        data=json.dumps({"title": "Nieuw"}),
        content_type=JSON,
        api=True,
    )
    assert_access(
        personas,
        _url(personas, board_measure),
        WRITES_BOARD_A,
        method="patch",
        data=json.dumps({"status": "in_progress"}),
        content_type=JSON,
        api=True,
    )
    board_measure.refresh_from_db()
    assert board_measure.status == "in_progress" and board_measure.done_at is None
    # DELETE: the one persona allowed would remove the measure for all who follow it in the
    # table, so the others go first and the coordinator last (the full table all the same).
    expected = {**WRITES_BOARD_A, "coordinator_a": 204}
    got = {
        name: personas.api(name).delete(_url(personas, board_measure)).status_code
        for name in [*[n for n in expected if n != "coordinator_a"], "coordinator_a"]
    }
    assert got == expected
    assert not Measure.objects.filter(pk=board_measure.pk).exists()


def test_list_under_board_includes_schools_and_paginates(
    personas: Personas, board_measure: Measure, django_assert_max_num_queries: Any
) -> None:
    tree = personas.tree
    for org in [tree.school_a1, tree.school_a2, tree.board_b]:
        services.create_measure(SYSTEM, org, title=org.name, due_date=dt.date(2020, 1, 1))
    client = personas.api("auditor_a")
    board = client.get(_url(personas)).json()
    assert board["count"] == 3
    assert {i["title"] for i in board["items"]} == {"MFA", "De Eik", "De Linde"}
    school = client.get(_url(personas, org=tree.school_a1)).json()
    assert [i["title"] for i in school["items"]] == ["De Eik"]
    leader = personas.api("school_leader_a").get(_url(personas)).json()
    assert {i["title"] for i in leader["items"]} == {"MFA", "De Eik"}
    paged = client.get(_url(personas), {"limit": 1}).json()
    assert paged["count"] == 3 and len(paged["items"]) == 1
    overdue = client.get(_url(personas), {"overdue": "true"}).json()
    assert {i["title"] for i in overdue["items"]} == {"De Eik", "De Linde"}
    assert all(i["overdue"] for i in overdue["items"])
    assert client.get(_url(personas), {"basismaatregel": 9}).json()["count"] == 1
    for n in range(20):
        services.create_measure(SYSTEM, tree.board_a, title=f"M{n}", norm_ids=["GO.01"])
    with django_assert_max_num_queries(10):
        response = client.get(_url(personas))
    assert response.json()["count"] == 23


def test_create_and_patch_values(personas: Personas, board_measure: Measure) -> None:
    client = personas.api("coordinator_a")
    response = client.post(
        _url(personas, org=personas.tree.school_a1),
        json.dumps(
            {
                "title": "Versleutelen",
                "owner": personas["school_leader_a"].pk,
                "due_date": "2026-12-01",
                "effort": "XL",
                "cost": "999.99",
                "norm_ids": ["SM.10"],
                "basismaatregelen": [6],
                "groeipad_code": "2.5",
            }
        ),
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["organisation"] == personas.tree.school_a1.pk
    assert body["owner"] == personas["school_leader_a"].pk and body["cost"] == "999.99"
    assert body["created_by"] == personas["coordinator_a"].pk
    url = f"{_url(personas, org=personas.tree.school_a1)}/{body['id']}"
    patched = client.patch(
        url, json.dumps({"status": "done", "cost": None, "owner": None}), content_type=JSON
    ).json()
    assert patched["status"] == "done" and patched["done_at"] is not None
    assert patched["cost"] is None and patched["owner"] is None
    assert patched["norm_ids"] == ["SM.10"] and patched["title"] == "Versleutelen"
    entry = AuditEntry.objects.filter(object_type="planning.measure").order_by("-pk").first()
    assert entry is not None and entry.actor_token_id is not None


def test_validation_errors_name_the_field(personas: Personas, board_measure: Measure) -> None:
    client = personas.api("coordinator_a")

    def fields(response: Any) -> set[str]:
        assert response.status_code == 422, response.content
        return {item["loc"][-1] for item in response.json()["detail"]}

    post = {"content_type": JSON}
    assert fields(client.post(_url(personas), json.dumps({"title": ""}), **post)) == {"title"}
    assert "status" in fields(
        client.post(_url(personas), json.dumps({"title": "x", "status": "klaar"}), **post)
    )
    assert fields(
        client.post(
            _url(personas),
            json.dumps({"title": "x", "norm_ids": ["XX.01"], "basismaatregelen": [12]}),
            **post,
        )
    ) == {"norm_ids", "basismaatregelen"}
    assert fields(
        client.patch(
            _url(personas, board_measure),
            json.dumps({"owner": personas["coordinator_b"].pk, "groeipad_code": "7.7"}),
            **post,
        )
    ) == {"owner", "groeipad_code"}
    assert "cost" in fields(
        client.patch(_url(personas, board_measure), json.dumps({"cost": -5}), **post)
    )
    assert Measure.objects.count() == 1


def test_read_only_token_cannot_write(personas: Personas, board_measure: Measure) -> None:
    client = personas.api("coordinator_a", read_only=True)
    assert client.get(_url(personas, board_measure)).status_code == 200
    response = client.post(_url(personas), json.dumps({"title": "x"}), content_type=JSON)
    assert response.status_code == 403
    response = client.patch(
        _url(personas, board_measure), json.dumps({"title": "y"}), content_type=JSON
    )
    assert response.status_code == 403
    assert client.delete(_url(personas, board_measure)).status_code == 403
    board_measure.refresh_from_db()
    assert board_measure.title == "MFA"


def test_board_b_gets_404_on_everything_of_board_a(
    personas: Personas, board_measure: Measure
) -> None:
    client = personas.api("coordinator_b")
    url = _url(personas, board_measure)
    assert client.get(url).status_code == 404
    assert client.patch(url, json.dumps({"title": "x"}), content_type=JSON).status_code == 404
    assert client.delete(url).status_code == 404
    assert (
        client.post(_url(personas), json.dumps({"title": "x"}), content_type=JSON).status_code
        == 404
    )
    # Its own board's id with board A's measure id is not found either.
    own = _url(personas, board_measure, org=personas.tree.board_b)
    assert client.get(own).status_code == 404
