"""``/api/v1/organisations/{org_id}/exercises`` and ``…/trainings``: access per persona for every
endpoint, 422 naming the field, read-only tokens, and pinned query counts of the lists."""

from __future__ import annotations

import json
from typing import Any

from schildwacht.people import services
from schildwacht.people.models import Exercise, Training
from tests.personas import PERSONA_ROLES, Personas, assert_access
from tests.test_people_world import (  # noqa: F401
    CHANGES_A,
    NONE,
    READS_A,
    READS_A2,
    SYSTEM,
    World,
    world_fixture,
)

JSON = "application/json"
EXERCISE = {
    "title": "API-oefening",
    "kind": "live",
    "held_on": "2026-02-01",
    "scenario": "DDoS op de website.",
    "participants": [{"name": "Bram", "role": "IBP-coördinator"}],
}
TRAINING = {"title": "API-training", "kind": "classroom", "held_on": "2026-02-01"}


def base(world: World, org: str = "board_a") -> str:
    return f"/api/v1/organisations/{getattr(world.personas.tree, org).pk}"


def delete_each(personas: Personas, url: str, expected: dict[str, int]) -> None:
    """An access table for DELETE: whoever succeeds goes last, so the others meet the object."""
    got = {}
    for name in sorted(PERSONA_ROLES, key=lambda n: expected[n] == 204):
        got[name] = personas.api(name).delete(url).status_code
    assert got == expected, f"DELETE {url}: expected {expected}, got {got}"


def test_exercise_endpoints_per_persona(personas: Personas, world: World) -> None:
    url = f"{base(world)}/exercises"

    def lists_a(name: str, response: Any) -> None:
        if response.status_code == 200:
            titles = {item["title"] for item in response.json()["items"]}
            assert "Oefening bestuur A" in titles and "Oefening bestuur B" not in titles
            assert ("Oefening De Linde" in titles) == (name != "school_leader_a")

    assert_access(personas, url, READS_A, api=True, check=lists_a)
    assert_access(
        personas, f"{base(world, 'board_b')}/exercises", {**NONE, "coordinator_b": 200}, api=True
    )
    assert_access(
        personas,
        url,
        {**CHANGES_A, "coordinator_a": 201},
        method="post",
        data=json.dumps(EXERCISE),
        content_type=JSON,
        api=True,
    )
    assert Exercise.objects.filter(title="API-oefening").count() == 1
    one = f"{url}/{world.exercise_a.pk}"
    assert_access(personas, one, READS_A, api=True)
    assert_access(personas, f"{url}/{world.exercise_a2.pk}", READS_A2, api=True)
    # Board B's exercise is not found under board A, nor under its own id for board A's people.
    assert_access(personas, f"{url}/{world.exercise_b.pk}", NONE, api=True)
    assert_access(
        personas,
        one,
        {**CHANGES_A, "coordinator_a": 200},
        method="patch",
        data=json.dumps({"observations": "Verbeterpunten"}),
        content_type=JSON,
        api=True,
    )
    body = personas.api("auditor_a").get(one).json()
    assert body["observations"] == "Verbeterpunten"
    assert body["findings"] == [
        {
            "id": world.finding_a.pk,
            "title": "Contactlijst ontbreekt",
            "description": "",
            "plan_measure": None,
            "open": True,
        }
    ]
    delete_each(personas, one, {**CHANGES_A, "coordinator_a": 204})
    assert not Exercise.objects.filter(pk=world.exercise_a.pk).exists()
    # School A1's exercise: its school leader changes it too.
    a1 = f"{url}/{world.exercise_a1.pk}"
    assert personas.api("board_member_a").delete(a1).status_code == 403
    assert personas.api("school_leader_a").delete(a1).status_code == 204


def test_training_endpoints_per_persona(personas: Personas, world: World) -> None:
    url = f"{base(world)}/trainings"
    assert_access(personas, url, READS_A, api=True)
    assert_access(
        personas,
        url,
        {**CHANGES_A, "coordinator_a": 201},
        method="post",
        data=json.dumps(TRAINING),
        content_type=JSON,
        api=True,
    )
    one = f"{url}/{world.training_a.pk}"

    def participants(name: str, response: Any) -> None:
        if response.status_code == 200:
            emails = {p["email"] for p in response.json()["participants"]}
            # School leader A1 does not see the participant working at De Linde.
            assert ("kim@example.test" in emails) == (name != "school_leader_a")
            assert "staff_a@example.test" in emails

    assert_access(personas, one, READS_A, api=True, check=participants)
    assert_access(personas, f"{url}/{world.training_a2.pk}", READS_A2, api=True)
    assert_access(
        personas,
        one,
        {**CHANGES_A, "coordinator_a": 200},
        method="patch",
        data=json.dumps({"provider": "Netwerk IBP"}),
        content_type=JSON,
        api=True,
    )
    assert Training.objects.get(pk=world.training_a.pk).provider == "Netwerk IBP"
    delete_each(personas, one, {**CHANGES_A, "coordinator_a": 204})


def test_validation_and_read_only_tokens(personas: Personas, world: World) -> None:
    client = personas.api("coordinator_a")
    url = f"{base(world)}/exercises"
    bad = client.post(url, {**EXERCISE, "kind": "brand"}, content_type=JSON)
    assert bad.status_code == 422
    assert any(item["loc"][-1] == "kind" for item in bad.json()["detail"])
    crowd = [{"name": f"Persoon {n}"} for n in range(201)]
    bad = client.post(url, {**EXERCISE, "participants": crowd}, content_type=JSON)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "participants"]
    bad = client.get(url, {"kind": "brand"})
    assert bad.status_code == 422
    reader = personas.api("coordinator_a", read_only=True)
    assert reader.get(url).status_code == 200
    assert reader.post(url, EXERCISE, content_type=JSON).status_code == 403
    assert reader.delete(f"{url}/{world.exercise_a.pk}").status_code == 403
    created = client.post(f"{base(world)}/trainings", TRAINING, content_type=JSON).json()
    assert created["participants"] == [] and created["participant_count"] == 0


def test_list_query_counts(
    personas: Personas, world: World, django_assert_max_num_queries: Any
) -> None:
    tree = personas.tree
    for number in range(30):
        exercise = services.create_exercise(
            SYSTEM, tree.board_a, title=f"E{number}", kind="live", held_on=world.today, scenario="S"
        )
        services.add_finding(SYSTEM, exercise, title="F")
        services.create_training(
            SYSTEM, tree.school_a1, title=f"T{number}", kind="classroom", held_on=world.today
        )
    client = personas.api("school_leader_a")
    for resource, count in (("exercises", 32), ("trainings", 32)):
        url = f"{base(world)}/{resource}"
        client.get(url)
        with django_assert_max_num_queries(12):
            response = client.get(url)
        assert response.json()["count"] == count, resource
        assert len(response.json()["items"]) == count
    listed = client.get(f"{base(world)}/trainings").json()["items"]
    counts = {item["title"]: item["participant_count"] for item in listed}
    # The board's e-learning: staff A and the office, not Kim of De Linde.
    assert counts["E-learning bestuur A"] == 2
