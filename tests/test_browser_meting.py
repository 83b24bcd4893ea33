"""A real browser (Debian's Chromium through Playwright) does a meting from start to report.

Board A's coordinator signs in (password and TOTP), starts a new meting, scores the four
Bestuur norms inline (htmx) and submits it; board A's board member signs in, approves it, sees
"Waar staan we?" change and downloads the board report, whose text holds the board's name and
the new scores. Any "Content Security Policy" console message fails the test.

Two users sign in because a TOTP code works once per device; each persona has its own device.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest

from schildwacht.assessments.models import Assessment, AssessmentStatus
from schildwacht.assessments.services import (
    approve_assessment,
    create_assessment,
    submit_for_review,
    update_score,
)
from schildwacht.frameworks.models import Framework
from schildwacht.frameworks.services import load_catalogues
from schildwacht.organisations.models import Organisation
from tests.browser_session import sign_in, sign_out
from tests.personas import TEST_ACTOR, Personas, build_tree

SCREENSHOT_DIR = Path(os.environ.get("SCHILDWACHT_SCREENSHOTS", tempfile.gettempdir()))
BESTUUR_NORMS = ("GO.01", "GO.02", "GO.03", "GO.05")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _nulmeting(board: Organisation, framework: Framework) -> Assessment:
    """An approved nulmeting of the board with every norm at level 1 (the starting point)."""
    assessment = create_assessment(TEST_ACTOR, board, framework, "Nulmeting")
    for score in assessment.scores.all():
        update_score(TEST_ACTOR, score, level=1)
    submit_for_review(TEST_ACTOR, assessment)
    approve_assessment(TEST_ACTOR, assessment)
    return assessment


def _bestuur_row(page: Any) -> Any:
    table = page.locator("table:has(caption:text-is('Gemiddeld niveau per domein'))")
    return table.locator("tbody tr", has=page.locator("th", has_text="Bestuur"))


def test_fill_approve_dashboard_and_report(live_server: Any, browser_page: Any) -> None:
    from pypdf import PdfReader

    page = browser_page
    base = live_server.url
    load_catalogues(TEST_ACTOR)
    framework = Framework.objects.get(slug="normenkader-ibp-fo")
    tree = build_tree()
    personas = Personas(tree)
    _nulmeting(tree.board_a, framework)

    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))

    # The coordinator starts a new meting (a copy of the nulmeting) and scores Bestuur inline.
    coordinator = personas["coordinator_a"]
    sign_in(page, base, coordinator)
    page.goto(f"{base}/metingen/nieuw/")
    page.select_option("#id_organisation", str(tree.board_a.pk))
    page.fill("#id_title", "Voorjaarsmeting")
    page.locator("form:has(#id_title) button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/metingen/\d+/$"))
    detail_url = page.url
    assessment = Assessment.objects.get(title="Voorjaarsmeting")
    assert detail_url == f"{base}/metingen/{assessment.pk}/"
    assert assessment.organisation == tree.board_a and assessment.previous is not None

    for norm_id in BESTUUR_NORMS:
        anchor = "norm-" + norm_id.replace(".", "-")
        row = page.locator(f"#{anchor}")
        assert row.locator(f"#id_{anchor}-level").input_value() == "1"  # copied from before
        row.locator(f"#id_{anchor}-level").select_option("3")
        row.locator("button[type=submit]").click()
        # htmx swaps the row in place: its own "Opgeslagen." notice, no page load.
        page.locator(f"#{anchor} .message--success").wait_for()
        assert page.url == detail_url
        assert page.locator(f"#id_{anchor}-level").input_value() == "3"
    page.screenshot(path=str(SCREENSHOT_DIR / "sw-meting-scored.png"), full_page=True)
    levels = dict(
        assessment.scores.filter(norm_id__in=BESTUUR_NORMS).values_list("norm_id", "level")
    )
    assert levels == dict.fromkeys(BESTUUR_NORMS, 3)

    page.locator("form[action$='/indienen/'] button").click()
    page.wait_for_url(detail_url)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.IN_REVIEW
    assert page.locator("form[action$='/goedkeuren/']").count() == 0  # not for a coordinator
    sign_out(page)

    # The board member sees the nulmeting on the dashboard, approves, and sees the change.
    sign_in(page, base, personas["board_member_a"])
    page.goto(f"{base}/rapportage/")
    assert page.locator("p.lead").inner_text() == "Stichting Alfa"
    assert _bestuur_row(page).locator("td").first.inner_text() == "1,0"

    page.goto(detail_url)
    page.locator("form[action$='/goedkeuren/'] button").click()
    page.wait_for_url(detail_url)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.APPROVED
    assert assessment.approved_by == personas["board_member_a"]

    page.goto(f"{base}/rapportage/")
    cells = _bestuur_row(page).locator("td")
    assert cells.nth(0).inner_text() == "3,0"
    assert cells.nth(1).inner_text() == "+2,0"
    assert "Voorjaarsmeting" in page.locator("main").inner_text()
    page.screenshot(path=str(SCREENSHOT_DIR / "sw-dashboard-after.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Bestuursrapportage (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("bestuursrapport-stichting-alfa-")
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF")
    text = "\n".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(content)).pages)
    assert "Stichting Alfa" in text
    assert "3,0" in text and "+2,0" in text  # the Bestuur domain: now 3,0, up from 1,0
    assert "Stichting Bèta" not in text

    violations = [
        text
        for text in console
        if "Content Security Policy" in text or text.startswith("pageerror")
    ]
    assert violations == []
