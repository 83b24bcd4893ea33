"""A real browser (Debian's Chromium through Playwright) signs in, uses htmx, switches language.

It also proves the strict CSP holds in practice: any "Content Security Policy" console message
fails the test.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from schildwacht.accounts.models import AuthenticatorDevice
from schildwacht.organisations.services import add_membership
from tests.personas import PASSWORD, TEST_ACTOR, build_tree, make_user

SCREENSHOT_DIR = Path(os.environ.get("SCHILDWACHT_SCREENSHOTS", tempfile.gettempdir()))

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_use_and_sign_out(live_server: Any, browser_page: Any) -> None:
    page = browser_page
    tree = build_tree()
    user = make_user("ibp@alfa.example")
    user.full_name = "Ilse Bakker"
    user.save(update_fields=["full_name"])
    add_membership(TEST_ACTOR, user=user, organisation=tree.board_a, role="security_officer")
    device = AuthenticatorDevice.objects.get(user=user)

    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url("**/accounts/mfa/verify/**")
    page.fill("input[name=otp_token]", f"{device.code_at(device.current_step()):06d}")
    page.locator("form:has(input[name=otp_token]) [type=submit]").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Welkom, Ilse Bakker"
    assert "Waar staan we?" in page.locator("#rolpanelen").inner_text()
    page.screenshot(path=str(SCREENSHOT_DIR / "sw-start.png"), full_page=True)

    # The organisation switcher on the start page goes through htmx: the panels reload in place.
    page.select_option("#organisatiekeuze", str(tree.school_a2.pk))
    page.locator("form:has(#organisatiekeuze) button").click()
    page.locator("#actieve-organisatie", has_text="De Linde").wait_for()
    assert page.url == f"{live_server.url}/"

    page.set_viewport_size({"width": 320, "height": 800})
    page.screenshot(path=str(SCREENSHOT_DIR / "sw-start-320.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 320, f"page is {overflow}px wide at a 320px viewport"
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/audit/")
    assert page.locator("h1").inner_text() == "Audittrail"
    page.select_option("#id_action", "create")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**/audit/?*action=create*")
    assert page.locator("#auditregels table").count() == 1
    page.screenshot(path=str(SCREENSHOT_DIR / "sw-audit.png"), full_page=True)

    page.goto(f"{live_server.url}/organisaties/{tree.board_a.pk}/")
    page.screenshot(path=str(SCREENSHOT_DIR / "sw-organisation.png"), full_page=True)

    page.select_option("#taalkeuze", "en")
    page.locator("form:has(#taalkeuze) button").click()
    page.wait_for_load_state()
    page.locator("html[lang=en]").wait_for(state="attached")

    page.locator("form[action='/accounts/logout/'] button").click()
    page.wait_for_url("**/accounts/login/**")
    assert page.locator("input[name=username]").count() == 1

    violations = [
        text
        for text in console
        if "Content Security Policy" in text or text.startswith("pageerror")
    ]
    assert violations == []
