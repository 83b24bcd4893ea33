"""Odd input on the risk pages and API: never a 500, and nothing half-written."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from schildwacht.audit.models import AuditEntry
from schildwacht.risks.models import Risk
from tests.personas import Personas
from tests.test_risks_world import World, world_fixture  # noqa: F401

HUGE = 2**70
JSON = "application/json"


@pytest.mark.parametrize(
    "query",
    [
        {"pagina": "x"},
        {"pagina": str(HUGE)},
        {"status": "onbekend"},
        {"treatment": "\x00"},
        {"band": "paars"},
        {"organisation": str(HUGE)},
        {"organisation": "abc"},
    ],
)
def test_list_and_export_survive_odd_queries(
    personas: Personas, world: World, query: dict[str, str]
) -> None:
    client = personas.client("coordinator_a")
    assert client.get(reverse("risks:list"), query).status_code in (200, 400)
    assert client.get(reverse("risks:export"), query).status_code in (200, 400)
    assert client.get(reverse("risks:templates"), query).status_code == 200


def test_huge_ids_are_not_found(personas: Personas, world: World) -> None:
    client = personas.client("coordinator_a")
    for name in ("detail", "edit", "delete", "accept", "withdraw", "template_detail"):
        assert (
            client.get(
                f"{reverse(f'risks:{name}', args=[1])}".replace("/1/", f"/{HUGE}/")
            ).status_code
            == 404
        )
    api = personas.api("coordinator_a")
    org = personas.tree.board_a.pk
    assert api.get(f"/api/v1/organisations/{org}/risks/{HUGE}").status_code in (404, 422)
    assert api.get(f"/api/v1/organisations/{HUGE}/risks").status_code in (404, 422)


def test_odd_form_values_name_the_field(personas: Personas, world: World) -> None:
    client = personas.client("coordinator_a")
    before = (Risk.objects.count(), AuditEntry.objects.count())
    response = client.post(
        reverse("risks:create"),
        {
            "organisation": str(HUGE),
            "title": "x" * 500,
            "threat": "Lek\x00",
            "inherent_likelihood": "9",
            "inherent_impact": "abc",
            "treatment": "negeren",
            "status": "???",
            "review_date": "31-02-2026",
            "exposure_min": "1e400",
            "exposure_max": "veel",
            "owner": str(HUGE),
            "applications": [str(HUGE), "x"],
            "measures": ["-1"],
        },
    )
    assert response.status_code in (200, 422)
    assert (Risk.objects.count(), AuditEntry.objects.count()) == before
    accept = personas.client("board_member_a")
    url = reverse("risks:accept", args=[world.board_risk.pk])
    for value in ("2026-13-45", "morgen", "\x00", "9" * 40):
        assert accept.post(url, {"expires_on": value}).status_code in (200, 422)
    assert not Risk.objects.get(pk=world.board_risk.pk).is_accepted


def test_odd_api_bodies(personas: Personas, world: World) -> None:
    api = personas.api("coordinator_a")
    org = personas.tree.board_a.pk
    base = f"/api/v1/organisations/{org}/risks"
    board = personas.api("board_member_a")
    before = (Risk.objects.count(), AuditEntry.objects.count())
    for body in (
        {
            "title": "x",
            "threat": "y",
            "inherent_likelihood": 3,
            "inherent_impact": 3,
            "treatment": "negeren",
        },
        {
            "title": "x",
            "threat": "y",
            "inherent_likelihood": 3,
            "inherent_impact": 3,
            "review_date": "31-12-2026",
        },
        {
            "title": "x",
            "threat": "y",
            "inherent_likelihood": 3,
            "inherent_impact": 3,
            "owner": HUGE,
        },
        {
            "title": "x",
            "threat": "y",
            "inherent_likelihood": 3,
            "inherent_impact": 3,
            "exposure_min": "1e400",
            "exposure_max": "NaN",
        },
        {
            "title": "x",
            "threat": "y",
            "inherent_likelihood": 3,
            "inherent_impact": 3,
            "applications": [HUGE],
            "measures": ["abc"],
        },
        {"title": "x\x00", "threat": "y", "inherent_likelihood": 3, "inherent_impact": 3},
    ):
        response = api.post(base, json.dumps(body), content_type=JSON)
        assert response.status_code == 422, (body, response.content)
    assert api.get(base, {"status": "x", "page": "abc"}).status_code in (200, 422)
    accept = f"{base}/{world.board_risk.pk}/accept"
    for value in ("2026-13-45", "morgen", None):
        response = board.post(accept, json.dumps({"expires_on": value}), content_type=JSON)
        assert response.status_code == 422, response.content
    assert (Risk.objects.count(), AuditEntry.objects.count()) == before
