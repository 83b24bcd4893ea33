"""A real browser (Debian's Chromium through Playwright) takes a sign-in log from upload to a
handled alert.

Board A's IBP coordinator signs in, opens "Detectie" from the menu and uploads an Entra ID
sign-in log made by the benchmark's generator (3,000 sign-ins of 300 accounts over 14 days with
injected attacks). The tests run tasks at once, so the ingest is done when the upload's page
opens: it says "Klaar" with the report (every line read and stored, nothing refused). The alert
list, filtered on the brute-force rule, holds the Dutch title for the account the generator's
truth.json names; the coordinator opens that alert, marks it "vals alarm" with a note (htmx,
in place) and sees the new status. The same file uploaded again stores no new events: every
line is a duplicate. Board B's coordinator then gets 404 on board A's alert. Any "Content
Security Policy" console message or page error fails the test.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from bench.generate_logs import generate
from schildwacht.detection.models import AlertStatus, DetectionAlert, LogUpload
from schildwacht.detection.queries import RULE_TEXTS
from tests.browser_session import sign_in, sign_out
from tests.personas import Personas, build_tree

SCREENSHOT_DIR = Path(os.environ.get("SCHILDWACHT_SCREENSHOTS", tempfile.gettempdir()))
NOTE = "Juf Femke typte na de zomervakantie haar oude wachtwoord; met haar nagebeld."
BRUTE_FORCE_TITLE = str(RULE_TEXTS["brute_force"][0])

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def detection_home(settings: Any, tmp_path: Path) -> Path:
    """The event store lives on disk beside the database: a folder of this test's own, so a
    second run does not find the events of the first (they would all count as duplicates)."""
    settings.SCHILDWACHT_HOME = tmp_path / "home"
    return settings.SCHILDWACHT_HOME


@pytest.fixture
def signin_log(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    """The generated sign-in log and its injected brute-force attacks (from truth.json)."""
    folder = tmp_path / "logs"
    generate(folder, events=3000, accounts=300, days=14, seed=3)
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    return folder / "signins.jsonl", [item for item in truth if item["rule"] == "brute_force"]


def _facts(section: Any) -> dict[str, str]:
    """A ``dl.facts`` block as term -> description (the report is read the way a person
    reads it, not from the database)."""
    facts = {}
    for row in section.locator("dl.facts > div").all():
        facts[row.locator("dt").inner_text().strip()] = row.locator("dd").inner_text().strip()
    return facts


def _open_detection(page: Any) -> None:
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Detectie", exact=True
    ).click()
    page.wait_for_url(re.compile(r".*/detectie/$"))


def _upload(page: Any, log: Path) -> dict[str, str]:
    """Upload the log from the upload form; returns the report on the upload's page."""
    page.get_by_role("link", name="Logbestand uploaden").first.click()
    page.wait_for_url(re.compile(r".*/detectie/uploaden/$"))
    page.select_option("#id_source", "entra-signin")
    page.set_input_files("#id_file", str(log))
    page.get_by_role("button", name="Uploaden").click()
    page.wait_for_url(re.compile(r".*/detectie/uploads/\d+/$"))
    assert "Het bestand is ontvangen en wordt verwerkt." in page.locator("main").inner_text()
    status = page.locator("#upload-status")
    # Done already (immediate task backend); were it not, htmx would poll every two seconds
    # and this waits for it.
    status.locator("#verslag-kop").wait_for()
    assert _facts(status.locator("section").first)["Status"] == "Klaar"
    return _facts(status.locator("section[aria-labelledby=verslag-kop]"))


def test_upload_sign_ins_and_dismiss_a_brute_force_alert(
    live_server: Any, browser_page: Any, signin_log: tuple[Path, list[dict[str, Any]]]
) -> None:
    page = browser_page
    base = live_server.url
    log, attacks = signin_log
    lines = len(log.read_bytes().splitlines())
    tree = build_tree()
    personas = Personas(tree)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))

    # 1. The coordinator finds the log analysis in the menu; nothing there yet.
    sign_in(page, base, personas["coordinator_a"])
    _open_detection(page)
    assert page.locator("h1").inner_text() == "Loganalyse en detectie"
    assert "Geen open signalen." in page.locator("main").inner_text()

    # 2. The upload: every line read and stored, none refused, and alerts raised.
    report = _upload(page, log)
    assert report["Records gelezen"] == str(lines)
    assert report["Gebeurtenissen opgeslagen"] == str(lines)
    assert report["Dubbel (al opgeslagen of twee keer in het bestand)"] == "0"
    assert report["Geweigerd"] == "0"
    first = LogUpload.objects.get()
    assert (first.organisation, first.status, first.events_stored) == (tree.board_a, "done", lines)
    assert report["Signalen"].startswith(f"{first.alerts_created} nieuw, 0 bijgewerkt")
    assert first.alerts_created > 0
    page.screenshot(path=str(SCREENSHOT_DIR / "sw-detection-upload.png"), full_page=True)

    # 3. The new alerts (the report's link), filtered on the brute-force rule (htmx swaps the
    # list in place), show the Dutch title for the attacked account of truth.json.
    page.locator("#verslag-kop + dl").get_by_role("link", name="bekijken").click()
    page.wait_for_url(re.compile(r".*/detectie/signalen/\?status=new$"))
    assert page.locator("#id_status").input_value() == "new"
    page.select_option("#id_regel", "brute_force")
    page.wait_for_url(re.compile(r".*/detectie/signalen/\?.*regel=brute_force"))
    # The swap comes after the URL is pushed: wait for the filtered count (one alert per
    # injected attack) before reading the rows.
    page.locator("#signalen .result-count").filter(
        has_text=re.compile(rf"^{len(attacks)} signalen$")
    ).wait_for()
    entity = attacks[0]["entity"].lower()  # the engine keeps account names in lower case
    row = page.locator("#signalen tbody tr", has=page.locator("td", has_text=entity))
    assert row.count() == 1
    assert row.locator("th").inner_text() == BRUTE_FORCE_TITLE
    assert row.locator("td").last.inner_text() == "Nieuw"

    # 4. The alert, marked a false alarm with a note; the handling block changes in place.
    row.get_by_role("link", name=BRUTE_FORCE_TITLE).click()
    page.wait_for_url(re.compile(r".*/detectie/signalen/\d+/$"))
    alert = DetectionAlert.objects.get(
        organisation=tree.board_a, rule_id="brute_force", entity=entity
    )
    assert page.url == base + reverse("detection:alert_detail", args=[alert.pk])
    assert page.locator("h1").inner_text() == BRUTE_FORCE_TITLE
    assert entity in page.locator("p.lead").inner_text()
    handling = page.locator("#afhandeling")
    assert _facts(handling)["Status"] == "Nieuw"
    page.select_option("#id_status", AlertStatus.FALSE_POSITIVE)
    page.fill("#id_note", NOTE)
    page.get_by_role("button", name="Status opslaan").click()
    handling.get_by_role("status").filter(
        has_text="De status van het signaal is opgeslagen."
    ).wait_for()
    facts = _facts(handling)
    assert (facts["Status"], facts["Toelichting"]) == ("Vals alarm", NOTE)
    assert "coordinator_a" in facts["Laatst behandeld"]
    alert.refresh_from_db()
    assert (alert.status, alert.note, alert.handled_by) == (
        AlertStatus.FALSE_POSITIVE,
        NOTE,
        personas["coordinator_a"],
    )
    page.screenshot(path=str(SCREENSHOT_DIR / "sw-detection-alert.png"), full_page=True)
    page.reload()  # the status holds on a fresh page too, not only in the swapped block
    assert _facts(page.locator("#afhandeling"))["Status"] == "Vals alarm"

    # 5. The same file again, from the overview: read in full, nothing new stored, no new
    # alerts.
    _open_detection(page)
    report = _upload(page, log)
    assert report["Records gelezen"] == str(lines)
    assert report["Gebeurtenissen opgeslagen"] == "0"
    assert report["Dubbel (al opgeslagen of twee keer in het bestand)"] == str(lines)
    assert report["Geweigerd"] == "0"
    assert report["Signalen"] == "0 nieuw, 0 bijgewerkt"
    alert.refresh_from_db()
    assert alert.status == AlertStatus.FALSE_POSITIVE  # the dismissal survives the rerun
    sign_out(page)

    # 6. Board B's coordinator does not find board A's alert.
    sign_in(page, base, personas["coordinator_b"])
    response = page.goto(base + reverse("detection:alert_detail", args=[alert.pk]))
    assert response is not None and response.status == 404
    assert entity not in page.content()

    # 7. Strict CSP held on every page, and no script failed.
    violations = [
        text
        for text in console
        if "Content Security Policy" in text or text.startswith("pageerror")
    ]
    assert violations == []
