"""A real browser (Debian's Chromium through Playwright) walks issue 4's flow.

Board A's privacy officer signs in (password and TOTP) and reads the indicators of
basismaatregel 1 and 2 on the basismaatregelen overview; adds an application through the form
(with a supplier from the sector's shared catalogue) and sees its "Wat als het misgaat?" plan;
sees basismaatregel 1 go to 100% while 2 stays at 0%; records a signed processing agreement with
its PDF, reviews it item by item (htmx) and completes the review; runs the DPIA pre-scan from the
application's page (two European criteria: a DPIA is required); and sees basismaatregel 2 go to
100%. Any "Content Security Policy" console message or page error fails the test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from schildwacht.dpia.models import PreScan
from schildwacht.frameworks.services import load_catalogues
from schildwacht.registers.models import Application
from schildwacht.suppliers.checklist import checklist_codes
from schildwacht.suppliers.models import Agreement, AgreementStatus, Review, Verdict
from schildwacht.suppliers.services import create_supplier
from tests.browser_session import sign_in
from tests.personas import TEST_ACTOR, Personas, build_tree

SCREENSHOT_DIR = Path(os.environ.get("SCHILDWACHT_SCREENSHOTS", tempfile.gettempdir()))
# A tiny but real PDF: the upload check looks at the content, not only the extension.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
# The item that gets "aandachtspunt" instead of "in orde", with a note.
ATTENTION_ITEM = "breach_notification"
INDICATOR = re.compile(r"^(–|\d+%) \((\d+) van (\d+) ")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _indicators(page: Any, overview_url: str) -> dict[int, tuple[str, int, int]]:
    """Basismaatregel 1 and 2's indicator cells as (percentage, covered, total)."""
    page.goto(overview_url)
    figures = {}
    for number in (1, 2):
        row = page.locator(f"tbody tr:has(th a[href$='?basismaatregel={number}'])")
        text = row.locator("td").last.inner_text().strip()
        match = INDICATOR.match(text)
        assert match is not None, f"basismaatregel {number}: {text!r}"
        figures[number] = (match[1], int(match[2]), int(match[3]))
    return figures


def _add_application(page: Any, base: str, supplier_pk: int, board_pk: int) -> str:
    """Fill the application form; returns the detail page's URL."""
    page.goto(base + reverse("registers:application_create"))
    page.select_option("#id_organisation", str(board_pk))
    page.fill("#id_name", "Leerwolk")
    page.select_option("#id_kind", "learning_platform")
    page.select_option("#id_supplier", str(supplier_pk))
    page.check("#id_personal_data")
    page.check("input[name=data_categories][value=contact]")
    page.check("input[name=data_categories][value=results]")
    page.check("#id_pupil_data")
    page.fill("#id_people_count", "850")
    page.fill("#id_owner_name", "Teamleider onderwijs")
    page.fill("#id_supplier_contact", "Accountmanager Leerwolk, 030-555 02 00")
    page.select_option("#id_availability", "medium")
    page.select_option("#id_integrity", "medium")
    page.select_option("#id_confidentiality", "high")
    page.fill("#id_incident_contacts", "Privacy officer (06-555 200 01)")
    page.fill("#id_incident_first_steps", "Accounts blokkeren en de leverancier bellen.")
    page.fill("#id_supplier_incident_contact", "Servicedesk Leerwolk, 030-555 02 99")
    page.locator("form:has(#id_name) button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/registers/applicaties/\d+/$"))
    return str(page.url)


def _add_agreement(page: Any, base: str, supplier_pk: int, application: Application) -> str:
    """Record a signed agreement with its PDF; returns the agreement page's URL."""
    page.goto(base + reverse("suppliers:agreement_create"))
    page.select_option("#id_organisation", str(application.organisation_id))
    page.select_option("#id_supplier", str(supplier_pk))
    page.fill("#id_title", "Verwerkersovereenkomst Leerwolk")
    page.check(f"input[name=applications][value='{application.pk}']")
    page.select_option("#id_model", "model_4")
    page.select_option("#id_status", "signed")
    page.fill("#id_signed_on", (timezone.localdate() - dt.timedelta(days=30)).isoformat())
    page.check("#id_privacy_annex")
    page.fill("#id_breach_notification_hours", "24")
    page.set_input_files(
        "#id_document",
        files=[{"name": "vo-leerwolk.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    page.locator("form:has(#id_title) button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/leveranciers/overeenkomsten/\d+/$"))
    return str(page.url)


def _review(page: Any, agreement_url: str) -> None:
    """Start the review, judge every item inline (htmx) and complete it."""
    page.goto(agreement_url)
    page.get_by_role("button", name="Beoordelen met de checklist").click()
    page.wait_for_url(re.compile(r".*/leveranciers/beoordelingen/\d+/$"))
    review_url = page.url
    for code in checklist_codes():
        row = page.locator(f"#onderdeel-{code}")
        verdict = Verdict.ATTENTION if code == ATTENTION_ITEM else Verdict.FINE
        row.locator(f"#id_{code}-verdict").select_option(verdict.value)
        if code == ATTENTION_ITEM:
            row.locator(f"#id_{code}-note").fill("Termijn van 24 uur is ruim; vraag om 12 uur.")
        row.locator("button[type=submit]").click()
        # htmx swaps the item in place: its own "Opgeslagen." notice, no page load.
        page.locator(f"#onderdeel-{code} .message--success").wait_for()
        assert page.url == review_url
        assert page.locator(f"#id_{code}-verdict").input_value() == verdict.value
    page.fill("#id_conclusion", "Tekenen; de meldtermijn bespreken bij de verlenging.")
    page.locator("button[name=afronden]").click()
    page.locator("p.lead", has_text="Afgerond op").wait_for()
    assert page.url == review_url
    assert page.locator("button[name=afronden]").count() == 0  # no longer editable
    fine = len(checklist_codes()) - 1
    counts = f"In orde: {fine} · aandachtspunt: 1 · ontbreekt: 0 · nog niet beoordeeld: 0"
    assert counts in page.locator("main").inner_text()


def _prescan(page: Any, application_url: str) -> None:
    """Run the pre-scan from the application's page with two European criteria."""
    page.goto(application_url)
    page.get_by_role("link", name="DPIA-pre-scan doen").click()
    page.wait_for_url(re.compile(r".*/dpia/pre-scans/nieuw/\?applicatie=\d+$"))
    page.check("#id_crit_kwetsbare_betrokkenen")
    page.fill("#id_crit_kwetsbare_betrokkenen_reden", "Leerlingen van 4 tot 12 jaar.")
    page.check("#id_crit_grote_schaal")
    page.fill("#id_crit_grote_schaal_reden", "Alle 850 leerlingen van het bestuur.")
    page.fill("#id_reasoning", "Twee criteria: kinderen en grote schaal.")
    page.get_by_role("button", name="Pre-scan vastleggen").click()
    page.wait_for_url(re.compile(r".*/dpia/pre-scans/\d+/$"))


def test_application_agreement_prescan_move_basismaatregelen(
    live_server: Any, browser_page: Any
) -> None:
    page = browser_page
    base = live_server.url
    load_catalogues(TEST_ACTOR)
    tree = build_tree()
    personas = Personas(tree)
    supplier = create_supplier(TEST_ACTOR, tree.sector, name="Leerwolk BV", kvk_number="99200001")
    overview_url = base + reverse("planning:basismaatregelen", args=[tree.board_a.pk])

    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))

    # 1. Nothing in the register yet: no figure for either basismaatregel.
    sign_in(page, base, personas["privacy_officer_a"])
    assert _indicators(page, overview_url) == {1: ("–", 0, 0), 2: ("–", 0, 0)}

    # 2. A complete application, with a supplier from the sector's shared catalogue.
    application_url = _add_application(page, base, supplier.pk, tree.board_a.pk)
    application = Application.objects.get(name="Leerwolk")
    assert application_url == base + reverse("registers:application_detail", args=[application.pk])
    assert application.organisation == tree.board_a and application.supplier == supplier
    assert application.personal_data and application.pupil_data
    assert sorted(application.data_categories) == ["contact", "results"]
    assert (application.availability, application.integrity, application.confidentiality) == (
        "medium",
        "medium",
        "high",
    )
    assert page.locator("h1").inner_text() == "Leerwolk"
    plan = page.locator("section.incident-plan")
    assert plan.locator("h2").inner_text() == "Wat als het misgaat?"
    assert "Privacy officer (06-555 200 01)" in plan.inner_text()
    assert "Accounts blokkeren en de leverancier bellen." in plan.inner_text()
    assert "Servicedesk Leerwolk, 030-555 02 99" in plan.inner_text()
    assert page.get_by_text("Deze applicatie is volledig beschreven.").count() == 1
    assert page.get_by_text("Er is geen verwerkersovereenkomst vastgelegd").count() == 1

    # 3. Basismaatregel 1 complete; 2 counts the application but no agreement covers it.
    assert _indicators(page, overview_url) == {1: ("100%", 1, 1), 2: ("0%", 0, 1)}

    # 4. A signed agreement with its document, then the review with the checklist.
    agreement_url = _add_agreement(page, base, supplier.pk, application)
    agreement = Agreement.objects.get(title="Verwerkersovereenkomst Leerwolk")
    assert agreement_url == base + reverse("suppliers:agreement_detail", args=[agreement.pk])
    assert agreement.organisation == tree.board_a and agreement.supplier == supplier
    assert list(agreement.applications.all()) == [application]
    assert agreement.status == AgreementStatus.SIGNED
    assert agreement.signed_on == timezone.localdate() - dt.timedelta(days=30)
    assert agreement.breach_notification_hours == 24
    assert agreement.privacy_annex and not agreement.security_annex
    assert agreement.document_name == "vo-leerwolk.pdf"
    assert agreement.sha256 == hashlib.sha256(PDF).hexdigest()
    assert page.locator("dd .badge", has_text="geldig").count() == 1

    _review(page, agreement_url)
    review = Review.objects.get(agreement=agreement)
    assert review.completed_at is not None and review.base is None
    assert review.conclusion.startswith("Tekenen;")
    verdicts = dict(review.items.values_list("item", "verdict"))
    assert verdicts == {
        code: (Verdict.ATTENTION if code == ATTENTION_ITEM else Verdict.FINE)
        for code in checklist_codes()
    }
    assert len(verdicts) == 11
    page.screenshot(path=str(SCREENSHOT_DIR / "sw-registers-review.png"), full_page=True)
    page.goto(agreement_url)
    assert "Afgerond op" in page.locator("section[aria-labelledby=beoordeling-kop]").inner_text()

    # 5. The DPIA pre-scan from the application's page: two criteria, so a DPIA is required.
    _prescan(page, application_url)
    prescan = PreScan.objects.get(application=application)
    assert prescan.required is True
    assert sorted(prescan.criteria) == ["grote_schaal", "kwetsbare_betrokkenen"]
    assert prescan.ap_items == [] and prescan.organisation == tree.board_a
    assert page.url == base + reverse("dpia:prescan_detail", args=[prescan.pk])
    outcome = page.locator("p.message[role=status]").inner_text()
    assert outcome.startswith("DPIA verplicht.")
    assert page.get_by_role("link", name="DPIA starten").count() == 1

    page.goto(application_url)
    assert page.get_by_text("Een DPIA is verplicht.").count() == 1
    assert page.get_by_text("De verplichte DPIA is nog niet gestart.").count() == 1
    assert page.get_by_role("link", name="Pre-scan opnieuw doen").count() == 1
    assert "Verwerkersovereenkomst Leerwolk" in page.locator("main").inner_text()

    # 6. The signed agreement covers the application: basismaatregel 2 at 100% too.
    assert _indicators(page, overview_url) == {1: ("100%", 1, 1), 2: ("100%", 1, 1)}
    page.screenshot(path=str(SCREENSHOT_DIR / "sw-registers-basismaatregelen.png"), full_page=True)

    violations = [
        text
        for text in console
        if "Content Security Policy" in text or text.startswith("pageerror")
    ]
    assert violations == []
