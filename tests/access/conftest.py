"""A small authority for the access tests (field groups, sealed records, the protected-address canary).

Ruby (a child) is known to children's social care (a contact, an open case, looked after with a placement postcode,
allocated to a social worker), to a hospital (an injury, written with a *protected* address: a refuge), to her GP
(a consultation for low mood) and to the police (an incident at home). Her mother Jade is known to her GP (a sexual
health consultation) and lives with her; Jade's partner Craig is the subject of a police intelligence report. The
records go in through the ingest service and each mention is linked with the people service a worker's choice uses
(`mentions_link_recorded`), so no linkage model is needed; alerts are judged with one small rule of our own that
cites every health and police record. Built in about a second, so each test gets its own.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from joinedup.accounts.models import AgencyKind, Role
from joinedup.accounts.services import agency_create, team_create
from joinedup.alerts.rules.base import SUSPECT, Finding, Rule
from joinedup.casework.services import NewPerson, allocation_set, case_step_record, contact_decide, contact_record
from joinedup.ingest.models import Mention
from joinedup.ingest.services import records_ingest
from joinedup.people.recorded import mentions_link_recorded
from tests.conftest import SYSTEM

CSC, POLICE, GP, HOSPITAL = "northbrook-childrens-services", "northbrook-police", "elm-tree-surgery", "st-aldrics-hospital"
# The canaries: a refuge's street and postcode (sent with `protected: true`) and a placement postcode. Nobody's page,
# export, API answer or log may show them but the placement postcode's, to those entitled to it.
REFUGE_STREET = "Quillfeather Mews"
REFUGE_POSTCODE = "XQ7 3ZZ"
PLACEMENT_POSTCODE = "QZ9 9WX"
HOME = {"lines": ["7 Kestrel Row", "Northbrook"], "postcode": "NB6 3QT"}
REFUGE = {"lines": [f"17 {REFUGE_STREET}", "Northbrook"], "postcode": REFUGE_POSTCODE, "protected": True}
RUBY = ("Ruby", "Calloway", "2019-05-04")
JADE = ("Jade", "Calloway", "1994-02-11")
CRAIG = ("Craig", "Wedderburn", "1988-11-23")
# What each sensitive record says (so a test can look for it on a page).
SECRETS = {
    "mental_health": "Tearful, low mood for weeks",
    "sexual_health": "Chlamydia screen requested",
    "police_intelligence": "Intelligence: seen with a man wanted on warrant",
}


def rec(agency, source_id, kind, mentions, *, on, detail):
    return {"schema": "joinedup.agency-record/1", "agency_id": agency, "source_system": "test-system",
            "source_record_id": source_id, "version": 1, "kind": kind, "occurred_on": on,
            "recorded_at": f"{on}T18:00:00Z", "mentions": mentions, "detail": detail}


def m(mid, role, who, local, address=HOME, **extra):
    given, family, dob = who
    return {"mention_id": mid, "role": role, "given_name": given, "family_name": family, "dob": dob,
            "local_person_id": local, "address": address, **extra}


def records() -> list[dict]:
    return [
        rec(HOSPITAL, "A-ED-1", "ed_attendance", [m("m1", "patient", RUBY, "SAH-R1", address=REFUGE),
                                                   m("m2", "accompanying_adult", JADE, "SAH-J1", address=REFUGE)],
            on="2024-02-03", detail={"code": "injury", "author_role": "Emergency department nurse",
                                     "injury": {"site": "forearm", "description": "bruising",
                                                "explanation_given": "fell off the sofa", "explained_by": "m2"}}),
        rec(GP, "A-GP-1", "consultation", [m("m1", "patient", RUBY, "GP-R1")], on="2024-02-10",
            detail={"code": "low mood", "text": SECRETS["mental_health"], "author_role": "GP"}),
        rec(GP, "A-GP-2", "consultation", [m("m1", "patient", JADE, "GP-J1")], on="2024-02-12",
            detail={"code": "contraception", "text": SECRETS["sexual_health"], "author_role": "GP",
                    "sensitivity": ["sexual_health"]}),
        rec(POLICE, "A-POL-1", "police_incident", [m("m1", "victim", JADE, "POL-J1"), m("m2", "suspect", CRAIG, "POL-C1"),
                                                   m("m3", "household_member", RUBY, "POL-R1")],
            on="2024-02-20", detail={"code": "domestic_abuse", "children_present": True, "mental_health": "suspect in crisis",
                                     "text": "Argument at the address."}),
        rec(POLICE, "A-POL-2", "police_incident", [m("m1", "suspect", CRAIG, "POL-C1")], on="2024-02-25",
            detail={"code": "intelligence_report", "text": SECRETS["police_intelligence"],
                    "sensitivity": ["police_intelligence"]}),
    ]


def _cites_health_and_police(ctx, at, params):
    cited = [e for e in [*ctx.events, *ctx.household_events] if e.agency_kind in ("acute_hospital", "gp_practice",
                                                                                  "police")]
    if not cited:
        return None
    return Finding("TA", f"{len(cited)} records from health and the police: {cited[-1].summary}.",
                   tuple(dict.fromkeys(e.key for e in cited)))


RULES = [Rule("TA", "Health and police records", "Cites every health and police record.", "Test rule", SUSPECT, {},
              _cites_health_and_police)]


def _link(source_id: str, mention_id: str, person, user):
    ids = list(Mention.objects.filter(record__source_record_id=source_id, mention_id=mention_id)
               .values_list("pk", flat=True))
    return mentions_link_recorded(mention_ids=ids, person=person, user=user, actor=SYSTEM)


@pytest.fixture
def world(db, make_user, settings):
    """The authority, its staff in every role, and Ruby's family (see the module's docstring)."""
    settings.JOINEDUP_ALERT_RULES = "tests.access.conftest.RULES"
    csc = agency_create(actor=SYSTEM, code=CSC, name="Northbrook Children's Services",
                        kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    police = agency_create(actor=SYSTEM, code=POLICE, name="Northbrook Police", kind=AgencyKind.POLICE)
    gp = agency_create(actor=SYSTEM, code=GP, name="Elm Tree Surgery", kind=AgencyKind.GP_PRACTICE)
    hospital = agency_create(actor=SYSTEM, code=HOSPITAL, name="St Aldric's Hospital", kind=AgencyKind.ACUTE_HOSPITAL)
    front = team_create(actor=SYSTEM, agency=csc, code="front-door", name="Front Door", is_front_door=True)
    team = team_create(actor=SYSTEM, agency=csc, code="north", name="North Team")
    s = SimpleNamespace(csc=csc, police=police, gp=gp, hospital=hospital, front=front, team=team)
    s.front_door = make_user(Role.FRONT_DOOR, agency=csc, team=front)
    s.worker = make_user(Role.SOCIAL_WORKER, agency=csc, team=team)
    s.other_worker = make_user(Role.SOCIAL_WORKER, agency=csc, team=front)
    s.manager = make_user(Role.TEAM_MANAGER, agency=csc, team=team)
    s.head = make_user(Role.HEAD_OF_SERVICE, agency=csc)
    s.dpo = make_user(Role.DATA_PROTECTION_OFFICER, agency=csc)
    s.reviewer = make_user(Role.CASE_REVIEWER, agency=csc)
    s.partnership = make_user(Role.PARTNERSHIP_MEMBER, agency=csc)
    s.admin = make_user(Role.SYSTEM_ADMINISTRATOR, agency=csc)
    s.gp_doctor = make_user(Role.PARTNER_PRACTITIONER, agency=gp)
    s.nurse = make_user(Role.PARTNER_PRACTITIONER, agency=hospital)
    s.officer = make_user(Role.PARTNER_PRACTITIONER, agency=police)

    made = contact_record(user=s.front_door, person=None, raised_by="agency", source_code="3E",
                          new_person=NewPerson(given_name=RUBY[0], family_name=RUBY[1],
                                               dob=dt.date.fromisoformat(RUBY[2])),
                          text="Bruising seen at nursery.", received_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
    child = made.person
    decided = contact_decide(user=s.front_door, person=child, record_pk=made.record_pk, decision="assessment",
                             revision=made.contact.revision)
    s.case_id = decided.case_id
    case_step_record(user=s.front_door, case_id=s.case_id, step="looked_after_start", revision=None, data={
        "started_on": dt.date.today() - dt.timedelta(days=5), "legal_status": "V2", "placement_type": "U4",
        "placement_provider": "PR1", "placement_postcode": PLACEMENT_POSTCODE, "category_of_need": "N1"})
    allocation_set(actor_user=s.front_door, person=child, worker=s.worker)

    result = records_ingest(actor=SYSTEM, records=records(), via="file")
    assert {o.status for o in result.outcomes} == {"created"}, result.outcomes
    for source_id, mid in (("A-ED-1", "m1"), ("A-GP-1", "m1"), ("A-POL-1", "m3")):
        _link(source_id, mid, child, s.head)
    mother = _link("A-ED-1", "m2", None, s.head)
    for source_id, mid in (("A-GP-2", "m1"), ("A-POL-1", "m1")):
        _link(source_id, mid, mother, s.head)
    partner = _link("A-POL-1", "m2", None, s.head)
    _link("A-POL-2", "m1", partner, s.head)
    for person in (child, mother, partner):
        person.refresh_from_db()
    s.child, s.mother, s.partner = child, mother, partner
    return s
