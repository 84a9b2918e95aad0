"""The person page, search and the review queue: who may see them, what they show, and that reads are audited."""

from __future__ import annotations

import re

import pytest

from joinedup.accounts.models import Agency
from joinedup.audit.models import AuditEvent
from joinedup.casework.services import allocation_set
from joinedup.ingest.services import records_ingest
from joinedup.people.models import MentionLink, Person, ReviewItem, ReviewStatus
from joinedup.people.services import linkage_run

from .conftest import SYSTEM
from .test_households_online import CSC, GP, POLICE, _family_records

pytestmark = pytest.mark.both_databases


@pytest.fixture
def family(model_only):
    records_ingest(actor=SYSTEM, records=_family_records(), via="file")
    linkage_run(actor=SYSTEM, progress=lambda _line: None)
    kayden = MentionLink.objects.get(mention__agency__code=CSC, mention__local_person_id="CSC-T1").person
    return kayden


def _csc_user(make_user, role):
    return make_user(role=role, agency=Agency.objects.get(code=CSC))


def test_person_page_shows_identities_household_and_the_unknown_adult(family, make_user, signed_in):
    worker = _csc_user(make_user, "social_worker")
    allocation_set(actor_user=_csc_user(make_user, "team_manager"), person=family, worker=worker)  # works with him
    client = signed_in(worker)
    response = client.get(f"/people/{family.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kayden Stonebridge" in html
    assert "Northbrook Police" in html and "Northbrook Children" in html  # identities at both agencies
    assert "Darren Pikesley" in html and "Not in household record" in html
    assert "Mum&#x27;s boyfriend" in html or "Mum's boyfriend" in html
    assert "<svg" in html  # the household drawn over time
    assert response["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action="person.view", actor_id=worker.pk, subject_person_id=family.pk).exists()


def test_partner_sees_only_people_their_agency_knows(family, make_user, signed_in):
    gp_user = make_user(role="partner_practitioner", agency=Agency.objects.get(code=GP))
    client = signed_in(gp_user)
    assert client.get(f"/people/{family.pk}/").status_code == 404  # the GP holds nothing on the child
    darren = MentionLink.objects.get(mention__agency__code=GP, mention__local_person_id="GP-T1").person
    assert client.get(f"/people/{darren.pk}/").status_code == 200
    client.logout()
    response = signed_in(make_user(role="data_protection_officer")).post("/people/", {"name": "Stonebridge"})
    assert response.status_code == 404


def test_search_finds_a_person_by_any_name_an_agency_wrote_and_audits_the_results(family, make_user, signed_in):
    worker = _csc_user(make_user, "front_door")
    client = signed_in(worker)
    response = client.post("/people/", {"name": "kayden stonebridge"})
    assert response.status_code == 200
    assert f"/people/{family.pk}/" in response.content.decode()
    event = AuditEvent.objects.filter(action="person.search", actor_id=worker.pk).latest("id")
    assert str(family.pk) in event.detail["object_ids"]
    bad = client.post("/people/", {"nhs_number": "12345"})
    assert "Enter an NHS number of 10 digits" in bad.content.decode()
    empty = client.post("/people/", {"name": ""})
    assert empty.status_code == 200


@pytest.fixture
def family_in_authority(loaded):
    """The family among the simulated authority's records (whose linkage leaves pairs for a person to review)."""
    records_ingest(actor=SYSTEM, records=_family_records(), via="file")
    linkage_run(actor=SYSTEM, progress=lambda _line: None)
    return MentionLink.objects.get(mention__agency__code=CSC, mention__local_person_id="CSC-T1").person


def test_review_queue_decision_and_split_through_the_screens(family_in_authority, make_user, make_team, signed_in):
    family = family_in_authority
    team = make_team(Agency.objects.get(code=CSC))
    manager = make_user(role="team_manager", agency=Agency.objects.get(code=CSC), team=team)
    worker = make_user(role="social_worker", agency=Agency.objects.get(code=CSC), team=team)
    allocation_set(actor_user=manager, person=family, worker=worker)  # Darren was recorded with Kayden
    client = signed_in(manager)
    darren_police = MentionLink.objects.get(mention__agency__code=POLICE, mention__local_person_id="POL-T2")
    darren = darren_police.person
    # Split the police identity off Darren: it is not him.
    response = client.post(f"/people/{darren.pk}/", {"source_identity": f"{POLICE}:POL-T2", "reason": ""})
    assert response.status_code == 200 and "Say why" in response.content.decode()
    too_long = "Police confirm a different man. " * 70  # 2,240 characters
    html = client.post(f"/people/{darren.pk}/", {"source_identity": f"{POLICE}:POL-T2", "reason": too_long}
                       ).content.decode()  # the error beside the reason, the reason kept, its records opened
    assert "must be 2,000 characters or fewer" in html and 'href="#split-reason"' in html
    assert re.search(r'<details class="govuk-details" open>', html)
    assert re.search(r'<textarea[^>]*id="split-reason"[^>]*>\s*' + re.escape(too_long.strip()), html)
    response = client.post(f"/people/{darren.pk}/", {"source_identity": f"{POLICE}:POL-T2",
                                                      "reason": "Police confirm a different man of the same name."})
    assert response.status_code == 302
    darren_police.refresh_from_db()
    assert darren_police.person_id != darren.pk
    # The queue: at least the items the model put there; decide one.
    queue = client.get("/review/")
    assert queue.status_code == 200
    item = ReviewItem.objects.filter(status=ReviewStatus.OPEN).first()
    assert item is not None  # the seeded authority always leaves some pairs for a person
    page = client.get(f"/review/{item.pk}/")
    assert page.status_code == 200 and "Are these the same person?" in page.content.decode()
    assert client.post(f"/review/{item.pk}/", {}).status_code == 200  # no choice: an error, nothing decided
    html = client.post(f"/review/{item.pk}/", {"decision": "same", "reason": too_long}).content.decode()
    assert "Keep the reason to 2,000 characters or fewer" in html and too_long.strip() in html
    item.refresh_from_db()
    assert item.status == ReviewStatus.OPEN
    assert client.post(f"/review/{item.pk}/", {"decision": "different", "reason": "Different mothers."}).status_code == 302
    item.refresh_from_db()
    assert item.status == ReviewStatus.REJECTED and item.decided_by == manager
    # Partners and workers who do not review matches cannot reach the queue.
    client.logout()
    assert signed_in(_csc_user(make_user, "social_worker")).get("/review/").status_code == 404
    assert Person.objects.filter(pk=darren.pk).exists()
