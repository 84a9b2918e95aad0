"""A family known to several agencies, for the chronology tests: a child, his mother, and a man who lives
with them for a few months and is known to the police and his GP at other addresses."""

from __future__ import annotations

from joinedup.people.models import MentionLink, Person

CSC, POLICE, GP, HOSPITAL, SCHOOL = (
    "northbrook-childrens-services", "northbrook-police", "elm-tree-surgery", "st-aldrics-hospital",
    "millfield-primary-school",
)
HOME = {"lines": ["7 Kestrel Row", "Northbrook"], "postcode": "NB6 3QT"}
ELSEWHERE = {"lines": ["40 Fenwick Road", "Northbrook"], "postcode": "NB2 9LD"}
LATER = {"lines": ["3 Tanners Court", "Northbrook"], "postcode": "NB8 1AW"}
MILO = ("Milo", "Ashgrove", "2022-03-14")
JADE = ("Jade", "Ashgrove", "1997-06-02")
CRAIG = ("Craig", "Wedderburn", "1988-11-23")


def rec(agency, source_id, kind, mentions, *, on=None, at=None, detail=None, version=1, ended_on=None,
        recorded_at=None):
    out = {
        "schema": "joinedup.agency-record/1", "agency_id": agency, "source_system": "test-system",
        "source_record_id": source_id, "version": version, "kind": kind,
        "recorded_at": recorded_at or f"{(on or at[:10])}T18:00:00Z", "mentions": mentions,
        "detail": detail or {"code": kind},
    }
    if at:
        out["occurred_at"] = at
    else:
        out["occurred_on"] = on
    if version > 1:
        out["amended_at"] = out["recorded_at"]
    if ended_on:
        out["ended_on"] = ended_on
    return out


def m(mid, role, who, local, address=HOME, **extra):
    given, family, dob = who
    return {"mention_id": mid, "role": role, "given_name": given, "family_name": family, "dob": dob,
            "local_person_id": local, "address": address, **extra}


def family_records():
    return [
        rec(CSC, "K-CSC-1", "referral", [m("m1", "subject", MILO, "CSC-K1"),
                                         m("m2", "carer", JADE, "CSC-K2", relationship_to_subject="mother")],
            on="2024-01-10", detail={"code": "referral", "decision": "assessment", "author_role": "Social worker"}),
        rec(HOSPITAL, "K-ED-1", "ed_attendance", [m("m1", "patient", MILO, "SAH-K1"),
                                                   m("m2", "accompanying_adult", JADE, "SAH-K2")],
            at="2024-02-03T21:40:00Z",
            detail={"code": "injury", "author_role": "Emergency department nurse",
                    "injury": {"site": "ear", "description": "bruising", "explanation_given": "fell against the cot",
                               "explained_by": "m2"}}),
        rec(GP, "K-GP-1", "consultation", [m("m1", "patient", MILO, "GP-K1")], on="2024-02-03",
            detail={"code": "cough", "text": "Seen for a cough.", "author_role": "GP"}),
        rec(SCHOOL, "K-SCH-1", "school_concern", [m("m1", "pupil", JADE, "SCH-K2")], on="2024-01-20"),
        rec(CSC, "K-CSC-2", "cp_plan", [m("m1", "subject", MILO, "CSC-K1")], on="2024-03-01",
            detail={"code": "cpp", "category": "physical_abuse"}),
        # Craig: seen at his own address before, at the child's home from April to June, then at a new address.
        rec(GP, "K-GP-2", "person_registration", [m("m1", "patient", CRAIG, "GP-C1", address=ELSEWHERE)],
            on="2023-06-01"),
        rec(POLICE, "K-POL-0", "arrest", [m("m1", "suspect", CRAIG, "POL-C1", address=ELSEWHERE)], on="2023-12-01",
            detail={"code": "arrest", "offence": "criminal damage"}),
        rec(POLICE, "K-POL-1", "police_incident", [m("m1", "victim", JADE, "POL-K2"),
                                                   m("m2", "suspect", CRAIG, "POL-C1")],
            on="2024-04-05", detail={"code": "domestic_abuse", "children_present": True}),
        rec(GP, "K-GP-3", "consultation", [m("m1", "patient", CRAIG, "GP-C1")], on="2024-05-02",
            detail={"code": "back pain", "author_role": "GP"}),
        rec(GP, "K-GP-4", "consultation", [m("m1", "patient", CRAIG, "GP-C1")], on="2024-06-20",
            detail={"code": "sprained wrist", "author_role": "GP"}),
        rec(GP, "K-GP-5", "person_registration", [m("m1", "patient", CRAIG, "GP-C1", address=LATER)],
            on="2024-09-01", detail={"code": "change_of_address"}),
        rec(POLICE, "K-POL-2", "arrest", [m("m1", "suspect", CRAIG, "POL-C1", address=LATER)], on="2024-10-12",
            detail={"code": "arrest", "offence": "theft"}),
    ]


def person_of(agency, local):
    pid = MentionLink.objects.filter(mention__agency__code=agency, mention__local_person_id=local).values_list(
        "person_id", flat=True).first()
    return Person.objects.get(pk=pid)
