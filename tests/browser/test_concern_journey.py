"""A concern from a neighbour in the browser, mostly by keyboard: the front door records it about a child (found
through the person search) with the neighbour's identity withheld; the team manager named to answer it sees
"Withheld", records what was done and that the neighbour was told; the head of service sees who raised it; a
worker writes competing hypotheses with their evidence and changes the child's categories. axe finds no
violations on any page visited."""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from joinedup.accounts.models import AgencyKind, Role
from joinedup.accounts.services import agency_create, team_create
from joinedup.casework.services import NewPerson, contact_record
from joinedup.practice.models import Concern
from tests.browser.helpers import assert_accessible, enter_code, press
from tests.conftest import PASSWORD, SYSTEM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEIGHBOUR = "Petra Lindqvist"


def sign_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    enter_code(page, username)  # the authenticator app's code
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def tick(page: Page, role: str, name: str) -> None:
    """A radio or checkbox chosen by keyboard: focus it, Space."""
    page.get_by_role(role, name=name, exact=True).focus()
    page.keyboard.press("Space")


@pytest.fixture
def authority(make_user):
    csc = agency_create(actor=SYSTEM, code="northbrook-childrens-services", name="Northbrook Children's Services",
                        kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    team = team_create(actor=SYSTEM, agency=csc, code="front-door", name="Front Door", is_front_door=True)
    people = {
        "front_door": make_user(role=Role.FRONT_DOOR, agency=csc, team=team, first_name="Femi", last_name="Door"),
        "manager": make_user(role=Role.TEAM_MANAGER, agency=csc, team=team, first_name="Tara", last_name="Mann"),
        "head": make_user(role=Role.HEAD_OF_SERVICE, agency=csc, first_name="Hal", last_name="Head"),
    }
    contact_record(user=people["front_door"], person=None, raised_by="agency", source_code="3E",
                   new_person=NewPerson(given_name="Milo", family_name="Ashgrove", dob=dt.date(2022, 3, 14)),
                   text="Bruise on the cheek seen at A&E.")
    return people


def test_a_concern_from_a_neighbour_is_answered_and_the_raiser_told(page: Page, live_server, authority):
    front_door, manager, head = authority["front_door"], authority["manager"], authority["head"]

    # The front door records it: the children first, found by search (terms in the body).
    sign_in(page, live_server, front_door.username)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Concerns").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Concerns")
    assert_accessible(page)
    page.get_by_role("link", name="Record a concern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Which children is it about?")
    assert_accessible(page)
    press(page, "Continue")  # nobody chosen
    expect(page.get_by_role("alert")).to_contain_text("Choose at least one child the concern is about")
    assert_accessible(page)
    page.get_by_label("Name").fill("Ashgrove")
    page.keyboard.press("Enter")
    assert "Ashgrove" not in page.url
    tick(page, "checkbox", "Milo Ashgrove")
    assert_accessible(page)
    press(page, "Continue")
    expect(page.get_by_role("heading", level=1)).to_have_text("What was raised, and by whom")
    assert_accessible(page)
    press(page, "Record the concern")  # nothing filled in: each field says what is missing
    expect(page.get_by_role("alert")).to_contain_text("Select who raised the concern")
    expect(page.get_by_role("alert")).to_contain_text("Enter what the concern is")
    assert_accessible(page)
    tick(page, "radio", "A neighbour or member of the public")
    page.get_by_label("Their name (optional)").fill(NEIGHBOUR)
    page.get_by_label("How to reach them (optional)").fill("07700 900456")
    page.get_by_label("What is the concern?").fill("Milo is heard screaming most evenings; no adult answers the door.")
    page.get_by_label("Who will answer it?").select_option(label="Tara Mann (Team manager, Front Door)")
    press(page, "Record the concern")
    expect(page.get_by_role("alert").first).to_contain_text("Concern recorded. Tara Mann is to answer it by")
    expect(page.locator("#raiser")).to_contain_text("Withheld")  # the recorder is not one of the named roles
    expect(page.get_by_text(NEIGHBOUR)).to_have_count(0)
    assert_accessible(page)
    concern_url = page.url
    sign_out(page)

    # The team manager named to answer it: the identity is withheld from them too.
    sign_in(page, live_server, manager.username)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Concerns").click()
    row = page.locator("table tbody tr").filter(has_text="Milo Ashgrove")
    expect(row).to_contain_text("Awaiting an answer")
    assert_accessible(page)
    row.get_by_role("link").first.click()
    expect(page.locator("#raiser")).to_contain_text("Withheld")
    expect(page.get_by_text(NEIGHBOUR)).to_have_count(0)
    assert_accessible(page)
    press(page, "Record what was done")
    expect(page.get_by_role("alert")).to_contain_text("Enter what was done")
    assert_accessible(page)
    page.get_by_label("What was done?").fill("Unannounced visit the next morning: Milo seen alone, no injuries.")
    press(page, "Record what was done")
    expect(page.get_by_role("alert").first).to_contain_text("What was done is recorded in each child's file")
    page.get_by_label("How were they told?").fill("By telephone")
    assert_accessible(page)
    press(page, "Record that they were told")
    expect(page.get_by_role("alert").first).to_contain_text("Recorded that the raiser was told")
    expect(page.get_by_text("Answered; raiser told")).to_be_visible()
    assert_accessible(page)
    sign_out(page)

    # The head of service sees who raised it (and the view is audited).
    sign_in(page, live_server, head.username)
    page.goto(concern_url)
    expect(page.locator("#raiser")).to_contain_text(NEIGHBOUR)
    expect(page.locator("#raiser")).to_contain_text("07700 900456")
    assert_accessible(page)
    concern = Concern.objects.get()
    assert concern.raiser_told_how == "By telephone" and concern.responded_by_id == manager.pk
    # In Milo's chronology at once, without the neighbour's name.
    page.get_by_role("link", name=re.compile(r"^Milo Ashgrove\W+chronology$")).click()
    expect(page.locator("main")).to_contain_text("Concern raised")
    expect(page.get_by_text(NEIGHBOUR)).to_have_count(0)
    assert_accessible(page)
    sign_out(page)


def test_competing_hypotheses_and_categories_in_the_browser(page: Page, live_server, authority):
    front_door = authority["front_door"]
    sign_in(page, live_server, front_door.username)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Find a person").click()
    page.get_by_label("Name").fill("Milo Ashgrove")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Milo Ashgrove").first.click()
    page.get_by_role("link", name="Chronology").first.click()
    page.get_by_role("link", name="Working hypotheses").click()
    expect(page.get_by_role("heading", name="Working hypotheses", exact=True)).to_be_visible()
    assert_accessible(page)

    for statement, column in (("The bruise came from a fall at nursery.", "For"),
                              ("The bruise was inflicted at home.", "Against")):
        page.get_by_role("link", name="Write a hypothesis").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Write a working hypothesis")
        page.get_by_label("What may be happening?").fill(statement)
        page.get_by_label("Words").fill("cheek")  # filters as you type
        expect(page.locator("#ev-count")).to_contain_text("1 of")
        page.get_by_role("checkbox", name=re.compile(rf"^{column}: Contact to children's services")).focus()
        page.keyboard.press("Space")
        assert_accessible(page)
        press(page, "Save the hypothesis")
        expect(page.get_by_role("alert").first).to_contain_text("Hypothesis written")
    cards = page.locator(".app-card")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("Evidence for (1)")
    expect(cards.nth(1)).to_contain_text("Evidence against (1)")
    assert_accessible(page)

    # Revise the first: refuted, with why; both versions kept.
    cards.nth(0).get_by_role("link", name="Revise, or see every version").click()
    tick(page, "radio", "Refuted")
    page.get_by_label("Why are you revising it?").fill("Nursery records no fall that week.")
    press(page, "Save the revision")
    expect(page.get_by_role("heading", name="Set aside: refuted or withdrawn")).to_be_visible()
    assert_accessible(page)
    page.locator("#set-aside + .app-home-cards").get_by_role("link", name="Revise, or see every version").click()
    expect(page.get_by_text("Version 2 (current)")).to_be_visible()
    expect(page.get_by_text("Nursery records no fall that week.")).to_be_visible()
    assert_accessible(page)

    # Categories, changed with a reason.
    page.get_by_role("link", name="Working hypotheses").click()
    page.get_by_role("link", name="Record the categories of concern").click()
    tick(page, "checkbox", "Physical abuse")
    page.get_by_label("Why these?").fill("Unexplained bruise to the cheek.")
    assert_accessible(page)
    press(page, "Save the categories")
    expect(page.get_by_role("alert").first).to_contain_text("Categories of concern changed")
    expect(page.locator("#categories + ul")).to_contain_text("Physical abuse")
    assert_accessible(page)
