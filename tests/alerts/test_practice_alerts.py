"""R21 and R23 through the database, end to end: practice records written as the authority's children's social
care records through the casework recording helpers (`joinedup.casework.services.recording`) and evaluated as the
alerts service does (on arrival and on the schedule).

- a visit that did not see the child raises "child not seen: accompanied revisit overdue" when the revisit falls due,
  with the team manager told; only a visit that saw the child closes it;
- a concern past its response deadline raises "concern unanswered" for the authority's head of service; its answer
  closes it;
- an open alert of a retired rule (R13; R22, whose overdue supervision actions are now on the supervision and home
  pages) closes as "no longer applies" at the child's next evaluation.
"""

from __future__ import annotations

import datetime as dt

import pytest

from joinedup.accounts.models import Role
from joinedup.alerts.models import OPEN_STATUSES, Alert, AlertStatus, AlertStep, StepKind
from joinedup.alerts.routing import route_for
from joinedup.alerts.rules.base import PROCESS_FAILURE, ROUTE_HEAD_OF_SERVICE
from joinedup.alerts.rules.catalogue import RETIRED_RULES
from joinedup.alerts.services import alerts_evaluate_for_person, alerts_run_scheduled
from joinedup.casework.lifecycle import fold
from joinedup.casework.services import contact_decide
from joinedup.casework.services.recording import (
    checked,
    child_mention,
    current,
    new_record,
    next_version,
    record_of,
    write,
)
from joinedup.core.time import utc_now
from tests.casework.conftest import (  # noqa: F401
    csc,
    front_door,
    front_door_team,
    manager,
    new_child_contact,
)

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _record(user, child, agency, kind: str, when, detail: dict) -> str:
    """Write one record of the child's authority as the practice services do; returns its key."""
    payload = new_record(agency=agency, kind=kind, mention=child_mention(agency=agency, person=child, new=None),
                         detail=detail, when=when, user=user, now=utc_now())
    checked(current(child), [payload])
    write(user=user, payloads=[payload], person=child)
    return f"{payload['agency_id']}:{payload['source_record_id']}"


def _again(user, child, key: str, detail: dict) -> None:
    """The record's next version (an answer, an action done), written as the practice services do."""
    write(user=user, payloads=[next_version(record_of(key), detail=detail, user=user, now=utc_now())], person=child)


def _open(child, rule_id: str) -> Alert | None:
    return Alert.objects.filter(person=child, rule_id=rule_id, status__in=OPEN_STATUSES).first()


@pytest.fixture
def child_in_a_case(front_door):  # noqa: F811
    """A new child whose contact the front door decided 'assessment': an open case, nobody allocated."""
    made = new_child_contact(front_door)
    decided = contact_decide(user=front_door, person=made.person, record_pk=made.record_pk, decision="assessment",
                             primary_need="N1", revision=made.contact.revision)
    [case] = fold(current(decided.person)).cases
    return decided.person, case.case_ref


def test_a_visit_that_did_not_see_the_child_raises_r21_when_the_revisit_falls_due_and_only_seeing_the_child_closes_it(
        child_in_a_case, csc, front_door, front_door_team, manager, make_user):  # noqa: F811
    child, case_ref = child_in_a_case
    worker = make_user(role=Role.SOCIAL_WORKER, agency=csc, team=front_door_team)
    visited = utc_now() - dt.timedelta(seconds=3)  # just now: on the referral's day whatever the hour
    unseen = _record(worker, child, csc, "visit", visited, {
        "child_seen": False, "seen_alone": False, "visit_type": "unannounced", "not_seen_reason": "No answer.",
        "case_id": case_ref})
    assert _open(child, "R21") is None  # evaluated on arrival: the revisit is not due yet

    later = utc_now() + dt.timedelta(days=14)  # five working days have passed, whatever the bank holidays
    alerts_run_scheduled(at=later)
    alert = _open(child, "R21")
    assert alert is not None and (alert.rule_kind, alert.rule_name) == ("escalate",
                                                                       "Child not seen: accompanied revisit overdue")
    assert alert.evidence_keys == [unseen]
    assert "they were not seen (the reason recorded: “No answer.”)" in alert.sentence
    assert alert.sentence.endswith("only a visit that sees the child closes this.")
    # Nobody allocated: the front door holds it, and its team manager is told (the rule's route), though R21 is an
    # escalation rather than a process failure.
    assert alert.routed_to is None and alert.team == front_door_team and alert.manager == manager
    again = alerts_run_scheduled(at=later + dt.timedelta(days=1))[1]
    assert again.raised == 0 and _open(child, "R21").pk == alert.pk  # no running count: unchanged

    # A visit that saw the child, but not alone, closes a revisit opened because the child was not seen at all.
    _record(worker, child, csc, "visit", utc_now(), {"child_seen": True, "seen_alone": True,
                                                     "visit_type": "statutory", "case_id": case_ref})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    alerts_run_scheduled(at=later)
    assert _open(child, "R21") is None


def test_a_visit_not_seeing_the_child_still_open_when_another_visit_does_not_see_them(
        child_in_a_case, csc, front_door, front_door_team):  # noqa: F811
    child, case_ref = child_in_a_case
    for seconds in (3, 2):  # just now: on the referral's day whatever the hour (it opened the case today)
        _record(front_door, child, csc, "visit", utc_now() - dt.timedelta(seconds=seconds),
                {"child_seen": False, "seen_alone": False, "visit_type": "statutory", "case_id": case_ref})
    alerts_run_scheduled(at=utc_now() + dt.timedelta(days=14))
    assert len(_open(child, "R21").evidence_keys) == 2


def test_a_concern_past_its_deadline_raises_r23_for_the_head_of_service_and_its_answer_closes_it(
        csc, front_door, front_door_team, manager, make_user):  # noqa: F811
    head = make_user(role=Role.HEAD_OF_SERVICE, agency=csc, first_name="Hana", last_name="Okafor")
    child = new_child_contact(front_door).person
    received = utc_now() - dt.timedelta(days=9)
    key = _record(front_door, child, csc, "concern", received, {
        "raised_by": "whistleblower", "text": "Staff at the nursery are worried.", "responder_role": "team_manager",
        "response_due_at": _iso(utc_now() - dt.timedelta(days=2))})

    alert = _open(child, "R23")  # evaluated on arrival: already past its deadline
    assert alert is not None and alert.rule_name == "Concern unanswered past its deadline"
    assert alert.evidence_keys == [key] and alert.rule_kind == PROCESS_FAILURE
    assert alert.sentence.startswith("The concern raised by a whistleblower received at ")
    assert (alert.routed_to, alert.team, alert.manager, alert.agency) == (head, None, None, csc)
    assert alert.routing_reason == "the head of service at Northbrook Children's Services"
    usual = route_for(person=child, rule_kind=PROCESS_FAILURE, on=utc_now().date())  # other process failures
    assert (usual.routed_to, usual.team, usual.manager) == (None, front_door_team, manager)

    _again(front_door, child, key, {"response": "Visited the nursery.", "responded_at": _iso(utc_now())})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED  # answered (late): history, not an alert


def test_with_no_head_of_service_r23_goes_the_usual_way_and_says_so(
        csc, front_door, front_door_team, manager):  # noqa: F811
    child = new_child_contact(front_door).person
    route = route_for(person=child, rule_kind=PROCESS_FAILURE, on=utc_now().date(), route=ROUTE_HEAD_OF_SERVICE)
    assert (route.routed_to, route.team, route.manager) == (None, front_door_team, manager)
    assert "no head of service at the authority" in route.reason


@pytest.mark.parametrize("rule_id", ["R13", "R22"])
def test_an_open_alert_of_a_retired_rule_closes_at_the_next_evaluation(front_door, rule_id):  # noqa: F811
    child = new_child_contact(front_door).person
    now = utc_now()
    old = Alert.objects.create(
        person=child, rule_id=rule_id, rule_name="Overdue", rule_kind=PROCESS_FAILURE,
        sentence="Overdue against its timescale.", evidence=[], status=AlertStatus.NEW,
        raised_at=now, evidence_updated_at=now, evaluated_at=now, routed_at=now)
    out = alerts_evaluate_for_person(person=child)
    old.refresh_from_db()
    assert old.status == AlertStatus.RESOLVED and out.resolved >= 1
    step = AlertStep.objects.get(alert=old, kind=StepKind.RESOLVED)
    assert step.text == RETIRED_RULES[rule_id]
