"""The supervision API (issue 13): a manager records a session through the API and each child's decision is in
their file at once; bad input is 422 naming the child and the action; marking an action done is a new version
of the child's record, and a second marking is 409; anyone without a relationship gets 404 (403 to record);
reads are audited."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections
from django.test import Client

from joinedup.accounts.models import Role
from joinedup.accounts.services import actor_for, api_token_create
from joinedup.audit.models import AuditEvent
from joinedup.casework.services.recording import today
from joinedup.ingest.models import SourceRecord, SourceRecordVersion
from joinedup.practice.models import SupervisionAction, SupervisionSession
from tests.practice.test_supervision import authority, supervision_events, two_children_session  # noqa: F401

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]

SESSIONS = "/api/v1/supervision/sessions/"


def api(user) -> Client:
    _, secret = api_token_create(actor=actor_for(user), user=user, name="case system")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post(client: Client, url: str, body: dict):
    return client.post(url, body, content_type="application/json")


def fields_of(response) -> dict[str, str]:
    return {e["field"]: e["problem"] for e in response.json()["errors"]}


def test_a_session_through_the_api_writes_each_childs_file(authority):  # noqa: F811
    a = authority
    due = (today() + dt.timedelta(days=4)).isoformat()
    response = post(api(a.manager), SESSIONS, {
        "worker": str(a.worker.pk), "held_on": today().isoformat(), "notes": "Good week.",
        "discussions": [
            {"person": str(a.ruby.pk), "decision": "Strategy discussion this week.",
             "actions": [{"text": "Book it", "owner": str(a.worker.pk), "due_on": due}]},
            {"person": str(a.leo.pk), "decision": "Continue the plan."},
        ]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["worker_name"] == "Sam Okafor" and body["manager_name"] == "Tess Manning"
    assert [d["person_name"] for d in body["discussions"]] == ["Ruby Calloway", "Leo Marsh"]
    assert body["discussions"][0]["actions"][0] | {"id": 0} == {
        "id": 0, "text": "Book it", "owner": str(a.worker.pk), "owner_name": "Sam Okafor", "due_on": due,
        "overdue": False, "done_at": None, "done_by": None, "done_note": ""}
    [event] = supervision_events(a.ruby)
    assert event.record_pk == body["discussions"][0]["record_id"]
    assert event.detail["actions"] == [f"{due} | Sam Okafor ({a.worker.username}) | Book it"]
    assert supervision_events(a.leo)[0].detail["decision"] == "Continue the plan."

    # The sessions list and one session, audited.
    listed = api(a.worker).get(SESSIONS)
    assert listed.status_code == 200 and [s["id"] for s in listed.json()["results"]] == [body["id"]]
    one = api(a.worker).get(f"{SESSIONS}{body['id']}/")
    assert one.status_code == 200 and one.json()["notes"] == "Good week."
    assert AuditEvent.objects.filter(action="supervision.view", object_id=body["id"],
                                     subject_person_id=a.ruby.pk).exists()


def test_bad_input_is_422_naming_the_child_and_the_action_and_writes_nothing(authority):  # noqa: F811
    a = authority
    client = api(a.manager)
    typed = post(client, SESSIONS, {"worker": str(a.worker.pk), "held_on": "27/03/2026",
                                    "discussions": [{"person": str(a.ruby.pk), "decision": 5,
                                                     "actions": [{"text": "x", "owner": "me", "due_on": "soon"}]}]})
    assert typed.status_code == 422
    assert set(fields_of(typed)) == {"held_on", "discussions[0].decision", "discussions[0].actions[0].owner",
                                     "discussions[0].actions[0].due_on"}
    meant = post(client, SESSIONS, {"worker": str(a.worker.pk), "held_on": today().isoformat(), "discussions": [
        {"person": str(a.ruby.pk), "decision": "Fine", "actions": [{"text": "Chase", "owner": str(a.worker.pk)}]},
        {"person": str(a.outsider_child.pk), "decision": "Not ours"}]})
    assert meant.status_code == 422
    assert fields_of(meant) == {
        "discussions[0].actions[0].due_on": "Action 1 about Ruby Calloway: enter the date it is due",
        "discussions[1].person": "Choose a child allocated to the worker or to your team"}
    assert not SupervisionSession.objects.exists() and not SourceRecord.objects.filter(kind="supervision").exists()


def test_recording_is_403_for_a_worker_and_sessions_are_404_without_a_relationship(authority):  # noqa: F811
    a = authority
    refused = post(api(a.worker), SESSIONS, {"worker": str(a.colleague.pk), "held_on": today().isoformat()})
    assert refused.status_code == 403
    session = two_children_session(a)
    assert api(a.other_worker).get(f"{SESSIONS}{session.pk}/").status_code == 404
    assert api(a.other_worker).get(SESSIONS).json()["results"] == []
    action = SupervisionAction.objects.filter(discussion__session=session).first()
    assert post(api(a.other_worker), f"/api/v1/supervision/actions/{action.pk}/done/", {}).status_code == 404
    assert post(api(a.worker), f"/api/v1/supervision/actions/{2**63}/done/", {}).status_code == 404


def test_marking_done_is_a_new_version_and_a_second_marking_is_409(authority):  # noqa: F811
    a = authority
    session = two_children_session(a)
    action = SupervisionAction.objects.get(discussion__session=session, text="Visit and see Leo alone")
    url = f"/api/v1/supervision/actions/{action.pk}/done/"
    done = post(api(a.worker), url, {"note": "Seen alone in his room."})
    assert done.status_code == 200, done.content
    assert done.json()["done_note"] == "Seen alone in his room." and done.json()["done_by"] == str(a.worker.pk)
    [event] = supervision_events(a.leo)
    assert event.version == 2 and event.detail["actions_done"] == event.detail["actions"]
    again = post(api(a.manager), url, {})
    assert again.status_code == 409 and "marked this action done" in again.json()["errors"][0]["problem"]
    assert post(api(a.worker), url, {"note": 7}).status_code == 422


def test_who_is_due_for_supervision(authority, make_user):  # noqa: F811
    a = authority
    supervision_record_day = today() - dt.timedelta(days=30)
    from joinedup.practice.services.supervision import supervision_record

    supervision_record(user=a.manager, worker=a.worker, held_on=supervision_record_day, discussions=[])
    rows = api(a.manager).get("/api/v1/supervision/due/").json()["results"]
    sam = next(r for r in rows if r["worker"] == str(a.worker.pk))
    assert sam["overdue"] is True and sam["days_overdue"] == 2 and sam["interval_days"] == 28
    assert api(a.worker).get("/api/v1/supervision/due/").json()["results"] == []
    head = make_user(role=Role.HEAD_OF_SERVICE, agency=a.csc)
    assert len(api(head).get("/api/v1/supervision/due/").json()["results"]) >= 5


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_people_marking_one_action_done_at_once_one_wins_the_other_gets_409(authority):  # noqa: F811
    a = authority
    session = two_children_session(a)
    action = SupervisionAction.objects.get(discussion__session=session, text="Visit and see Leo alone")
    record_id = action.discussion.record_id
    clients = [api(a.worker), api(a.manager)]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def mark(client):
        try:
            barrier.wait(timeout=10)
            statuses.append(post(client, f"/api/v1/supervision/actions/{action.pk}/done/", {}).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=mark, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses) == [200, 409]
    assert SourceRecordVersion.objects.filter(record_id=record_id).count() == 2  # one new version, not two
    assert AuditEvent.objects.filter(action="supervision.action_done").count() == 1
