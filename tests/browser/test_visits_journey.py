"""A social worker records two visits in the browser, mostly by keyboard: one where the child was seen (alone),
one where the child was not seen. The case page then lists both, its clocks table shows the accompanied revisit
open, and the team manager's notices say the child was not seen and when the revisit is due. axe finds no
violations on any page visited."""

import re

import pytest
from playwright.sync_api import Page, expect

from joinedup.casework.models import CaseClock, Notice
from joinedup.ingest.models import SourceRecord
from joinedup_lab.benches import visit_time as bench_visit_time
from tests.browser.helpers import assert_accessible, enter_code, menu_link, press
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    enter_code(page, username)  # the authenticator app's code
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def choose(page: Page, question: str, answer: str) -> None:
    """A radio chosen by keyboard: focus it, Space."""
    page.get_by_role("group", name=question).get_by_role("radio", name=answer, exact=True).focus()
    page.keyboard.press("Space")


def open_visit_form(page: Page) -> None:
    link = page.get_by_role("link", name="Record a visit")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a visit")


def test_a_visit_seen_and_a_visit_not_seen(page: Page, live_server):
    seeded = bench_visit_time.seed(password=PASSWORD)
    child = seeded.child_name
    sign_in(page, live_server, seeded.username)
    assert_accessible(page)

    # The case page: a "Visits" section, nothing recorded yet, the plan's visit clock running.
    page.goto(f"{live_server.url}/cases/{seeded.case_id}/")
    visits = page.locator("#visits")
    expect(visits).to_have_text("Visits")
    expect(page.get_by_text("No visits recorded in this case yet.")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(r"^Statutory visit \(child protection plan"))).to_be_visible()
    assert_accessible(page)

    # A visit where the child was seen, alone. First with nothing chosen: each question says what is missing.
    open_visit_form(page)
    expect(page.get_by_label("When was the visit?")).to_have_value(re.compile(r"\d\d/\d\d/\d{4} \d\d:\d\d"))
    assert_accessible(page)
    page.get_by_label("When was the visit?").fill("")
    press(page, "Record the visit")
    expect(page.get_by_role("alert")).to_contain_text("Select whether you saw the child")
    assert_accessible(page)
    choose(page, f"Did you see {child}?", "Yes")
    choose(page, "Did you see them alone?", "Yes")
    page.get_by_label("What you saw").fill("Ava showed me her drawings; the home was warm and tidy.")
    page.get_by_label("What the child said, in their own words").fill("Mummy makes pancakes on Sundays.")
    choose(page, "Kind of visit", "Statutory visit")
    page.get_by_label("Who was present").fill("Mother\nMaternal grandmother")
    expect(page.get_by_text("Draft kept on this device — not sent yet")).to_be_visible()
    assert_accessible(page)
    press(page, "Record the visit")
    expect(page.get_by_role("heading", name="Visit recorded")).to_be_visible()
    expect(page.get_by_text("Mummy makes pancakes on Sundays.")).to_be_visible()
    assert_accessible(page)

    # Back on the case: listed, and the plan's visit met.
    page.get_by_role("link", name="Back to the case").click()
    row = page.locator("#visits ~ table").first.locator("tbody tr").first
    expect(row).to_contain_text("Statutory visit")
    expect(row.locator("td").nth(2)).to_have_text("Yes")
    expect(row.locator("td").nth(3)).to_have_text("Yes")
    assert_accessible(page)

    # A draft can be thrown away.
    open_visit_form(page)
    page.get_by_label("Where").fill("At nan's")
    expect(page.get_by_text("Draft kept on this device — not sent yet")).to_be_visible()
    press(page, "Discard the draft")
    expect(page.get_by_text("Draft kept on this device — not sent yet")).to_be_hidden()
    expect(page.get_by_label("Where")).to_have_value("")
    page.reload()
    expect(page.get_by_label("Where")).to_have_value("")

    # A visit where the child was not seen: the reason is revealed under "No".
    expect(page.get_by_label("Why not? (optional)")).to_be_hidden()
    choose(page, f"Did you see {child}?", "No")
    page.get_by_label("Why not? (optional)").fill("Nobody answered; curtains drawn at 4pm.")
    choose(page, "Kind of visit", "Unannounced visit")
    assert_accessible(page)
    press(page, "Record the visit")
    expect(page.get_by_role("heading", name="Visit recorded")).to_be_visible()
    warning = page.locator(".govuk-warning-text")
    expect(warning).to_contain_text("The child was not seen: an accompanied revisit is due by")
    expect(warning).to_contain_text("Tess Manning has been told")
    assert_accessible(page)

    # The case page: both visits, the revisit clock open in the clocks table.
    page.get_by_role("link", name="Back to the case").click()
    rows = page.locator("#visits ~ table").first.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Not seen")
    revisit = page.get_by_role("row", name=re.compile("Accompanied revisit: the child was not seen"))
    expect(revisit).to_contain_text("Open")
    assert_accessible(page)
    assert CaseClock.objects.filter(case_id=seeded.case_id, kind="revisit", met_at__isnull=True).count() == 1
    assert SourceRecord.objects.filter(kind="visit").count() == 2

    # The worker's visits due: the revisit first.
    page.goto(f"{live_server.url}/visits/due/")
    expect(page.locator("tbody tr").first).to_contain_text("Accompanied revisit")
    assert_accessible(page)

    # The team manager's notices.
    page.context.clear_cookies()
    sign_in(page, live_server, seeded.manager_username)
    menu_link(page, "Notices").click()  # a team manager's: under "More"
    notice = page.locator("tbody tr").filter(has_text=f"{child} was not seen on a visit")
    expect(notice).to_contain_text("An accompanied revisit is due by")
    expect(notice).to_contain_text("Nobody answered; curtains drawn at 4pm.")
    assert_accessible(page)
    assert Notice.objects.get(kind="child_not_seen").recipient.username == seeded.manager_username
