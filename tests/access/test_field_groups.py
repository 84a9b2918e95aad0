"""Field groups (security promise 1): sexual health, mental health, police intelligence, placement address and a
whistleblower's identity are visible only to the roles the policy names; everyone else sees a restricted entry."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.access import policy
from joinedup.access.policy import (
    FIELD_GROUPS,
    MENTAL_HEALTH,
    PLACEMENT_ADDRESS,
    POLICE_INTELLIGENCE,
    SENSITIVITY_MARKERS,
    SEXUAL_HEALTH,
    WHISTLEBLOWER_IDENTITY,
    may_see_field_group,
    record_field_groups,
)
from joinedup.accounts.models import AgencyKind, Role
from joinedup.alerts.models import Alert
from joinedup.chronology.selectors import chronology_for
from joinedup.ingest.models import SourceRecord
from joinedup.practice.settings import DEFAULTS as PRACTICE_DEFAULTS
from tests.access.conftest import SECRETS
from tests.conftest import sign_in

ROOT = Path(__file__).parents[2]


def user(role, kind="childrens_social_care", code="agency-a", active=True):
    """A stand-in user for the pure policy (no database): role, agency kind and code."""
    agency = SimpleNamespace(kind=kind, code=code)
    return SimpleNamespace(is_authenticated=True, is_active=active, role=role, agency_id=1, agency=agency, pk=1)


# --- the policy, pure --------------------------------------------------------------------------------------------


def test_a_record_is_in_a_group_by_the_agencys_marking_its_code_or_a_detail_key():
    assert record_field_groups({"code": "cough", "sensitivity": ["sexual_health"]}) == ((SEXUAL_HEALTH,), ())
    assert record_field_groups({"code": "Low_Mood"}) == ((MENTAL_HEALTH,), ())
    assert record_field_groups({"code": "intelligence_report"}) == ((POLICE_INTELLIGENCE,), ())
    assert record_field_groups({"code": "domestic_abuse", "mental_health": "in crisis", "placement_postcode": "x"}) == (
        (), (("mental_health", MENTAL_HEALTH), ("placement_postcode", PLACEMENT_ADDRESS)))
    assert record_field_groups({"code": "cough", "text": "anxious about school"}) == ((), ())  # free text: not guessed


def test_a_marker_the_policy_does_not_know_restricts_the_record_as_every_marked_group():
    whole, _keys = record_field_groups({"code": "cough", "sensitivity": ["genetic_results"]})
    assert set(whole) == set(SENSITIVITY_MARKERS)


def _groups_one_by_one(detail) -> tuple:
    """record_field_groups as the policy states it, every group asked in turn (the product answers most records,
    which carry nothing of any group, without looking at each)."""
    marks = detail.get("sensitivity") or ()
    marks = {marks} if isinstance(marks, str) else {str(m) for m in marks} if isinstance(marks, list | tuple) else set()
    code = " ".join(str(detail.get("code") or "").replace("_", " ").replace("-", " ").lower().split())
    unknown = bool(marks - set(SENSITIVITY_MARKERS))
    whole = tuple(g.code for g in FIELD_GROUPS.values()
                  if g.code in marks or (code and code in g.codes) or (unknown and g.code in SENSITIVITY_MARKERS))
    return whole, tuple((key, g.code) for g in FIELD_GROUPS.values() for key in sorted(g.detail_keys) if key in detail)


_GROUP_KEYS = sorted({key for g in FIELD_GROUPS.values() for key in g.detail_keys})
_GROUP_CODES = sorted({code for g in FIELD_GROUPS.values() for code in g.codes})


@settings(max_examples=300, deadline=None)
@given(
    keys=st.lists(st.sampled_from([*_GROUP_KEYS, "text", "outcome", "author_role"]), max_size=4, unique=True),
    code=st.one_of(st.none(), st.sampled_from(_GROUP_CODES), st.sampled_from(["cough", "Low_Mood", "LOW-MOOD", ""]),
                   st.text(max_size=12)),
    sensitivity=st.one_of(st.none(), st.just(""), st.just([]), st.sampled_from(SENSITIVITY_MARKERS),
                          st.lists(st.sampled_from([*SENSITIVITY_MARKERS, "genetic_results"]), max_size=2), st.just(3)),
)
def test_a_record_s_groups_are_those_of_asking_each_group_in_turn(keys, code, sensitivity):
    detail = {key: "x" for key in keys}
    if code is not None:
        detail["code"] = code
    if sensitivity is not None:
        detail["sensitivity"] = sensitivity
    assert record_field_groups(detail) == _groups_one_by_one(detail)


@pytest.mark.parametrize(("role", "kind", "visible"), [
    (Role.SOCIAL_WORKER, AgencyKind.CHILDRENS_SOCIAL_CARE, {SEXUAL_HEALTH, MENTAL_HEALTH, PLACEMENT_ADDRESS}),
    (Role.TEAM_MANAGER, AgencyKind.CHILDRENS_SOCIAL_CARE,
     {SEXUAL_HEALTH, MENTAL_HEALTH, POLICE_INTELLIGENCE, PLACEMENT_ADDRESS}),
    (Role.FRONT_DOOR, AgencyKind.CHILDRENS_SOCIAL_CARE, {POLICE_INTELLIGENCE}),
    (Role.HEAD_OF_SERVICE, AgencyKind.CHILDRENS_SOCIAL_CARE, {MENTAL_HEALTH, POLICE_INTELLIGENCE,
                                                              WHISTLEBLOWER_IDENTITY}),
    (Role.DATA_PROTECTION_OFFICER, AgencyKind.CHILDRENS_SOCIAL_CARE, {WHISTLEBLOWER_IDENTITY}),
    (Role.CASE_REVIEWER, AgencyKind.CHILDRENS_SOCIAL_CARE, set()),
    (Role.PARTNERSHIP_MEMBER, AgencyKind.CHILDRENS_SOCIAL_CARE, set()),
    (Role.SYSTEM_ADMINISTRATOR, AgencyKind.CHILDRENS_SOCIAL_CARE, set()),
    (Role.PARTNER_PRACTITIONER, AgencyKind.GP_PRACTICE, {SEXUAL_HEALTH, MENTAL_HEALTH}),
    (Role.PARTNER_PRACTITIONER, AgencyKind.AMBULANCE, {MENTAL_HEALTH}),
    (Role.PARTNER_PRACTITIONER, AgencyKind.POLICE, {POLICE_INTELLIGENCE}),
    (Role.PARTNER_PRACTITIONER, AgencyKind.SCHOOL, set()),
    (Role.SOCIAL_WORKER, AgencyKind.SCHOOL, set()),  # the role alone is not enough: the agency kind counts
])
def test_who_may_see_each_group(role, kind, visible):
    viewer = user(role, kind)
    assert {g for g in FIELD_GROUPS if may_see_field_group(viewer, g)} == visible


def test_an_agencys_own_staff_see_its_own_records_and_nobody_sees_by_default():
    school_teacher = user(Role.PARTNER_PRACTITIONER, AgencyKind.SCHOOL, code="millfield")
    assert may_see_field_group(school_teacher, MENTAL_HEALTH, record_agency_code="millfield")
    assert not may_see_field_group(school_teacher, MENTAL_HEALTH, record_agency_code="elm-tree-surgery")
    assert not may_see_field_group(user(Role.SOCIAL_WORKER, active=False), MENTAL_HEALTH)
    assert not may_see_field_group(None, MENTAL_HEALTH)
    assert not may_see_field_group(user(Role.SOCIAL_WORKER), "unknown_group")


def test_the_format_the_policy_and_practice_agree():
    schema = json.loads((ROOT / "docs/formats/agency-record-v1.schema.json").read_text())
    marker = schema["$defs"]["detail"]["properties"]["sensitivity"]
    assert tuple(marker["items"]["enum"]) == SENSITIVITY_MARKERS
    assert set(PRACTICE_DEFAULTS["concern_raiser_roles"]) == FIELD_GROUPS[WHISTLEBLOWER_IDENTITY].roles
    assert FIELD_GROUPS[PLACEMENT_ADDRESS].detail_keys == {"placement_postcode", "placement_urn"}
    assert all(g.note.startswith(f"Restricted: {g.label} — ask ") for g in FIELD_GROUPS.values())
    assert policy.FIELD_GROUPS[MENTAL_HEALTH].note == "Restricted: mental health — ask the allocated social worker"


def test_an_unknown_marker_is_refused_at_ingest_naming_the_field():
    from joinedup.ingest.validation import record_problems
    from tests.access.conftest import HOME, RUBY, m, rec

    record = rec("elm-tree-surgery", "X-1", "consultation", [m("m1", "patient", RUBY, "GP-1", address=HOME)],
                 on="2024-01-01", detail={"code": "cough", "sensitivity": ["genetics"]})
    assert record_problems(record) == [{"field": "detail.sensitivity[0]",
                                        "problem": "must be one of sexual_health, mental_health, police_intelligence"}]


# --- what each viewer's chronology shows ---------------------------------------------------------------------------


def _summaries(world, viewer) -> dict[str, str]:
    chron = chronology_for(person=world.child, viewer=viewer, household=True)
    return {e.key.split(":")[1]: e.summary + " " + e.text for e in chron.all_events}


def test_the_front_door_sees_health_entries_restricted_and_the_police_intelligence(world):
    seen = _summaries(world, world.front_door)
    assert seen["A-GP-1"].startswith("Restricted: mental health — ask the allocated social worker")
    assert seen["A-GP-2"].startswith("Restricted: sexual health — ask the allocated social worker")
    assert SECRETS["mental_health"] not in seen["A-GP-1"] and SECRETS["sexual_health"] not in seen["A-GP-2"]
    assert "suspect in crisis" not in seen["A-POL-1"] and "Argument at the address" in seen["A-POL-1"]
    assert "(Restricted: mental health" in seen["A-POL-1"]  # a key on its own: the rest of the record shows
    assert SECRETS["police_intelligence"] in seen["A-POL-2"]
    assert seen["A-ED-1"].startswith("Injury; bruising to forearm")  # nothing sensitive: as it was


def test_the_allocated_worker_sees_health_detail_but_not_police_intelligence(world):
    seen = _summaries(world, world.worker)
    assert SECRETS["mental_health"] in seen["A-GP-1"] and SECRETS["sexual_health"] in seen["A-GP-2"]
    assert "suspect in crisis" in seen["A-POL-1"]
    assert seen["A-POL-2"].startswith("Restricted: police intelligence — ask the front door (MASH)")
    assert SECRETS["police_intelligence"] not in seen["A-POL-2"]
    manager = _summaries(world, world.manager)  # the team manager: every group
    assert all(secret in " ".join(manager.values()) for secret in SECRETS.values())


def _client(u) -> Client:
    client = Client()
    sign_in(client, u)
    return client


def _pages(world, record_keys=("A-GP-1", "A-GP-2", "A-POL-1", "A-POL-2")) -> list[str]:
    person = world.child.pk
    records = SourceRecord.objects.filter(source_record_id__in=record_keys)
    return [f"/people/{person}/chronology/?household=on", f"/people/{person}/who-knew/?household=on",
            *(f"/people/{person}/records/{r.pk}/" for r in records)]


def test_the_pages_and_the_export_follow_the_same_policy(world):
    front_door, worker = _client(world.front_door), _client(world.worker)
    for url in _pages(world):
        fd_page, sw_page = front_door.get(url), worker.get(url)
        assert fd_page.status_code == sw_page.status_code == 200, url
        fd_text, sw_text = fd_page.content.decode(), sw_page.content.decode()
        assert SECRETS["mental_health"] not in fd_text and SECRETS["sexual_health"] not in fd_text, url
        assert SECRETS["police_intelligence"] not in sw_text, url
        assert "suspect in crisis" not in fd_text, url
    record = SourceRecord.objects.get(source_record_id="A-GP-1")
    shown = worker.get(f"/people/{world.child.pk}/records/{record.pk}/").content.decode()
    assert SECRETS["mental_health"] in shown  # the worker is entitled: the test can fail
    restricted = front_door.get(f"/people/{world.child.pk}/records/{record.pk}/").content.decode()
    assert "Restricted: mental health — ask the allocated social worker" in restricted
    export = front_door.post(f"/people/{world.child.pk}/chronology/export/", {
        "format": "csv", "shift_dates": "no", "replace_agencies": "no", "household": "yes"})
    assert export.status_code == 200
    text = export.content.decode()
    assert "Restricted: mental health" in text and SECRETS["mental_health"] not in text
    assert SECRETS["sexual_health"] not in text and "suspect in crisis" not in text


def test_an_alerts_sentence_and_evidence_are_restricted_too(world):
    alert = Alert.objects.get(person=world.child, rule_id="TA")
    assert SECRETS["police_intelligence"] in alert.sentence  # the rule quoted the record: the page must not
    worker = _client(world.worker)
    for url in (f"/alerts/{alert.pk}/", "/alerts/"):
        page = worker.get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        assert SECRETS["police_intelligence"] not in text, url
        assert "Restricted: police intelligence — ask the front door (MASH)" in text, url
    chron = worker.get(f"/people/{world.child.pk}/chronology/").content.decode()  # the alert's steps in it
    assert SECRETS["police_intelligence"] not in chron
    detail = worker.get(f"/alerts/{alert.pk}/").content.decode()
    assert SECRETS["mental_health"] in detail  # the evidence the worker may see is shown
    front_door = _client(world.front_door)
    assert front_door.get(f"/alerts/{alert.pk}/").status_code == 404  # an allocated child's alert: not the front door's
    Alert.objects.filter(pk=alert.pk).update(routed_to=None, team=world.front_door.team)  # now the front door holds it
    page = front_door.get(f"/alerts/{alert.pk}/")
    assert page.status_code == 200 and SECRETS["mental_health"] not in page.content.decode()
