"""Every URL and API operation × role (issue 15), from the URL configuration itself, so a new route is covered the
day it is added:

- with an id that does not exist, every route answers 404 (or 405 where GET is not an operation) to every role:
  never 200, never a server error — a made-up id confirms nothing;
- without ids, every page the role's menu or home page offers (both drawn from the policy's predicates) answers
  200, and no page answers any role with a server error; API list operations neither.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from joinedup.accounts.models import AgencyKind, Role
from joinedup.accounts.services import api_token_create
from joinedup.core.actor import ActorRef
from joinedup.web.navigation import home_cards_for, navigation_for
from tests.conftest import sign_in

ROLES = [Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FRONT_DOOR, Role.HEAD_OF_SERVICE, Role.PARTNER_PRACTITIONER,
         Role.CASE_REVIEWER, Role.DATA_PROTECTION_OFFICER, Role.PARTNERSHIP_MEMBER, Role.SYSTEM_ADMINISTRATOR,
         Role.PERFORMANCE]
NOT_PAGES = {"sign-in", "sign-out", "signed-out"}  # the sign-in flow's own routes
_CONVERTERS = {"uuid": lambda: str(uuid.uuid4()), "int": lambda: "987654321", "slug": lambda: "no-such-step",
               "str": lambda: "no-such-thing"}


def _routes(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            yield from _routes(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield namespace, p.name or "", prefix + str(p.pattern)


def _fill(route: str) -> str:
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: _CONVERTERS[m.group(1) or "str"](), route).lstrip("^")


ALL_ROUTES = list(_routes(get_resolver().url_patterns))
WEB = [(name, route) for ns, name, route in ALL_ROUTES if ns == "web" and name not in NOT_PAGES]
API = [(name, route) for ns, name, route in ALL_ROUTES if ns == "v1" and name != "schema"]


@pytest.fixture
def people(make_agency, make_user, make_team):
    csc = make_agency(AgencyKind.CHILDRENS_SOCIAL_CARE)
    police = make_agency(AgencyKind.POLICE)
    return {role: make_user(role=role, agency=police if role == Role.PARTNER_PRACTITIONER else csc,
                            team=make_team(csc) if role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER) else None)
            for role in ROLES}


def test_the_url_configuration_is_what_this_matrix_covers():
    assert len(WEB) >= 40 and len(API) >= 20
    assert set(ROLES) == set(Role.values)  # a new role is in the matrix the day it is added
    assert any("<uuid:person_id>" in r for _n, r in WEB) and any("<int:" in r for _n, r in WEB)


def test_a_made_up_id_is_404_on_every_route_for_every_role(people):
    failures = []
    for role, user in people.items():
        client = sign_in(Client(), user)
        token = api_token_create(actor=ActorRef.system("test"), user=user, name="matrix")[1]
        for name, route in WEB:
            if "<" not in route:
                continue
            status = client.get(_fill(route)).status_code
            if status not in (404, 405):
                failures.append((role, "web", name, status))
        for name, route in API:
            if "<" not in route:
                continue
            status = Client().get(_fill(route), HTTP_AUTHORIZATION=f"Bearer {token}").status_code
            if status not in (404, 405):
                failures.append((role, "api", name, status))
    assert failures == []


def test_pages_offered_to_a_role_open_and_nothing_fails(people):
    failures = []
    for role, user in people.items():
        client = sign_in(Client(), user)
        token = api_token_create(actor=ActorRef.system("test"), user=user, name="matrix")[1]
        offered = {item.href for item in navigation_for(user, "/")} | {c.href for c in home_cards_for(user) if c.href}
        for name, route in WEB:
            if "<" in route:
                continue
            url = _fill(route)
            status = client.get(url).status_code
            if status >= 500 or (url in offered and status != 200):
                failures.append((role, "web", name, status))
        for name, route in API:
            if "<" in route:
                continue
            status = Client().get(_fill(route), HTTP_AUTHORIZATION=f"Bearer {token}").status_code
            if status >= 500:
                failures.append((role, "api", name, status))
    assert failures == []

