"""Alerts as a product: evidence and a sentence, one open alert per rule per child, routing, the lifecycle
(acknowledge, act, dismiss, escalate), every step audited and in the child's history, and the schedule."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction

from joinedup.alerts.models import Alert, AlertStatus, AlertStep
from joinedup.alerts.selectors import (
    alert_evidence,
    alert_for_viewer,
    alert_steps_for_person,
    inbox_for,
    team_inbox_for,
    unread_count,
)
from joinedup.alerts.services import (
    alert_acknowledge,
    alert_act,
    alert_dismiss,
    alerts_escalate_overdue,
    alerts_evaluate_for_person,
    alerts_run_scheduled,
)
from joinedup.audit.models import AuditEvent
from joinedup.casework.services import allocation_set
from joinedup.ingest.models import SourceRecord

from .conftest import CSC, HOSPITAL, SYSTEM, T1, T2, T3, WITH_BROKEN, ingest_and_link, injury, m, rec

pytestmark = [pytest.mark.both_databases, pytest.mark.usefixtures("own_rules")]


def test_a_file_load_raises_alerts_after_linkage_with_the_exact_records_and_a_sentence(family, staff):
    alerts = {a.rule_id: a for a in Alert.objects.filter(person=family)}
    assert set(alerts) == {"T1", "T2", "T3"}
    hurt = alerts["T1"]
    assert hurt.sentence == "1 injury recorded (forearm)."
    record = SourceRecord.objects.get(agency__code=HOSPITAL, source_record_id="A-ED-1")
    assert hurt.evidence == [{"key": f"{HOSPITAL}:A-ED-1", "record_id": record.pk, "version_id": record.current_id,
                              "version": 1}]
    assert (hurt.rule_name, hurt.rule_kind, hurt.status) == ("Injury recorded", "suspect", AlertStatus.NEW)
    [row] = alert_evidence(alert=hurt, viewer=None)
    assert (row.agency_name, row.occurred_on, row.author_role) == ("St Aldric's Hospital", dt.date(2024, 4, 2),
                                                                   "Emergency department nurse")
    assert "bruising to forearm" in row.summary
    # The adult the police saw at the address, cited by the police record.
    assert alerts["T3"].evidence_keys == ["northbrook-police:A-POL-1"]
    raised = AuditEvent.objects.filter(action="alert.raise", object_id=str(hurt.pk)).get()
    assert raised.subject_person_id == family.pk and raised.detail["evidence"] == [f"{HOSPITAL}:A-ED-1"]


def test_new_evidence_updates_the_open_alert_instead_of_raising_another(family, staff):
    first = Alert.objects.get(person=family, rule_id="T1")
    ingest_and_link([injury("A-ED-2", "2024-05-11", site="ear")])
    assert Alert.objects.filter(person=family, rule_id="T1").count() == 1
    alert = Alert.objects.get(pk=first.pk)
    assert alert.sentence == "2 injuries recorded (forearm, ear)."
    assert alert.evidence_keys == [f"{HOSPITAL}:A-ED-1", f"{HOSPITAL}:A-ED-2"]
    assert alert.evidence_updated_at > first.evidence_updated_at
    steps = list(alert.steps.values_list("kind", flat=True))
    assert steps == ["raised", "updated"]
    assert AlertStep.objects.get(alert=alert, kind="updated").detail["added"] == [f"{HOSPITAL}:A-ED-2"]
    # Nothing new: evaluating again changes nothing and writes nothing.
    result = alerts_evaluate_for_person(person=family, rules=[T1])
    assert (result.raised, result.updated, result.unchanged) == (0, 0, 1)
    assert alert.steps.count() == 2


def test_one_open_alert_per_rule_per_child_is_enforced_by_the_database(family):
    alert = Alert.objects.get(person=family, rule_id="T1")
    with pytest.raises(DatabaseError), transaction.atomic():
        Alert.objects.create(**{f.attname: getattr(alert, f.attname) for f in Alert._meta.concrete_fields
                                if f.attname != "id"})


def test_with_nobody_allocated_alerts_go_to_the_front_door_and_process_failures_to_its_manager_too(family, staff):
    hurt = Alert.objects.get(person=family, rule_id="T1")
    assert (hurt.routed_to, hurt.team, hurt.manager, hurt.agency) == (None, staff.front_door, None, staff.agency)
    overdue = Alert.objects.get(person=family, rule_id="T2")
    assert overdue.team == staff.front_door and overdue.manager == staff.front_door_manager
    assert overdue.due_at == dt.datetime(2024, 3, 11, tzinfo=dt.UTC)
    assert hurt in team_inbox_for(viewer=staff.front_door_worker)
    assert unread_count(viewer=staff.front_door_worker) == 3
    assert overdue in inbox_for(viewer=staff.front_door_manager)


def test_allocation_moves_open_alerts_to_the_worker_and_process_failures_copy_the_team_manager(family, staff):
    allocation_set(actor_user=staff.manager, person=family, worker=staff.worker)
    result = alerts_evaluate_for_person(person=family, rules=[T1, T2, T3])
    assert result.rerouted == 3 and result.raised == 0
    hurt = Alert.objects.get(person=family, rule_id="T1")
    assert (hurt.routed_to, hurt.team, hurt.manager) == (staff.worker, staff.team, None)
    overdue = Alert.objects.get(person=family, rule_id="T2")
    assert (overdue.routed_to, overdue.manager) == (staff.worker, staff.manager)
    assert AlertStep.objects.filter(alert=hurt, kind="routed").exists()
    assert set(inbox_for(viewer=staff.worker)) == set(Alert.objects.filter(person=family))
    assert list(inbox_for(viewer=staff.manager)) == [overdue]
    assert set(team_inbox_for(viewer=staff.manager)) == set(Alert.objects.filter(person=family))
    # A colleague in the same team does not see another worker's alerts; the partner nurse sees none.
    assert alert_for_viewer(viewer=staff.colleague, alert_id=hurt.pk) is None
    assert alert_for_viewer(viewer=staff.nurse, alert_id=hurt.pk) is None
    assert alert_for_viewer(viewer=staff.head, alert_id=hurt.pk) == hurt
    assert alert_for_viewer(viewer=staff.front_door_worker, alert_id=hurt.pk) is None  # the worker holds it now


def test_acknowledge_act_and_dismiss_are_audited_steps_in_the_childs_history(family, staff):
    allocation_set(actor_user=staff.manager, person=family, worker=staff.worker)
    alerts_evaluate_for_person(person=family)
    hurt = Alert.objects.get(person=family, rule_id="T1")
    alert_acknowledge(user=staff.worker, alert=hurt)
    hurt.refresh_from_db()
    assert hurt.status == AlertStatus.ACKNOWLEDGED and hurt.acknowledged_by == staff.worker
    alert_act(user=staff.worker, alert=hurt, action="Strategy discussion held with police and the hospital.",
              link="LCS case note 4411")
    hurt.refresh_from_db()
    assert (hurt.status, hurt.outcome, hurt.outcome_link) == (
        AlertStatus.ACTED, "Strategy discussion held with police and the hospital.", "LCS case note 4411")
    overdue = Alert.objects.get(person=family, rule_id="T2")
    with pytest.raises(ValueError, match="reason"):
        alert_dismiss(user=staff.worker, alert=overdue, reason="  ")
    alert_dismiss(user=staff.worker, alert=overdue, reason="Visit done on 9 March; the record is late.")
    with pytest.raises(ValueError, match="already closed"):
        alert_act(user=staff.worker, alert=overdue, action="Visited.")
    with pytest.raises(PermissionError):
        alert_acknowledge(user=staff.colleague, alert=Alert.objects.get(person=family, rule_id="T3"))
    actions = list(AuditEvent.objects.filter(object_type="alert", actor_username=staff.worker.username)
                   .order_by("occurred_at", "id").values_list("action", flat=True))
    assert actions == ["alert.acknowledge", "alert.act", "alert.dismiss"]
    dismissed = AuditEvent.objects.get(action="alert.dismiss")
    assert dismissed.reason == "Visit done on 9 March; the record is late." and dismissed.subject_person_id == family.pk
    rows = alert_steps_for_person(family, viewer=None)
    mine = [(r.rule_id, r.step) for r in rows if r.actor_name == staff.worker.get_full_name()]
    assert mine == [("T1", "acknowledged"), ("T1", "acted"), ("T2", "dismissed")]
    acted = next(r for r in rows if r.step == "acted")
    assert acted.link == "LCS case note 4411" and acted.kind_label == "Suspect maltreatment"
    assert [r.at for r in rows] == sorted(r.at for r in rows)


def test_a_decided_alert_is_not_raised_again_on_the_same_evidence_but_is_on_new_evidence(family, staff):
    hurt = Alert.objects.get(person=family, rule_id="T1")
    alert_dismiss(user=staff.front_door_worker, alert=hurt, reason="Known accident, explained and consistent.")
    assert alerts_evaluate_for_person(person=family, rules=[T1]).raised == 0
    ingest_and_link([injury("A-ED-2", "2024-05-11", site="ear")])
    fresh = Alert.objects.get(person=family, rule_id="T1", status=AlertStatus.NEW)
    assert fresh.pk != hurt.pk and fresh.evidence_keys == [f"{HOSPITAL}:A-ED-1", f"{HOSPITAL}:A-ED-2"]


def test_an_alert_closes_itself_when_its_rule_no_longer_applies(family, staff):
    overdue = Alert.objects.get(person=family, rule_id="T2")
    ingest_and_link([rec(CSC, "A-CSC-3", "visit", [m("m1", "subject", ("Milo", "Ashgrove", "2022-03-14"), "CSC-K1")],
                         on=(dt.date.today() - dt.timedelta(days=2)).isoformat(),
                         detail={"code": "home_visit", "child_seen": True, "seen_alone": False, "author_role": "social_worker"})])
    overdue.refresh_from_db()
    assert overdue.status == AlertStatus.RESOLVED and overdue.closed_at is not None
    assert AuditEvent.objects.filter(action="alert.resolve", object_id=str(overdue.pk), actor_username="joinedup alerts"
                                     ).exists()


def test_a_faulty_rule_is_skipped_and_the_others_still_run(family):
    Alert.objects.filter(person=family).count()
    result = alerts_evaluate_for_person(person=family, rules=WITH_BROKEN)
    assert result.failed_rules == 1 and result.unchanged == 1


def test_unacknowledged_alerts_escalate_to_the_manager_after_the_configured_time(family, staff, settings):
    allocation_set(actor_user=staff.manager, person=family, worker=staff.worker)
    alerts_evaluate_for_person(person=family)
    hurt = Alert.objects.get(person=family, rule_id="T1")
    seen = Alert.objects.get(person=family, rule_id="T3")
    alert_acknowledge(user=staff.worker, alert=seen)
    settings.JOINEDUP_ALERT_ESCALATE_AFTER_HOURS = 4
    now = hurt.routed_at + dt.timedelta(hours=3)
    assert alerts_escalate_overdue(now=now) == (0, 0)
    lines: list[str] = []
    done, nobody = alerts_escalate_overdue(now=hurt.routed_at + dt.timedelta(hours=5), progress=lines.append)
    assert (done, nobody) == (2, 0)  # T1 and T2; T3 was acknowledged
    hurt.refresh_from_db()
    assert hurt.escalated_to == staff.manager and hurt in inbox_for(viewer=staff.manager)
    step = AlertStep.objects.get(alert=hurt, kind="escalated")
    assert step.text.startswith("Not acknowledged after 5 hours: sent to")
    assert AuditEvent.objects.filter(action="alert.escalate", object_id=str(hurt.pk)).count() == 1
    assert "2 sent to a manager" in lines[0]
    assert alerts_escalate_overdue(now=hurt.routed_at + dt.timedelta(hours=50)) == (0, 0)  # once only


def test_alert_steps_are_append_only(family):
    step = AlertStep.objects.filter(person=family).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AlertStep.objects.filter(pk=step.pk).update(text="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AlertStep.objects.filter(pk=step.pk).delete()


def test_the_schedule_evaluates_the_time_based_ones_for_children_on_plans(model_only, staff):
    records = [
        rec(CSC, "S-CSC-1", "cp_plan", [m("m1", "subject", ("Ruby", "Hale", "2020-02-02"), "CSC-R1")],
            on="2024-03-01", detail={"code": "cpp", "category": "neglect"}),
        rec(CSC, "S-CSC-2", "visit", [m("m1", "subject", ("Ruby", "Hale", "2020-02-02"), "CSC-R1")],
            on="2024-03-05", detail={"code": "home_visit", "child_seen": True, "seen_alone": True,
                                        "author_role": "social_worker"}),
    ]
    with pytest.MonkeyPatch.context() as mp:  # the linkage run's own evaluation is not what this test is about
        mp.setattr("tests.alerts.conftest.TEST_RULES", [])
        ingest_and_link(records)
    assert not Alert.objects.exists()
    lines: list[str] = []
    n, result = alerts_run_scheduled(at=dt.datetime(2024, 3, 10, tzinfo=dt.UTC), rules=[T1, T2, T3],
                                     progress=lines.append)
    assert n == 1 and result.raised == 0
    n, result = alerts_run_scheduled(at=dt.datetime(2024, 3, 20, tzinfo=dt.UTC), rules=[T1, T2, T3],
                                     progress=lines.append)
    assert n == 1 and result.raised == 1
    alert = Alert.objects.get()
    assert alert.rule_id == "T2" and alert.evidence_keys == [f"{CSC}:S-CSC-1", f"{CSC}:S-CSC-2"]
    assert alert.sentence == "No social work visit recorded since 05 March 2024: one was due by 15 March 2024."
    assert lines and "1 of 1 children evaluated" in lines[-1]


def test_the_command_runs_the_schedule_and_escalation_with_progress(family, staff, settings):
    settings.JOINEDUP_ALERT_ESCALATE_AFTER_HOURS = 0
    out, err = StringIO(), StringIO()
    call_command("alerts", "run", stdout=out, stderr=err)
    assert "1 children evaluated" in out.getvalue()
    assert "3 alerts escalated to a manager" in out.getvalue()
    assert "Evaluating 1 time-based rules" in err.getvalue() and "Escalation:" in err.getvalue()
    out = StringIO()
    call_command("alerts", "evaluate", str(family.pk), stdout=out, stderr=StringIO())
    assert "children evaluated" in out.getvalue()
    assert SYSTEM.role == "system"
