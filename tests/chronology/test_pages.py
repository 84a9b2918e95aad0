"""The chronology screens: the page with its timeline, marking events, a record's history, who knew what,
partners' look-up (the worker told once per encounter), notices and allocation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from joinedup.accounts.models import Agency, Role
from joinedup.audit.models import AuditEvent
from joinedup.casework.models import Notice, PartnerLookup
from joinedup.casework.services import allocation_set
from joinedup.chronology.models import SignificantMark
from joinedup.ingest.models import SourceRecord
from joinedup.ingest.services import records_ingest
from tests.conftest import on_duty

from .conftest import SYSTEM
from .family import CSC, HOSPITAL, MILO, m, rec

pytestmark = pytest.mark.both_databases


def test_the_chronology_page_shows_every_agency_with_its_timeline(family, make_user, signed_in):
    front_door = on_duty(make_user(role=Role.FRONT_DOOR, agency=Agency.objects.get(code=CSC)), family)
    client = signed_in(front_door)
    url = reverse("web:chronology", args=[family.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "St Aldric&#x27;s Hospital" in html and "fell against the cot" in html
    assert "Child protection plan" in html and "Emergency department nurse" in html
    assert AuditEvent.objects.filter(action="chronology.view", subject_person_id=family.pk).exists()
    # Filtered to one agency, only its events remain in the list.
    only_gp = client.get(url, {"agency": ["elm-tree-surgery"]}).content.decode()
    assert "Seen for a cough" in only_gp and "fell against the cot" not in only_gp.split('id="events"')[1]
    # Household view adds the mother's school concern.
    assert "School safeguarding concern" in client.get(url, {"household": "on"}).content.decode()
    # Marking an event significant is one click, audited, and shows on return.
    record = SourceRecord.objects.get(source_record_id="K-ED-1")
    response = client.post(url, {"mark": f"{record.pk}:1:x", "query": ""})
    assert response.status_code == 302
    assert SignificantMark.objects.get(record=record).significant
    assert "Unmark" in client.get(url).content.decode()
    # The invalid period is refused with the field named.
    bad = client.get(url, {"start": "31/02/2024"}).content.decode()
    assert "Enter the start date as day/month/year" in bad


def test_a_record_page_shows_every_version(family, make_user, signed_in):
    corrected = rec(HOSPITAL, "K-ED-1", "ed_attendance", [m("m1", "patient", MILO, "SAH-K1")],
                    at="2024-02-03T21:40:00Z", version=2, recorded_at="2024-02-05T09:00:00Z",
                    detail={"code": "injury", "injury": {"site": "neck", "description": "bruising",
                                                         "explanation_given": "fell against the cot"}})
    records_ingest(actor=SYSTEM, records=[corrected], via="file")
    client = signed_in(on_duty(make_user(role=Role.FRONT_DOOR, agency=Agency.objects.get(code=CSC)), family))
    record = SourceRecord.objects.get(source_record_id="K-ED-1")
    html = client.get(reverse("web:chronology", args=[family.pk])).content.decode()
    assert "corrected" in html
    page = client.get(reverse("web:record", args=[family.pk, record.pk])).content.decode()
    assert "Version 2" in page and "Version 1" in page and "(current)" in page
    assert AuditEvent.objects.filter(action="record.view", object_id=str(record.pk)).exists()
    # A record that does not name the child (or a housemate) is not reachable through the child.
    other = records_ingest(actor=SYSTEM, records=[rec(HOSPITAL, "K-ED-9", "ed_attendance", [
        {"mention_id": "m1", "role": "patient", "given_name": "Zed", "family_name": "Orrin", "dob": "2001-01-01"}],
        on="2024-05-05")], via="file")
    assert other.outcomes[0].status == "created"
    stranger = SourceRecord.objects.get(source_record_id="K-ED-9")
    assert client.get(reverse("web:record", args=[family.pk, stranger.pk])).status_code == 404


def test_who_knew_what_page(family, make_user, signed_in):
    client = signed_in(on_duty(make_user(role=Role.FRONT_DOOR, agency=Agency.objects.get(code=CSC)), family))
    page = client.get(reverse("web:who-knew", args=[family.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "fell against the cot" in html and "St Aldric" in html


def test_partners_get_404_for_the_chronology_and_use_the_look_up(family, make_user, make_team, signed_in, client):
    csc = Agency.objects.get(code=CSC)
    team = make_team(csc)
    front = make_team(csc, is_front_door=True)
    worker = make_user(role=Role.SOCIAL_WORKER, agency=csc, team=team)
    front_worker = make_user(role=Role.FRONT_DOOR, agency=csc, team=front)
    nurse = make_user(role=Role.PARTNER_PRACTITIONER, agency=Agency.objects.get(code=HOSPITAL))
    signed_in(nurse)
    assert client.get(reverse("web:chronology", args=[family.pk])).status_code == 404
    assert client.get(reverse("web:who-knew", args=[family.pk])).status_code == 404
    # Nobody allocated: the front door team is told.
    answer = client.post(reverse("web:lookup"), {"given_name": "milo", "family_name": "ASHGROVE",
                                                 "dob": "14/03/2022", "reason": "A&E attendance"})
    html = answer.content.decode()
    assert "On a child protection plan" in html and "Northbrook Children" in html
    assert Notice.objects.filter(team=front, person=family).count() == 1
    allocation_set(actor_user=front_worker, person=family, worker=worker)
    # Same nurse, same child, same encounter: nobody is told twice.
    client.post(reverse("web:lookup"), {"given_name": "Milo", "family_name": "Ashgrove", "dob": "2022-03-14"})
    assert Notice.objects.filter(person=family).count() == 1
    assert PartnerLookup.objects.filter(person=family).count() == 2
    # Another practitioner's look-up is a new encounter: the allocated worker is told.
    client.logout()
    officer = make_user(role=Role.PARTNER_PRACTITIONER, agency=Agency.objects.get(code="northbrook-police"))
    signed_in(officer)
    nhs_less = client.post(reverse("web:lookup"), {"given_name": "Milo", "family_name": "Ashgrove",
                                                   "dob": "14/03/2022"}).content.decode()
    assert worker.get_full_name() in nhs_less
    assert Notice.objects.filter(recipient=worker, person=family).count() == 1
    # No exact match: no disclosure, and the page says so.
    none = client.post(reverse("web:lookup"), {"given_name": "Milo", "family_name": "Ashgrave",
                                               "dob": "14/03/2022"}).content.decode()
    assert "No child matches exactly" in none
    missing = client.post(reverse("web:lookup"), {"given_name": "Milo"}).content.decode()
    assert "Enter the child&#x27;s last name" in missing
    client.logout()
    signed_in(worker)
    notices = client.get(reverse("web:notices")).content.decode()
    assert "looked up Milo Ashgrove" in notices
    assert client.get(reverse("web:chronology", args=[family.pk])).status_code == 200


def test_a_team_manager_allocates_a_child(family, make_user, make_team, signed_in):
    csc = Agency.objects.get(code=CSC)
    team = make_team(csc)
    worker = make_user(role=Role.SOCIAL_WORKER, agency=csc, team=team)
    manager = on_duty(make_user(role=Role.FRONT_DOOR, agency=csc, team=team), family)
    client = signed_in(manager)
    url = reverse("web:allocate", args=[family.pk])
    assert "Choose" in client.get(url).content.decode()
    assert "Select a social worker" in client.post(url, {"worker": ""}).content.decode()
    assert client.post(url, {"worker": str(worker.pk)}).status_code == 302
    assert family.allocations.get(ended_at__isnull=True).worker == worker
    assert AuditEvent.objects.filter(action="allocation.set", subject_person_id=family.pk).exists()
