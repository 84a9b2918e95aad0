"""What the browser journeys share: signing in (both steps), axe on the page as it is, and pressing a button by
keyboard."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

axe = Axe()


def sign_in(page: Page, live_server, user, password: str | None = None) -> None:
    """Sign in through the forms as a person would: username and password, then the code their authenticator app
    shows (computed from their real TOTP device), or — for a user without one — setting one up from the key the
    page shows. `user`: a User or a username. Stops on the page the sign-in leads to."""
    from joinedup.accounts.models import User
    from joinedup_lab.browser_sign_in import sign_in_through_the_forms
    from tests.conftest import PASSWORD, totp_code

    username = getattr(user, "username", user)
    base = getattr(live_server, "url", live_server)
    sign_in_through_the_forms(page, base, username=username, password=password or PASSWORD,
                              code_for=lambda: totp_code(User.objects.get(username=username)))


def enter_code(page: Page, user) -> None:
    """The second step alone, for a test that typed the password itself."""
    from joinedup.accounts.models import User
    from joinedup_lab.browser_sign_in import second_factor
    from tests.conftest import totp_code

    username = getattr(user, "username", user)
    second_factor(page, code_for=lambda: totp_code(User.objects.get(username=username)))


def assert_accessible(page: Page) -> None:
    """axe finds no violations on the page as it is now."""
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()


def press(page: Page, button: str, *, exact: bool = False) -> None:
    """A button pressed by keyboard: focus it, Enter."""
    page.get_by_role("button", name=button, exact=exact).focus()
    page.keyboard.press("Enter")


def menu_link(page: Page, name: str):
    """An entry of the menu, in its row or under "More" (opened when the entry is there): joinedup.web.navigation
    lists a role's least used entries under "More" when the row would not fit at 1,280 px."""
    menu = page.get_by_role("navigation", name="Menu")
    link = menu.get_by_role("link", name=name)
    if not link.first.is_visible():
        menu.locator("summary", has_text="More").click()
    return link
