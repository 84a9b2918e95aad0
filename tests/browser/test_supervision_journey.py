"""A team manager records a supervision session in the browser whose decisions reach two children's files: the
workers due for supervision, the worker's allocated children each with a decision box and actions, a missing due
date named, then the session; each child's case page and chronology show their own decision at once. axe finds
no violations on any page visited."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from joinedup.accounts.models import AgencyKind, Role
from joinedup.accounts.services import agency_create, team_create, user_create
from joinedup.casework.models import Case
from joinedup.casework.services import allocation_set, contact_decide
from joinedup.casework.services.recording import today
from joinedup.practice.models import SupervisionSession
from tests.browser.helpers import assert_accessible, enter_code, press
from tests.casework.conftest import new_child_contact
from tests.conftest import PASSWORD, SYSTEM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def seed():
    csc = agency_create(actor=SYSTEM, code="northbrook-childrens-services", name="Northbrook Children's Services",
                        kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    front = team_create(actor=SYSTEM, agency=csc, code="front-door", name="Front Door", is_front_door=True)
    team = team_create(actor=SYSTEM, agency=csc, code="cp-east", name="Child Protection East")

    def user(username, role, team, first, last, title):
        return user_create(actor=SYSTEM, username=username, password=PASSWORD, agency=csc, role=role, team=team,
                           first_name=first, last_name=last, job_title=title, email=f"{username}@example.invalid")

    front_door = user("femi.front", Role.FRONT_DOOR, front, "Femi", "Front", "MASH social worker")
    manager = user("tess.manning", Role.TEAM_MANAGER, team, "Tess", "Manning", "Team manager")
    worker = user("sam.okafor", Role.SOCIAL_WORKER, team, "Sam", "Okafor", "Social worker")
    children = []
    for given, family in (("Ruby", "Calloway"), ("Leo", "Marsh")):
        made = new_child_contact(front_door, given=given, family=family, rag="red")
        contact_decide(user=front_door, person=made.person, record_pk=made.record_pk,
                       decision="strategy_discussion", primary_need="N1", revision=made.contact.revision)
        allocation_set(actor_user=manager, person=made.person, worker=worker)
        children.append(made.person)
    return manager, worker, children


def test_a_supervision_decision_reaches_two_childrens_files(page: Page, live_server):
    manager, _worker, (ruby, leo) = seed()
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(manager.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    enter_code(page, manager.username)  # the authenticator app's code
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")

    # Who is due: Sam has never been supervised here; one keyboard press starts his session.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Supervision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supervision")
    expect(page.locator("#due")).to_contain_text("Sam Okafor")
    assert_accessible(page)
    press(page, "Record supervision of Sam Okafor")
    expect(page.get_by_role("heading", level=1)).to_have_text("Supervision of Sam Okafor")
    expect(page.get_by_label("Date of the supervision")).to_have_value(f"{today():%d/%m/%Y}")
    assert_accessible(page)

    # A decision and an action for Ruby, but no due date: the problem names the child and the action.
    page.get_by_label("Decision about Ruby Calloway").fill("Convene a strategy discussion this week.")
    page.get_by_label("What is to be done: action 1 about Ruby Calloway").fill("Book the strategy discussion")
    page.get_by_label("Decision about Leo Marsh").fill("Continue the plan; see Leo alone at the next visit.")
    press(page, "Record the supervision")
    expect(page.get_by_role("alert")).to_contain_text("Action 1 about Ruby Calloway: enter the date it is due")
    expect(page.get_by_label("Decision about Ruby Calloway")).to_have_value("Convene a strategy discussion this "
                                                                           "week.")
    assert_accessible(page)
    due = today() + dt.timedelta(days=3)
    page.get_by_label("Due by: action 1 about Ruby Calloway").fill(f"{due:%d/%m/%Y}")
    press(page, "Record the supervision")
    expect(page.get_by_role("alert").first).to_contain_text("2 decisions written to the children's files")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sam Okafor")
    expect(page.get_by_role("table", name="Actions about Ruby Calloway")).to_contain_text("Book the strategy "
                                                                                        "discussion")
    assert_accessible(page)
    session = SupervisionSession.objects.get()
    assert sorted(d.person.display_name for d in session.discussions.all()) == ["Leo Marsh", "Ruby Calloway"]

    # Each child's case page and chronology show their own decision, at once.
    for child, decision, other in ((ruby, "Convene a strategy discussion this week.", "see Leo alone"),
                                   (leo, "Continue the plan; see Leo alone at the next visit.", "Convene")):
        page.goto(f"{live_server.url}/supervision/{session.pk}/")
        page.get_by_role("link", name=child.display_name).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(child.display_name)
        assert page.url.endswith(f"/cases/{Case.objects.get(person=child).pk}/")
        decisions = page.get_by_role("table", name="Supervision decisions")
        expect(decisions).to_contain_text(decision)
        expect(decisions).not_to_contain_text(other)
        assert_accessible(page)
        page.get_by_role("link", name="Chronology: every agency's events").click()
        expect(page.get_by_text(decision)).to_be_visible()
        assert_accessible(page)
    # Ruby's action shows with its owner and due date on her case page.
    page.goto(f"{live_server.url}/cases/{Case.objects.get(person=ruby).pk}/")
    expect(page.get_by_role("table", name="Supervision decisions")).to_contain_text(f"Sam Okafor (sam.okafor), due {due:%-d %b %Y}")
