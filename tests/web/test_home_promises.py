"""A home page offers only what works (issue 19): for every role, in a seeded authority, every link on the home page
opens a page (200), and every phrase of the role's purpose sentence is kept by a card linking to the page that keeps
it. A new promise in a sentence without a page to keep it fails here (the words left over once the table's phrases
are taken out must be only connecting words)."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.test import Client
from django.urls import resolve

from joinedup.access.claims import commission_create
from joinedup.accounts.models import Role
from joinedup.web.navigation import ROLE_PURPOSE
from tests.access.conftest import world  # noqa: F401 - the seeded authority: every role, a child with a case
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ALERTS = {"web:alerts", "web:alerts-team"}
# role -> (phrase of its purpose sentence, the URL name(s) of the page that keeps it). The page must be linked from
# that role's home page and open.
PROMISES: dict[str, list[tuple[str, str | set[str]]]] = {
    Role.SOCIAL_WORKER: [("Your caseload", "web:my-cases"),
                         ("the whole multi-agency picture of each child", "web:person-search"),
                         ("visits due", "web:visits-due"), ("alerts", ALERTS)],
    Role.TEAM_MANAGER: [("Your team's caseloads", "web:caseloads"), ("visits due", "web:visits-due"),
                        ("supervision", "web:supervision"), ("alerts escalated to you", ALERTS),
                        ("the dashboard", "web:dashboard")],
    Role.FRONT_DOOR: [("Incoming contacts and referrals", "web:front-door"),
                      ("what partners already know", "web:front-door"),
                      ("decisions within a working day", "web:front-door")],
    Role.PARTNER_PRACTITIONER: [("Look a child up", "web:lookup"), ("whether there is a plan", "web:lookup"),
                                ("whom to call", "web:lookup"),
                                ("what the front door decided about your referrals", "web:referrals")],
    Role.PARTNERSHIP_MEMBER: [("Multi-agency meetings", "web:meetings"),
                              ("minutes with disagreements recorded", "web:meetings"),
                              ("concerns from anyone", "web:concerns")],
    Role.DATA_PROTECTION_OFFICER: [("Who saw what and why", "web:audit-trail"),
                                   ("self-claims and break-glass to review", "web:claims-review"),
                                   ("unsealings to review", "web:sealed"), ("the concerns log", "web:concerns")],
    Role.HEAD_OF_SERVICE: [("Demand", "web:dashboard"), ("capacity", "web:caseloads"),
                           ("timeliness across the service", "web:dashboard"), ("supervision", "web:supervision"),
                           ("sealed records", "web:sealed")],
    Role.CASE_REVIEWER: [("pseudonymised multi-agency chronologies of the case reviews you are commissioned for",
                          "web:chronology")],
    Role.SYSTEM_ADMINISTRATOR: [("Agencies", "web:admin-agencies"), ("teams", "web:admin-agencies"),
                                ("users", "web:admin-users"), ("the API tokens agencies' systems use",
                                                               "web:admin-tokens")],
    Role.PERFORMANCE: [("The children in need census", "web:returns"), ("the SSDA903", "web:returns"),
                       ("Ofsted's Annex A", "web:returns"), ("the records to fix", "web:data-quality")],
}
# What may be left of a sentence once its promises are taken out.
CONNECTIVES = {"and", "the", "your", "learn", "see", "of", "to", "a"}
_CARDS = re.compile(r'<div class="app-home-cards">(.*?)</main>', re.S)
_HREF = re.compile(r'href="([^"]+)"')


def test_every_role_has_a_table_of_promises_and_the_table_covers_its_sentence():
    assert set(PROMISES) == set(Role.values)
    for role, promises in PROMISES.items():
        sentence = ROLE_PURPOSE[role]
        for phrase, _names in promises:
            assert phrase in sentence, (role, phrase)
            sentence = sentence.replace(phrase, " ")
        left = {w for w in re.split(r"[\s,.;:]+", sentence.lower()) if w}
        assert left <= CONNECTIVES, (role, left - CONNECTIVES)  # a promise with no page in the table


def _staff(world, make_user):  # noqa: F811
    today = dt.date.today()
    commission_create(user=world.head, reviewer=world.reviewer, person_id=world.child.pk, reference="Review 2026/7",
                      starts_on=today - dt.timedelta(days=1), ends_on=today + dt.timedelta(days=30))
    return {Role.SOCIAL_WORKER: world.worker, Role.TEAM_MANAGER: world.manager, Role.FRONT_DOOR: world.front_door,
            Role.PARTNER_PRACTITIONER: world.officer, Role.PARTNERSHIP_MEMBER: world.partnership,
            Role.DATA_PROTECTION_OFFICER: world.dpo, Role.HEAD_OF_SERVICE: world.head,
            Role.CASE_REVIEWER: world.reviewer, Role.SYSTEM_ADMINISTRATOR: world.admin,
            Role.PERFORMANCE: make_user(Role.PERFORMANCE, agency=world.csc)}


def test_every_link_on_every_home_page_opens_and_every_promise_is_kept(world, make_user):  # noqa: F811
    failures = []
    for role, user in _staff(world, make_user).items():
        client = sign_in(Client(), user)
        home = client.get("/")
        assert home.status_code == 200, role
        body = home.content.decode()
        assert html.escape(ROLE_PURPOSE[role]) in body, role  # Django escapes as html.escape does
        links = [html.unescape(h) for h in _HREF.findall(_CARDS.search(body).group(1))]
        assert links, f"{role}: the home page offers nothing"
        opened: set[str] = set()
        for link in links:
            status = client.get(link).status_code
            if status != 200:
                failures.append((role, link, status))
            else:
                opened.add(resolve(link.split("?", 1)[0]).view_name)
        for phrase, names in PROMISES[role]:
            wanted = {names} if isinstance(names, str) else names
            if not wanted & opened:
                failures.append((role, phrase, f"no card opens {sorted(wanted)}"))
    assert failures == []


def test_the_administrator_menu_offers_the_administration_screens(world):  # noqa: F811
    from joinedup.web.navigation import navigation_for

    items = {i.text: i.href for i in navigation_for(world.admin, "/administration/users/")}
    assert {"Agencies", "Users", "API tokens"} <= set(items)
    for other in (world.worker, world.dpo, world.head):
        assert "API tokens" not in {i.text for i in navigation_for(other, "/")}
