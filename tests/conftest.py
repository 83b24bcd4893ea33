"""Shared fixtures: the organisation tree, the personas (see tests/personas.py) and the browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.personas import Personas, Tree, build_tree


@pytest.fixture
def tree(db: None) -> Tree:
    return build_tree()


@pytest.fixture
def personas(tree: Tree) -> Personas:
    return Personas(tree)


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser_page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test
    # (and in live_server's thread) are still synchronous. Scoped to the test, so it never leaks into later subprocesses.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="nl-NL", accept_downloads=True
        )
        page = context.new_page()
        try:
            yield page
        finally:
            browser.close()
