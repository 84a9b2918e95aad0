"""A record accepted through the API raises or updates the child's alert within a second, end to end."""

from __future__ import annotations

import pytest
from django.test import Client

from joinedup.accounts.services import api_token_create
from joinedup.alerts.models import Alert, AlertStatus
from joinedup.alerts.selectors import inbox_for
from joinedup.casework.services import allocation_set

from .conftest import CSC, HOSPITAL, SYSTEM, family_records, ingest_and_link, injury, person_of

pytestmark = [pytest.mark.both_databases, pytest.mark.usefixtures("own_rules")]


@pytest.fixture
def api(staff):
    _token, secret = api_token_create(actor=SYSTEM, user=staff.nurse, name="ED feed")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _post(api, record) -> None:
    response = api.post("/api/v1/records/", record, content_type="application/json")
    assert response.status_code == 201, response.content[:500]


def test_an_injury_posted_to_the_api_reaches_the_allocated_workers_alerts_when_the_request_returns(staff, api, signed_in):
    ingest_and_link([r for r in family_records() if r["source_record_id"] != "A-ED-1"])
    milo = person_of(CSC, "CSC-K1")
    allocation_set(actor_user=staff.manager, person=milo, worker=staff.worker)
    assert not Alert.objects.filter(person=milo, rule_id="T1").exists()

    _post(api, injury("A-ED-1", "2024-04-02", local="SAH-K9"))
    alert = Alert.objects.get(person=milo, rule_id="T1")
    assert alert.status == AlertStatus.NEW and alert.routed_to == staff.worker
    assert alert.evidence_keys == [f"{HOSPITAL}:A-ED-1"]
    assert alert in inbox_for(viewer=staff.worker)
    page = signed_in(staff.worker).get(f"/alerts/{alert.pk}/")
    assert page.status_code == 200 and b"1 injury recorded (forearm)." in page.content

    # A second injury updates the same alert (no second alert), again before the request returns. (How fast is
    # measured by the benches, never asserted in a unit test.)
    _post(api, injury("A-ED-2", "2024-05-11", site="ear", local="SAH-K9"))
    alert = Alert.objects.get(person=milo, rule_id="T1")
    assert alert.evidence_keys == [f"{HOSPITAL}:A-ED-1", f"{HOSPITAL}:A-ED-2"]
    assert alert.sentence == "2 injuries recorded (forearm, ear)."
    assert Alert.objects.filter(person=milo, rule_id="T1").count() == 1


def test_a_faulty_rule_does_not_stop_a_record_being_received(staff, api, settings):
    settings.JOINEDUP_ALERT_RULES = "tests.alerts.conftest.WITH_BROKEN"
    ingest_and_link([r for r in family_records() if r["source_record_id"] != "A-ED-1"])
    _post(api, injury("A-ED-1", "2024-04-02", local="SAH-K9"))
    milo = person_of(HOSPITAL, "SAH-K9")
    assert milo == person_of(CSC, "CSC-K1")
    assert Alert.objects.filter(person=milo, rule_id="T1").exists()


def test_a_correction_naming_another_child_closes_the_first_childs_alert(staff, api):
    ingest_and_link([r for r in family_records() if r["source_record_id"] != "A-ED-1"])
    milo = person_of(CSC, "CSC-K1")
    first = injury("A-ED-1", "2024-04-02", local="SAH-K9")
    _post(api, first)
    alert = Alert.objects.get(person=milo, rule_id="T1")
    corrected = {**first, "version": 2, "amended_at": "2024-04-03T09:00:00Z",
                 "mentions": [{"mention_id": "m3", "role": "patient", "given_name": "Ruby", "family_name": "Hale",
                               "dob": "2020-02-02", "local_person_id": "SAH-R1"}]}
    _post(api, corrected)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    ruby = person_of(HOSPITAL, "SAH-R1")
    assert Alert.objects.get(person=ruby, rule_id="T1").evidence_keys == [f"{HOSPITAL}:A-ED-1"]
