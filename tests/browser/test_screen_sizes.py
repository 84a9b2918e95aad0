"""Any screen size (issue 19): each role's main pages at 375 px (a phone) and 1,280 px (a laptop). No page scrolls
sideways (wide tables scroll in regions of their own, the chronology's list reflows, its timeline has a phone form);
the menu is one row at 1,280 px for every role, the richest included (their least used entries under "More"); axe
finds nothing. The chronology reads newest first when asked, the choice kept by its links; who knew what opens on
the latest 12 months, and on every month when asked, scrolled to the newest.

axe runs on every page at 375 px; at 1,280 px (Playwright's default width, where every other journey runs it) on the
pages this issue changed: the richest menu (and its "More" opened), the chronology, who knew what."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from joinedup.accounts.models import Role
from joinedup.alerts.models import Alert
from joinedup.alerts.services import alerts_run_scheduled
from joinedup.casework.services import allocation_set
from tests.alerts.conftest import GP, MILO, family_records, ingest_and_link, m, own_rules, rec, staff  # noqa: F401
from tests.browser.helpers import assert_accessible, sign_in
from tests.chronology.conftest import model_only  # noqa: F401 - fixture
from tests.chronology.family import CSC, person_of
from tests.people.conftest import authority, authority_records, trained_model  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, LAPTOP = 375, 1280
SIDEWAYS = "() => [document.documentElement.scrollWidth, window.innerWidth]"
MENU_TOPS = "() => [...document.querySelectorAll('#navigation > li')].map(li => li.offsetTop)"
# Milo's GP saw him every quarter from April 2022: with the family's records (to April 2024), 25 months of record.
EARLY_VISITS = ["2022-04-12", "2022-07-12", "2022-10-12", "2023-01-12", "2023-04-12", "2023-07-12", "2023-10-12"]


@pytest.fixture
def child(staff, own_rules):  # noqa: F811
    """Milo (the alert tests' family, with two years of GP visits, the last in April 2024), allocated to the social
    worker; his alerts."""
    ingest_and_link(family_records() + [
        rec(GP, f"S-GP-{n}", "consultation", [m("m1", "patient", MILO, "GP-K1")], on=day,
            detail={"code": "check-up", "text": "Seen for a check-up.", "author_role": "GP"})
        for n, day in enumerate(EARLY_VISITS)])
    alerts_run_scheduled()
    milo = person_of(CSC, "CSC-K1")
    allocation_set(actor_user=staff.front_door_manager, person=milo, worker=staff.worker)
    return milo


def _fits(page: Page, width: int, url: str) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(url)
    scroll_width, inner = page.evaluate(SIDEWAYS)
    assert scroll_width <= inner, f"{url} at {width} px scrolls sideways: {scroll_width} px wide"
    if width == LAPTOP:
        tops = page.evaluate(MENU_TOPS)
        assert tops and len(set(tops)) == 1, f"{url}: the menu is not one row at {width} px: {tops}"


def _visit(page: Page, url: str, *, axe_on_laptop: bool = False) -> None:
    """The page at both widths: no sideways scroll, the menu in one row at 1,280 px, axe (see the module's note)."""
    _fits(page, LAPTOP, url)
    if axe_on_laptop:
        assert_accessible(page)
    _fits(page, PHONE, url)
    assert_accessible(page)


def test_every_role_s_pages_at_375_and_1280_px(page: Page, live_server, staff, child, make_user):  # noqa: F811
    base = live_server.url
    alert = Alert.objects.filter(person=child).order_by("rule_id").first()
    csc = staff.agency
    more_roles = {role: make_user(role, agency=csc) for role in (
        Role.DATA_PROTECTION_OFFICER, Role.SYSTEM_ADMINISTRATOR, Role.PERFORMANCE, Role.PARTNERSHIP_MEMBER,
        Role.CASE_REVIEWER)}
    pages = [
        # The richest menu: a team manager of the front door (15 entries before grouping).
        (staff.front_door_manager, ["/", "/front-door/", "/alerts/team/", "/caseloads/", "/dashboard/", "/review/"]),
        (staff.worker, [f"/alerts/{alert.pk}/", "/my-cases/", "/alerts/", f"/people/{child.pk}/",
                        f"/people/{child.pk}/chronology/?household=on"]),
        (staff.front_door_worker, ["/", "/notices/"]),
        (staff.head, ["/", "/supervision/"]),
        (staff.nurse, ["/", "/lookup/", "/referrals/"]),
        (more_roles[Role.DATA_PROTECTION_OFFICER], ["/", "/audit/", "/access/claims/"]),
        (more_roles[Role.SYSTEM_ADMINISTRATOR], ["/", "/administration/users/", "/administration/agencies/"]),
        (more_roles[Role.PERFORMANCE], ["/", "/returns/", "/data-quality/"]),
        (more_roles[Role.PARTNERSHIP_MEMBER], ["/", "/meetings/", "/concerns/"]),
        (more_roles[Role.CASE_REVIEWER], ["/", "/colleagues/"]),
    ]
    for user, urls in pages:
        page.context.clear_cookies()
        page.set_viewport_size({"width": LAPTOP, "height": 900})
        sign_in(page, live_server, user)
        for url in urls:
            _visit(page, f"{base}{url}", axe_on_laptop=url == "/" and user == staff.front_door_manager)
        if user == staff.front_door_manager:
            _the_menu_s_more(page, base)
        if user == staff.worker:
            _search_results(page, base)


def _the_menu_s_more(page: Page, base: str) -> None:
    """The least used entries under "More": opened, they fit the page at both widths; Escape closes them."""
    _fits(page, LAPTOP, f"{base}/")
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link", name="Colleagues")).to_be_hidden()
    menu.locator("summary", has_text="More").click()
    expect(menu.get_by_role("link", name="Colleagues")).to_be_visible()
    assert page.evaluate(SIDEWAYS)[0] <= LAPTOP
    assert_accessible(page)
    page.keyboard.press("Escape")
    expect(menu.get_by_role("link", name="Colleagues")).to_be_hidden()
    menu.get_by_role("link", name="Front door").click()  # a row entry is current: "More" is not marked
    _fits(page, PHONE, f"{base}/")
    toggle = page.get_by_role("button", name="Menu")  # a phone: the menu behind its button
    expect(menu.get_by_role("link", name="Front door")).to_be_hidden()
    toggle.click()
    menu.locator("summary", has_text="More").click()
    expect(menu.get_by_role("link", name="Colleagues")).to_be_visible()
    assert page.evaluate(SIDEWAYS)[0] <= PHONE
    assert_accessible(page)


def _search_results(page: Page, base: str) -> None:
    """Find a person's results (the terms go in a POST body) at both widths."""
    for width in (LAPTOP, PHONE):
        _fits(page, width, f"{base}/people/")
        page.get_by_label("Name").fill("Milo Ashgrove")
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_role("link", name="Milo Ashgrove")).to_be_visible()
        scroll_width, inner = page.evaluate(SIDEWAYS)
        assert scroll_width <= inner, f"search results at {width} px: {scroll_width} px wide"
    assert_accessible(page)


def _event_days(page: Page) -> list[dt.date]:
    """The day of each row of the chronology's list, top to bottom ("2 Apr 2024", "6 Dec 2026 23:39")."""
    cells = page.locator("table.app-events tbody tr td:first-child").all_inner_texts()
    return [dt.datetime.strptime(" ".join(text.split()[:3]), "%d %b %Y").date() for text in cells]


def test_the_chronology_newest_first_its_timeline_on_a_phone_and_who_knew_what(
        page: Page, live_server, staff, child):  # noqa: F811
    sign_in(page, live_server, staff.worker)
    _the_chronology(page, live_server, child)
    _who_knew_what(page, live_server, child)


def _the_chronology(page: Page, live_server, child) -> None:
    """Oldest first, then newest first (kept by the household's link and the filters), then a phone."""
    page.set_viewport_size({"width": LAPTOP, "height": 900})
    page.goto(f"{live_server.url}/people/{child.pk}/chronology/")
    days = _event_days(page)
    assert days == sorted(days) and len(days) >= 10  # oldest first by default
    order = page.locator("#order")
    order.get_by_role("link", name="Newest first").click()
    expect(page).to_have_url(re.compile(r"sort=newest"))
    expect(order.locator("strong")).to_have_text("Newest first")  # the order chosen, not a link
    days = _event_days(page)
    assert days == sorted(days, reverse=True) and days[0] > dt.date(2024, 4, 1) and days[-1] == dt.date(2022, 4, 12)
    expect(page.locator("table.app-events caption")).to_have_text("Events in time order, newest first")
    assert_accessible(page)

    # The household's events, then a filter: both keep the order.
    page.get_by_role("link", name="Add the events of the people living with Milo at the time").click()
    expect(page).to_have_url(re.compile(r"household=on"))
    expect(page).to_have_url(re.compile(r"sort=newest"))
    assert _event_days(page) == sorted(_event_days(page), reverse=True)
    page.get_by_text("Filter by agency, kind of event and period").click()
    page.get_by_label("Elm Tree Surgery").check()
    page.get_by_role("button", name="Show events").click()
    expect(page).to_have_url(re.compile(r"sort=newest"))
    days = _event_days(page)
    assert days == sorted(days, reverse=True) and days[-1] == dt.date(2022, 4, 12)
    assert page.locator("table.app-events tbody tr").count() == len(EARLY_VISITS) + 1  # the GP's records only
    order.get_by_role("link", name="Oldest first").click()
    expect(page).not_to_have_url(re.compile(r"sort="))
    assert _event_days(page)[0] == dt.date(2022, 4, 12)

    # On a phone the picture gives way to the timeline month by month, newest first when the list is; its marks
    # link to the entries in the list as the picture's do.
    page.set_viewport_size({"width": PHONE, "height": 900})
    page.goto(f"{live_server.url}/people/{child.pk}/chronology/?sort=newest")
    expect(page.locator("figure.app-timeline")).to_be_hidden()
    compact = page.locator(".app-timeline-compact")
    expect(compact).to_be_visible()
    months = compact.locator(".app-tlc__when").all_inner_texts()
    assert months[0] == "April 2024" and months[-1] == "April 2022"
    expect(compact.get_by_text("Nothing recorded, May 2022 to June 2022")).to_be_visible()
    april = compact.locator(".app-tlc__month").first
    expect(april).to_contain_text("CP plan")
    injury = april.get_by_role("link", name=re.compile("St Aldric.s Hospital: A&E attendance, bruising to forearm"))
    injury.click()
    expect(page).to_have_url(re.compile(r"#event-"))
    target = page.url.split("#", 1)[1]
    expect(page.locator(f"tr#{target}")).to_be_in_viewport()
    assert page.evaluate(SIDEWAYS)[0] <= PHONE
    assert_accessible(page)


def _who_knew_what(page: Page, live_server, child) -> None:
    """The latest 12 months by default; every month when asked, scrolled to the newest; the keyboard scrolls it."""
    page.set_viewport_size({"width": LAPTOP, "height": 900})
    page.goto(f"{live_server.url}/people/{child.pk}/who-knew/")
    caption = page.locator("#who-knew-caption")
    expect(caption).to_have_text(re.compile(r"May 2023 to April 2024$"))  # the latest 12 months of the record
    expect(page.get_by_text("The latest 12 months of 25")).to_be_visible()
    region = page.get_by_role("region", name=re.compile("Contacts, injuries and concerns recorded by each agency"))
    assert region.evaluate("r => r.scrollWidth <= r.clientWidth")  # 12 months fit 1,280 px: nothing to scroll
    assert_accessible(page)

    page.get_by_label("Months shown").select_option(label="All months")
    page.get_by_role("button", name="Show these months").click()
    expect(page).to_have_url(re.compile(r"period=all"))
    expect(caption).to_have_text(re.compile(r"April 2022 to April 2024$"))
    assert page.locator(".app-heat-table thead th").count() == 1 + 25 + 1  # agency, 25 months, total
    width, client, left = region.evaluate("r => [r.scrollWidth, r.clientWidth, r.scrollLeft]")
    assert width > client and left > 0 and left + client >= width - 1  # scrolled to the newest months
    assert page.evaluate(SIDEWAYS)[0] <= LAPTOP  # the region scrolls, not the page
    newest = page.locator(".app-heat-table thead th").nth(25)  # April 2024
    assert _inside(newest, region)
    assert not _inside(page.locator(".app-heat-table thead th").nth(1), region)  # April 2022, scrolled past
    expect(region).to_have_attribute("tabindex", "0")
    region.focus()
    page.keyboard.press("ArrowLeft")  # the keyboard scrolls it
    page.wait_for_function("left => document.querySelector('.app-heat-scroll').scrollLeft < left", arg=left)
    assert_accessible(page)

    # The household's records keep the period; on a phone the grid scrolls (to the newest) and the page does not.
    page.get_by_role("link", name="Include the household's records").click()
    expect(page).to_have_url(re.compile(r"period=all"))
    _fits(page, PHONE, page.url)
    width, client, left = region.evaluate("r => [r.scrollWidth, r.clientWidth, r.scrollLeft]")
    assert width > client and left + client >= width - 1
    assert_accessible(page)


def _inside(cell, region) -> bool:
    """The cell is wholly in the region's visible part (right of the agency column that stays in view)."""
    box, frame = cell.bounding_box(), region.bounding_box()
    agency = region.locator("thead th").first.bounding_box()
    return box["x"] >= agency["x"] + agency["width"] - 1 and box["x"] + box["width"] <= frame["x"] + frame["width"] + 1
