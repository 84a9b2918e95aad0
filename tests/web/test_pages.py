"""Home page per role; pages that show personal data are audited and hidden from those without a need."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from joinedup.accounts.models import Role
from joinedup.web.navigation import ROLE_PURPOSE

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = {"/sign-in/", "/signed-out/", "/api/v1/schema/",
                "/account/set-password/"}  # a one-time link is the proof (without one: "this link has expired")


@pytest.mark.parametrize("role", list(Role))
def test_each_role_has_its_own_home_page(role, make_user, signed_in):
    user = make_user(role=role)
    body = signed_in(user).get("/").content.decode()
    assert role.label in body
    assert ROLE_PURPOSE[role].replace("'", "&#x27;") in body
    assert ("Audit trail" in body) == (role in {Role.DATA_PROTECTION_OFFICER, Role.SYSTEM_ADMINISTRATOR})


def test_audit_trail_is_404_for_roles_without_a_need(make_user, signed_in):
    client = signed_in(make_user(role=Role.SOCIAL_WORKER))
    assert client.get("/audit/").status_code == 404


def test_audit_trail_shows_events_to_the_data_protection_officer(make_user, signed_in):
    dpo = make_user(role=Role.DATA_PROTECTION_OFFICER)
    watched = make_user(agency=dpo.agency)
    response = signed_in(dpo).get("/audit/", {"actor": "test"})
    body = response.content.decode()
    assert response.status_code == 200
    assert ">User created</td>" in body and ">user.create<" not in body  # the action in words, never its code
    assert str(watched.pk)[:12] in body  # the row for creating `watched`, made by the test actor
    assert response["Cache-Control"] == "no-store"


def _paths(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _paths(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def test_every_page_needs_sign_in_except_the_public_ones(client):
    import re
    import uuid

    checked = 0
    for route in _paths():
        url = "/" + re.sub(r"<(slug|str):\w+>", "x", re.sub(r"<int:\w+>", "1", re.sub(r"<uuid:\w+>", str(uuid.uuid4()), route)))
        response = client.get(url)
        if url in PUBLIC_PAGES:
            assert response.status_code == 200, url
        else:
            assert response.status_code in {302, 401, 403, 405}, (url, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith("/sign-in/"), url
        checked += 1
    assert checked >= 8


def test_not_found_page_is_styled_and_reveals_nothing(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_the_menu_offers_casework_by_role_and_marks_one_entry_current(make_user, make_agency):
    from joinedup.accounts.models import AgencyKind
    from joinedup.web.navigation import navigation_for

    csc = make_agency(AgencyKind.CHILDRENS_SOCIAL_CARE)
    door = {i.text for i in navigation_for(make_user(role=Role.FRONT_DOOR, agency=csc), "/")}
    assert "Front door" in door and "Make a referral" not in door
    assert "Front door" not in {i.text for i in navigation_for(make_user(role=Role.SOCIAL_WORKER, agency=csc), "/")}
    partner = make_user(role=Role.PARTNER_PRACTITIONER, agency=make_agency(AgencyKind.SCHOOL))
    items = navigation_for(partner, "/referrals/new/")
    assert {"Make a referral", "Your referrals", "Notices"} <= {i.text for i in items}
    assert [i.text for i in items if i.current] == ["Make a referral"]
    assert [i.text for i in navigation_for(partner, "/referrals/") if i.current] == ["Your referrals"]
