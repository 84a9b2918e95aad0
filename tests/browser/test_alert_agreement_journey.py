"""An escalate alert in the browser: the allocated worker proposes dismissing it (it stays open, awaiting a manager's
agreement); the team manager finds the proposal in the team's alerts, is told what is missing when disagreeing with no
reason, then agrees; axe finds nothing on any of the pages."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.alerts.conftest import family, staff  # noqa: F401 - fixtures
from tests.alerts.test_agreement import alerts, rules  # noqa: F401 - fixtures
from tests.browser.helpers import assert_accessible, sign_in
from tests.chronology.conftest import model_only  # noqa: F401 - fixture
from tests.people.conftest import authority, authority_records, loaded, trained_model  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_worker_proposes_and_the_team_manager_agrees(page: Page, live_server, alerts, staff):  # noqa: F811
    escalate = alerts["TE"]
    sign_in(page, live_server, staff.worker)
    page.goto(f"{live_server.url}/alerts/{escalate.pk}/")
    expect(page.get_by_text("it closes only with a manager's agreement")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Or dismiss it: why is no action needed?").fill("Seen at nursery on 3 April by the health visitor.")
    page.get_by_role("button", name="Propose dismissing: ask a manager to agree").click()
    expect(page.get_by_role("alert").first).to_contain_text("Your proposal is recorded")
    expect(page.locator("main")).to_contain_text("Awaiting a manager's agreement")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, staff.manager)
    page.goto(f"{live_server.url}/alerts/team/")
    expect(page.get_by_text("Waiting for your agreement: 1")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^TE: Child not seen\W+agree or disagree$")).click()
    expect(page.locator("main")).to_contain_text("Seen at nursery on 3 April by the health visitor.")
    page.get_by_role("button", name="Disagree: keep the alert open").click()
    expect(page.get_by_role("alert").first).to_contain_text("Enter why the alert stays open")
    assert_accessible(page)
    page.get_by_label("Agree: a note (optional)").fill("The health visitor's note confirms it.")
    page.get_by_role("button", name="Agree and close the alert").click()
    expect(page.get_by_role("alert").first).to_contain_text("You agreed")
    expect(page.locator("main")).to_contain_text("Proposed, then agreed")
    assert_accessible(page)
