"""Unidentified adults (issue 14): "Steve" in a social-care note, with no surname, date of birth or NHS number,
is surfaced at the child's home as an unidentified adult (not invented as a person of his own), and a worker
who knows who he is says so; the decision holds in every later linkage run, batch or online."""

from __future__ import annotations

import pytest
from django.test import Client

from joinedup.accounts.models import Agency
from joinedup.audit.models import AuditEvent
from joinedup.casework.services import allocation_set
from joinedup.ingest.services import records_ingest
from joinedup.people.models import LinkMethod, MentionLink, Person, SightingIdentification, UnidentifiedSighting
from joinedup.people.selectors import person_household
from joinedup.people.services import linkage_run
from tests.conftest import sign_in

from .conftest import SYSTEM
from .test_households_online import CSC, GP, POLICE, _family_records, _m, _person_of, _record

pytestmark = pytest.mark.both_databases

STEVE_NOTE = _record(CSC, "T-CSC-9", "visit", "2024-06-20", [
    _m("m1", "subject", "Kayden", "Stonebridge", "2021-05-04", "CSC-T1"),
    _m("m2", "parent", "Leanne", "Stonebridge", "1995-02-11", "CSC-T2", relationship_to_subject="mother"),
    {"mention_id": "m3", "role": "present", "given_name": "Steve", "local_person_id": "CSC-T77",
     "relationship_to_subject": "mother's partner", "address": {"lines": ["12 Quarry Lane", "Northbrook"],
                                                                 "postcode": "NB4 2XY"}},
], {"code": "home_visit", "child_seen": True, "seen_alone": False})


def _steve():
    return MentionLink.objects.get(mention__agency__code=CSC, mention__local_person_id="CSC-T77")


@pytest.fixture
def family(model_only):
    records_ingest(actor=SYSTEM, records=[*_family_records(), STEVE_NOTE], via="file")
    linkage_run(actor=SYSTEM, progress=lambda _line: None)
    return Person.objects.get(pk=_person_of(CSC, "CSC-T1"))


def test_a_first_name_alone_is_an_unidentified_adult_at_the_home_not_a_person(family):
    link = _steve()
    assert link.person_id is None and link.method == LinkMethod.UNLINKABLE and link.reason == "first_name_only"
    sighting = UnidentifiedSighting.objects.get(mention_id=link.mention_id)
    assert sighting.label == "Steve (mother's partner)"
    mates = {m.label: m for m in person_household(person=family)[0].housemates}
    assert mates["Unidentified: “Steve (mother's partner)”"].sighting_mention_id == link.mention_id


def test_a_social_worker_says_who_steve_is_and_every_later_run_keeps_it(family, make_user):
    worker = make_user(role="social_worker", agency=Agency.objects.get(code=CSC))
    client = Client()
    sign_in(client, worker)
    mention_id = _steve().mention_id
    assert client.get(f"/sightings/{mention_id}/").status_code == 404  # not (yet) working with the child
    allocation_set(actor_user=make_user(role="team_manager", agency=Agency.objects.get(code=CSC)), person=family,
                   worker=worker)
    darren = _person_of(POLICE, "POL-T2")
    assert darren == _person_of(GP, "GP-T1")
    page = client.get(f"/sightings/{mention_id}/?from={family.pk}")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Darren Pikesley" in body and "Leanne Stonebridge" in body
    assert f"/sightings/{mention_id}/" in client.get(f"/people/{family.pk}/").content.decode()
    # no reason: the answer is kept and the field is named
    page = client.post(f"/sightings/{mention_id}/?from={family.pk}", {"person": str(darren), "reason": ""})
    assert page.status_code == 200 and "Say how you know who this is" in page.content.decode()
    assert f'value="{darren}" checked' in page.content.decode()
    assert not SightingIdentification.objects.exists()
    # a person who was never seen at the address cannot be chosen
    stranger = Person.objects.create(given_name="Never", family_name="Seenthere")
    page = client.post(f"/sightings/{mention_id}/", {"person": str(stranger.pk), "reason": "I think so"})
    assert "Select one of the people listed" in page.content.decode()
    # the answer
    response = client.post(f"/sightings/{mention_id}/?from={family.pk}",
                           {"person": str(darren), "reason": "Leanne told me on the visit that Steve is Darren."})
    assert response.status_code == 302 and response["Location"] == f"/people/{family.pk}/"
    link = _steve()
    assert link.person_id == darren and link.method == LinkMethod.REVIEW
    assert not UnidentifiedSighting.objects.filter(mention_id=mention_id).exists()
    event = AuditEvent.objects.get(action="sighting.identify")
    assert event.object_id == str(mention_id) and str(event.subject_person_id) == str(darren)
    assert AuditEvent.objects.filter(action="sighting.view").exists()
    # asked again: gone (404), and a re-run of the linkage keeps the decision
    assert client.get(f"/sightings/{mention_id}/").status_code == 404
    linkage_run(actor=SYSTEM, progress=lambda _line: None)
    assert _steve().person_id == _person_of(GP, "GP-T1")
    # a new version of the record arriving keeps it too (online path)
    again = {**STEVE_NOTE, "version": 2, "amended_at": "2024-06-21T09:00:00Z"}
    records_ingest(actor=SYSTEM, records=[again], via="api")
    assert _steve().person_id == _person_of(GP, "GP-T1")


def test_only_workers_who_may_identify_see_the_sighting(family, make_user):
    mention_id = _steve().mention_id
    for role, agency in (("partner_practitioner", POLICE), ("case_reviewer", CSC), ("data_protection_officer", CSC)):
        client = Client()
        sign_in(client, make_user(role=role, agency=Agency.objects.get(code=agency)))
        assert client.get(f"/sightings/{mention_id}/").status_code == 404, role
        assert client.post(f"/sightings/{mention_id}/", {"person": "x", "reason": "y"}).status_code == 404, role
    worker = Client()
    sign_in(worker, make_user(role="social_worker", agency=Agency.objects.get(code=CSC)))
    assert worker.get("/sightings/999999999/").status_code == 404
