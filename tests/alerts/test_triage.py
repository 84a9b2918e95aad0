"""Triage: inboxes in order of severity (the rule's kind, raised before standard) then age (the longest waiting
first), filtered by rule, kind, severity and child; the menu's count is what the page it opens lists as new; "latest
evidence" is when the cited records happened; an alert given to a colleague (audited, a step in its history) stays
with them until its route changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.defaultfilters import date as date_format

from joinedup.access.policy import Scope
from joinedup.access.relationships import scope_of
from joinedup.accounts.models import Role
from joinedup.alerts.models import Alert, AlertStatus, AlertStep
from joinedup.alerts.rules.base import CONSIDER, ESCALATE, PROCESS_FAILURE, SUSPECT
from joinedup.alerts.rules.catalogue import MENTAL_HEALTH as MENTAL_HEALTH_FACTOR
from joinedup.alerts.rules.catalogue import RULES
from joinedup.alerts.selectors import (
    InboxFilters,
    alert_for_viewer,
    alerts_shown,
    inbox_choices,
    inbox_for,
    inbox_landing,
    reassign_candidates,
    team_inbox_for,
    unread_count,
)
from joinedup.alerts.services import alert_acknowledge, alert_reassign, alerts_evaluate_for_person
from joinedup.audit.models import AuditEvent
from joinedup.casework.services import allocation_set
from joinedup.core.time import utc_now

from .conftest import CSC, HOSPITAL, ingest_and_link, m, person_of, rec

pytestmark = pytest.mark.both_databases

ONLY_R1 = [r for r in RULES if r.id == "R1"]


def make_alert(person, rule_id, kind, *, raised_at, team, severity="standard", routed_to=None, agency=None,
               status=AlertStatus.NEW):
    """An open alert as evaluation leaves one (for the order and filters: many kinds and ages at once)."""
    return Alert.objects.create(
        person=person, rule_id=rule_id, rule_name=f"Rule {rule_id}", rule_kind=kind, sentence=f"{rule_id} found this.",
        severity=severity, status=status, raised_at=raised_at, evidence_updated_at=raised_at, evaluated_at=raised_at,
        routed_at=raised_at, team=team, routed_to=routed_to, agency=agency or team.agency,
    )


def _rows(html: str) -> str:
    """The inbox's table of alerts (not its filters, whose lists name the rules too)."""
    return html[html.index('<table class="govuk-table">'):]


# --- the order ----------------------------------------------------------------------------------------------------


def test_an_injury_to_a_five_month_old_never_sits_below_fifty_consider_alerts(staff, settings, signed_in):
    """R1 (suspect) on a baby injured yesterday, already acknowledged, against fifty new "consider" alerts, half
    waiting longer and half raised since (some of raised severity): the baby's alert is first in the front door's
    inbox, the top row of its first page. Neither newest first, oldest first nor new before acknowledged does that."""
    settings.JOINEDUP_ALERT_RULES = "tests.alerts.test_triage.ONLY_R1"
    today = utc_now().date()
    baby = ("Poppy", "Larkspur", (today - dt.timedelta(days=152)).isoformat())  # five months old
    ingest_and_link([
        rec(CSC, "T-CSC-1", "referral", [m("m1", "subject", baby, "CSC-P1")],
            on=(today - dt.timedelta(days=20)).isoformat(), detail={"code": "referral"}),
        rec(HOSPITAL, "T-ED-1", "ed_attendance", [m("m1", "patient", baby, "SAH-P1")],
            on=(today - dt.timedelta(days=1)).isoformat(),
            detail={"code": "injury", "author_role": "Emergency department nurse",
                    "injury": {"site": "forearm", "description": "bruising", "explanation_given": "rolled"}}),
    ])
    child = person_of(CSC, "CSC-P1")
    r1 = Alert.objects.get(person=child, rule_id="R1", status=AlertStatus.NEW)
    assert (r1.rule_kind, r1.team) == (SUSPECT, staff.front_door)
    alert_acknowledge(user=staff.front_door_worker, alert=r1)
    for n in range(50):  # half older, half newer than the baby's; every tenth of raised severity
        make_alert(child, f"C{n:02}", CONSIDER, raised_at=r1.raised_at + dt.timedelta(hours=n - 25),
                   team=staff.front_door, severity="raised" if n % 10 == 0 else "standard")

    listed = list(team_inbox_for(viewer=staff.front_door_worker))
    assert len(listed) == 51 and listed[0] == r1 and listed[0].status == AlertStatus.ACKNOWLEDGED
    assert [a.rule_kind for a in listed[1:]] == [CONSIDER] * 50
    html = signed_in(staff.front_door_worker).get("/alerts/team/").content.decode()
    assert "51 open" in html
    rows = _rows(html)
    assert rows.index(f'/alerts/{r1.pk}/"') < min(rows.index(f'/alerts/{a.pk}/"') for a in listed[1:25])


def test_open_alerts_sort_by_kind_then_raised_severity_then_the_longest_waiting(own_rules, staff, family):
    now = utc_now()
    team = staff.front_door
    made = {
        "consider-new": make_alert(family, "X1", CONSIDER, raised_at=now + dt.timedelta(minutes=1), team=team),
        "consider-old": make_alert(family, "X2", CONSIDER, raised_at=now - dt.timedelta(days=9), team=team),
        "consider-raised": make_alert(family, "X3", CONSIDER, raised_at=now, team=team, severity="raised"),
        "suspect-raised": make_alert(family, "X4", SUSPECT, raised_at=now, team=team, severity="raised"),
        "escalate": make_alert(family, "X5", ESCALATE, raised_at=now, team=team),
        "process-old": make_alert(family, "X6", PROCESS_FAILURE, raised_at=now - dt.timedelta(days=400), team=team,
                                  status=AlertStatus.ACKNOWLEDGED),
    }
    ours = {a.pk: name for name, a in made.items()}
    found = {a.rule_id: a for a in Alert.objects.filter(person=family, rule_id__in=["T1", "T2", "T3"])}
    ours.update({found["T1"].pk: "T1 suspect", found["T2"].pk: "T2 process", found["T3"].pk: "T3 consider"})
    order = [ours[a.pk] for a in team_inbox_for(viewer=staff.front_door_worker)]
    # T1–T3 were raised by the family fixture just before "now", long after X2 and X6.
    assert order == ["escalate", "process-old", "T2 process", "suspect-raised", "T1 suspect", "consider-raised",
                     "consider-old", "T3 consider", "consider-new"]


# --- filters ------------------------------------------------------------------------------------------------------


def test_filters_by_rule_kind_severity_and_child_offer_what_the_inbox_holds(own_rules, staff, family):
    now = utc_now()
    other_child = person_of(CSC, "CSC-K2")  # Jade, for a child of another name in the same inbox
    make_alert(other_child, "X1", CONSIDER, raised_at=now, team=staff.front_door, severity="raised")
    viewer = staff.front_door_worker
    rules = {a.rule_id for a in team_inbox_for(viewer=viewer, filters=InboxFilters(rule="T1"))}
    assert rules == {"T1"}
    assert {a.rule_id for a in team_inbox_for(viewer=viewer, filters=InboxFilters(kind=CONSIDER))} == {"T3", "X1"}
    assert {a.rule_id for a in team_inbox_for(viewer=viewer, filters=InboxFilters(severity="raised"))} == {"X1"}
    assert "X1" not in {a.rule_id for a in team_inbox_for(viewer=viewer, filters=InboxFilters(severity="standard"))}
    assert {a.person_id for a in team_inbox_for(viewer=viewer, filters=InboxFilters(child=str(family.pk)))} == {
        family.pk}
    assert list(team_inbox_for(viewer=viewer, filters=InboxFilters(child="not-a-person"))) == []
    choices = inbox_choices(viewer=viewer, team=True)
    assert [r for r, _label in choices.rules] == ["T1", "T2", "T3", "X1"]
    assert [k for k, _label in choices.kinds] == [PROCESS_FAILURE, SUSPECT, CONSIDER]
    assert {c for c, _label in choices.children} == {str(family.pk), str(other_child.pk)}
    assert inbox_choices(viewer=staff.nurse, team=True).rules == []  # a partner sees no alerts at all


def test_the_inbox_page_filters_and_says_what_is_wrong_with_a_bad_choice(own_rules, staff, family, signed_in):
    client = signed_in(staff.front_door_worker)
    html = client.get("/alerts/team/", {"kind": CONSIDER}).content.decode()
    assert "T3: Adult not on the household record" in _rows(html) and "T1: Injury recorded" not in _rows(html)
    assert "1 open (filtered)" in html
    html = client.get("/alerts/team/", {"rule": "R99"}).content.decode()
    assert "There is a problem" in html and "Choose a rule from the list" in html
    assert "3 open" in html  # the filter refused is left out


# --- the menu count and latest evidence ----------------------------------------------------------------------------


def test_the_menu_count_is_what_the_page_it_opens_lists_as_new(own_rules, staff, family, signed_in):
    viewer = staff.front_door_worker
    assert inbox_landing(viewer) == "team" and inbox_landing(staff.worker) == "own"
    new_on_page = team_inbox_for(viewer=viewer).filter(status=AlertStatus.NEW).count()
    assert unread_count(viewer=viewer) == new_on_page == 3
    alert_acknowledge(user=viewer, alert=Alert.objects.get(person=family, rule_id="T3"))
    assert unread_count(viewer=viewer) == 2
    client = signed_in(viewer)
    home = client.get("/").content.decode()
    assert 'href="/alerts/team/"' in home and 'href="/alerts/"' not in home  # the menu and the home page
    assert "Alerts (2 new)" in home
    page = client.get("/alerts/team/").content.decode()
    assert page.count('govuk-tag--red">New</strong>') == 2
    # Someone outside the front door: their own inbox, and a team manager's count is their own inbox's too.
    allocation_set(actor_user=staff.manager, person=family, worker=staff.worker)
    alerts_evaluate_for_person(person=family)
    assert unread_count(viewer=staff.worker) == inbox_for(viewer=staff.worker).filter(status="new").count() == 2
    assert unread_count(viewer=staff.manager) == inbox_for(viewer=staff.manager).filter(status="new").count()


def test_latest_evidence_is_when_the_cited_records_happened_not_when_the_rule_ran(own_rules, staff, family,
                                                                                   signed_in):
    hurt = Alert.objects.get(person=family, rule_id="T1")
    assert alerts_shown([hurt], viewer=staff.front_door_worker)[hurt.pk].evidence_on == dt.date(2024, 4, 2)
    html = signed_in(staff.front_door_worker).get("/alerts/team/").content.decode()
    assert "2 Apr 2024<br>" in html and f"Alert raised {date_format(hurt.raised_at, 'j M Y')}" in html


# --- reassigning ---------------------------------------------------------------------------------------------------


def test_the_duty_manager_gives_an_alert_to_a_colleague_audited_as_a_step_in_its_history(own_rules, staff, family):
    hurt = Alert.objects.get(person=family, rule_id="T1")
    alert_acknowledge(user=staff.front_door_worker, alert=hurt)
    colleagues = reassign_candidates(viewer=staff.front_door_manager, alert=hurt)
    assert {staff.front_door_worker, staff.worker, staff.colleague, staff.manager} <= set(colleagues)
    assert staff.head not in colleagues and staff.nurse not in colleagues
    assert reassign_candidates(viewer=staff.front_door_worker, alert=hurt) == []  # the team holds it, not them

    alert_reassign(user=staff.front_door_manager, alert=hurt, to=staff.worker, reason="Known to her from 2023.")
    hurt.refresh_from_db()
    assert (hurt.routed_to, hurt.team, hurt.status, hurt.acknowledged_at) == (staff.worker, staff.team,
                                                                             AlertStatus.NEW, None)
    step = AlertStep.objects.filter(alert=hurt, kind="routed").latest("id")
    assert step.detail["reassigned"] is True and step.actor_id == staff.front_door_manager.pk
    assert "Reassigned to" in step.text and "Known to her from 2023." in step.text
    audit = AuditEvent.objects.get(action="alert.reassign", object_id=str(hurt.pk))
    assert audit.actor_id == staff.front_door_manager.pk and audit.reason == "Known to her from 2023."
    assert audit.detail["routed_to"] == staff.worker.username
    assert hurt in inbox_for(viewer=staff.worker) and unread_count(viewer=staff.worker) == 1
    assert alert_for_viewer(viewer=staff.front_door_worker, alert_id=hurt.pk) is None

    # The rules run again: it stays with her; the child allocated to someone else: it follows the child.
    result = alerts_evaluate_for_person(person=family)
    assert Alert.objects.get(pk=hurt.pk).routed_to == staff.worker and result.rerouted == 0
    allocation_set(actor_user=staff.manager, person=family, worker=staff.colleague)
    alerts_evaluate_for_person(person=family)
    assert Alert.objects.get(pk=hurt.pk).routed_to == staff.colleague


def test_only_the_holder_or_a_manager_of_its_team_reassigns_and_only_to_a_colleague_who_holds_such_work(
        own_rules, staff, family, make_user):
    hurt = Alert.objects.get(person=family, rule_id="T1")
    with pytest.raises(PermissionError):
        alert_reassign(user=staff.front_door_worker, alert=hurt, to=staff.worker)  # the team holds it, not them
    with pytest.raises(PermissionError):
        alert_reassign(user=staff.colleague, alert=hurt, to=staff.worker)  # cannot even see it
    left = make_user(Role.SOCIAL_WORKER, agency=staff.agency, team=staff.team)
    left.is_active = False
    left.save(update_fields=["is_active"])
    strangers = [
        staff.nurse,  # a partner agency's practitioner
        staff.head,  # receives alerts only as rules route them
        left,  # no longer active
        make_user(Role.SOCIAL_WORKER),  # another authority
    ]
    for stranger in strangers:
        with pytest.raises(ValueError, match=r"^to: "):
            alert_reassign(user=staff.front_door_manager, alert=hurt, to=stranger)
    with pytest.raises(ValueError, match=r"^reason: "):
        alert_reassign(user=staff.front_door_manager, alert=hurt, to=staff.worker, reason="x" * 2001)
    assert Alert.objects.get(pk=hurt.pk).routed_to is None
    assert not AuditEvent.objects.filter(action="alert.reassign").exists()
    # The holder may pass it on; the head of service may too.
    alert_reassign(user=staff.head, alert=hurt, to=staff.worker)
    alert_reassign(user=staff.worker, alert=hurt, to=staff.colleague)
    with pytest.raises(ValueError, match="already with them"):
        alert_reassign(user=staff.head, alert=hurt, to=staff.colleague)
    assert AuditEvent.objects.filter(action="alert.reassign", object_id=str(hurt.pk)).count() == 2


def test_a_front_door_worker_given_an_alert_keeps_front_door_duty_for_the_child(own_rules, staff, family, make_user):
    other = make_user(Role.FRONT_DOOR, agency=staff.agency, team=staff.front_door)
    hurt = Alert.objects.get(person=family, rule_id="T1")
    assert scope_of(other, family.pk) == Scope.FULL  # the front door holds it, nobody named
    alert_reassign(user=staff.front_door_manager, alert=hurt, to=staff.front_door_worker)
    assert hurt in team_inbox_for(viewer=staff.front_door_worker) and hurt in inbox_for(viewer=staff.front_door_worker)
    assert scope_of(staff.front_door_worker, family.pk) == Scope.FULL
    for rule_id in ("T2", "T3"):  # the front door's other alerts about the child, to someone else
        alert_reassign(user=staff.front_door_manager, alert=Alert.objects.get(person=family, rule_id=rule_id),
                       to=staff.worker)
    assert hurt not in team_inbox_for(viewer=other)
    assert scope_of(other, family.pk) == Scope.AGENCY  # their agency's records only: no alert of theirs or unnamed


# --- the alert page ------------------------------------------------------------------------------------------------


def test_the_alert_page_lists_each_record_once_and_says_its_context_once(own_rules, staff, family, signed_in):
    client = signed_in(staff.front_door_worker)
    hurt = Alert.objects.get(person=family, rule_id="T1")
    html = client.get(f"/alerts/{hurt.pk}/").content.decode()
    assert html.count("bruising to forearm") == 1  # the cited record: once, marked, in the chronology around it
    assert html.count("Cited by this alert</strong>") == 1 and "Seen for a cough." in html
    found = "Found as things stood on 5 April 2024, the day of a record received late."
    context = make_alert(family, "X1", CONSIDER, raised_at=utc_now(), team=staff.front_door, severity="raised")
    context.sentence = (f"An adult is not on the household record. Context: domestic abuse, {MENTAL_HEALTH_FACTOR}. "
                        f"{found}")
    context.context_factors = ["domestic abuse", MENTAL_HEALTH_FACTOR]
    context.save(update_fields=["sentence", "context_factors"])
    page = client.get(f"/alerts/{context.pk}/").content.decode()
    top = page[:page.index("History</h2>")]
    assert top.count("domestic abuse") == 1 and "Higher severity: context factors" in top
    # A factor the front door may not read (mental health) is left out of the one clause, and the rest kept.
    assert f"An adult is not on the household record. Context: domestic abuse. {found}" in top
    assert MENTAL_HEALTH_FACTOR not in top


def test_reassigning_from_the_alert_page(own_rules, staff, family, signed_in, client):
    hurt = Alert.objects.get(person=family, rule_id="T1")
    client = signed_in(staff.front_door_manager)
    page = client.get(f"/alerts/{hurt.pk}/").content.decode()
    assert "Give it to a colleague" in page and staff.worker.get_full_name() in page
    response = client.post(f"/alerts/{hurt.pk}/", {"do": "reassign", "reassign-to": ""})
    assert response.status_code == 200 and "Choose who to give the alert to" in response.content.decode()
    response = client.post(f"/alerts/{hurt.pk}/", {"do": "reassign", "reassign-to": str(staff.nurse.pk)})
    assert "Choose a colleague from the list" in response.content.decode()
    response = client.post(f"/alerts/{hurt.pk}/", {"do": "reassign", "reassign-to": str(staff.worker.pk),
                                                   "reassign-reason": "She knows the family."}, follow=True)
    assert "The alert is now with" in response.content.decode()
    assert Alert.objects.get(pk=hurt.pk).routed_to == staff.worker
    # Someone who neither holds it nor manages its team is offered nothing, and refused.
    client.logout()
    worker = signed_in(staff.front_door_worker)
    other = Alert.objects.get(person=family, rule_id="T3")
    assert "Give it to a colleague" not in worker.get(f"/alerts/{other.pk}/").content.decode()
    assert worker.post(f"/alerts/{other.pk}/", {"do": "reassign",
                                                "reassign-to": str(staff.worker.pk)}).status_code == 404
    assert Alert.objects.get(pk=other.pk).routed_to is None
