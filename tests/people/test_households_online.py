"""Households from every agency (the man in the house nobody knew about) and matching on arrival through the API."""

from __future__ import annotations

import pytest
from django.test import Client

from joinedup.accounts.models import Agency
from joinedup.accounts.services import api_token_create
from joinedup.ingest.services import records_ingest
from joinedup.people.models import LinkMethod, MentionLink, ReviewItem
from joinedup.people.selectors import person_companions, person_household
from joinedup.people.services import linkage_run
from joinedup_lab.simulate.identifiers import nhs_check_digit

from .conftest import SYSTEM

pytestmark = pytest.mark.both_databases

CSC, POLICE, GP, HOSPITAL = "northbrook-childrens-services", "northbrook-police", "elm-tree-surgery", "st-aldrics-hospital"
HOME = {"lines": ["12 Quarry Lane", "Northbrook"], "postcode": "NB4 2XY"}


def _nhs(first9: str) -> str:
    return first9 + str(nhs_check_digit(first9))


def _record(agency, source_id, kind, day, mentions, detail=None, system="test-system"):
    return {
        "schema": "joinedup.agency-record/1", "agency_id": agency, "source_system": system,
        "source_record_id": source_id, "version": 1, "kind": kind, "occurred_on": day,
        "recorded_at": f"{day}T12:00:00Z", "mentions": mentions, "detail": detail or {"code": kind},
    }


def _m(mid, role, given, family, dob, local, address=HOME, **extra):
    mention = {"mention_id": mid, "role": role, "given_name": given, "family_name": family, "dob": dob,
               "local_person_id": local, "address": address}
    mention.update(extra)
    return mention


KAYDEN = ("Kayden", "Stonebridge", "2021-05-04")
LEANNE = ("Leanne", "Stonebridge", "1995-02-11")
DARREN = ("Darren", "Pikesley", "1990-08-19")


def _family_records():
    return [
        _record(CSC, "T-CSC-1", "assessment", "2024-02-01", [
            _m("m1", "subject", *KAYDEN, "CSC-T1"),
            _m("m2", "parent", *LEANNE, "CSC-T2", relationship_to_subject="mother"),
        ]),
        _record(POLICE, "T-POL-1", "police_incident", "2024-03-10", [
            _m("m1", "victim", *LEANNE, "POL-T1"),
            _m("m2", "suspect", *DARREN, "POL-T2", address={"lines": ["12 Quarry Ln", "Northbrook"], "postcode": "nb42xy"}),
            _m("m3", "present", *KAYDEN, "POL-T3"),
        ], {"code": "domestic_abuse", "children_present": True}),
        _record(GP, "T-GP-1", "person_registration", "2024-01-05", [
            _m("m1", "patient", *DARREN, "GP-T1", nhs_number=_nhs("999812345"), sex="male"),
        ]),
        _record(POLICE, "T-POL-2", "police_incident", "2024-06-01", [
            _m("m1", "victim", *LEANNE, "POL-T1"),
            {"mention_id": "m2", "role": "present", "relationship_label": "Mum's boyfriend"},
        ], {"code": "domestic_abuse"}),
    ]


def _person_of(agency, local):
    return MentionLink.objects.filter(mention__agency__code=agency, mention__local_person_id=local).values_list(
        "person_id", flat=True).first()


def test_household_lists_an_adult_only_police_and_the_gp_knew_about(loaded):
    result = records_ingest(actor=SYSTEM, records=_family_records(), via="file")
    assert {o.status for o in result.outcomes} == {"created"}
    linkage_run(actor=SYSTEM, progress=lambda _line: None)
    kayden = _person_of(CSC, "CSC-T1")
    assert kayden == _person_of(POLICE, "POL-T3")
    assert _person_of(POLICE, "POL-T2") == _person_of(GP, "GP-T1")  # Darren, across police and GP
    from joinedup.people.models import Person

    spells = person_household(person=Person.objects.get(pk=kayden))
    assert len(spells) == 1  # "12 Quarry Ln, nb42xy" is the same dwelling as "12 Quarry Lane, NB4 2XY"
    mates = {m.label: m for m in spells[0].housemates}
    darren = mates["Darren Pikesley"]
    assert darren.is_adult and darren.unknown_to_csc_household and not darren.known_to_csc
    assert set(darren.agency_names) >= {"Northbrook Police", "Elm Tree Surgery"}
    leanne = mates["Leanne Stonebridge"]
    assert leanne.in_csc_household_record and not leanne.unknown_to_csc_household
    assert any("Mum's boyfriend" in label for label in mates)  # recorded only by relationship, still shown
    companions = {c.person.display_name: c for c in person_companions(person=Person.objects.get(pk=kayden))}
    assert companions["Darren Pikesley"].roles == ["suspect"] and companions["Darren Pikesley"].unknown_to_csc_household
    assert companions["Leanne Stonebridge"].in_csc_household_record


def test_a_new_attendance_posted_to_the_api_is_attached_to_the_right_child(loaded, make_user):
    # How fast: `joinedup bench arrival` (request p95 and record-to-alert time), not a timed test here.
    records_ingest(actor=SYSTEM, records=_family_records(), via="file")
    linkage_run(actor=SYSTEM, progress=lambda _line: None)
    kayden = _person_of(CSC, "CSC-T1")
    nurse = make_user(role="partner_practitioner", agency=Agency.objects.get(code=HOSPITAL))
    _token, secret = api_token_create(actor=SYSTEM, user=nurse, name="ED feed")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    attendance = _record(HOSPITAL, "T-ED-1", "ed_attendance", "2024-07-02", [
        _m("m1", "patient", "Kaden", "Stonebridge", "2021-05-04", "SAH-T9"),
    ], {"code": "injury", "injury": {"site": "forearm", "description": "bruising", "explanation_given": "fell"}})
    response = api.post("/api/v1/records/", attendance, content_type="application/json")
    assert response.status_code == 201, response.content[:500]
    link = MentionLink.objects.get(mention__agency__code=HOSPITAL, mention__local_person_id="SAH-T9")
    assert link.person_id == kayden
    assert link.method == LinkMethod.ONLINE and link.fields


def test_an_uncertain_arrival_becomes_a_new_person_and_waits_for_review(loaded, make_user):
    records_ingest(actor=SYSTEM, records=_family_records(), via="file")
    linkage_run(actor=SYSTEM, progress=lambda _line: None)
    nurse = make_user(role="partner_practitioner", agency=Agency.objects.get(code=HOSPITAL))
    _token, secret = api_token_create(actor=SYSTEM, user=nurse, name="ED feed")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    # Same first name and date of birth, a shorter surname, no address: plausible, not certain.
    attendance = _record(HOSPITAL, "T-ED-2", "ed_attendance", "2024-07-03", [
        {"mention_id": "m1", "role": "patient", "given_name": "Darren", "family_name": "Pike",
         "dob": "1990-08-19", "local_person_id": "SAH-T10"},
    ])
    assert api.post("/api/v1/records/", attendance, content_type="application/json").status_code == 201
    link = MentionLink.objects.get(mention__agency__code=HOSPITAL, mention__local_person_id="SAH-T10")
    assert link.person_id != _person_of(GP, "GP-T1")
    assert link.method == LinkMethod.NEW
    item = ReviewItem.objects.get(status="open", right_source_identity__in=[f"{HOSPITAL}:SAH-T10", f"{GP}:GP-T1",
                                                                           f"{POLICE}:POL-T2"],
                                  left_source_identity__in=[f"{HOSPITAL}:SAH-T10", f"{GP}:GP-T1", f"{POLICE}:POL-T2"])
    assert 0.5 <= item.match_probability < 0.99
    assert item.fields["given_name"] == "agree" and item.fields["dob"] == "agree"
    assert item.fields["family_name"] != "agree"
