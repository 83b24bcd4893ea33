"""``/api/v1/…/log-uploads`` and ``…/alerts``: the persona table of every route (under a board
and across the caller's boards), the upload answered 202 and processed, filters with 422s
naming the parameter, the PATCH of an alert (audited, 403 for readers, 422 naming the field),
read-only tokens, and pinned query counts of the lists."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from schildwacht.audit.models import AuditEntry
from schildwacht.detection import services
from schildwacht.detection.models import AlertStatus, DetectionAlert, LogUpload
from tests.personas import Personas, assert_access
from tests.test_detection_app_ingest import (  # noqa: F401  (the fixture is used by name)
    at,
    brute_force,
    detection_home_fixture,
    ingested,
    jsonl,
    ordinary,
)
from tests.test_incidents_services import report

JSON = "application/json"
READS = {
    "coordinator_a": 200,
    "board_member_a": 200,
    "privacy_officer_a": 200,
    "fg_a": 404,
    "school_leader_a": 404,
    "staff_a": 404,
    "auditor_a": 200,
    "coordinator_b": 404,
    "sector_analyst": 404,
    "sector_curator": 404,
}
CHANGES = {**READS, "board_member_a": 403, "privacy_officer_a": 403, "auditor_a": 403}


@pytest.fixture
def processed(personas: Personas) -> LogUpload:
    return ingested(personas.tree.board_a, jsonl(ordinary(1) + brute_force(at(1, 2), "dirk")))


@pytest.fixture
def alert(processed: LogUpload) -> DetectionAlert:
    return DetectionAlert.objects.get()


def board_url(org_id: int, resource: str) -> str:
    return f"/api/v1/organisations/{org_id}/{resource}"


def test_reads_per_persona(personas: Personas, processed: LogUpload, alert: DetectionAlert) -> None:
    tree = personas.tree
    for resource in ("log-uploads", "alerts"):
        assert_access(personas, board_url(tree.board_a.pk, resource), READS, api=True)
    assert_access(
        personas, board_url(tree.board_a.pk, f"log-uploads/{processed.pk}"), READS, api=True
    )
    assert_access(personas, board_url(tree.board_a.pk, f"alerts/{alert.pk}"), READS, api=True)
    assert_access(personas, f"/api/v1/log-uploads/{processed.pk}", READS, api=True)
    assert_access(personas, f"/api/v1/alerts/{alert.pk}", READS, api=True)
    # Lists across the caller's boards: everyone gets 200, with only what they read.
    counts: dict[str, int] = {}

    def keep(name: str, response: Any) -> None:
        counts[name] = response.json()["count"]

    everyone = dict.fromkeys(READS, 200)
    assert_access(personas, "/api/v1/alerts", everyone, api=True, check=keep)
    assert counts == {name: 1 if status == 200 else 0 for name, status in READS.items()}
    assert_access(personas, "/api/v1/log-uploads", everyone, api=True, check=keep)
    # A school, the sector node and board B: log analysis lives on a board the caller reads.
    client = personas.api("coordinator_a")
    for org in (tree.school_a1, tree.sector, tree.board_b):
        assert client.get(board_url(org.pk, "alerts")).status_code == 404
    # Board B's coordinator reaches its own board, not board A's alert through it.
    other = personas.api("coordinator_b")
    assert other.get(board_url(tree.board_b.pk, "alerts")).json()["count"] == 0
    assert other.get(board_url(tree.board_b.pk, f"alerts/{alert.pk}")).status_code == 404
    assert client.get(board_url(tree.board_a.pk, f"alerts/{2**70}")).status_code == 404


def test_alert_body(personas: Personas, alert: DetectionAlert) -> None:
    body = personas.api("auditor_a").get(f"/api/v1/alerts/{alert.pk}").json()
    assert body["rule_id"] == "brute_force" and body["title"] == "Brute force op één account"
    assert body["entity"] == "dirk@alfa.example" and body["count"] == 12
    assert body["first_seen"].endswith(("Z", "+00:00")) and body["status"] == "new"
    assert len(body["sample"]) == 10 and body["sample"][0]["source_ip"] == "192.0.2.66"


def test_upload_per_persona_and_processing(personas: Personas) -> None:
    tree = personas.tree
    content = jsonl(ordinary(1) + brute_force(at(1, 2), "dirk"))

    def post_as(name: str, url: str, **fields: Any) -> Any:
        return personas.api(name).post(
            url, {**fields, "file": SimpleUploadedFile("signins.jsonl", content)}
        )

    statuses = {
        name: post_as(
            name, board_url(tree.board_a.pk, "log-uploads"), source="entra-signin"
        ).status_code
        for name in READS
    }
    assert statuses == {**CHANGES, "coordinator_a": 202}
    item = LogUpload.objects.get()
    body = personas.api("coordinator_a").get(f"/api/v1/log-uploads/{item.pk}").json()
    assert (body["status"], body["progress"], body["report"]) == ("queued", 0, None)
    services.ingest(item.pk)
    body = (
        personas.api("coordinator_a")
        .get(board_url(tree.board_a.pk, f"log-uploads/{item.pk}"))
        .json()
    )
    assert body["status"] == "done" and body["progress"] == 100
    assert body["report"]["events"] == 21 and body["report"]["refused"] == 0
    assert body["alerts_created"] == 1
    # Across boards: the board is named in the form.
    response = post_as(
        "coordinator_a", "/api/v1/log-uploads", organisation=tree.board_a.pk, source="entra-signin"
    )
    assert response.status_code == 202 and response.json()["organisation"] == tree.board_a.pk
    response = post_as(
        "coordinator_a", "/api/v1/log-uploads", organisation=tree.board_b.pk, source="entra-signin"
    )
    assert response.status_code == 404


def test_upload_errors_name_the_field(personas: Personas, settings: Any) -> None:
    client = personas.api("coordinator_a")
    url = board_url(personas.tree.board_a.pk, "log-uploads")

    def fields(response: Any) -> set[str]:
        assert response.status_code == 422, response.content
        return {item["loc"][-1] for item in response.json()["detail"]}

    empty = SimpleUploadedFile("leeg.jsonl", b"")
    assert fields(client.post(url, {"source": "entra-signin", "file": empty})) == {"file"}
    good = SimpleUploadedFile("a.jsonl", jsonl(ordinary(1)))
    assert fields(client.post(url, {"source": "splunk", "file": good})) == {"source"}
    assert "file" in fields(client.post(url, {"source": "entra-signin"}))
    settings.DETECTION_MAX_UPLOAD_BYTES = 10
    big = SimpleUploadedFile("b.jsonl", jsonl(ordinary(1)))
    response = client.post(url, {"source": "entra-signin", "file": big})
    assert fields(response) == {"file"} and "groter dan" in response.json()["detail"][0]["msg"]
    assert not LogUpload.objects.exists()


def test_refused_lines_in_the_report(personas: Personas) -> None:
    item = ingested(personas.tree.board_a, jsonl(ordinary(1)) + b"{kapot\n")
    report_body = personas.api("auditor_a").get(f"/api/v1/log-uploads/{item.pk}").json()["report"]
    assert report_body["refusals"] == [
        {
            "record": 10,
            "code": "invalid_json",
            "reason": "geen geldige JSON",
            "detail": report_body["refusals"][0]["detail"],
        }
    ]


def test_alert_filters(personas: Personas, processed: LogUpload) -> None:
    ingested(personas.tree.board_a, jsonl(brute_force(at(4, 3), "eva")))
    client = personas.api("board_member_a")
    url = board_url(personas.tree.board_a.pk, "alerts")
    assert client.get(url).json()["count"] == 2
    assert client.get(url + "?status=new&severity=high&rule_id=brute_force").json()["count"] == 2
    assert client.get(url + "?status=false_positive").json()["count"] == 0
    since = at(2).isoformat()
    assert client.get(url, {"since": since}).json()["count"] == 1
    for query, name in (("?status=open", "status"), ("?severity=enorm", "severity")):
        response = client.get(url + query)
        assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == name
    response = client.get(url, {"since": "2026-01-01T00:00:00"})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "since"
    assert client.get(url + "?since=gisteren").status_code == 422


def test_patch_alert_per_persona(personas: Personas, alert: DetectionAlert) -> None:
    url = board_url(personas.tree.board_a.pk, f"alerts/{alert.pk}")
    assert_access(
        personas,
        url,
        CHANGES,
        method="patch",
        data=json.dumps({"status": "triaged", "note": "Wordt bekeken."}),
        content_type=JSON,
        api=True,
    )
    alert.refresh_from_db()
    assert (alert.status, alert.note) == (AlertStatus.TRIAGED, "Wordt bekeken.")
    entry = AuditEntry.objects.filter(
        object_type="detection.detectionalert", object_id=str(alert.pk), action="update"
    ).get()
    assert entry.actor_token_id is not None
    client = personas.api("coordinator_a")
    for payload, name in (
        ({"status": "gesloten"}, "status"),
        ({"status": "false_positive", "note": ""}, "note"),
        ({"status": "incident"}, "incident"),
        ({"incident": 999999}, "incident"),
        ({"note": "x" * 4001}, "note"),
        ({}, "status"),
    ):
        response = client.patch(url, json.dumps(payload), content_type=JSON)
        assert response.status_code == 422, payload
        assert name in {item["loc"][-1] for item in response.json()["detail"]}, payload
    # Linking an incident of the board.
    incident = report(personas.tree.board_a, personal_data="no", title="Inbraak op account")
    response = client.patch(
        f"/api/v1/alerts/{alert.pk}",
        json.dumps({"status": "incident", "incident": incident.pk}),
        content_type=JSON,
    )
    assert response.status_code == 200 and response.json()["incident"] == incident.pk
    # Board B's incident cannot be linked; a read-only token cannot write.
    other = report(personas.tree.board_b, personal_data="no", title="Elders")
    response = client.patch(url, json.dumps({"incident": other.pk}), content_type=JSON)
    assert response.status_code == 422
    read_only = personas.api("coordinator_a", read_only=True)
    assert read_only.get(url).status_code == 200
    assert read_only.patch(url, json.dumps({"status": "new"}), content_type=JSON).status_code == 403


def test_lists_have_pinned_query_counts(
    personas: Personas, processed: LogUpload, django_assert_max_num_queries: Any
) -> None:
    board = personas.tree.board_a
    for day in range(2, 6):
        ingested(board, jsonl(brute_force(at(day, 3), "eva")))
    client = personas.api("auditor_a")
    with django_assert_max_num_queries(8):
        assert client.get(board_url(board.pk, "alerts")).json()["count"] == 5
    with django_assert_max_num_queries(8):
        assert client.get(board_url(board.pk, "log-uploads")).json()["count"] == 5
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/alerts?limit=2").json()["count"] == 5


def test_openapi_lists_the_routes(personas: Personas) -> None:
    paths = personas.api("coordinator_a").get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/organisations/{org_id}/log-uploads",
        "/api/v1/organisations/{org_id}/log-uploads/{upload_id}",
        "/api/v1/organisations/{org_id}/alerts",
        "/api/v1/organisations/{org_id}/alerts/{alert_id}",
        "/api/v1/log-uploads",
        "/api/v1/alerts/{alert_id}",
    ):
        assert path in paths, path
