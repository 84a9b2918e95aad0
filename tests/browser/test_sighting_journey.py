"""A social worker says who "Steve" is, from the child's household; axe finds nothing at each step."""

import re

import pytest
from playwright.sync_api import Page, expect

from joinedup.accounts.models import Agency
from joinedup.casework.services import allocation_set
from joinedup.people.models import LinkMethod
from tests.browser.helpers import assert_accessible, enter_code
from tests.conftest import PASSWORD
from tests.people.conftest import authority, authority_records, model_only, trained_model  # noqa: F401
from tests.people.test_households_online import CSC, GP
from tests.people.test_sightings import _person_of, _steve, family  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_identify_an_unidentified_adult(page: Page, live_server, family, make_user):  # noqa: F811
    worker = make_user(role="social_worker", agency=Agency.objects.get(code=CSC))
    allocation_set(actor_user=make_user(role="team_manager", agency=Agency.objects.get(code=CSC)), person=family,
                   worker=worker)  # the worker works with Kayden
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(worker.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    enter_code(page, worker.username)  # the authenticator app's code
    page.goto(f"{live_server.url}/people/{family.pk}/")
    link = page.get_by_role("link", name=re.compile("^Say who this is.*Steve"))
    expect(link).to_have_count(1), page.content()
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who is “Steve (mother's partner)”?")
    assert_accessible(page)

    page.get_by_label("Darren Pikesley", exact=False).check()
    page.get_by_role("button", name="Record who this is").click()  # no reason: an error, the choice kept
    expect(page.get_by_role("alert")).to_contain_text("Say how you know who this is")
    expect(page.get_by_label("Darren Pikesley", exact=False)).to_be_checked()
    assert_accessible(page)

    page.get_by_label("How do you know?").fill("Leanne told me on the visit that Steve is Darren.")
    page.get_by_role("button", name="Record who this is").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kayden")
    expect(page.locator("body")).to_contain_text("is Darren Pikesley")
    assert_accessible(page)
    link = _steve()
    assert link.method == LinkMethod.REVIEW and link.person_id == _person_of(GP, "GP-T1")
