"""A real browser (Debian's Chromium through Playwright) takes a data breach from report to
notification.

A staff member of school A1 signs in and reports a suspected breach in the short form, and then
sees only their own report (no assessment, no clock). Board A's privacy officer signs in, opens
the breach from the register with the 72-hour clock in view, fills in what the notification
needs, assesses the breach (the clock is on the assessment page too) and records the decision to
notify; opens the printable notification document and checks its text (and the PDF's), records
the notification time and the AP's reference, sees the clock stopped "in time", and closes the
breach with a closing note. Any "Content Security Policy" console message or page error fails.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from schildwacht.incidents.models import ApNotification, BreachAssessment, Incident
from tests.browser_session import sign_in, sign_out
from tests.personas import Personas, build_tree

SCREENSHOT_DIR = Path(os.environ.get("SCHILDWACHT_SCREENSHOTS", tempfile.gettempdir()))
WHAT = "Ik heb de toetsresultaten van groep 8 per ongeluk naar alle ouders van groep 7 gemaild."
REASONING = "Resultaten van 27 kinderen bij ruim 25 gezinnen; risico, niet hoog: melden bij de AP."

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _report_as_staff(page: Any, base: str, noticed: dt.datetime) -> None:
    page.goto(base + reverse("incidents:report"))
    page.fill("#id_description", WHAT)
    page.fill("#id_discovered_at", _local(noticed))
    page.fill("#id_application_note", "Schoolmail")
    page.check("input[name=personal_data][value=yes]")
    page.get_by_role("button", name="Melding versturen").click()
    page.wait_for_url(re.compile(r".*/incidenten/\d+/$"))
    assert "Uw melding van" in page.locator("main").inner_text()
    assert page.locator("#klok").count() == 0  # staff see their report, not the file


def _fill_details(page: Any) -> None:
    page.get_by_role("link", name="Gegevens bewerken").click()
    page.wait_for_url(re.compile(r".*/deel/gegevens/$"))
    page.check("input[name=breach_types][value=sent_to_wrong_person]")
    page.check("input[name=data_kinds][value=identity]")
    page.check("input[name=data_kinds][value=results]")
    page.check("input[name=subject_groups][value=pupils]")
    page.fill("#id_people_min", "27")
    page.fill("#id_people_max", "27")
    page.fill("#id_consequences", "Andere ouders zien de toetsresultaten van deze kinderen.")
    page.fill("#id_measures_taken", "Ontvangers gevraagd de mail te verwijderen.")
    page.fill(
        "#id_measures_proposed", "Adressenlijsten voortaan door twee mensen laten controleren."
    )
    page.fill("#id_contact_name", "Privacy officer Stichting Alfa")
    page.fill("#id_contact_details", "privacy@alfa.example")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(r".*/incidenten/\d+/$"))


def _assess(page: Any) -> None:
    page.get_by_role("link", name="Beoordelen en besluiten").click()
    page.wait_for_url(re.compile(r".*/beoordeling/$"))
    assert "Nog 70 uur." in page.locator("#klok").inner_text()  # the clock in view
    page.check("input[name=factors][value=identifiable]")
    page.check("input[name=factors][value=children]")
    page.check("input[name=is_breach][value=ja]")
    page.check("input[name=risk][value=ja]")
    page.check("input[name=high_risk][value=nee]")
    page.fill("#id_reasoning", REASONING)
    page.screenshot(path=str(SCREENSHOT_DIR / "sw-incident-assessment.png"), full_page=True)
    page.get_by_role("button", name="Besluit vastleggen").click()
    page.wait_for_url(re.compile(r".*/incidenten/\d+/$"))


def _check_document(page: Any, incident: Incident) -> None:
    from pypdf import PdfReader

    page.get_by_role("link", name="Melding aan de AP (afdrukken)").click()
    page.wait_for_url(re.compile(r".*/melding-ap/$"))
    text = page.locator("#melding-document").inner_text()
    for expected in (
        "Melding van een datalek aan de Autoriteit Persoonsgegevens",
        "Stichting Alfa",
        "bevoegd gezag 10001",
        "De Eik",
        "Privacy officer Stichting Alfa",
        "privacy@alfa.example",
        WHAT,
        "Verstuurd naar de verkeerde ontvanger",
        "Cijfers, toetsresultaten en vorderingen",
        "Leerlingen",
        "Andere ouders zien de toetsresultaten",
        "Ontvangers gevraagd de mail te verwijderen.",
        "Adressenlijsten voortaan door twee mensen",
        "Melden bij de AP binnen 72 uur",
    ):
        assert expected in text, expected
    assert "Stichting Bèta" not in text
    page.screenshot(path=str(SCREENSHOT_DIR / "sw-incident-document.png"), full_page=True)
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()  # prints without the menu
    page.emulate_media(media="screen")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="download de PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"melding-datalek-{incident.pk}.pdf"
    content = Path(download.path()).read_bytes()
    pdf_text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(content)).pages
    )
    assert "Andere ouders zien de toetsresultaten" in pdf_text and "Stichting Alfa" in pdf_text
    page.get_by_role("link", name=incident.title).click()
    page.wait_for_url(re.compile(r".*/incidenten/\d+/$"))


def test_breach_from_report_to_notification_and_close(live_server: Any, browser_page: Any) -> None:
    page = browser_page
    base = live_server.url
    tree = build_tree()
    personas = Personas(tree)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))

    # 1. A staff member reports a suspected breach, noticed an hour and a half ago.
    noticed = (timezone.now() - dt.timedelta(minutes=90)).replace(second=0, microsecond=0)
    sign_in(page, base, personas["staff_a"])
    _report_as_staff(page, base, noticed)
    incident = Incident.objects.get()
    assert (incident.kind, incident.organisation, incident.reported_by) == (
        "breach",
        tree.school_a1,
        personas["staff_a"],
    )
    assert incident.aware_at == noticed
    sign_out(page)

    # 2. The privacy officer opens it from the register, with the clock in view.
    sign_in(page, base, personas["privacy_officer_a"])
    page.goto(base + reverse("incidents:list"))
    row = page.locator(
        "#incidenten tbody tr", has=page.locator("th", has_text="Ik heb de toetsresultaten")
    )
    assert "nog 70 uur" in row.inner_text()
    row.locator("a").click()
    page.wait_for_url(re.compile(r".*/incidenten/\d+/$"))
    clock = page.locator("#klok").inner_text()
    deadline = timezone.localtime(noticed + dt.timedelta(hours=72))
    weekday = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
    assert f"{weekday[deadline.weekday()]} {deadline.day} " in clock
    assert deadline.strftime("%H:%M") in clock and "Nog 70 uur." in clock

    # 3. What the notification needs, then the assessment and the decision to notify.
    _fill_details(page)
    _assess(page)
    record = BreachAssessment.objects.get(incident=incident)
    assert (record.notify_ap, record.inform, record.decided_by) == (
        True,
        "none",
        personas["privacy_officer_a"],
    )
    assert "Melden bij de AP binnen 72 uur" in page.locator("#beoordeling").inner_text()

    # 4. The printable notification document (and its PDF) holds the answers.
    _check_document(page, incident)

    # 5. The notification's time and the AP's reference; the clock stops "in time".
    page.get_by_role("link", name="Melding vastleggen").click()
    page.wait_for_url(re.compile(r".*/melding-ap/vastleggen/$"))
    assert page.locator("#klok").count() == 1
    notified = timezone.now().replace(second=0, microsecond=0)
    page.fill("#id_notified_at", _local(notified))
    page.fill("#id_reference", "AP-2026-48213")
    page.get_by_role("button", name="Vastleggen").click()
    page.wait_for_url(re.compile(r".*/incidenten/\d+/$"))
    notification = ApNotification.objects.get(incident=incident)
    assert (notification.kind, notification.reference) == ("initial", "AP-2026-48213")
    assert notification.notified_at == notified
    assert "Op tijd gemeld bij de AP" in page.locator("#klok").inner_text()
    assert "AP-2026-48213" in page.locator("#melding-ap").inner_text()
    page.screenshot(path=str(SCREENSHOT_DIR / "sw-incident-notified.png"), full_page=True)

    # 6. Close the breach; it stays in the register.
    page.get_by_role("link", name="Afsluiten").click()
    page.wait_for_url(re.compile(r".*/afsluiten/$"))
    page.fill(
        "#id_closing_note", "Gemeld bij de AP; adressenlijsten worden voortaan gecontroleerd."
    )
    page.get_by_role("button", name="Afsluiten").click()
    page.wait_for_url(re.compile(r".*/incidenten/\d+/$"))
    incident.refresh_from_db()
    assert incident.closed
    assert "Afgesloten" in page.locator("p.lead").inner_text()
    assert page.get_by_role("link", name="Bewerken").count() == 0
    page.goto(base + reverse("incidents:list"))
    assert "op tijd gemeld" in page.locator("#incidenten").inner_text()

    # 7. Strict CSP held on every page, and no script failed.
    violations = [
        text
        for text in console
        if "Content Security Policy" in text or text.startswith("pageerror")
    ]
    assert violations == []
