"""Log-analysis pages: the persona table of every page (school leaders, the FG and the sector
roles get 404; board B's coordinator gets 404 on board A's objects), the upload form, the
progress partial htmx polls, the report with line numbers in Dutch, the alert list with its
filters (pinned query count), the status change in place and "maak incident", rule files and
the source setting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from schildwacht.audit.services import Actor
from schildwacht.detection import services
from schildwacht.detection.models import (
    AlertStatus,
    DetectionAlert,
    LogUpload,
    RuleFile,
    SourceSetting,
)
from schildwacht.incidents.models import Incident
from tests.personas import Personas, assert_access
from tests.test_detection_app_ingest import (  # noqa: F401  (the fixture is used by name)
    at,
    brute_force,
    detection_home_fixture,
    ingested,
    jsonl,
    ordinary,
    upload,
)

# Reading board A's log analysis: roles held on the board, never a school's, never the FG.
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
# Pages of the active board: board B's coordinator sees their own board's.
BOARD_PAGE = {**READS, "coordinator_b": 200}
# Writing: the IBP coordinator; the other readers are told why not.
CHANGES = {**READS, "board_member_a": 403, "privacy_officer_a": 403, "auditor_a": 403}
BOARD_WRITE_PAGE = {**CHANGES, "coordinator_b": 200}

SIGMA_RULE = """title: IMAP sign-in
name: board_imap
status: test
description: A sign-in over IMAP.
logsource:
  product: azure
  service: signinlogs
detection:
  selection:
    ClientAppUsed: IMAP4
  condition: selection
level: medium
"""


def url(name: str, *args: Any) -> str:
    return reverse(f"detection:{name}", args=args)


@pytest.fixture
def processed(personas: Personas) -> LogUpload:
    """Board A's upload of an ordinary morning and a brute force, processed."""
    return ingested(
        personas.tree.board_a,
        jsonl(ordinary(1) + brute_force(at(1, 2), "dirk")),
        by=Actor.for_user(personas["coordinator_a"]),
    )


@pytest.fixture
def alert(processed: LogUpload) -> DetectionAlert:
    return DetectionAlert.objects.get(organisation=processed.organisation)


def test_board_pages_per_persona(personas: Personas, processed: LogUpload) -> None:
    for name in ("overview", "uploads", "alerts", "rules"):
        expected = {**BOARD_PAGE, "sector_curator": 200} if name == "rules" else BOARD_PAGE
        assert_access(personas, url(name), expected)
    assert_access(personas, url("upload"), BOARD_WRITE_PAGE)
    # A source only board A has: board B's coordinator finds none (404).
    assert_access(personas, url("source_setting", "entra-signin"), CHANGES)
    assert (
        personas.client("coordinator_a").get(url("source_setting", "onbekend")).status_code == 404
    )


def test_object_pages_per_persona(
    personas: Personas, processed: LogUpload, alert: DetectionAlert
) -> None:
    assert_access(personas, url("upload_detail", processed.pk), READS)
    assert_access(personas, url("alert_detail", alert.pk), READS)
    # Handling: the coordinator; readers get the reason; everyone else 404.
    assert_access(
        personas,
        url("alert_status", alert.pk),
        {**CHANGES, "coordinator_a": 302},
        method="post",
        data={"status": "triaged", "note": "Bekijken met de leverancier."},
    )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.TRIAGED and alert.handled_by == personas["coordinator_a"]
    for name in ("alert_status", "alert_incident"):
        assert personas.client("coordinator_b").get(url(name, alert.pk)).status_code == 405


def test_the_menu_shows_detection_to_its_readers(personas: Personas) -> None:
    link = f'href="{url("overview")}"'
    for name, shown in (
        ("coordinator_a", True),
        ("auditor_a", True),
        ("school_leader_a", False),
        ("fg_a", False),
        ("staff_a", False),
    ):
        page = personas.client(name).get(reverse("home:start")).content.decode()
        assert (link in page) is shown, name
    curator = personas.client("sector_curator").get(reverse("home:start")).content.decode()
    assert f'href="{url("rules")}"' in curator


def test_upload_form_stores_and_shows_progress(personas: Personas) -> None:
    client = personas.client("coordinator_a")
    page = client.get(url("upload")).content.decode()
    assert "Microsoft Entra ID – aanmeldingen" in page
    response = client.post(
        url("upload"),
        {
            "source": "entra-signin",
            "file": SimpleUploadedFile("aanmeldingen.jsonl", jsonl(ordinary(1))),
        },
    )
    item = LogUpload.objects.get()
    assert response.status_code == 302 and response["Location"] == url("upload_detail", item.pk)
    # Queued: the page polls its status every two seconds.
    page = client.get(url("upload_detail", item.pk)).content.decode()
    assert 'hx-trigger="every 2s"' in page and "In de wachtrij" in page
    partial = client.get(url("upload_detail", item.pk), headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith('<div id="upload-status"')
    services.ingest(item.pk)
    done = client.get(url("upload_detail", item.pk), headers={"HX-Request": "true"})
    body = done.content.decode()
    assert "every 2s" not in body and "Gebeurtenissen opgeslagen" in body


def test_upload_form_errors_are_named(personas: Personas, settings: Any) -> None:
    client = personas.client("coordinator_a")
    response = client.post(
        url("upload"), {"source": "entra-signin", "file": SimpleUploadedFile("leeg.jsonl", b"")}
    )
    assert response.status_code == 200 and "Het bestand is leeg." in response.content.decode()
    response = client.post(url("upload"), {"source": "nope"})
    body = response.content.decode()
    assert "Selecteer een geldige keuze" in body or "geldige keuze" in body
    settings.DETECTION_MAX_UPLOAD_BYTES = 10
    response = client.post(
        url("upload"),
        {"source": "entra-signin", "file": SimpleUploadedFile("groot.jsonl", jsonl(ordinary(1)))},
    )
    assert "groter dan" in response.content.decode()
    assert not LogUpload.objects.exists()


def test_report_lists_refused_lines_in_dutch(personas: Personas) -> None:
    item = ingested(
        personas.tree.board_a,
        jsonl(ordinary(1)) + b'{"id": "x", "userPrincipalName": "\xff"}\n{broken\n',
    )
    page = personas.client("auditor_a").get(url("upload_detail", item.pk)).content.decode()
    assert "bevat tekens die geen UTF-8 zijn" in page and "geen geldige JSON" in page
    assert '<th scope="row">10</th>' in page and '<th scope="row">11</th>' in page
    assert "<caption>Geweigerde regels</caption>" in page and '<th scope="col">Reden</th>' in page


def test_alert_list_filters_and_pages(
    personas: Personas, processed: LogUpload, django_assert_max_num_queries: Any
) -> None:
    board = personas.tree.board_a
    for day in range(2, 8):
        ingested(board, jsonl(brute_force(at(day, 3), "eva")))
    client = personas.client("board_member_a")
    with django_assert_max_num_queries(15):
        page = client.get(url("alerts")).content.decode()
    assert "7 signalen" in page and "Brute force op één account" in page
    partial = client.get(
        url("alerts") + "?status=new&ernst=high&regel=brute_force", headers={"HX-Request": "true"}
    )
    assert partial.status_code == 200 and "7 signalen" in partial.content.decode()
    day = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    narrowed = client.get(url("alerts") + f"?van={day}&tot={day}").content.decode()
    assert "1 signaal" in narrowed
    bad = client.get(url("alerts") + "?status=bestaat-niet&van=gisteren").content.decode()
    assert "0 signalen" in bad
    assert client.get(url("alerts") + "?pagina=99").status_code == 200


def test_alert_page_shows_sample_in_local_time(personas: Personas, alert: DetectionAlert) -> None:
    page = personas.client("privacy_officer_a").get(url("alert_detail", alert.pk)).content.decode()
    assert "Brute force op één account" in page and "dirk@alfa.example" in page
    assert "192.0.2.66" in page and "Tien of meer foute wachtwoorden" in page
    # The first attempt at 02:00 UTC is 03:00 or 04:00 in Amsterdam.
    local = alert.first_seen.astimezone(dt.timezone(dt.timedelta(hours=1))).strftime("%H:%M")
    summer = alert.first_seen.astimezone(dt.timezone(dt.timedelta(hours=2))).strftime("%H:%M")
    assert local in page or summer in page
    # Readers do not get the handling form.
    assert "Status opslaan" not in page
    assert (
        "Status opslaan"
        in personas.client("coordinator_a").get(url("alert_detail", alert.pk)).content.decode()
    )


def test_status_change_in_place_with_htmx(personas: Personas, alert: DetectionAlert) -> None:
    client = personas.client("coordinator_a")
    response = client.post(
        url("alert_status", alert.pk),
        {"status": "false_positive", "note": ""},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'id="afhandeling"' in body
    assert "Leg uit waarom dit een vals alarm is." in body
    response = client.post(
        url("alert_status", alert.pk),
        {"status": "false_positive", "note": "Pentest, afgesproken."},
        headers={"HX-Request": "true"},
    )
    assert "De status van het signaal is opgeslagen." in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.FALSE_POSITIVE and alert.note == "Pentest, afgesproken."
    # Without htmx a bad value shows the page again with the error.
    response = client.post(url("alert_status", alert.pk), {"status": "incident"})
    assert response.status_code == 422 and "Koppel het incident" in response.content.decode()


def test_make_incident_from_the_alert_page(personas: Personas, alert: DetectionAlert) -> None:
    # The coordinator (first in the table) makes it; the others are refused or find nothing.
    assert_access(
        personas,
        url("alert_incident", alert.pk),
        {**CHANGES, "coordinator_a": 302},
        method="post",
        data={"note": "Wachtwoord gereset."},
    )
    alert.refresh_from_db()
    incident = Incident.objects.get()
    assert alert.incident == incident and alert.status == AlertStatus.INCIDENT
    assert alert.note == "Wachtwoord gereset." and incident.kind == "cyber"
    # The link on the alert page; a second incident is refused with a message.
    client = personas.client("coordinator_a")
    response = client.post(url("alert_incident", alert.pk), follow=True)
    assert "al aan een incident gekoppeld" in response.content.decode()
    assert Incident.objects.count() == 1


def test_rule_files_pages(personas: Personas) -> None:
    client = personas.client("coordinator_a")
    response = client.post(
        url("rules"),
        {"name": "Eigen regels", "file": SimpleUploadedFile("eigen.yml", SIGMA_RULE.encode())},
    )
    board_file = RuleFile.objects.get()
    assert response.status_code == 302 and response["Location"] == url("rule_file", board_file.pk)
    assert_access(personas, url("rule_file", board_file.pk), READS)
    # The curator adds the sector's file on the same page (the sector node is active).
    response = personas.client("sector_curator").post(
        url("rules"),
        {
            "name": "Sectorregels",
            "file": SimpleUploadedFile(
                "sector.yml", SIGMA_RULE.replace("board_imap", "sector_imap").encode()
            ),
        },
    )
    sector_file = RuleFile.objects.get(organisation=personas.tree.sector)
    assert response.status_code == 302 and sector_file.rules[0]["rule_id"] == "sector_imap"
    # A sector file runs for every board: board B reads it too; the curator manages it.
    assert_access(
        personas,
        url("rule_file", sector_file.pk),
        {**READS, "coordinator_b": 200, "sector_curator": 200},
    )
    rules_page = client.get(url("rules")).content.decode()
    assert "Eigen regels" in rules_page and "Sectorregels" in rules_page
    assert "Onmogelijke reis" in rules_page  # the bundled rules, in Dutch
    # Refused upload: the reasons on the form, nothing stored.
    response = client.post(
        url("rules"), {"name": "Kapot", "file": SimpleUploadedFile("kapot.yml", b"title: [")}
    )
    assert response.status_code == 422 and "geen geldige YAML" in response.content.decode()
    # Deleting: readers are refused, the coordinator may; the sector's file is not theirs.
    assert (
        personas.client("board_member_a").post(url("rule_file_delete", board_file.pk)).status_code
        == 403
    )
    assert (
        personas.client("coordinator_b").post(url("rule_file_delete", board_file.pk)).status_code
        == 404
    )
    assert client.post(url("rule_file_delete", sector_file.pk)).status_code == 403
    assert client.post(url("rule_file_delete", board_file.pk)).status_code == 302
    assert list(RuleFile.objects.all()) == [sector_file]
    # The sector's file: every reader of a board under the sector is refused; the curator
    # (last in the table) deletes it.
    assert_access(
        personas,
        url("rule_file_delete", sector_file.pk),
        {**CHANGES, "coordinator_a": 403, "coordinator_b": 403, "sector_curator": 302},
        method="post",
    )
    assert not RuleFile.objects.exists()


def test_source_setting_page(personas: Personas, processed: LogUpload) -> None:
    client = personas.client("coordinator_a")
    response = client.post(
        url("source_setting", "entra-signin"), {"retention_days": "90", "enabled": "on"}
    )
    assert response.status_code == 302
    setting = SourceSetting.objects.get(source="entra-signin")
    assert (setting.retention_days, setting.enabled) == (90, True)
    response = client.post(url("source_setting", "entra-signin"), {"retention_days": "0"})
    assert response.status_code == 200 and "minstens 1" in response.content.decode()
    overview = client.get(url("overview")).content.decode()
    assert "90 dagen" in overview and "Microsoft Entra ID – aanmeldingen" in overview
    assert "1 van de 1 logbronnen" in overview


def test_school_active_shows_the_boards_log_analysis(
    personas: Personas, processed: LogUpload
) -> None:
    client = personas.client("coordinator_a")
    session = client.session
    session["active_organisation_id"] = personas.tree.school_a1.pk
    session.save()
    assert client.get(url("overview")).status_code == 200
    assert "Stichting Alfa" in client.get(url("alerts")).content.decode()


def test_posting_files_per_persona(personas: Personas) -> None:
    """The two forms that take a file, posted by every persona with a fresh file each (the
    table of ``assert_access``, which cannot resend a file)."""

    def statuses(
        name: str, fields: dict[str, Any], file_name: str, content: bytes
    ) -> dict[str, int]:
        got = {}
        for persona in READS:
            data = {**fields, "file": SimpleUploadedFile(file_name, content)}
            got[persona] = personas.client(persona).post(url(name), data).status_code
        return got

    expected = {**BOARD_WRITE_PAGE, "coordinator_a": 302, "coordinator_b": 302}
    assert statuses("upload", {"source": "entra-signin"}, "a.jsonl", jsonl(ordinary(1))) == expected
    assert set(LogUpload.objects.values_list("organisation__name", flat=True)) == {
        "Stichting Alfa",
        "Stichting Bèta",
    }
    rules = statuses("rules", {"name": "Eigen"}, "eigen.yml", SIGMA_RULE.encode())
    assert rules == {**expected, "sector_curator": 302}
    assert RuleFile.objects.count() == 3


def test_report_warns_about_an_evtx_chunk_failing_its_checksum(personas: Personas) -> None:
    data = bytearray(
        (Path(__file__).parent / "data/logs/windows/security-generated.evtx").read_bytes()
    )
    # The second chunk's header checksum (at 124 in the chunk) no longer matches.
    data[4096 + 65536 + 124 : 4096 + 65536 + 128] = b"\0\0\0\0"
    item = ingested(
        personas.tree.board_a, bytes(data), source="windows-security", name="security.evtx"
    )
    assert item.status == "done"
    assert (item.report["refused"], item.report["events"]) == (0, 360)
    assert [entry["code"] for entry in item.report["notices"]] == ["checksum"]
    page = personas.client("auditor_a").get(url("upload_detail", item.pk)).content.decode()
    assert "<caption>Waarschuwingen" in page and "de controlesom klopt niet" in page
    assert '<th scope="col">Waarschuwing</th>' in page
    assert "Geweigerde regels" not in page


def test_report_says_when_its_list_of_refusals_was_cut(personas: Personas) -> None:
    item = ingested(personas.tree.board_a, jsonl(ordinary(1)) + b"{broken\n" * 130)
    assert item.report["refused"] == 130 and len(item.report["refusals"]) == 100
    page = personas.client("auditor_a").get(url("upload_detail", item.pk)).content.decode()
    assert "de eerste 100 meldingen; 130 geweigerd in totaal" in page
