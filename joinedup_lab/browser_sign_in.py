"""Signing in through the screens in a browser (Playwright), both steps, as a person would: for the benches that
drive a browser and for the browser tests.

After the password, the page is either the code page (the user has an authenticator app: `code_for()` gives its
current code) or the set-up page (no app yet: the key shown for typing in is read off the page, its code computed
as an authenticator app would, and the recovery codes page passed)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlparse


def sign_in_through_the_forms(page, base_url: str, *, username: str, password: str,
                              code_for: Callable[[], str] | None = None) -> None:
    """Sign in and stop on the page the sign-in leads to (home, or the `next` page)."""
    page.goto(f"{base_url}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    second_factor(page, code_for=code_for)


def second_factor(page, *, code_for: Callable[[], str] | None = None) -> None:
    """The second step, from whichever second-factor page the browser is on (nothing if on neither)."""
    from joinedup.accounts.mfa import code_from_base32  # needs Django's apps: imported when used

    path = urlparse(page.url).path
    if path == "/sign-in/set-up/":
        secret = page.locator("#totp-secret").inner_text()
        page.get_by_label("Code from your authenticator app").fill(code_from_base32(secret))
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="I have kept my recovery codes").click()
        page.wait_for_load_state()
    elif path == "/sign-in/code/":
        if code_for is None:
            raise ValueError("code_for: this user has an authenticator app; say how to get its current code")
        page.get_by_label("Code", exact=True).fill(code_for())
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
