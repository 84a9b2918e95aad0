"""What the browser journeys share: axe on the page as it is, and pressing a button by keyboard."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

axe = Axe()


def assert_accessible(page: Page) -> None:
    """axe finds no violations on the page as it is now."""
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()


def press(page: Page, button: str, *, exact: bool = False) -> None:
    """A button pressed by keyboard: focus it, Enter."""
    page.get_by_role("button", name=button, exact=exact).focus()
    page.keyboard.press("Enter")
