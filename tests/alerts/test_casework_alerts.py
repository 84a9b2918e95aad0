"""R15 through the database: a contact recorded with the casework service and not decided within one working day
raises "contact decision overdue" when the alerts service evaluates the child (on arrival, and on the schedule),
routed to the front-door team with its manager copied; deciding the contact closes it."""

from __future__ import annotations

import datetime as dt

import pytest

from joinedup.alerts.models import OPEN_STATUSES, Alert, AlertStatus
from joinedup.alerts.services import alerts_evaluate_for_person, alerts_run_scheduled
from joinedup.casework.services import contact_decide
from tests.casework.conftest import (  # noqa: F401
    csc,
    front_door,
    front_door_team,
    manager,
    new_child_contact,
)

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]
CLOCK_RULES = ["R15", "R16", "R17", "R18", "R19"]


def test_an_undecided_contact_raises_r15_for_the_front_door_and_deciding_it_closes_it(
        front_door, front_door_team, manager):  # noqa: F811
    made = new_child_contact(front_door, received_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
    child = made.person
    [clock] = [c for c in made.contact.clocks if c.kind == "contact_decision"]

    alerts_evaluate_for_person(person=child)
    alert = Alert.objects.get(person=child, rule_id="R15", status__in=OPEN_STATUSES)
    assert (alert.rule_kind, alert.rule_name) == ("process_failure", "Contact decision overdue")
    assert alert.evidence_keys == [made.contact.key]
    assert alert.due_at == clock.due_at  # the clock the front-door queue shows
    assert "No decision has been recorded on the contact received at" in alert.sentence
    # Nobody is allocated: the front-door team holds it, and its team manager is told (a process failure).
    assert alert.routed_to is None and alert.team == front_door_team and alert.manager == manager
    assert list(Alert.objects.filter(person=child).values_list("rule_id", flat=True)) == ["R15"]

    # The same evaluation again changes nothing (no running count in the sentence).
    again = alerts_evaluate_for_person(person=child)
    assert again.raised == again.updated == 0

    contact_decide(user=front_door, person=child, record_pk=made.record_pk, decision="early_help",
                   revision=made.contact.revision)  # evaluated on arrival: decided (late) is history
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED and alert.closed_at is not None
    assert not Alert.objects.filter(person=child, rule_id__in=CLOCK_RULES, status__in=OPEN_STATUSES).exists()


def test_the_schedule_raises_r15_once_the_working_day_has_passed(front_door, front_door_team):  # noqa: F811
    made = new_child_contact(front_door)
    child = made.person
    assert not Alert.objects.filter(person=child, rule_id="R15").exists()  # not yet due on arrival

    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
    alerts_run_scheduled(at=later, all_children=False)
    alert = Alert.objects.get(person=child, rule_id="R15")
    assert alert.status == AlertStatus.NEW and alert.team == front_door_team and alert.evidence_keys == [
        made.contact.key]

    contact_decide(user=front_door, person=child, record_pk=made.record_pk, decision="assessment",
                   primary_need="N1", revision=made.contact.revision)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    alerts_run_scheduled(at=later)  # decided in time, as of then: nothing to raise again
    assert not Alert.objects.filter(person=child, rule_id="R15", status__in=OPEN_STATUSES).exists()
