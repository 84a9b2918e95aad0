"""The dashboard and caseloads API (issue 13): the same figures as the page, for the same people; 404 for anyone
else or another team; a malformed team is 422 naming the field; reads are audited."""

from __future__ import annotations

import pytest
from django.test import Client

from joinedup.accounts.services import actor_for, api_token_create
from joinedup.audit.models import AuditEvent
from joinedup.practice.selectors.dashboard import TIMELINESS_KINDS, dashboard_for
from tests.casework.conftest import csc, front_door, front_door_team, hospital, manager, nurse  # noqa: F401
from tests.practice.test_dashboard import authority  # noqa: F401

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]


def api(user) -> Client:
    _, secret = api_token_create(actor=actor_for(user), user=user, name="returns system")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_the_head_of_service_gets_the_figures_the_page_shows(authority):  # noqa: F811
    a = authority
    response = api(a.hos).get("/api/v1/dashboard/")
    assert response.status_code == 200
    body = response.json()
    d = dashboard_for(viewer=a.hos)
    assert body["scope"] == {"team": None, "name": d.scope.name}
    assert [w["contacts"] for w in body["weeks"]] == d.contacts and sum(d.contacts) == 6
    assert [w["referrals"] for w in body["weeks"]] == d.referrals
    assert [w["week"] for w in body["weeks"]] == [w.iso for w in d.weeks]
    for kind, _label in TIMELINESS_KINDS:
        assert [(w["timeliness"][kind]["on_time"], w["timeliness"][kind]["late"]) for w in body["weeks"]] == \
            [(t.on_time, t.late) for t in d.timeliness[kind]]
    now = body["now"]
    assert now["overdue"]["visit"] == 2 and now["overdue"]["contact_decision"] == 1
    assert {c["name"] for c in now["children_not_seen"]} == {"Poppy Plan", "Ned Never"}
    assert {s["name"] for s in now["supervision"] if s["overdue"]} == {a.a2.get_full_name(), a.b1.get_full_name()}
    assert len(now["concerns_overdue"]) == 2 and "raiser" not in str(now["concerns_overdue"])
    anna = next(c for c in now["caseloads"] if c["name"] == "Anna Able")
    assert anna["weighted"] == 4.0 and anna["limit"] == 18 and anna["children"] == 3
    assert AuditEvent.objects.filter(action="dashboard.view", actor_username=a.hos.username).exists()


def test_a_team_manager_gets_their_team_and_nobody_else_gets_anything(authority, nurse):  # noqa: F811
    a = authority
    body = api(a.tm_b).get("/api/v1/dashboard/").json()
    assert body["scope"]["team"] == str(a.team_b.pk) and body["now"]["children_not_seen"] == []
    assert api(a.tm_b).get("/api/v1/dashboard/", {"team": str(a.team_a.pk)}).status_code == 404
    assert api(a.hos).get("/api/v1/dashboard/", {"team": str(a.team_a.pk)}).json()["scope"]["team"] == \
        str(a.team_a.pk)
    bad = api(a.hos).get("/api/v1/dashboard/", {"team": "team-a"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "team"
    for user in (a.a1, nurse):
        assert api(user).get("/api/v1/dashboard/").status_code == 404
        assert api(user).get("/api/v1/caseloads/").status_code == 404


def test_caseloads_against_limits(authority):  # noqa: F811
    a = authority
    body = api(a.tm_a).get("/api/v1/caseloads/").json()
    loads = {c["name"]: c for c in body["caseloads"]}
    assert set(loads) == {a.tm_a.get_full_name(), "Anna Able", "Nia New"}
    assert loads["Anna Able"]["by_stage"] == {"Child protection plan": 1, "Looked after": 1, "Child in need plan": 1}
    assert loads["Nia New"]["weighted"] == 1.5 and not loads["Nia New"]["over_limit"]
    assert AuditEvent.objects.filter(action="caseload.view", actor_username=a.tm_a.username).exists()
