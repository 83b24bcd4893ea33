"""Signing in and out in the browser tests (password, then the authenticator code)."""

from __future__ import annotations

from typing import Any

from schildwacht.accounts.models import AuthenticatorDevice, User
from tests.personas import PASSWORD


def sign_in(page: Any, base_url: str, user: User) -> None:
    device = AuthenticatorDevice.objects.get(user=user)
    # A code works once: signing in again within the same 30 seconds takes the next step's
    # code, which the device accepts (one step of drift) instead of waiting for the clock.
    device.refresh_from_db()
    step = max(device.current_step(), device.last_t + 1)
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url("**/accounts/mfa/verify/**")
    page.fill("input[name=otp_token]", f"{device.code_at(step):06d}")
    page.locator("form:has(input[name=otp_token]) [type=submit]").click()
    page.wait_for_url(f"{base_url}/")


def sign_out(page: Any) -> None:
    page.locator("form[action='/accounts/logout/'] button").click()
    page.wait_for_url("**/accounts/login/**")
