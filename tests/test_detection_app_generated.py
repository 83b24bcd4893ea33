"""The application with realistic logs: the benchmark's generator (``bench/generate_logs.py``,
5,000 sign-ins and 1,500 records of each audit log with injected attacks) run through upload
and ingest. Every injected attack becomes one alert; the same logs uploaded in two halves give
the same alerts as in one file (merging across runs); uploading everything again changes
nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from schildwacht.detection.models import DetectionAlert, LogUpload
from schildwacht.organisations.models import Organisation
from tests.personas import Personas
from tests.test_detection_app_ingest import (  # noqa: F401  (the fixture is used by name)
    detection_home_fixture,
    ingested,
)

generate_logs = pytest.importorskip("bench.generate_logs")

FILES = {
    "entra-signin": "signins.jsonl",
    "entra-audit": "entra-audit.jsonl",
    "m365-audit": "m365-audit.jsonl",
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("generated")
    generate_logs.generate(folder, events=5000, accounts=200, days=14, seed=3, audit_events=1500)
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    return folder, truth


def _alerts(board: Organisation) -> set[tuple[Any, ...]]:
    return set(
        DetectionAlert.objects.filter(organisation=board).values_list(
            "rule_id", "entity", "first_seen", "last_seen", "count"
        )
    )


def test_every_injected_attack_is_one_alert(
    personas: Personas, generated: tuple[Path, list[dict[str, Any]]]
) -> None:
    folder, truth = generated
    board = personas.tree.board_a
    for source, name in FILES.items():
        item = ingested(board, (folder / name).read_bytes(), source=source, name=name)
        assert item.status == "done" and item.report["refused"] == 0, item.report
    expected = sorted((attack["rule"], attack["entity"].lower()) for attack in truth)
    found = sorted(
        DetectionAlert.objects.filter(organisation=board).values_list("rule_id", "entity")
    )
    assert found == expected
    # Everything again: no events, no alerts, no changes.
    before = _alerts(board)
    for source, name in FILES.items():
        item = ingested(board, (folder / name).read_bytes(), source=source, name=name)
        assert item.events_stored == 0 and (item.alerts_created, item.alerts_updated) == (0, 0)
    assert _alerts(board) == before


def test_two_halves_give_the_same_alerts_as_one_file(
    personas: Personas, generated: tuple[Path, list[dict[str, Any]]]
) -> None:
    folder, _truth = generated
    tree = personas.tree
    lines = (folder / FILES["entra-signin"]).read_bytes().splitlines(keepends=True)
    ingested(tree.board_a, b"".join(lines))
    middle = len(lines) // 2
    ingested(tree.board_b, b"".join(lines[:middle]), name="deel1.jsonl")
    ingested(tree.board_b, b"".join(lines[middle:]), name="deel2.jsonl")
    assert LogUpload.objects.filter(organisation=tree.board_b, status="done").count() == 2
    assert _alerts(tree.board_b) == _alerts(tree.board_a)
