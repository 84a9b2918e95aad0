"""An "escalate" alert (a child not seen) closes only with a manager's agreement: a worker proposes to close it (acted
on, or dismissed) with what was done or why; it stays open, awaiting a manager's agreement, until a team manager of
the team holding it (or a head of service) agrees — it closes as proposed — or disagrees, and it stays open with their
reason. Both are steps in the child's history and audit rows; the proposals wait in the manager's team inbox. Other
kinds of alert close as before."""

from __future__ import annotations

import pytest

from joinedup.alerts.models import Alert, AlertStatus, AlertStep
from joinedup.alerts.rules.base import ESCALATE, ChildContext, Finding, Rule
from joinedup.alerts.selectors import alert_steps_for_person, awaiting_agreement_for, team_inbox_for
from joinedup.alerts.services import (
    AgreementNeeded,
    alert_act,
    alert_agree,
    alert_disagree,
    alert_dismiss,
    alert_propose_close,
    alerts_evaluate_for_person,
    may_agree,
)
from joinedup.audit.models import AuditEvent
from joinedup.casework.services import allocation_set

from .conftest import T1

pytestmark = pytest.mark.both_databases


def _not_seen(ctx: ChildContext, at, params):
    hurt = [e for e in ctx.events if e.is_injury]
    if not hurt:
        return None
    return Finding("TE", "Child not seen since the injury recorded on 2 April 2024.", tuple(e.key for e in hurt))


TE = Rule("TE", "Child not seen", "Not seen after an injury.", "Test rule", ESCALATE, {}, _not_seen)
RULES = [T1, TE]


@pytest.fixture
def rules(settings):
    settings.JOINEDUP_ALERT_RULES = "tests.alerts.test_agreement.RULES"
    return RULES


@pytest.fixture
def alerts(rules, family, staff):
    """Milo allocated to the worker in the assessment team: an escalate alert (TE) and a suspect one (T1)."""
    allocation_set(actor_user=staff.manager, person=family, worker=staff.worker)
    alerts_evaluate_for_person(person=family)
    found = {a.rule_id: a for a in Alert.objects.filter(person=family, status__in=["new", "acknowledged"])}
    assert found["TE"].routed_to == staff.worker and found["TE"].team == staff.team
    return found


def test_who_may_agree(alerts, staff):
    escalate = alerts["TE"]
    assert may_agree(staff.manager, escalate) and may_agree(staff.head, escalate)
    for other in (staff.worker, staff.colleague, staff.front_door_worker, staff.front_door_manager, staff.nurse):
        assert not may_agree(other, escalate)


def test_a_worker_cannot_close_an_escalate_alert_alone_but_closes_others_as_before(alerts, staff):
    with pytest.raises(AgreementNeeded, match="manager's agreement"):
        alert_dismiss(user=staff.worker, alert=alerts["TE"], reason="Seen at nursery.")
    with pytest.raises(AgreementNeeded):
        alert_act(user=staff.worker, alert=alerts["TE"], action="Visited.")
    assert Alert.objects.get(pk=alerts["TE"].pk).status == AlertStatus.NEW
    alert_dismiss(user=staff.worker, alert=alerts["T1"], reason="Explained; seen by the GP.")
    assert Alert.objects.get(pk=alerts["T1"].pk).status == AlertStatus.DISMISSED
    # The team manager may close it alone: their decision is the manager's.
    closed = alert_act(user=staff.manager, alert=alerts["TE"], action="Seen at home with the manager on a joint visit.")
    assert closed.status == AlertStatus.ACTED and closed.closed_by == staff.manager


def test_a_proposal_waits_for_the_manager_who_agrees_and_the_alert_closes_as_proposed(alerts, staff):
    escalate = alerts["TE"]
    with pytest.raises(ValueError, match="reason"):
        alert_propose_close(user=staff.worker, alert=escalate, outcome=AlertStatus.DISMISSED, text="  ")
    with pytest.raises(ValueError, match="only an escalate alert"):
        alert_propose_close(user=staff.worker, alert=alerts["T1"], outcome=AlertStatus.DISMISSED, text="Fine.")
    proposed = alert_propose_close(user=staff.worker, alert=escalate, outcome=AlertStatus.DISMISSED,
                                   text="Seen at nursery on 3 April by the health visitor.")
    assert proposed.status == AlertStatus.AWAITING_AGREEMENT and proposed.is_open
    assert proposed.acknowledged_by == staff.worker and proposed.proposed_by == staff.worker
    with pytest.raises(ValueError, match="already proposed"):
        alert_propose_close(user=staff.worker, alert=escalate, outcome=AlertStatus.ACTED, text="Visited.")
    with pytest.raises(ValueError, match="agree or disagree"):
        alert_act(user=staff.manager, alert=escalate, action="Visited.")
    # Waiting in the team manager's inbox (and a head of service's), not the worker's or another team's manager's.
    assert list(awaiting_agreement_for(viewer=staff.manager)) == [proposed]
    assert list(awaiting_agreement_for(viewer=staff.head)) == [proposed]
    assert not awaiting_agreement_for(viewer=staff.worker).exists()
    assert not awaiting_agreement_for(viewer=staff.front_door_manager).exists()
    assert proposed in team_inbox_for(viewer=staff.manager)
    # Only a manager may agree, and not the proposer.
    with pytest.raises(PermissionError):
        alert_agree(user=staff.worker, alert=escalate)
    with pytest.raises(PermissionError):
        alert_agree(user=staff.front_door_manager, alert=escalate)
    closed = alert_agree(user=staff.manager, alert=escalate, note="Agreed: the health visitor's note confirms it.")
    assert (closed.status, closed.outcome, closed.closed_by) == (
        AlertStatus.DISMISSED, "Seen at nursery on 3 April by the health visitor.", staff.manager)
    assert not closed.is_open
    with pytest.raises(ValueError, match="nothing"):
        alert_agree(user=staff.head, alert=escalate)
    # Both decisions are steps in the child's history and audit rows, with their reasons.
    steps = [(s.kind, s.actor_id) for s in AlertStep.objects.filter(alert=escalate).order_by("at", "id")]
    assert steps[-2:] == [("proposed", staff.worker.pk), ("agreed", staff.manager.pk)]
    audited = {e.action: e for e in AuditEvent.objects.filter(object_type="alert", object_id=str(escalate.pk))}
    assert audited["alert.propose"].reason == "Seen at nursery on 3 April by the health visitor."
    assert audited["alert.propose"].actor_id == staff.worker.pk
    assert audited["alert.agree"].reason == "Agreed: the health visitor's note confirms it."
    assert audited["alert.agree"].detail["proposed_by"] == staff.worker.username
    history = [r.step for r in alert_steps_for_person(alerts["TE"].person, viewer=staff.worker) if r.rule_id == "TE"]
    assert history[-2:] == ["proposed", "agreed"]


def test_a_manager_who_disagrees_reopens_it_with_their_reason(alerts, staff):
    escalate = alerts["TE"]
    alert_propose_close(user=staff.worker, alert=escalate, outcome=AlertStatus.ACTED,
                        text="Phoned the mother: she says he is well.", link="Case note 77")
    with pytest.raises(ValueError, match="reason"):
        alert_disagree(user=staff.head, alert=escalate, reason="")
    reopened = alert_disagree(user=staff.head, alert=escalate, reason="A phone call is not seeing the child.")
    assert reopened.status == AlertStatus.ACKNOWLEDGED and reopened.is_open
    assert (reopened.proposed_by, reopened.proposed_text, reopened.closed_at) == (None, "", None)
    assert not awaiting_agreement_for(viewer=staff.manager).exists()
    step = AlertStep.objects.filter(alert=escalate).latest("id")
    assert (step.kind, step.text, step.actor_id) == ("disagreed", "A phone call is not seeing the child.", staff.head.pk)
    assert step.detail["outcome"] == "acted" and step.detail["proposed_by"] == staff.worker.username
    event = AuditEvent.objects.get(action="alert.disagree", object_id=str(escalate.pk))
    assert event.reason == "A phone call is not seeing the child." and event.subject_person_id == escalate.person_id
    # The worker proposes again (after seeing the child); this time the team manager agrees.
    alert_propose_close(user=staff.worker, alert=escalate, outcome=AlertStatus.ACTED, text="Seen alone at home.")
    assert alert_agree(user=staff.manager, alert=escalate).status == AlertStatus.ACTED


def test_an_awaiting_alert_is_still_one_open_alert_and_closes_when_its_rule_no_longer_finds_it(alerts, staff, family):
    alert_propose_close(user=staff.worker, alert=alerts["TE"], outcome=AlertStatus.DISMISSED, text="Seen.")
    alerts_evaluate_for_person(person=family)  # the same finding: nothing new is raised beside it
    assert Alert.objects.filter(person=family, rule_id="TE").count() == 1
    gone = Rule("TE", "Child not seen", "Not seen after an injury.", "Test rule", ESCALATE, {},
                lambda ctx, at, params: None)
    alerts_evaluate_for_person(person=family, rules=[T1, gone])  # e.g. a visit that saw the child arrived
    resolved = Alert.objects.get(pk=alerts["TE"].pk)
    assert resolved.status == AlertStatus.RESOLVED and resolved.closed_by is None
    assert not awaiting_agreement_for(viewer=staff.manager).exists()


# --- the pages -----------------------------------------------------------------------------------------------------


def test_the_pages_propose_then_a_manager_disagrees_then_agrees(alerts, staff, signed_in, client):
    escalate, url = alerts["TE"], f"/alerts/{alerts['TE'].pk}/"
    worker = signed_in(staff.worker)
    page = worker.get(url).content.decode()
    assert "it closes only with a manager&#x27;s agreement" in page or "it closes only with a manager's agreement" in page
    assert "Propose dismissing: ask a manager to agree" in page and "Dismiss alert<" not in page
    # A suspect alert's page is as before.
    assert "Dismiss alert<" in worker.get(f"/alerts/{alerts['T1'].pk}/").content.decode()
    empty = worker.post(url, {"do": "dismiss", "dismiss-reason": ""})
    assert empty.status_code == 200 and "Enter why no action is needed" in empty.content.decode()
    done = worker.post(url, {"do": "dismiss", "dismiss-reason": "Seen at nursery on 3 April."}, follow=True)
    html = done.content.decode()
    assert "Your proposal is recorded" in html and "Awaiting a manager" in html
    assert "Propose dismissing" not in html and "Agree and close the alert" not in html
    assert Alert.objects.get(pk=escalate.pk).status == AlertStatus.AWAITING_AGREEMENT
    assert "Awaiting a manager" in worker.get("/alerts/").content.decode()
    assert worker.post(url, {"do": "agree"}).status_code == 404  # the worker may not agree to it
    worker.post("/sign-out/")

    manager = signed_in(staff.manager)
    own = manager.get("/alerts/").content.decode()
    assert "1 proposal to close an escalate alert waits for your agreement" in own
    team = manager.get("/alerts/team/").content.decode()
    assert "Waiting for your agreement: 1" in team and f"/alerts/{escalate.pk}/#decide" in team
    assert "Seen at nursery on 3 April." in team
    listed = AuditEvent.objects.filter(action="alert.list", actor_id=staff.manager.pk, reason="team open").latest("id")
    assert str(escalate.pk) in listed.detail["object_ids"]
    page = manager.get(url).content.decode()
    assert "Agree and close the alert" in page and "Disagree: keep the alert open" in page
    refused = manager.post(url, {"do": "disagree", "disagree-reason": ""})
    assert refused.status_code == 200 and "Enter why the alert stays open" in refused.content.decode()
    manager.post(url, {"do": "disagree", "disagree-reason": "Not seen by us: visit today."})
    assert Alert.objects.get(pk=escalate.pk).status == AlertStatus.ACKNOWLEDGED
    assert "Not seen by us: visit today." in manager.get(url).content.decode()
    manager.post("/sign-out/")

    worker = signed_in(staff.worker)
    worker.post(url, {"do": "act", "act-action": "Seen alone at home.", "act-link": "Visit 12"})
    worker.post("/sign-out/")
    manager = signed_in(staff.manager)
    agreed = manager.post(url, {"do": "agree", "agree-note": ""}, follow=True).content.decode()
    assert "You agreed" in agreed and "Proposed, then agreed" in agreed and "Visit 12" in agreed
    closed = Alert.objects.get(pk=escalate.pk)
    assert (closed.status, closed.outcome, closed.outcome_link, closed.closed_by) == (
        AlertStatus.ACTED, "Seen alone at home.", "Visit 12", staff.manager)
    manager.post("/sign-out/")
    assert signed_in(staff.colleague).post(url, {"do": "agree"}).status_code == 404  # not theirs to see
