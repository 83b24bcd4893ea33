"""``/api/v1/organisations/{org_id}/assessments``: list, create, read, update, delete, scores,
workflow; 404 outside reach, 403 inside it without the grant, 422 naming the field."""

from __future__ import annotations

import json

import pytest

from schildwacht.assessments import services
from schildwacht.assessments.models import Assessment
from schildwacht.audit.services import Actor
from schildwacht.frameworks.models import Framework
from schildwacht.frameworks.services import load_catalogues
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


@pytest.fixture
def framework(personas: Personas) -> Framework:
    load_catalogues(Actor.system("tests"))
    return Framework.objects.get(slug="normenkader-ibp-fo")


@pytest.fixture
def meting(personas: Personas, framework: Framework) -> Assessment:
    return services.create_assessment(SYSTEM, personas.tree.board_a, framework, "Nulmeting")


def _base(personas: Personas, meting: Assessment) -> str:
    return f"/api/v1/organisations/{personas.tree.board_a.pk}/assessments/{meting.pk}"


def test_read_endpoints_per_persona(personas: Personas, meting: Assessment) -> None:
    board = personas.tree.board_a.pk
    for url in [
        f"/api/v1/organisations/{board}/assessments",
        _base(personas, meting),
        _base(personas, meting) + "/scores",
    ]:
        assert_access(personas, url, READS_BOARD_A, api=True)


def test_list_under_board_includes_schools(personas: Personas, framework: Framework) -> None:
    tree = personas.tree
    for org in [tree.board_a, tree.school_a1, tree.school_a2, tree.board_b]:
        services.create_assessment(SYSTEM, org, framework, org.name)
    board = personas.api("auditor_a").get(f"/api/v1/organisations/{tree.board_a.pk}/assessments")
    assert board.json()["count"] == 3
    assert {i["title"] for i in board.json()["items"]} == {"Stichting Alfa", "De Eik", "De Linde"}
    school = personas.api("auditor_a").get(f"/api/v1/organisations/{tree.school_a1.pk}/assessments")
    assert [i["title"] for i in school.json()["items"]] == ["De Eik"]
    # The school leader reads the board's own metingen and their school, not the sibling.
    leader = personas.api("school_leader_a").get(
        f"/api/v1/organisations/{tree.board_a.pk}/assessments"
    )
    assert {i["title"] for i in leader.json()["items"]} == {"Stichting Alfa", "De Eik"}
    paged = personas.api("auditor_a").get(
        f"/api/v1/organisations/{tree.board_a.pk}/assessments", {"limit": 1}
    )
    assert paged.json()["count"] == 3 and len(paged.json()["items"]) == 1


def test_create_per_persona(personas: Personas, framework: Framework) -> None:
    url = f"/api/v1/organisations/{personas.tree.board_a.pk}/assessments"
    assert_access(
        personas,
        url,
        {
            **READS_BOARD_A,
            "coordinator_a": 201,
            "board_member_a": 403,
            "privacy_officer_a": 403,
            "school_leader_a": 403,
            "auditor_a": 403,
        },
        method="post",
        api=True,
        data=json.dumps({"title": "Via API"}),
        content_type="application/json",
    )
    created = Assessment.objects.get()
    assert created.framework == framework and created.kind == "nulmeting"
    assert created.scores.count() == 36


def test_read_only_token_cannot_write(personas: Personas, meting: Assessment) -> None:
    client = personas.api("coordinator_a", read_only=True)
    base = _base(personas, meting)
    assert client.get(base).status_code == 200
    assert client.patch(base, {"title": "x"}, content_type="application/json").status_code == 403
    assert (
        client.put(
            base + "/scores/GO.01", {"level": 2}, content_type="application/json"
        ).status_code
        == 403
    )
    assert client.delete(base).status_code == 403
    meting.refresh_from_db()
    assert meting.title == "Nulmeting"


def test_validation_errors_name_the_field(personas: Personas, meting: Assessment) -> None:
    client = personas.api("coordinator_a")
    base = _base(personas, meting)
    response = client.put(base + "/scores/GO.01", {"level": 7}, content_type="application/json")
    assert response.status_code == 422
    assert "level" in json.dumps(response.json())
    response = client.put(
        base + "/scores/GO.01", {"not_applicable": True}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "not_applicable_reason"]
    response = client.patch(base, {"title": ""}, content_type="application/json")
    assert response.status_code == 422 and "title" in json.dumps(response.json())
    response = client.post(
        f"/api/v1/organisations/{personas.tree.board_a.pk}/assessments",
        {"title": "x", "framework": 99999},
        content_type="application/json",
    )
    assert response.status_code == 422


def test_scores_and_workflow_through_the_api(personas: Personas, meting: Assessment) -> None:
    client = personas.api("coordinator_a")
    base = _base(personas, meting)
    domain_norms = ["GO.01", "GO.02", "GO.03"]
    for norm_id, level in zip(domain_norms, [1, 2, 3], strict=True):
        response = client.put(
            base + f"/scores/{norm_id}", {"level": level}, content_type="application/json"
        )
        assert response.status_code == 200 and response.json()["level"] == level
    response = client.patch(
        base + "/scores/GO.05",
        {"not_applicable": True, "not_applicable_reason": "n.v.t. voor ons"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["not_applicable"] is True
    patch = client.patch(base + "/scores/GO.01", {"owner": "Piet"}, content_type="application/json")
    assert patch.json()["level"] == 1 and patch.json()["owner"] == "Piet"
    scores = client.get(base + "/scores").json()
    assert scores["overall"]["average"] == 2.0
    assert scores["overall"]["scored"] == 3
    assert scores["overall"]["at_target"] == 1
    assert scores["overall"]["applicable"] == 35
    assert len(scores["norms"]) == 36
    assert client.get(base + "/scores/GO.01").status_code == 405
    assert (
        client.put(
            base + "/scores/XX.99", {"level": 1}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.post(base + "/submit").json()["status"] == "in_review"
    assert client.post(base + "/approve").status_code == 403
    approved = personas.api("board_member_a").post(base + "/approve")
    assert approved.status_code == 200 and approved.json()["locked"] is True
    locked = client.put(base + "/scores/GO.01", {"level": 5}, content_type="application/json")
    assert locked.status_code == 409
    assert client.delete(base).status_code == 409


def test_board_b_gets_404_on_every_write(personas: Personas, meting: Assessment) -> None:
    client = personas.api("coordinator_b")
    base = _base(personas, meting)
    assert client.patch(base, {"title": "x"}, content_type="application/json").status_code == 404
    assert client.delete(base).status_code == 404
    assert client.post(base + "/submit").status_code == 404
    assert (
        client.put(
            base + "/scores/GO.01", {"level": 1}, content_type="application/json"
        ).status_code
        == 404
    )
    # Board B's own organisation id does not reach board A's meting either.
    other = f"/api/v1/organisations/{personas.tree.board_b.pk}/assessments/{meting.pk}"
    assert client.get(other).status_code == 404


def test_update_and_delete(personas: Personas, meting: Assessment) -> None:
    client = personas.api("coordinator_a")
    base = _base(personas, meting)
    assert (
        client.patch(base, {"title": "Nieuw"}, content_type="application/json").json()["title"]
        == "Nieuw"
    )
    assert personas.api("auditor_a").delete(base).status_code == 403
    assert client.delete(base).status_code == 204
    assert not Assessment.objects.exists()
