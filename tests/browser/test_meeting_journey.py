"""Minutes of a strategy discussion with a dissent, in the browser: the front door starts them from the child's
case, adds who attended line by line, an item with its decision (no further action), then where each attendee
stood — the police dissent, with the reason; the head of service approves them (locked), the child's chronology
shows the dissent with its reason at once, and the dissent is escalated. axe finds no violations on any page."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from joinedup.accounts.models import Role
from joinedup.casework.models import Case
from joinedup.practice.models import DissentEscalation, Meeting, MinutesStatus
from tests.browser.helpers import assert_accessible, enter_code, press
from tests.casework import conftest as casework
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

csc, front_door_team, front_door = casework.csc, casework.front_door_team, casework.front_door
case_at_strategy = casework.case_at_strategy
NFA = "No further action: the bruise is accepted as accidental."
REASON = "Police disagree: the father's account changed twice and there were two call-outs to the address this year."


def sign_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    enter_code(page, username)  # the authenticator app's code
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def choose(page: Page, radio) -> None:
    """A radio chosen by keyboard: focus it, Space."""
    radio.focus()
    page.keyboard.press("Space")


def add_attendee(page: Page, name: str, agency: str, role: str) -> None:
    form = page.locator("#add-attendee")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Agency").fill(agency)
    form.get_by_label("Role").fill(role)
    press(page, "Add attendee", exact=True)
    expect(page.locator("#attendees + table")).to_contain_text(name)


def test_minutes_with_a_dissent_approved_and_in_the_childs_chronology(page: Page, live_server, front_door,
                                                                       case_at_strategy, make_user, csc):
    case = Case.objects.select_related("person").get(pk=case_at_strategy.case_id)
    child = case.person.display_name
    head = make_user(role=Role.HEAD_OF_SERVICE, agency=csc, first_name="Hana", last_name="Reyes")
    sign_in(page, live_server, front_door.username)

    # From the case page to new minutes of a strategy discussion.
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.get_by_role("heading", name="Meetings")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Start minutes of a strategy discussion, conference or core group").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start minutes")
    assert_accessible(page)
    press(page, "Start the minutes", exact=True)  # nothing chosen yet
    expect(page.get_by_role("alert")).to_contain_text("Select what kind of meeting it was")
    expect(page.get_by_role("alert")).to_contain_text("Enter the meeting's title")
    assert_accessible(page)
    choose(page, page.get_by_role("radio", name="Strategy discussion"))
    page.get_by_label("Title").fill("Strategy discussion after the A&E attendance")
    page.get_by_label("Who chaired it? (optional)").fill("Sam Okafor")
    press(page, "Start the minutes", exact=True)
    expect(page.get_by_role("alert").first).to_contain_text("Minutes started")
    expect(page.get_by_role("heading", level=1)).to_have_text("Strategy discussion after the A&E attendance")
    assert_accessible(page)

    # Who attended, line by line (a missing agency is named).
    form = page.locator("#add-attendee")
    form.get_by_label("Name").fill("Priya Natt")
    press(page, "Add attendee", exact=True)
    expect(page.get_by_role("alert")).to_contain_text("Enter Priya Natt's agency")
    expect(form.get_by_label("Name")).to_have_value("Priya Natt")  # what was typed is kept
    assert_accessible(page)
    form.get_by_label("Agency").fill("Health")
    form.get_by_label("Role").fill("Named nurse")
    press(page, "Add attendee", exact=True)
    add_attendee(page, "Sam Okafor", "Children's social care", "Team manager (chair)")
    add_attendee(page, "Dee Hollis", "Police", "Detective sergeant")
    assert_accessible(page)

    # An item with its decision.
    item = page.locator("#add-item")
    item.get_by_label("Item").fill("The bruise seen at A&E")
    item.get_by_label("What was said (optional)").fill("Father says Ruby fell against the table.")
    item.get_by_label("What was decided (optional)").fill(NFA)
    press(page, "Add item", exact=True)
    expect(page.locator("#decision-1")).to_contain_text(NFA)
    expect(page.locator("#grid")).to_contain_text("Not recorded")
    assert_accessible(page)

    # Where each attendee stood: the police dissent, first without the reason.
    page.get_by_role("link", name="Record where each attendee stood on decision 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Where each attendee stood on decision 1")
    assert_accessible(page)
    health = page.get_by_role("group", name="Priya Natt, Named nurse (Health)")
    chair = page.get_by_role("group", name="Sam Okafor, Team manager (chair) (Children's social care)")
    police = page.get_by_role("group", name="Dee Hollis, Detective sergeant (Police)")
    choose(page, health.get_by_role("radio", name="Agreed"))
    choose(page, chair.get_by_role("radio", name="Agreed"))
    choose(page, police.get_by_role("radio", name="Dissented"))
    reason = page.get_by_label("Why did Dee Hollis dissent?")
    expect(reason).to_be_visible()  # revealed by choosing "Dissented"
    assert_accessible(page)
    press(page, "Save positions", exact=True)
    expect(page.get_by_role("alert")).to_contain_text("Say why Dee Hollis dissented")
    assert_accessible(page)
    page.get_by_label("Why did Dee Hollis dissent?").fill(REASON)
    press(page, "Save positions", exact=True)
    expect(page.get_by_role("alert").first).to_contain_text("Positions on decision 1 recorded")
    decision = page.locator("#decision-1")
    expect(decision.get_by_role("row").filter(has_text="Dee Hollis")).to_contain_text("Dissented")
    expect(decision.get_by_role("row").filter(has_text="Dee Hollis")).to_contain_text(REASON)
    expect(page.locator("#dissent-summary")).to_contain_text("Dissent recorded: 1 position against a decision")
    assert_accessible(page)
    url = page.url
    page.get_by_role("button", name="Sign out").click()

    # The head of service approves: locked, and in the child's chronology at once.
    sign_in(page, live_server, head.username)
    page.goto(url)
    expect(page.get_by_role("button", name="Approve and lock the minutes")).to_be_visible()
    assert_accessible(page)
    press(page, "Approve and lock the minutes", exact=True)
    expect(page.get_by_role("alert").first).to_contain_text("Minutes approved and locked")
    expect(page.get_by_text("Approved, locked")).to_be_visible()
    expect(page.locator("#add-attendee")).to_have_count(0)
    assert_accessible(page)
    meeting = Meeting.objects.get()
    assert meeting.status == MinutesStatus.APPROVED and meeting.approved_by == head

    page.locator("#details").get_by_role("link", name=child, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(child)
    entry = page.locator("tr").filter(has_text="Meeting minutes")
    expect(entry).to_contain_text(REASON)
    expect(entry).to_contain_text(NFA)
    assert_accessible(page)

    # The dissent goes to stage 1 of the resolution protocol.
    page.goto(url)
    page.get_by_role("link", name="Escalate this dissent by Dee Hollis on decision 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Escalate a dissent")
    assert_accessible(page)
    page.get_by_label("Who owns this stage?").select_option(label=f"Hana Reyes, {head.get_role_display()}")
    page.get_by_label("Deadline").fill(f"{dt.date.today() + dt.timedelta(days=5):%d/%m/%Y}")
    press(page, "Escalate", exact=True)
    expect(page.get_by_role("alert").first).to_contain_text("Dissent escalated")
    expect(page.locator("#decision-1")).to_contain_text("Escalated: stage 1")
    assert_accessible(page)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Meetings").click()
    expect(page.get_by_role("heading", name="Dissent escalated to you")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Police: Detective sergeant").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Escalated dissent")
    assert_accessible(page)
    assert DissentEscalation.objects.get().owner == head
    choose(page, page.get_by_role("radio", name="No: it can go to the next stage"))
    page.get_by_label("What was the outcome?").fill("Managers could not agree: goes to stage 2.")
    press(page, "Record the outcome", exact=True)
    expect(page.get_by_role("alert").first).to_contain_text("Outcome recorded")
    expect(page.locator("dl").last).to_contain_text("Not resolved: Managers could not agree")
    assert_accessible(page)

    # A correction is a new version; approving it keeps version 1, superseded.
    page.get_by_role("link", name="The minutes").click()
    press(page, "Correct these minutes", exact=True)
    expect(page.get_by_role("alert").first).to_contain_text("Version 2 started")
    expect(page.get_by_text("This is a correction of")).to_be_visible()
    assert_accessible(page)
    press(page, "Approve and lock the minutes", exact=True)
    expect(page.locator("#versions")).to_contain_text("Corrected by a later version")
    assert_accessible(page)
    page.locator("#versions").get_by_role("link", name="Version 1").click()
    expect(page.get_by_text("These minutes were corrected.")).to_be_visible()
    expect(page.locator("#decision-1")).to_contain_text(REASON)
    assert_accessible(page)
    assert [m.status for m in Meeting.objects.order_by("version")] == [MinutesStatus.SUPERSEDED,
                                                                       MinutesStatus.APPROVED]
