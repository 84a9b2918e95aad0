"""The alert screens: inboxes per worker and per team, the alert page (evidence, the chronology around it,
history), the decisions, who may see them, and that every read is audited."""

from __future__ import annotations

import pytest

from joinedup.alerts.models import Alert, AlertStatus, AlertStep
from joinedup.audit.models import AuditEvent
from joinedup.casework.services import allocation_set

pytestmark = [pytest.mark.both_databases, pytest.mark.usefixtures("own_rules")]


@pytest.fixture
def allocated(family, staff):
    from joinedup.alerts.services import alerts_evaluate_for_person

    allocation_set(actor_user=staff.manager, person=family, worker=staff.worker)
    alerts_evaluate_for_person(person=family)
    return family


def test_the_workers_inbox_lists_their_alerts_with_rule_sentence_and_kind_and_is_audited(allocated, staff, signed_in):
    client = signed_in(staff.worker)
    home = client.get("/")
    assert "Alerts (3 new)" in home.content.decode()
    response = client.get("/alerts/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "T1: Injury recorded" in html and "1 injury recorded (forearm)." in html
    assert "Suspect maltreatment" in html and "Process failure" in html
    assert "3 open" in html
    listed = AuditEvent.objects.get(action="alert.list", actor_id=staff.worker.pk)
    assert set(listed.detail["object_ids"]) == {str(a.pk) for a in Alert.objects.filter(person=allocated)}


def test_the_team_inbox_shows_the_front_doors_unallocated_alerts(family, staff, signed_in):
    client = signed_in(staff.front_door_worker)
    html = client.get("/alerts/team/").content.decode()
    assert "Alerts for " + staff.front_door.name in html
    assert "T1: Injury recorded" in html and "Unallocated" in html
    assert "No open alerts." in client.get("/alerts/").content.decode()  # nothing routed to them by name


def test_the_alert_page_shows_the_evidence_the_chronology_around_it_and_its_history(allocated, staff, signed_in):
    alert = Alert.objects.get(person=allocated, rule_id="T1")
    client = signed_in(staff.worker)
    response = client.get(f"/alerts/{alert.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Injury recorded" in html and "1 injury recorded (forearm)." in html
    assert "St Aldric&#x27;s Hospital" in html or "St Aldric's Hospital" in html
    assert "2 Apr 2024" in html and "Emergency department nurse" in html and "bruising to forearm" in html
    # Around it (30 days either side): the GP's consultation and the police incident at the address.
    assert "Cough" in html and "Police incident" in html
    assert "Cited by this alert" in html
    assert "Alert raised" in html and "Alert re-routed" in html
    assert AuditEvent.objects.filter(action="alert.view", actor_id=staff.worker.pk, object_id=str(alert.pk),
                                     subject_person_id=allocated.pk).exists()


def test_acknowledge_then_act_with_a_link_from_the_page(allocated, staff, signed_in):
    alert = Alert.objects.get(person=allocated, rule_id="T1")
    client = signed_in(staff.worker)
    response = client.post(f"/alerts/{alert.pk}/", {"do": "acknowledge"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    response = client.post(f"/alerts/{alert.pk}/", {"do": "act", "act-action": "", "act-link": ""})
    assert response.status_code == 200 and "Enter what was done" in response.content.decode()
    response = client.post(f"/alerts/{alert.pk}/", {"do": "act", "act-action": "Child seen at home with mother.",
                                                     "act-link": "Case note 981"}, follow=True)
    assert "What you did is recorded" in response.content.decode()
    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.outcome_link) == (AlertStatus.ACTED, "Child seen at home with mother.",
                                                                 "Case note 981")
    assert "Case note 981" in response.content.decode()


def test_dismissing_needs_a_reason(allocated, staff, signed_in):
    alert = Alert.objects.get(person=allocated, rule_id="T3")
    client = signed_in(staff.worker)
    response = client.post(f"/alerts/{alert.pk}/", {"do": "dismiss", "dismiss-reason": "  "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and "Enter why no action is needed" in html
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.NEW
    client.post(f"/alerts/{alert.pk}/", {"do": "dismiss", "dismiss-reason": "Craig is known; assessed in May."})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.DISMISSED and alert.outcome == "Craig is known; assessed in May."
    assert AlertStep.objects.filter(alert=alert, kind="dismissed", actor_id=staff.worker.pk).exists()


def test_people_without_a_part_in_the_alert_get_404(allocated, staff, signed_in, client):
    alert = Alert.objects.get(person=allocated, rule_id="T1")
    assert signed_in(staff.colleague).get(f"/alerts/{alert.pk}/").status_code == 404
    assert client.post(f"/alerts/{alert.pk}/", {"do": "acknowledge"}).status_code == 404
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.NEW
    client.logout()
    nurse = signed_in(staff.nurse)
    assert nurse.get(f"/alerts/{alert.pk}/").status_code == 404
    assert nurse.get("/alerts/").status_code == 404
    assert 'href="/alerts/"' not in nurse.get("/").content.decode()
    client.logout()
    assert signed_in(staff.head).get(f"/alerts/{alert.pk}/").status_code == 200
