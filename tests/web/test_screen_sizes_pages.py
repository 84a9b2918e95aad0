"""Any screen size (issue 19), on the server: the menu's row and its "More", the who-knew-what period and the
chronology's order as the pages take them (the browser test, tests/browser/test_screen_sizes.py, measures the
pages themselves at 375 and 1,280 px)."""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse

from joinedup.accounts.models import Agency, AgencyKind, Role
from joinedup.casework.services import allocation_set
from joinedup.web import navigation
from joinedup.web.navigation import navigation_for
from joinedup.web.views.chronology import _on_this_page
from tests.chronology.conftest import family, model_only  # noqa: F401 - fixtures
from tests.chronology.family import CSC
from tests.people.conftest import authority, authority_records, loaded, trained_model  # noqa: F401 - fixtures


def _row_px(items) -> int:
    """The menu row as navigation estimates it: the entries in the row, and "More" when some are under it."""
    shown = [navigation._label_px(i.text) for i in items if not i.more]
    entries = shown + ([navigation.MENU_MORE_PX] if any(i.more for i in items) else [])
    return sum(entries) + navigation.MENU_GAP_PX * (len(entries) - 1)


@pytest.mark.django_db
def test_the_menu_lists_the_least_used_under_more_only_when_the_row_would_not_fit(make_user, make_team, make_agency):
    csc = make_agency(AgencyKind.CHILDRENS_SOCIAL_CARE)
    manager = make_user(Role.TEAM_MANAGER, agency=csc, team=make_team(csc, is_front_door=True))
    items = navigation_for(manager, "/")
    assert [i.text for i in items if i.more] == ["Look up a child", "Notices", "Matches to review", "Data quality",
                                                 "Colleagues"]  # in the menu's order; chosen least used first
    assert [i.text for i in items if not i.more] == ["Front door", "Your caseload", "Supervision", "Meetings",
                                                     "Concerns", "Dashboard", "Find a person", "Alerts"]
    assert _row_px(items) <= navigation.MENU_ROW_PX
    # Under "More", the current page is still marked.
    assert [(i.text, i.more) for i in navigation_for(manager, "/colleagues/") if i.current] == [("Colleagues", True)]

    nurse = make_user(Role.PARTNER_PRACTITIONER, agency=make_agency(AgencyKind.ACUTE_HOSPITAL))
    items = navigation_for(nurse, "/")
    assert not any(i.more for i in items)  # six entries fit the row
    assert [i.text for i in items] == ["Make a referral", "Your referrals", "Find a person", "Look up a child",
                                       "Notices", "Colleagues"]
    # The home page is the service name in the header; the account and signing out are at the header's right.
    assert not {"Home", "Your account"} & {i.text for i in items}


@pytest.mark.django_db
def test_every_role_s_menu_row_fits(make_user, make_team, make_agency):
    csc = make_agency(AgencyKind.CHILDRENS_SOCIAL_CARE)
    partner = make_agency(AgencyKind.GP_PRACTICE)
    for role in Role.values:
        agency = partner if role == Role.PARTNER_PRACTITIONER else csc
        for team in (None, make_team(csc), make_team(csc, is_front_door=True)):
            if team is not None and agency != csc:
                continue
            items = navigation_for(make_user(role, agency=agency, team=team), "/")
            assert _row_px(items) <= navigation.MENU_ROW_PX, (role, team, [i.text for i in items])


def test_each_moment_belongs_to_one_page_of_the_list_in_either_order():
    times = [1, 3, 3, 5, 8, 13, 21, 34]  # the events' times, oldest first; pages of 3
    for newest, size in itertools.product((False, True), (1, 2, 3)):
        listed = sorted(times, reverse=newest)
        pages = [listed[i:i + size] for i in range(0, len(listed), size)]

        def owners(at, pages=pages, newest=newest):
            return [n for n, shown in enumerate(pages, start=1)
                    if _on_this_page(at, shown[0], pages[n][0] if n < len(pages) else None, n, newest=newest)]

        for at in range(0, 40):
            assert len(owners(at)) == 1, (newest, size, at, owners(at))
        for n, shown in enumerate(pages, start=1):  # a moment among a page's events is on that page
            for at in range(min(shown) + 1, max(shown)):
                assert owners(at) == [n], (newest, size, at)


@pytest.fixture
def worker(family, make_user, make_team):  # noqa: F811
    csc = Agency.objects.get(code=CSC)
    door = make_user(Role.FRONT_DOOR, agency=csc, team=make_team(csc, is_front_door=True))
    social_worker = make_user(Role.SOCIAL_WORKER, agency=csc, team=make_team(csc))
    allocation_set(actor_user=door, person=family, worker=social_worker)
    return social_worker


def _list(html: str) -> str:
    """The chronology's list (not the timeline above it, which names the same days)."""
    return html[html.index('<table class="govuk-table app-events'):]


def test_the_chronology_reads_newest_first_when_asked(family, worker, signed_in):  # noqa: F811
    client = signed_in(worker)
    url = reverse("web:chronology", args=[family.pk])
    oldest = client.get(url).content.decode()
    rows = _list(oldest)
    assert rows.index("10 Jan 2024") < rows.index("3 Feb 2024") < rows.index("1 Mar 2024")
    assert "Events in time order, oldest first" in oldest
    newest = client.get(url, {"sort": "newest"}).content.decode()
    rows = _list(newest)
    assert rows.index("1 Mar 2024") < rows.index("3 Feb 2024") < rows.index("10 Jan 2024")
    assert "Events in time order, newest first" in newest
    # The links of the page keep the order: the household's events, clearing the filters, the other order.
    assert 'href="?household=on&amp;sort=newest"' in newest
    assert f'href="{url}?sort=newest">Clear filters' in newest
    assert '<input type="hidden" name="sort" value="newest">' in newest
    assert '<a class="govuk-link app-sort__link" href="?#events">Oldest first</a>' in newest
    household = client.get(url, {"sort": "newest", "household": "on"}).content.decode()
    assert f'href="{url}?sort=newest">Show Milo' in household
    # An order that is not offered is named, not ignored.
    wrong = client.get(url, {"sort": "sideways"}).content.decode()
    assert "Choose the order of the list: oldest first or newest first" in wrong and "Error: Chronology" in wrong


def test_who_knew_what_takes_a_period_and_names_one_it_does_not_offer(family, worker, signed_in):  # noqa: F811
    client = signed_in(worker)
    url = reverse("web:who-knew", args=[family.pk])
    page = client.get(url).content.decode()
    assert '<option value="12" selected>Latest 12 months</option>' in page  # the default
    assert "January 2024 to March 2024" in page  # Milo's own records: three months, all within the latest 12
    one = client.get(url, {"period": "6", "household": "on"}).content.decode()
    assert '<option value="6" selected>' in one
    assert 'href="?period=6">Child\'s own records only' in one  # the period kept
    wrong = client.get(url, {"period": "99"})
    assert wrong.status_code == 200
    html = wrong.content.decode()
    assert "Choose the months to show: the latest 6, 12 or 24, or all of them" in html
    assert '<a href="#id_period">' in html and "January 2024 to March 2024" in html  # the default period meanwhile
