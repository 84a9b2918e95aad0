"""The data protection officer's audit trail: filters by person, username, UTC days and action narrow it; the CSV
holds exactly the filtered rows and is itself audited; every other role is answered 404."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid

import pytest

from joinedup.accounts.models import Role
from joinedup.audit.actions import AuditAction
from joinedup.audit.models import AuditEvent
from joinedup.audit.services import audit_event_record
from joinedup.core.actor import ActorRef

pytestmark = pytest.mark.django_db

P1, P2 = uuid.UUID("11111111-1111-4111-8111-111111111111"), uuid.UUID("22222222-2222-4222-8222-222222222222")


def at(monkeypatch, moment: dt.datetime, **fields) -> AuditEvent:
    """An audit row written at `moment` (the service takes the time from joinedup.core.time.utc_now)."""
    monkeypatch.setattr("joinedup.audit.services.utc_now", lambda: moment)
    try:
        return audit_event_record(**fields)
    finally:
        monkeypatch.undo()


def actor(name: str) -> ActorRef:
    return ActorRef(id=uuid.uuid4(), username=name, agency_name="Northmere Council", role="social_worker")


@pytest.fixture
def history(monkeypatch):
    """Six rows in March 2020 by two workers about two people (dates long before any row the test itself writes)."""
    day = lambda d, h=10, m=0, s=0: dt.datetime(2020, 3, d, h, m, s, tzinfo=dt.UTC)  # noqa: E731
    rows = {
        "r1": at(monkeypatch, day(1), actor=actor("alice"), action=AuditAction.PERSON_VIEW, object_type="person",
                 object_id=P1, subject_person_id=P1, reason="reason-r1"),
        "r2": at(monkeypatch, day(2), actor=actor("bob"), action=AuditAction.PERSON_SEARCH, object_type="person",
                 reason="reason-r2", detail={"object_ids": []}, person_ids=[P1, P2]),
        "r3": at(monkeypatch, day(3), actor=actor("alice"), action=AuditAction.CHRONOLOGY_VIEW, object_type="person",
                 object_id=P2, subject_person_id=P2, reason="reason-r3"),
        "r4": at(monkeypatch, day(3, 23, 59, 59), actor=actor("bob"), action=AuditAction.USER_VIEW,
                 object_type="user", object_id=uuid.uuid4(), reason="reason-r4"),
        "r5": at(monkeypatch, day(4, 0, 0, 0), actor=actor("bob"), action=AuditAction.CHRONOLOGY_VIEW,
                 object_type="person", object_id=P1, subject_person_id=P1, reason="=HYPERLINK(\"x\")"),
        "r6": at(monkeypatch, day(5), actor=actor("carol"), action=AuditAction.CHRONOLOGY_EXPORT,
                 object_type="person", object_id=P2, subject_person_id=P2, reason="reason-r6"),
    }
    return {name: row.pk for name, row in rows.items()}


@pytest.fixture
def dpo_client(make_user, signed_in):
    dpo = make_user(role=Role.DATA_PROTECTION_OFFICER)
    return dpo, signed_in(dpo)


def shown(client, dpo, **filters) -> list[int]:
    """The ids the page showed (newest first), as its own audit row names them."""
    response = client.get("/audit/", filters)
    assert response.status_code == 200
    row = AuditEvent.objects.filter(actor_id=dpo.pk, action=AuditAction.AUDIT_LIST).latest("id")
    assert set(row.detail["filters"]) == {k for k, v in filters.items() if v and k != "page"}
    return [int(i) for i in row.detail["object_ids"]]


def ids(history, *names) -> list[int]:
    return sorted((history[n] for n in names), reverse=True)


@pytest.mark.both_databases
def test_each_filter_narrows_the_trail(history, dpo_client):
    dpo, client = dpo_client
    assert shown(client, dpo, actor="alice") == ids(history, "r1", "r3")
    assert AuditEvent.objects.filter(action=AuditAction.AUDIT_LIST).latest("id").detail["filters"] == {"actor": "alice"}
    assert shown(client, dpo, action=AuditAction.CHRONOLOGY_VIEW) == ids(history, "r3", "r5")
    # UTC days, both ends included: 23:59:59 on the 3rd is in, midnight starting the 4th is not.
    assert shown(client, dpo, date_from="2/3/2020", date_to="3/3/2020") == ids(history, "r2", "r3", "r4")
    assert AuditEvent.objects.filter(action=AuditAction.AUDIT_LIST).latest("id").detail["filters"] == {
        "date_from": "2020-03-02", "date_to": "2020-03-03"}
    assert shown(client, dpo, date_from="2020-03-04", date_to="2020-03-04") == ids(history, "r5")
    assert shown(client, dpo, actor="bob", action=AuditAction.CHRONOLOGY_VIEW) == ids(history, "r5")


@pytest.mark.both_databases
def test_the_person_filter_finds_the_subject_and_everyone_shown_and_names_the_person(history, dpo_client):
    dpo, client = dpo_client
    assert shown(client, dpo, person=str(P2), date_to="31/3/2020") == ids(history, "r2", "r3", "r6")
    first = shown(client, dpo, person=str(P1))
    assert first == ids(history, "r1", "r2", "r5")
    looked = AuditEvent.objects.filter(actor_id=dpo.pk, action=AuditAction.AUDIT_LIST).latest("id")
    assert list(looked.people.values_list("person_id", flat=True)) == [P1]  # the DPO's look is in P1's trail too
    assert shown(client, dpo, person=str(P1))[:2] == [looked.pk, history["r5"]]


def test_the_page_shows_human_labels_and_offers_every_action(history, dpo_client):
    _dpo, client = dpo_client
    body = client.get("/audit/", {"actor": "carol"}).content.decode()
    assert "Chronology exported" in body and "reason-r6" in body and "reason-r1" not in body
    assert f'<option value="{AuditAction.AUDIT_EXPORT}">Audit trail exported (CSV)</option>' in body
    assert "1 event matches" in body and 'href="?actor=carol&amp;format=csv"' in body
    assert "Download the 1 matching event as CSV" in body


@pytest.mark.both_databases
def test_the_csv_holds_exactly_the_filtered_rows_and_is_audited(history, dpo_client):
    dpo, client = dpo_client
    response = client.get("/audit/", {"person": str(P1), "date_to": "31/3/2020", "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == "no-store"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["id"]) for r in rows] == ids(history, "r1", "r2", "r5")
    for row in rows:
        stored = AuditEvent.objects.get(pk=int(row["id"]))
        assert row["row_hash"] == stored.row_hash and int(row["chain_position"]) == stored.chain_position
        assert row["action"] == stored.action and row["action_label"] == AuditAction(stored.action).label
        assert row["actor_username"] == stored.actor_username
        assert json.loads(row["detail"]) == stored.detail
        assert row["person_ids"].split() == sorted(str(p) for p in stored.people.values_list("person_id", flat=True))
        assert row["occurred_at_utc"] == stored.occurred_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    by_id = {int(r["id"]): r for r in rows}
    assert by_id[history["r5"]]["reason"] == "'=HYPERLINK(\"x\")"  # a spreadsheet must not run it
    assert by_id[history["r2"]]["person_ids"] == f"{P1} {P2}"

    export = AuditEvent.objects.get(actor_id=dpo.pk, action=AuditAction.AUDIT_EXPORT)
    assert export.detail == {"filters": {"person": str(P1), "date_to": "2020-03-31"}, "rows": 3,
                             "up_to_id": history["r5"]}
    assert list(export.people.values_list("person_id", flat=True)) == [P1]


def test_the_whole_trail_exports_up_to_the_export_itself(history, dpo_client):
    _dpo, client = dpo_client
    before = set(AuditEvent.objects.values_list("id", flat=True))
    text = b"".join(client.get("/audit/", {"format": "csv"}).streaming_content).decode("utf-8-sig")
    exported = {int(r["id"]) for r in csv.DictReader(io.StringIO(text))}
    assert exported == before
    assert AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORT).count() == 1


def test_the_trail_is_paged_and_the_pages_keep_the_filters(dpo_client):
    dpo, client = dpo_client
    made = [audit_event_record(actor=actor("pager"), action=AuditAction.USER_VIEW, object_id=str(i)).pk
            for i in range(53)]
    assert shown(client, dpo, actor="pager") == sorted(made, reverse=True)[:50]
    body = client.get("/audit/", {"actor": "pager"}).content.decode()
    assert 'href="?actor=pager&amp;page=2"' in body
    assert shown(client, dpo, actor="pager", page="2")[:3] == sorted(made, reverse=True)[50:]


def test_bad_filters_are_named_and_show_no_rows(history, dpo_client):
    dpo, client = dpo_client
    response = client.get("/audit/", {"person": "Ada", "date_from": "31/2/2020", "action": "made.up",
                                      "actor": "alice"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Enter a person ID as it appears on the trail" in body
    assert "Enter the from date as day/month/year" in body
    assert "Choose an action from the list" in body
    assert "reason-r1" not in body
    looked = AuditEvent.objects.filter(actor_id=dpo.pk, action=AuditAction.AUDIT_LIST).latest("id")
    assert looked.detail == {"filters": "invalid", "object_ids": []}
    response = client.get("/audit/", {"date_from": "5/3/2020", "date_to": "1/3/2020"})
    assert "The to date must be the same as or after the from date" in response.content.decode()
    assert client.get("/audit/", {"person": "Ada", "format": "csv"})["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("role", [r for r in Role if r not in (Role.DATA_PROTECTION_OFFICER,
                                                               Role.SYSTEM_ADMINISTRATOR)])
def test_other_roles_get_404_for_the_trail_and_its_export(role, history, make_user, signed_in):
    client = signed_in(make_user(role=role))
    assert client.get("/audit/", {"person": str(P1)}).status_code == 404
    assert client.get("/audit/", {"format": "csv"}).status_code == 404
    assert not AuditEvent.objects.filter(action__in=[AuditAction.AUDIT_EXPORT, AuditAction.AUDIT_LIST]).exists()


def test_the_system_administrator_may_read_the_trail(history, make_user, signed_in):
    client = signed_in(make_user(role=Role.SYSTEM_ADMINISTRATOR))
    assert client.get("/audit/", {"actor": "alice"}).status_code == 200
    assert client.get("/audit/", {"actor": "alice", "format": "csv"}).status_code == 200
