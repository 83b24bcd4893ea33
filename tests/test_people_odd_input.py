"""Odd input on the people pages and API: never a 500, and nothing half-written."""

from __future__ import annotations

import json

from django.urls import reverse

from schildwacht.audit.models import AuditEntry
from schildwacht.people.models import Exercise, Training
from tests.personas import Personas
from tests.test_people_world import World, world_fixture  # noqa: F401

HUGE = 2**70
JSON = "application/json"


def _counts() -> tuple[int, int, int]:
    return Exercise.objects.count(), Training.objects.count(), AuditEntry.objects.count()


def test_lists_survive_odd_queries(personas: Personas, world: World) -> None:
    client = personas.client("coordinator_a")
    for name in ("exercises", "trainings", "training_export", "campaigns", "coverage"):
        for query in ({"pagina": "x"}, {"pagina": str(HUGE)}, {"kind": "\x00"}, {"q": "x" * 5000}):
            assert client.get(reverse(f"people:{name}"), query).status_code in (200, 400)
    api = personas.api("coordinator_a")
    org = personas.tree.board_a.pk
    for resource in ("exercises", "trainings"):
        response = api.get(f"/api/v1/organisations/{org}/{resource}", {"kind": "onbekend"})
        assert response.status_code == 422
        assert api.get(f"/api/v1/organisations/{org}/{resource}/{HUGE}").status_code in (404, 422)


def test_odd_values_are_refused_naming_the_field(personas: Personas, world: World) -> None:
    api = personas.api("coordinator_a")
    org = personas.tree.board_a.pk
    before = _counts()
    for body in (
        {"title": "x\x00", "kind": "live", "held_on": "2026-03-02", "scenario": "s"},
        {"title": "x", "kind": "onbekend", "held_on": "2026-03-02", "scenario": "s"},
        {"title": "x", "kind": "live", "held_on": "02-03-2026", "scenario": "s"},
        {
            "title": "x",
            "kind": "live",
            "held_on": "2026-03-02",
            "scenario": "s",
            "participants": [{"name": "A\x00", "role": ""}],
        },
    ):
        response = api.post(
            f"/api/v1/organisations/{org}/exercises", json.dumps(body), content_type=JSON
        )
        assert response.status_code == 422, (body, response.content)
    response = api.post(
        f"/api/v1/organisations/{org}/trainings",
        json.dumps({"title": "T\x01", "kind": "elearning", "held_on": "2026-03-02"}),
        content_type=JSON,
    )
    assert response.status_code == 422
    client = personas.client("coordinator_a")
    response = client.post(
        reverse("people:exercise_create"),
        {
            "organisation": str(HUGE),
            "title": "x" * 500,
            "kind": "?",
            "held_on": "31-02-2026",
            "scenario": "\x00",
        },
    )
    assert response.status_code in (200, 422)
    assert _counts() == before
