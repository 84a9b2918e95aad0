"""A front-door worker clears two matches from the review queue at once; axe finds nothing at each step."""

import pytest
from playwright.sync_api import Page, expect

from joinedup.people.models import ReviewItem, ReviewStatus
from tests.browser.helpers import assert_accessible, enter_code
from tests.conftest import PASSWORD
from tests.web.test_review_queue_tool import _reviewer, queue  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_decide_two_matches_together(page: Page, live_server, queue, make_user):  # noqa: F811
    worker = _reviewer(make_user)
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(worker.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    enter_code(page, worker.username)  # the authenticator app's code
    page.goto(f"{live_server.url}/review/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Matches to review")
    expect(page.locator("#queue-summary")).to_have_text("5 waiting: 3 about children.")
    assert_accessible(page)

    page.get_by_role("button", name="Different people").click()  # nothing ticked: an error, nothing decided
    expect(page.get_by_role("alert")).to_contain_text("Select at least one match to decide")
    assert_accessible(page)

    page.get_by_label("Select Ben Holt and Benjamin Holt").check()
    page.get_by_label("Select Dawn Reed and Dawn Reid").check()
    page.get_by_label("Why (optional)").fill("Different dates of birth confirmed with the school.")
    page.get_by_role("button", name="Different people").click()
    expect(page.get_by_role("alert").first).to_contain_text("2 decided as different people.")
    expect(page.locator("#queue-summary")).to_have_text("3 waiting: 2 about children.")
    assert_accessible(page)
    assert set(ReviewItem.objects.filter(pk__in=[queue["ben"].pk, queue["dawn"].pk]).values_list("status", flat=True)) == {
        ReviewStatus.REJECTED}
