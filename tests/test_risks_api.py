"""``/api/v1/organisations/{org_id}/risks``: access per persona, pagination with a pinned query
count, filters, 404 outside reach, 403 for refused writes and read-only tokens, 422 naming the
field, and acceptance as a sub-path."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.utils import timezone

from schildwacht.audit.models import AuditEntry
from schildwacht.organisations.models import Organisation
from schildwacht.risks import services
from schildwacht.risks.models import Risk
from tests.personas import Personas, assert_access
from tests.test_risks_world import (
    ACCEPTS_A,
    CHANGES_A,
    CHANGES_A1,
    NONE,
    READS_A,
    SYSTEM,
    World,
    risk_values,
    world_fixture,  # noqa: F401
)

JSON = "application/json"


def _url(org: Organisation, risk: Risk | None = None, suffix: str = "") -> str:
    base = f"/api/v1/organisations/{org.pk}/risks"
    return f"{base}/{risk.pk}{suffix}" if risk is not None else base


def test_reads_per_persona(personas: Personas, world: World) -> None:
    tree = personas.tree

    def lists(name: str, response: Any) -> None:
        if response.status_code == 200:
            titles = {item["title"] for item in response.json()["items"]}
            assert "Ransomware" in titles and "Laptop kwijt" in titles
            assert ("Rooster weg" in titles) == (name != "school_leader_a")
            assert "Bèta-lek" not in titles

    assert_access(personas, _url(tree.board_a), READS_A, api=True, check=lists)
    assert_access(personas, _url(tree.board_a, world.board_risk), READS_A, api=True)
    assert_access(personas, _url(tree.school_a1, world.school_risk), READS_A, api=True)
    assert_access(
        personas,
        _url(tree.school_a2, world.sibling_risk),
        {**READS_A, "school_leader_a": 404},
        api=True,
    )
    # A risk read under another organisation than its own subtree is not found.
    response = personas.api("coordinator_a").get(_url(tree.school_a2, world.school_risk))
    assert response.status_code == 404
    body = personas.api("auditor_a").get(_url(tree.board_a, world.board_risk)).json()
    assert body["inherent_score"] == 20 and body["inherent_band"] == "kritiek"
    assert body["residual_score"] is None and body["residual_band"] is None
    assert body["applications"] == [world.application.pk]
    assert body["measures"] == [world.measure.pk]
    assert body["exposure_min"] == "10000.00" and body["needs_review"] is False


def test_list_pagination_filters_and_query_count(
    personas: Personas, world: World, django_assert_max_num_queries: Any
) -> None:
    tree = personas.tree
    for number in range(30):
        services.create_risk(
            SYSTEM,
            tree.board_a,
            **risk_values(title=f"R{number:02d}", treatment="avoid" if number < 4 else ""),
        )
    client = personas.api("coordinator_a")
    url = _url(tree.board_a)
    client.get(url)
    with django_assert_max_num_queries(12):
        response = client.get(url, {"limit": 10, "offset": 5})
    body = response.json()
    assert response.status_code == 200 and body["count"] == 33 and len(body["items"]) == 10
    assert client.get(url, {"treatment": "avoid"}).json()["count"] == 4
    assert client.get(url, {"band": "kritiek"}).json()["count"] == 1
    assert client.get(url, {"organisation": tree.school_a1.pk}).json()["count"] == 1
    response = client.get(url, {"band": "extreem"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "band"
    assert client.get(url, {"status": "weg"}).status_code == 422
    services.update_risk(
        SYSTEM, world.school_risk, review_date=timezone.localdate() - dt.timedelta(days=1)
    )
    review = client.get(url, {"status": "herbeoordeling"}).json()
    assert [item["title"] for item in review["items"]] == ["Laptop kwijt"]
    assert review["items"][0]["needs_review"] is True


def test_writes_per_persona(personas: Personas, world: World) -> None:
    tree = personas.tree
    statuses = {}
    for name in NONE:
        response = personas.api(name).post(
            _url(tree.board_a),
            data=json.dumps(risk_values(title=f"Nieuw {name}")),
            content_type=JSON,
        )
        statuses[name] = response.status_code
    assert statuses == {**CHANGES_A, "coordinator_a": 201}
    assert Risk.objects.filter(title__startswith="Nieuw").count() == 1
    assert_access(
        personas,
        _url(tree.board_a, world.board_risk),
        CHANGES_A,
        method="patch",
        data=json.dumps({"description": "Bijgewerkt"}),
        content_type=JSON,
        api=True,
    )
    assert_access(
        personas,
        _url(tree.school_a1, world.school_risk),
        CHANGES_A1,
        method="patch",
        data=json.dumps({"owner_name": "Schoolleider"}),
        content_type=JSON,
        api=True,
    )
    response = personas.api("school_leader_a").post(
        _url(tree.school_a1), data=json.dumps(risk_values(title="Schoolrisico")), content_type=JSON
    )
    assert response.status_code == 201 and response.json()["organisation"] == tree.school_a1.pk
    response = personas.api("coordinator_a", read_only=True).patch(
        _url(tree.board_a, world.board_risk),
        data=json.dumps({"title": "x"}),
        content_type=JSON,
    )
    assert response.status_code == 403
    victim = services.create_risk(SYSTEM, tree.board_a, **risk_values(title="Weg"))
    assert personas.api("coordinator_b").delete(_url(tree.board_a, victim)).status_code == 404
    assert personas.api("board_member_a").delete(_url(tree.board_a, victim)).status_code == 403
    assert personas.api("coordinator_a").delete(_url(tree.board_a, victim)).status_code == 204
    assert not Risk.objects.filter(pk=victim.pk).exists()
    assert AuditEntry.objects.filter(
        object_type="risks.risk", object_id=str(victim.pk), action="delete"
    ).exists()


def test_validation_names_the_field(personas: Personas, world: World) -> None:
    client = personas.api("coordinator_a")
    url = _url(personas.tree.board_a)
    response = client.post(
        url,
        data=json.dumps(risk_values(inherent_likelihood=7, treatment="negeren")),
        content_type=JSON,
    )
    assert response.status_code == 422
    fields = {error["loc"][-1] for error in response.json()["detail"]}
    assert fields == {"inherent_likelihood", "treatment"}
    response = client.post(
        url,
        data=json.dumps(risk_values(residual_likelihood=2, exposure_min="10", exposure_max="5")),
        content_type=JSON,
    )
    assert response.status_code == 422
    fields = {error["loc"][-1] for error in response.json()["detail"]}
    assert fields == {"residual_impact", "exposure_max"}
    response = client.patch(
        _url(personas.tree.board_a, world.board_risk),
        data=json.dumps({"applications": [999999]}),
        content_type=JSON,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "applications"
    # Clearing the residual score with nulls is allowed.
    services.update_risk(SYSTEM, world.board_risk, residual_likelihood=2, residual_impact=2)
    response = client.patch(
        _url(personas.tree.board_a, world.board_risk),
        data=json.dumps({"residual_likelihood": None, "residual_impact": None}),
        content_type=JSON,
    )
    assert response.status_code == 200 and response.json()["residual_score"] is None


def test_accept_sub_path(personas: Personas, world: World) -> None:
    tree = personas.tree
    services.update_risk(SYSTEM, world.board_risk, treatment="accept")
    expires = (timezone.localdate() + dt.timedelta(days=200)).isoformat()
    url = _url(tree.board_a, world.board_risk, "/accept")
    statuses = {}
    for name in NONE:
        response = personas.api(name).post(
            url, data=json.dumps({"expires_on": expires, "note": "Akkoord"}), content_type=JSON
        )
        statuses[name] = response.status_code
    assert statuses == ACCEPTS_A
    body = personas.api("auditor_a").get(_url(tree.board_a, world.board_risk)).json()
    assert body["acceptance_valid"] is True and body["acceptance_expires_on"] == expires
    assert body["accepted_by"] == personas["board_member_a"].pk
    response = personas.api("board_member_a").post(
        url, data=json.dumps({"expires_on": "2001-01-01"}), content_type=JSON
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "expires_on"
    assert personas.api("coordinator_a").delete(url).status_code == 403
    assert personas.api("coordinator_b").delete(url).status_code == 404
    response = personas.api("board_member_a").delete(url)
    assert response.status_code == 200 and response.json()["accepted_at"] is None
    assert personas.api("board_member_a").delete(url).status_code == 422
