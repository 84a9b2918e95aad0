"""R1–R14 end to end with the real catalogue: agencies' systems post records through the API (each with a token
of a sending role of its own agency), the product evaluates on arrival (the `persons_linked` signal) and on the
schedule (`alerts_run_scheduled`, what `joinedup alerts run` calls), and each rule's alert exists with evidence
citing the posted records. Near misses do not fire: R9 when the record does not say whether the flag was seen, R4
when children's social care's own record shows the injury and the police knew, R12 when "no further action" is
only words in free text or a later police record says it.

One module-scoped setup (the records are posted once); the records are dated relative to today, so the rules see
them as current. Linkage is the product's default model (no session-trained model, no simulator)."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import Client

from joinedup.accounts.models import Role
from joinedup.accounts.services import agency_get_or_create, api_token_create, user_create
from joinedup.alerts.models import Alert, AlertStatus, AlertStep, StepKind
from joinedup.alerts.rules.catalogue import DOMESTIC_ABUSE, REPEAT_ATTENDANCES, SUBSTANCE
from joinedup.alerts.services import alerts_run_scheduled
from joinedup.audit.models import AuditEvent
from joinedup.core.actor import ActorRef
from joinedup.people.linkage.clean import nhs_check_digit
from joinedup.people.models import MentionLink, Person

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]

SYSTEM = ActorRef.system("test")
HOSPITAL, GP, POLICE, SCHOOL, HOUSING, CSC = ("e2e-hospital", "e2e-surgery", "e2e-police", "e2e-school",
                                              "e2e-homes", "e2e-childrens-services")
AGENCIES = {HOSPITAL: "acute_hospital", GP: "gp_practice", POLICE: "police", SCHOOL: "school",
            HOUSING: "housing_association", CSC: "childrens_social_care"}
TODAY = dt.datetime.now(dt.UTC).date()
_nhs = itertools.count(100_000_001)


def nhs() -> str:
    while True:
        first9 = str(next(_nhs)).zfill(9)
        check = nhs_check_digit(first9)
        if check is not None:
            return f"{first9}{check}"


def person(given, family, dob_days_ago, sex="female", street="1 Mill Lane", postcode="NB1 1AA", dob=None):
    return {"given_name": given, "family_name": family, "sex": sex, "nhs_number": nhs(),
            "dob": dob or (TODAY - dt.timedelta(days=dob_days_ago)).isoformat(),
            "address": {"lines": [street, "Northbrook"], "postcode": postcode}}


AVA = person("Ava", "Linden", 120, street="3 Ash Row", postcode="NB2 3AR")
BEN = person("Ben", "Marlow", 3 * 365, "male", street="9 Birch Way", postcode="NB3 9BW")
CARA = person("Cara", "Nolan", 6 * 365, street="14 Cedar Court", postcode="NB4 4CC")
DAN = person("Dan", "Oakes", 5 * 365, "male", street="22 Dale Road", postcode="NB5 2DR")
EVE = person("Eve", "Pryor", 8 * 365, street="5 Elm Street", postcode="NB6 5ES")
FINN = person("Finn", "Quayle", 7 * 365, "male", street="31 Fir Grove", postcode="NB7 3FG")
DEAN = person("Dean", "Kerr", 0, "male", street="70 Harbour Street", postcode="NB9 7HS", dob="1990-03-03")
EVE_MUM = {**person("Gemma", "Pryor", 0, dob="1989-08-08"), "address": EVE["address"]}
CARA_MUM = {**person("Lisa", "Nolan", 0, dob="1992-01-01"), "address": CARA["address"]}


def m(mid, role, who, local, **extra):
    return {"mention_id": mid, "role": role, "local_person_id": local, **who, **extra}


def rec(agency, sid, kind, days_ago, mentions, detail, *, hour=10, day_only=False):
    day = TODAY - dt.timedelta(days=days_ago)
    out = {"schema": "joinedup.agency-record/1", "agency_id": agency, "source_system": "e2e",
           "source_record_id": sid, "version": 1, "kind": kind,
           "recorded_at": f"{day.isoformat()}T{hour + 1:02d}:00:00Z", "mentions": mentions, "detail": detail}
    if day_only:
        out["occurred_on"] = day.isoformat()
    else:
        out["occurred_at"] = f"{day.isoformat()}T{hour:02d}:00:00Z"
    return out


def inj(site, code, description, explanation=None, status=None):
    out = {"site": site, "site_code": code, "description": description}
    if explanation:
        out |= {"explanation_given": explanation, "explanation_status": "given"}
    elif status:
        out["explanation_status"] = status
    return out


def records() -> list[dict]:
    plan = {"code": "cpp", "category": "physical_abuse"}
    return [
        # Ava, 4 months: a coded cheek bruise, no explanation given (R1, R2)
        rec(HOSPITAL, "A1", "ed_attendance", 5, [m("m1", "patient", AVA, "H-AVA")], {
            "code": "injury", "injuries": [inj("left cheek", "60819002", "bruise 2cm", status="not_given")]}),
        # Ben, 3: arm injuries 10 days apart with different explanations (R3), not brought after one (R8), three attendances (R10)
        rec(HOSPITAL, "B4", "ed_attendance", 150, [m("m1", "patient", BEN, "H-BEN")], {"code": "fever"}),
        rec(HOSPITAL, "B5", "ed_attendance", 90, [m("m1", "patient", BEN, "H-BEN")], {"code": "fever"}),
        rec(GP, "B1", "consultation", 30, [m("m1", "patient", BEN, "G-BEN")], {
            "code": "injury", "injury": inj("forearm", "14975008", "bruise", "fell off the sofa")}),
        rec(HOSPITAL, "B2", "ed_attendance", 20, [m("m1", "patient", BEN, "H-BEN")], {
            "code": "injury", "injuries": [inj("knee", "72696002", "graze", "tripped on the stairs"),
                                           inj("hand", "85562004", "bruise", "tripped on the stairs")]}),
        rec(GP, "B3", "missed_appointment", 12, [m("m1", "patient", BEN, "G-BEN")],
            {"code": "was_not_brought", "not_brought": True}),
        # Cara, 6, on a plan: moves (R7), an injury with the flag not seen (R9), nobody told (R4), brought by an
        # adult children's social care does not know (R5), behaviour change (R11), two visits not seeing her (R8)
        rec(CSC, "C1", "cp_plan", 90, [m("m1", "subject", CARA, "S-CARA")], plan, day_only=True),
        rec(HOUSING, "C2", "housing_application", 200, [m("m1", "applicant", CARA_MUM, "HO-LISA"),
                                                         m("m2", "household_member", CARA, "HO-CARA")],
            {"code": "homeless_application"}, day_only=True),
        rec(HOUSING, "C3", "tenancy", 30, [m("m1", "tenant", CARA_MUM, "HO-LISA"),
                                            m("m2", "household_member", CARA, "HO-CARA")],
            {"code": "tenancy_start"}, day_only=True),
        rec(CSC, "C6", "visit", 40, [m("m1", "subject", CARA, "S-CARA")], {"child_seen": False, "code": "cp_visit"}),
        rec(CSC, "C7", "visit", 20, [m("m1", "subject", CARA, "S-CARA")], {"child_seen": False, "code": "cp_visit"}),
        rec(HOSPITAL, "C4", "ed_attendance", 10, [m("m1", "patient", CARA, "H-CARA"),
                                                   m("m2", "accompanying_adult", DEAN, "H-DEAN")], {
            "code": "injury", "cp_flag_seen": False,
            "injury": inj("forearm", "14975008", "bruise", "walked into a door")}, hour=14),
        rec(GP, "C5", "consultation", 8, [m("m1", "patient", CARA, "G-CARA")],
            {"code": "review", "behaviour_change": True, "text": "Quiet and withdrawn."}),
        # Dan, 5, on a plan (near misses): the GP record does not say whether the flag was seen (R9 unknown); the
        # social worker saw the injury on a visit and the police attended the same day (no R4)
        rec(CSC, "D1", "cp_plan", 90, [m("m1", "subject", DAN, "S-DAN")], plan, day_only=True),
        rec(GP, "D2", "consultation", 7, [m("m1", "patient", DAN, "G-DAN")], {"code": "cough"}),
        rec(CSC, "D3", "visit", 6, [m("m1", "subject", DAN, "S-DAN")], {
            "code": "cp_visit", "child_seen": True, "seen_alone": True,
            "injury": inj("upper arm", "40983000", "bruise", "fell at nursery")}),
        rec(POLICE, "D4", "police_incident", 6, [m("m1", "subject", DAN, "P-DAN")], {"code": "welfare_check"},
            hour=15),
        # Eve, 8: contact closed with no further action (coded), then a school concern (R12); coded neglect signs
        # from two agencies (R14); domestic abuse and substance misuse (R6: severity raised)
        rec(POLICE, "E4", "police_incident", 45, [m("m1", "victim", EVE_MUM, "P-GEMMA"),
                                                   m("m2", "present", EVE, "P-EVE")],
            {"code": "domestic_abuse", "dash_risk": "high", "substance_misuse": True}),
        rec(CSC, "E1", "csc_contact", 40, [m("m1", "subject", EVE, "S-EVE")], {
            "raised_by": "agency", "text": "School worried about lunches.", "decision": "no_further_action",
            "decided_at": f"{(TODAY - dt.timedelta(days=40)).isoformat()}T15:00:00Z"}),
        rec(GP, "E3", "consultation", 50, [m("m1", "patient", EVE, "G-EVE")],
            {"code": "review", "neglect_signs": ["untreated_condition"]}),
        rec(SCHOOL, "E2", "school_concern", 25, [m("m1", "pupil", EVE, "SC-EVE")],
            {"code": "welfare", "neglect_signs": ["hungry"], "text": "Arrived without breakfast again."}),
        # Finn, 7 (R12 near misses): a coded no further action, then a police investigation closed with "No further
        # action." in its text (not a new concern), a school note saying so in words (not a decision), an injury
        rec(POLICE, "F1", "police_incident", 50, [m("m1", "victim", FINN, "P-FINN")],
            {"code": "assault", "decision": "no_further_action"}),
        rec(POLICE, "F2", "police_investigation", 35, [m("m1", "victim", FINN, "P-FINN")],
            {"status": "closed", "offence_code": "8.01", "text": "No further action."}),
        rec(SCHOOL, "F3", "case_note", 25, [m("m1", "pupil", FINN, "SC-FINN")],
            {"text": "Mum says the police took no further action."}),
        rec(HOSPITAL, "F4", "ed_attendance", 15, [m("m1", "patient", FINN, "H-FINN")], {
            "code": "injury", "injury": inj("forearm", "14975008", "bruise", "fell off his bike")}),
    ]


def key(agency: str, sid: str) -> str:
    return f"{agency}:{sid}"


def person_of(agency: str, local: str) -> Person:
    return Person.objects.get(pk=MentionLink.objects.filter(
        mention__agency__code=agency, mention__local_person_id=local).values_list("person_id", flat=True).first())


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Every record posted once through the API by its agency's system, then the schedule run once."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            clients = {}
            for n, (code, kind) in enumerate(AGENCIES.items()):
                agency, _ = agency_get_or_create(actor=SYSTEM, code=code, name=code.replace("-", " ").title(),
                                                 kind=kind)
                role = Role.SYSTEM_ADMINISTRATOR if kind == "childrens_social_care" else Role.PARTNER_PRACTITIONER
                user = user_create(actor=SYSTEM, username=f"e2e-feed-{n}", password="not-used-Zq8!x", agency=agency,
                                   role=role, first_name="Feed", last_name=code)
                _token, secret = api_token_create(actor=SYSTEM, user=user, name="feed")
                clients[code] = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
            for record in sorted(records(), key=lambda r: r["recorded_at"]):
                response = clients[record["agency_id"]].post("/api/v1/records/", record,
                                                              content_type="application/json")
                assert response.status_code == 201, (record["source_record_id"], response.content[:600])
            on_arrival = {(a.person_id, a.rule_id) for a in Alert.objects.all()}
            now = dt.datetime.now(dt.UTC)
            alerts_run_scheduled(at=now)
            yield SimpleNamespace(now=now, on_arrival=on_arrival, clients=clients, children={
                name: person_of(agency, local) for name, agency, local in (
                    ("ava", HOSPITAL, "H-AVA"), ("ben", HOSPITAL, "H-BEN"), ("cara", CSC, "S-CARA"),
                    ("dan", CSC, "S-DAN"), ("eve", CSC, "S-EVE"), ("finn", HOSPITAL, "H-FINN"))})
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def alert(world, child: str, rule_id: str) -> Alert:
    found = Alert.objects.filter(person=world.children[child], rule_id=rule_id, status__in=[AlertStatus.NEW])
    assert found.count() == 1, (child, rule_id, list(Alert.objects.filter(person=world.children[child])
                                                    .values_list("rule_id", "sentence")))
    return found.get()


def test_each_childs_records_from_every_agency_were_linked_to_one_person(world):
    assert world.children["ben"] == person_of(GP, "G-BEN")
    assert world.children["cara"] == person_of(HOSPITAL, "H-CARA") == person_of(GP, "G-CARA") \
        == person_of(HOUSING, "HO-CARA")
    assert world.children["dan"] == person_of(GP, "G-DAN") == person_of(POLICE, "P-DAN")
    assert world.children["eve"] == person_of(GP, "G-EVE") == person_of(SCHOOL, "SC-EVE") == person_of(POLICE, "P-EVE")
    assert world.children["finn"] == person_of(POLICE, "P-FINN") == person_of(SCHOOL, "SC-FINN")


# (child, rule, the posted records its evidence must cite, words of its sentence, raised on arrival?)
EXPECTED = [
    ("ava", "R1", [(HOSPITAL, "A1")], "not independently mobile", True),
    ("ava", "R2", [(HOSPITAL, "A1")], "bruising at a TEN-4-FACESp site", True),
    ("ben", "R3", [(GP, "B1"), (HOSPITAL, "B2")], "explanations for injuries to the arm within 10 days", True),
    ("ben", "R8", [(HOSPITAL, "B2"), (GP, "B3")], "the child was not seen", False),
    ("cara", "R4", [(CSC, "C1"), (HOSPITAL, "C4")], "no record that the social worker and the police were told",
     False),
    ("cara", "R5", [(CSC, "C7"), (HOSPITAL, "C4")], "Dean", True),
    ("cara", "R7", [(CSC, "C1"), (HOUSING, "C2"), (HOUSING, "C3")], "moving or losing its home", True),
    ("cara", "R8", [(CSC, "C1"), (CSC, "C6"), (CSC, "C7")], "2 visits in a row without seeing the child", False),
    ("cara", "R9", [(CSC, "C1"), (HOSPITAL, "C4")], "did not see the child protection plan flag", True),
    ("cara", "R11", [(CSC, "C1"), (GP, "C5"), (HOSPITAL, "C4")], "change in the child's behaviour", True),
    ("eve", "R12", [(CSC, "E1"), (SCHOOL, "E2")], "“no further action”", True),
    ("eve", "R14", [(GP, "E3"), (SCHOOL, "E2")], "untreated condition", True),
]


@pytest.mark.parametrize(("child", "rule_id", "cited", "words", "on_arrival"), EXPECTED,
                         ids=[f"{r}-{c}" for c, r, *_ in EXPECTED])
def test_each_rule_raises_its_alert_citing_the_posted_records(world, child, rule_id, cited, words, on_arrival):
    a = alert(world, child, rule_id)
    assert [key(*c) for c in cited if key(*c) in a.evidence_keys] == [key(*c) for c in cited], a.evidence_keys
    for item in a.evidence:  # each cited record is the stored record the rule saw
        if item["key"] in {key(*c) for c in cited}:
            assert item["record_id"] is not None and item["version"] == 1
    assert words in a.sentence, a.sentence
    # non-time-based rules are raised by the arrival; time-based ones (R4, R8) by the schedule
    assert ((a.person_id, rule_id) in world.on_arrival) is on_arrival


def test_context_factors_r6_and_r10_raise_severity_but_never_alert_on_their_own(world):
    eve = alert(world, "eve", "R12")
    assert eve.severity == "raised" and {DOMESTIC_ABUSE, SUBSTANCE} <= set(eve.context_factors)
    ben = alert(world, "ben", "R3")
    assert REPEAT_ATTENDANCES in ben.context_factors
    assert not Alert.objects.filter(rule_id__in=["R6", "R10", "R13"]).exists()


def test_near_misses_do_not_fire(world):
    # R9: the GP record does not say whether the flag was seen: unknown, not an alert
    assert not Alert.objects.filter(person=world.children["dan"], rule_id="R9").exists()
    # R4: children's social care's own visit recorded the injury, and the police attended within 24 hours
    assert not Alert.objects.filter(person=world.children["dan"], rule_id="R4").exists()
    # R12: a closed investigation saying "No further action." is not a new concern; a school note saying the police
    # took no further action is not a decision; the coded decision was 35 days before the injury
    assert not Alert.objects.filter(person=world.children["finn"], rule_id="R12").exists()
    # R2 reads the codes: Ben's and Finn's coded sites are not TEN-4-FACESp sites; R1: Ben is three
    assert not Alert.objects.filter(person__in=[world.children["ben"], world.children["finn"]],
                                    rule_id__in=["R1", "R2"]).exists()


def test_an_open_r8_alert_is_not_updated_or_audited_again_while_nothing_changes(world):
    before = {a.pk: a.sentence for a in Alert.objects.filter(rule_id="R8")}
    assert len(before) == 2
    for days in (1, 2):
        alerts_run_scheduled(at=world.now + dt.timedelta(days=days))
    assert not AlertStep.objects.filter(alert_id__in=before, kind=StepKind.UPDATED).exists()
    assert {a.pk: a.sentence for a in Alert.objects.filter(pk__in=before)} == before


def test_an_open_alert_is_updated_only_when_it_is_about_something_new(world):
    """Runs last (it posts records). Another record about the adult R5 already names brings the alert up to date
    quietly (cited, audited, not shown again); an adult it never named updates it (a step, new evidence)."""
    def post(record):
        response = world.clients[record["agency_id"]].post("/api/v1/records/", record, content_type="application/json")
        assert response.status_code == 201, response.content[:600]

    a = alert(world, "cara", "R5")
    steps, shown_at = a.steps.count(), a.evidence_updated_at
    refreshes = AuditEvent.objects.filter(action="alert.refresh", object_id=str(a.pk))
    quiet = refreshes.count()
    post(rec(GP, "C8", "consultation", 2, [m("m1", "patient", CARA, "G-CARA"),
                                           m("m2", "accompanying_adult", DEAN, "G-DEAN")], {"code": "review"}))
    a.refresh_from_db()
    assert key(GP, "C8") in a.evidence_keys and "Dean" in a.sentence
    assert a.steps.count() == steps and a.evidence_updated_at == shown_at
    assert refreshes.count() > quiet and key(GP, "C8") in refreshes.order_by("-pk").first().detail["added"]

    kyle = {**person("Kyle", "Marsh", 0, "male", street="8 Quay Side", postcode="NB8 8QS", dob="1984-04-04")}
    post(rec(GP, "C9", "consultation", 1, [m("m1", "patient", CARA, "G-CARA"),
                                           m("m2", "accompanying_adult", kyle, "G-KYLE")], {"code": "review"}))
    a.refresh_from_db()
    assert "Kyle" in a.sentence and "Dean" in a.sentence
    assert list(a.steps.values_list("kind", flat=True))[steps:] == [StepKind.UPDATED]
    assert a.evidence_updated_at > shown_at
