"""A worker's own supervision interval and caseload limit (issue 13): their team manager or the head of service
sets whether they are newly qualified, how often they are supervised and their weighted caseload limit (blank:
the deployment's); the supervision list and caseloads follow at once; bad input names each field and changes
nothing; nobody else may (404 on the screen, PermissionError in the service); every change is audited with
before and after."""

from __future__ import annotations

from decimal import Decimal

import pytest

from joinedup.accounts.models import Role
from joinedup.audit.actions import AuditAction
from joinedup.audit.models import AuditEvent
from joinedup.casework.services import StepInvalid
from joinedup.practice.selectors.caseloads import caseloads_for
from joinedup.practice.selectors.supervision import supervision_status
from joinedup.practice.services.workers import worker_practice_set
from tests.practice.test_supervision import authority, client_of  # noqa: F401

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]


def interval_of(viewer, worker) -> int:
    [due] = supervision_status(viewer=viewer, workers=[worker])
    return due.interval_days


def test_the_manager_sets_newly_qualified_an_interval_and_a_limit_and_both_lists_follow(authority):  # noqa: F811
    a = authority
    assert interval_of(a.manager, a.worker) == 28
    worker_practice_set(user=a.manager, worker=a.worker, newly_qualified="yes", supervision_every_days="",
                        caseload_limit="", why="Started in the ASYE")
    assert interval_of(a.manager, a.worker) == 14
    worker_practice_set(user=a.manager, worker=a.worker, newly_qualified=True, supervision_every_days="7",
                        caseload_limit="1.5", why="")
    a.worker.refresh_from_db()
    assert (a.worker.newly_qualified, a.worker.supervision_every_days, a.worker.caseload_limit) == (
        True, 7, Decimal("1.5"))
    assert interval_of(a.manager, a.worker) == 7
    _scope, loads = caseloads_for(viewer=a.manager)
    [load] = [c for c in loads if c.worker.pk == a.worker.pk]
    assert load.limit == 1.5 and load.own_limit and load.weighted > 1.5 and load.over_limit

    events = list(AuditEvent.objects.filter(action=AuditAction.USER_UPDATE, object_id=str(a.worker.pk))
                  .order_by("occurred_at"))
    assert [e.detail["changed"] for e in events] == [["newly_qualified"], ["supervision_every_days", "caseload_limit"]]
    assert events[0].reason == "Started in the ASYE" and events[0].detail["before"] == {"newly_qualified": False}
    assert events[1].detail["after"] == {"supervision_every_days": 7, "caseload_limit": "1.5"}
    assert all(e.actor_username == a.manager.username for e in events)


@pytest.mark.parametrize(("field", "value", "words"), [
    ("newly_qualified", "perhaps", "Select whether they are newly qualified"),
    ("supervision_every_days", "0", "a whole number from 1 to 92"),
    ("supervision_every_days", "fortnightly", "a whole number from 1 to 92"),
    ("caseload_limit", "-3", "a number from 0.5 to 60"),
    ("caseload_limit", "12.25", "one decimal place at most"),
    ("caseload_limit", "NaN", "a number from 0.5 to 60"),
])
def test_bad_input_names_the_field_and_changes_nothing(authority, field, value, words):  # noqa: F811
    a = authority
    answers = {"newly_qualified": "no", "supervision_every_days": "21", "caseload_limit": "16"} | {field: value}
    with pytest.raises(StepInvalid) as caught:
        worker_practice_set(user=a.manager, worker=a.worker, **answers)
    assert set(caught.value.errors) == {field} and words in caught.value.errors[field]
    a.worker.refresh_from_db()
    assert (a.worker.newly_qualified, a.worker.supervision_every_days, a.worker.caseload_limit) == (False, None, None)
    assert not AuditEvent.objects.filter(action=AuditAction.USER_UPDATE, object_id=str(a.worker.pk)).exists()


def test_nothing_changed_is_said(authority):  # noqa: F811
    a = authority
    with pytest.raises(StepInvalid, match="Nothing has changed"):
        worker_practice_set(user=a.manager, worker=a.worker, newly_qualified="no", supervision_every_days="",
                            caseload_limit="")


def test_only_their_manager_or_the_head_of_service_and_not_themselves(authority, make_user):  # noqa: F811
    a = authority
    head = make_user(role=Role.HEAD_OF_SERVICE, agency=a.csc)
    for who in (a.colleague, a.front_door, a.manager):
        target = a.manager if who is a.manager else a.worker
        with pytest.raises(PermissionError):
            worker_practice_set(user=who, worker=target, newly_qualified="yes", supervision_every_days="",
                                caseload_limit="")
    other_manager = make_user(role=Role.TEAM_MANAGER, agency=a.csc, team=a.other_worker.team)
    with pytest.raises(PermissionError):  # another team's manager
        worker_practice_set(user=other_manager, worker=a.worker, newly_qualified="yes", supervision_every_days="",
                            caseload_limit="")
    worker_practice_set(user=head, worker=a.manager, newly_qualified="no", supervision_every_days="21",
                        caseload_limit="")
    a.manager.refresh_from_db()
    assert a.manager.supervision_every_days == 21

    url = f"/supervision/workers/{a.worker.pk}/"
    assert client_of(a.colleague).get(url).status_code == 404
    assert client_of(other_manager).get(url).status_code == 404


def test_the_screen_from_the_supervision_list(authority):  # noqa: F811
    a = authority
    browser = client_of(a.manager)
    listed = browser.get("/supervision/").content.decode()
    url = f"/supervision/workers/{a.worker.pk}/"
    assert f'href="{url}"' in listed
    page = browser.get(url)
    assert page.status_code == 200 and "Supervised every (days)" in page.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.USER_VIEW, object_id=str(a.worker.pk)).exists()

    bad = browser.post(url, {"newly_qualified": "no", "supervision_every_days": "400", "caseload_limit": ""})
    body = bad.content.decode()
    assert bad.status_code == 200 and "Error: Supervision and caseload" in body
    assert 'href="#supervision_every_days"' in body and "a whole number from 1 to 92" in body

    done = browser.post(url, {"newly_qualified": "yes", "supervision_every_days": "", "caseload_limit": "12",
                              "why": "ASYE"})
    assert done.status_code == 302 and done["Location"] == "/supervision/"
    a.worker.refresh_from_db()
    assert a.worker.newly_qualified and a.worker.caseload_limit == Decimal("12")
    assert "Caseload limit 12" in browser.get("/supervision/").content.decode()
