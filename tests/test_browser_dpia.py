"""A real browser (Debian's Chromium through Playwright) walks issue 4's DPIA flow.

Board A's privacy officer signs in (password and TOTP), runs the pre-scan of an application from
"DPIA per applicatie" (one item of the AP's list: a DPIA is required) and starts the DPIA from the
result; fills part 1 and part 2, adds two risks scored on the matrix (one that becomes low after
measures, one that stays high) and a measure against a risk, linked to a measure of the plan;
sees the art. 36 outcome (prior consultation of the AP) appear once a high residual risk remains,
and sends the DPIA to the FG. The FG signs in, sees no edit controls and writes the advice. The
privacy officer records the board's decision, sees the DPIA decided and locked, and downloads the
PDF, whose text holds the title, a risk, the advice, the decision and the art. 36 outcome. Any
"Content Security Policy" console message or page error fails the test.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from schildwacht.dpia.models import (
    Advice,
    Decision,
    Dpia,
    DpiaMeasure,
    DpiaRisk,
    DpiaStatus,
    PreScan,
)
from schildwacht.frameworks.services import load_catalogues
from schildwacht.planning.services import create_measure
from schildwacht.registers.services import create_application
from tests.browser_session import sign_in, sign_out
from tests.personas import TEST_ACTOR, Personas, build_tree

SCREENSHOT_DIR = Path(os.environ.get("SCHILDWACHT_SCREENSHOTS", tempfile.gettempdir()))
ART_36 = "Voorafgaande raadpleging van de AP nodig (AVG art. 36)."
NO_ART_36 = "Geen hoog restrisico: voorafgaande raadpleging van de AP (AVG art. 36) is niet nodig."
# The links and forms that change a DPIA; the FG and a decided DPIA show none of them.
EDIT_CONTROLS = {
    "deel": "main a[href*='/deel/']",
    "risico": "main a[href*='/risicos/']",
    "maatregel": "main a[href*='/maatregelen/']",
    "besluit": "main a[href$='/besluit/']",
    "verwijderen": "main a[href$='/verwijderen/']",
    "ter advies": "main form[action$='/ter-advies/']",
}
ADVICE = "Positief, mits de koppeling met het leerlingvolgsysteem wordt beperkt tot groepsniveau."
REASONING = "Doorgaan; de AP wordt vooraf geraadpleegd over het profileringsrisico."

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _application_state(page: Any, base: str, name: str) -> str:
    """The DPIA state badge of the application on "DPIA per applicatie"."""
    page.goto(base + reverse("dpia:applications"))
    row = page.locator("#dpia-applicaties tbody tr", has=page.locator("th", has_text=name))
    return str(row.locator(".badge").inner_text())


def _edit_controls(page: Any) -> list[str]:
    """Which kinds of edit links and forms the DPIA page shows."""
    return [name for name, selector in EDIT_CONTROLS.items() if page.locator(selector).count()]


def _outcome(page: Any) -> str:
    return str(page.locator("main p.outcome").inner_text())


def _start_dpia(page: Any, base: str) -> str:
    """Pre-scan from "DPIA per applicatie", then "DPIA starten"; returns the DPIA's URL."""
    page.get_by_role("link", name="Pre-scan doen Leerlab").click()
    page.wait_for_url(re.compile(r".*/dpia/pre-scans/nieuw/\?applicatie=\d+$"))
    page.check("#id_ap_observatie_gedrag")
    page.fill(
        "#id_ap_observatie_gedrag_reden",
        "De app volgt het leergedrag van leerlingen en stuurt hun oefeningen bij.",
    )
    page.get_by_role("button", name="Pre-scan vastleggen").click()
    page.wait_for_url(re.compile(r".*/dpia/pre-scans/\d+/$"))
    assert page.locator("p.message[role=status]").inner_text().startswith("DPIA verplicht.")
    page.get_by_role("link", name="DPIA starten").click()
    page.wait_for_url(re.compile(r".*/dpia/nieuw/\?prescan=\d+$"))
    assert page.input_value("#id_title") == "DPIA Leerlab"  # filled in from the pre-scan
    page.get_by_role("button", name="DPIA aanmaken").click()
    page.wait_for_url(re.compile(r".*/dpia/\d+/$"))
    return str(page.url)


def _fill_parts(page: Any, application_pk: int) -> None:
    """Part 1 (description) and part 2 (lawfulness) through their edit forms."""
    page.get_by_role("link", name="Deel 1 bewerken").click()
    page.wait_for_url(re.compile(r".*/deel/beschrijving/$"))
    # The pre-scan's application is already linked.
    assert page.is_checked(f"input[name=applications][value='{application_pk}']")
    page.fill("#id_nature", "Adaptieve oefenapp die het leergedrag van leerlingen analyseert.")
    page.fill("#id_scope", "850 leerlingen van groep 3 tot en met 8; gegevens 2 jaar bewaard.")
    page.fill("#id_context", "Kinderen; ouders kunnen het gebruik niet weigeren.")
    page.fill("#id_purposes", "Oefenstof afstemmen op het niveau van de leerling.")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(r".*/dpia/\d+/$"))

    page.get_by_role("link", name="Deel 2 bewerken").click()
    page.wait_for_url(re.compile(r".*/deel/rechtmatigheid/$"))
    page.select_option("#id_legal_basis", "public_task")
    page.fill("#id_legal_basis_note", "Onderwijstaak uit de WPO.")
    page.fill("#id_necessity", "Zonder gedragsgegevens kan de app de oefenstof niet afstemmen.")
    page.fill("#id_subsidiarity", "Een niet-adaptieve methode bereikt het doel minder goed.")
    page.fill("#id_retention", "Twee jaar na het laatste gebruik.")
    page.fill("#id_data_subject_rights", "Via de privacy officer; inzage binnen vier weken.")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(r".*/dpia/\d+/$"))


def _add_risk(page: Any, title: str, description: str, scores: tuple[int, int, int, int]) -> None:
    """A risk scored (likelihood, impact) before and after measures."""
    page.get_by_role("link", name="Risico toevoegen").click()
    page.wait_for_url(re.compile(r".*/risicos/nieuw/$"))
    page.fill("#id_title", title)
    page.fill("#id_description", description)
    for field, value in zip(
        ("likelihood", "impact", "residual_likelihood", "residual_impact"), scores, strict=True
    ):
        page.select_option(f"#id_{field}", str(value))
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(r".*/dpia/\d+/(#risicos)?$"))


def _add_measure(page: Any, risk: DpiaRisk, plan_measure_pk: int) -> None:
    page.get_by_role("link", name="Maatregel toevoegen").click()
    page.wait_for_url(re.compile(r".*/maatregelen/nieuw/$"))
    page.fill("#id_description", "Rolrechten: leerkrachten zien alleen hun eigen groep.")
    page.check(f"input[name=risks][value='{risk.pk}']")
    page.select_option("#id_plan_measure", str(plan_measure_pk))
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(r".*/dpia/\d+/(#maatregelen)?$"))


def _risk_row(page: Any, title: str) -> Any:
    return page.locator("#risicos tbody tr", has=page.locator("th", has_text=title))


def test_dpia_from_prescan_to_decision_and_pdf(live_server: Any, browser_page: Any) -> None:
    from pypdf import PdfReader

    page = browser_page
    base = live_server.url
    load_catalogues(TEST_ACTOR)
    tree = build_tree()
    personas = Personas(tree)
    officer, fg = personas["privacy_officer_a"], personas["fg_a"]
    application = create_application(
        TEST_ACTOR,
        tree.board_a,
        name="Leerlab",
        kind="learning_app",
        personal_data=True,
        pupil_data=True,
        data_categories=["contact", "results"],
        people_count=850,
    )
    plan_measure = create_measure(TEST_ACTOR, tree.board_a, title="Rolrechten leermiddelen")

    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))

    # 1. The privacy officer runs the pre-scan and starts the DPIA from its result.
    sign_in(page, base, officer)
    assert _application_state(page, base, "Leerlab") == "Nog geen pre-scan"
    dpia_url = _start_dpia(page, base)
    prescan = PreScan.objects.get(application=application)
    assert prescan.required and prescan.ap_items == ["observatie_gedrag"]
    dpia = Dpia.objects.get(organisation=tree.board_a)
    assert dpia_url == base + reverse("dpia:detail", args=[dpia.pk])
    assert (dpia.title, dpia.status, dpia.prescan) == ("DPIA Leerlab", DpiaStatus.CONCEPT, prescan)
    assert list(dpia.applications.all()) == [application]
    assert _outcome(page).startswith("Nog geen risico's beoordeeld.")

    # 2. Parts 1 and 2, two risks on the matrix and a measure linked to the plan.
    _fill_parts(page, application.pk)
    dpia.refresh_from_db()
    assert dpia.scope.startswith("850 leerlingen") and dpia.context.startswith("Kinderen;")
    assert (dpia.legal_basis, dpia.retention) == (
        "public_task",
        "Twee jaar na het laatste gebruik.",
    )
    assert "Taak van algemeen belang (e)" in page.locator("#rechtmatigheid").inner_text()

    _add_risk(
        page,
        "Onbevoegde inzage",
        "Medewerkers van andere groepen zien resultaten van leerlingen.",
        (3, 3, 1, 3),  # 9, high; after measures 3, low
    )
    assert _outcome(page) == NO_ART_36  # no high risk remains
    assert _edit_controls(page) == list(EDIT_CONTROLS)  # the officer may change everything
    _add_risk(
        page,
        "Profilering van leerlingen",
        "De app legt een blijvend leerprofiel vast dat het schooladvies kan kleuren.",
        (3, 4, 2, 4),  # 12, high; after measures 8, still high
    )
    low = DpiaRisk.objects.get(dpia=dpia, title="Onbevoegde inzage")
    high = DpiaRisk.objects.get(dpia=dpia, title="Profilering van leerlingen")
    assert (low.inherent_score, low.residual_score, low.residual_high) == (9, 3, False)
    assert (high.inherent_score, high.residual_score, high.residual_high) == (12, 8, True)
    assert _risk_row(page, "Onbevoegde inzage").locator("td").nth(1).inner_text() == (
        "1 × 3 = 3 (Laag)"
    )
    high_cells = _risk_row(page, "Profilering van leerlingen").locator("td")
    assert high_cells.nth(0).inner_text() == "3 × 4 = 12 (Hoog)"
    assert high_cells.nth(1).inner_text() == "2 × 4 = 8 (Hoog) hoog restrisico"

    _add_measure(page, low, plan_measure.pk)
    measure = DpiaMeasure.objects.get(dpia=dpia)
    assert list(measure.risks.all()) == [low] and measure.plan_measure == plan_measure
    row = page.locator("#maatregelen tbody tr")
    assert row.locator("td").nth(0).inner_text() == "Onbevoegde inzage"
    assert row.locator("td").nth(1).inner_text().startswith("Rolrechten leermiddelen (")

    # 3. A high residual risk remains: prior consultation of the AP (art. 36); to the FG.
    dpia.refresh_from_db()
    assert dpia.prior_consultation is True
    assert _outcome(page).startswith(ART_36)
    assert "outcome--warning" in (page.locator("main p.outcome").get_attribute("class") or "")
    page.get_by_role("button", name="Ter advies aan de FG").click()
    page.wait_for_url(dpia_url)
    dpia.refresh_from_db()
    assert dpia.status == DpiaStatus.ADVICE
    assert "Ter advies bij FG" in page.locator("p.lead").inner_text()
    assert _application_state(page, base, "Leerlab") == "DPIA verplicht, in behandeling"
    sign_out(page)

    # 4. The FG finds the DPIA in the list, sees no edit controls and writes the advice.
    sign_in(page, base, fg)
    page.goto(base + reverse("dpia:list"))
    page.get_by_role("link", name="DPIA Leerlab").click()
    page.wait_for_url(dpia_url)
    assert _edit_controls(page) == []
    assert page.get_by_text("De FG heeft nog geen advies gegeven.").count() == 1
    response = page.goto(base + reverse("dpia:edit_part", args=[dpia.pk, "beschrijving"]))
    assert response is not None and response.status == 403
    page.goto(dpia_url)
    page.get_by_role("link", name="Advies geven").click()
    page.wait_for_url(re.compile(r".*/advies/$"))
    page.fill("#id_text", ADVICE)
    page.get_by_role("button", name="Advies vastleggen").click()
    page.wait_for_url(dpia_url)
    advice = Advice.objects.get(dpia=dpia)
    assert (advice.text, advice.advised_by, advice.advised_by_name) == (ADVICE, fg, "fg_a")
    assert advice.advised_on == timezone.localdate()
    assert ADVICE in page.locator("#advies").inner_text()
    assert page.get_by_role("link", name="Advies wijzigen").count() == 1
    dpia.refresh_from_db()
    assert dpia.status == DpiaStatus.ADVICE and dpia.decision == ""  # the FG does not decide
    sign_out(page)

    # 5. The privacy officer records the board's decision: decided and locked.
    sign_in(page, base, officer)
    page.goto(dpia_url)
    assert page.get_by_role("link", name="Advies geven").count() == 0  # not for the officer
    page.get_by_role("link", name="Besluit vastleggen").click()
    page.wait_for_url(re.compile(r".*/besluit/$"))
    assert page.locator("p.outcome").inner_text().startswith(ART_36)
    page.check(f"input[name=decision][value={Decision.PROCEED_WITH_MEASURES}]")
    page.fill("#id_decision_reasoning", REASONING)
    page.fill("#id_decided_by_name", "College van bestuur")
    page.fill("#id_decided_on", timezone.localdate().isoformat())
    page.get_by_role("button", name="Besluit vastleggen").click()
    page.wait_for_url(dpia_url)
    dpia.refresh_from_db()
    assert dpia.status == DpiaStatus.DECIDED and dpia.locked
    assert dpia.decision == Decision.PROCEED_WITH_MEASURES
    assert (dpia.decision_reasoning, dpia.decided_by_name) == (REASONING, "College van bestuur")
    assert dpia.decision_recorded_by == officer and dpia.prior_consultation is True
    assert "Besluit genomen" in page.locator("p.lead").inner_text()
    assert page.get_by_text("Over deze DPIA is besloten; hij is vergrendeld.").count() == 1
    assert "Doorgaan met aanvullende maatregelen" in page.locator("#besluit").inner_text()
    assert _edit_controls(page) == []
    assert page.get_by_role("button", name="Nieuwe versie maken").count() == 1
    page.screenshot(path=str(SCREENSHOT_DIR / "sw-dpia-decided.png"), full_page=True)
    response = page.goto(base + reverse("dpia:risk_edit", args=[dpia.pk, high.pk]))
    assert response is not None and response.status == 403
    assert _application_state(page, base, "Leerlab") == "DPIA afgerond"

    # 6. The PDF holds the title, a risk, the FG's advice, the decision and the art. 36 outcome.
    page.goto(dpia_url)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download als PDF").click()
    download = download_info.value
    assert download.suggested_filename == "dpia-dpia-leerlab-v1.pdf"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF")
    text = " ".join(
        " ".join(page_.extract_text().split()) for page_ in PdfReader(io.BytesIO(content)).pages
    )
    for expected in (
        "DPIA Leerlab",
        "Stichting Alfa",
        "Profilering van leerlingen",
        "De app legt een blijvend leerprofiel vast",
        ADVICE,
        "Doorgaan met aanvullende maatregelen",
        REASONING,
        ART_36,
    ):
        assert expected in text, expected
    assert "Stichting Bèta" not in text

    # 7. Strict CSP held on every page, and no script failed.
    violations = [
        text
        for text in console
        if "Content Security Policy" in text or text.startswith("pageerror")
    ]
    assert violations == []
