"""A child's chronology: every agency's events merged in time order, corrections shown once, the household's
events while people lived with the child, significance marks, and who may see it."""

from __future__ import annotations

import pytest

from joinedup.accounts.models import Agency, Role
from joinedup.audit.models import AuditEvent
from joinedup.casework.models import Allocation
from joinedup.casework.relationships import may_view_chronology
from joinedup.casework.services import allocation_set
from joinedup.chronology.models import SignificantMark
from joinedup.chronology.selectors import Filters, child_status, chronology_for, record_history
from joinedup.chronology.services import event_mark_significant
from joinedup.ingest.models import SourceRecord
from joinedup.ingest.services import records_ingest
from joinedup.people.services import linkage_run
from tests.conftest import on_duty

from .conftest import SYSTEM
from .family import CRAIG, CSC, GP, HOSPITAL, JADE, MILO, POLICE, SCHOOL, m, person_of, rec

pytestmark = pytest.mark.both_databases

def test_events_from_every_agency_are_merged_in_time_order(family):
    chron = chronology_for(viewer=None, person=family)
    keys = [e.key for e in chron.events]
    # The school concern names only the mother, so it is not Milo's; the GP consultation (a day-only
    # record) sorts before the same day's evening A&E attendance.
    assert keys == [f"{CSC}:K-CSC-1", f"{GP}:K-GP-1", f"{HOSPITAL}:K-ED-1", f"{CSC}:K-CSC-2"]
    ed = chron.events[2]
    assert ed.injury is not None and ed.injury.explanation == "fell against the cot"
    assert ed.injury.explained_by == "accompanying adult"
    assert ed.author_role == "Emergency department nurse" and ed.agency_name == "St Aldric's Hospital"
    assert ed.is_hospital and ed.is_injury and not chron.events[1].is_injury
    assert [p.plan for p in chron.plans] == ["cp"] and chron.plans[0].end is None
    assert child_status(person=family, on=chron.plans[0].start).on_cp_plan


def test_a_corrected_record_shows_once_in_its_latest_version_with_its_history(family):
    corrected = rec(HOSPITAL, "K-ED-1", "ed_attendance", [m("m1", "patient", MILO, "SAH-K1"),
                                                          m("m2", "accompanying_adult", JADE, "SAH-K2")],
                    at="2024-02-03T21:40:00Z", version=2, recorded_at="2024-02-05T09:00:00Z",
                    detail={"code": "injury", "author_role": "Emergency department nurse",
                            "injury": {"site": "ear and neck", "description": "bruising",
                                       "explanation_given": "fell against the cot", "explained_by": "m2"}})
    assert records_ingest(actor=SYSTEM, records=[corrected], via="file").outcomes[0].status == "new_version"
    events = [e for e in chronology_for(viewer=None, person=family).events if e.key == f"{HOSPITAL}:K-ED-1"]
    assert len(events) == 1
    assert events[0].version == 2 and events[0].versions_received == 2
    assert events[0].injury.site == "ear and neck"
    _record, versions = record_history(viewer=None, record_pk=events[0].record_pk)
    assert [v.version for v in versions] == [2, 1] and versions[0].current and not versions[1].current
    assert versions[1].payload["detail"]["injury"]["site"] == "ear"
    # An older version arriving late is kept but does not replace the newer one.
    late = dict(corrected, version=1, detail={"code": "injury", "injury": {
        "site": "arm", "description": "graze", "explanation_given": "fell"}})
    late.pop("amended_at")
    records_ingest(actor=SYSTEM, records=[late], via="file")
    events = [e for e in chronology_for(viewer=None, person=family).events if e.key == f"{HOSPITAL}:K-ED-1"]
    assert len(events) == 1 and events[0].injury.site == "ear and neck" and events[0].versions_received == 3


def test_the_household_view_adds_people_only_while_they_lived_with_the_child(family):
    craig = person_of(GP, "GP-C1")
    own = {e.key for e in chronology_for(viewer=None, person=family).events}
    chron = chronology_for(viewer=None, person=family, household=True)
    members = {mm.label: mm for mm in chron.members}
    assert "Craig Wedderburn" in members and "Jade Ashgrove" in members
    craig_keys = {e.key for e in chron.events if e.person_id == str(craig.pk)}
    # In the house from the April incident to the June consultation: those are his events here ...
    assert f"{GP}:K-GP-3" in craig_keys and f"{GP}:K-GP-4" in craig_keys
    # ... and his arrests before he moved in and after he moved out are not.
    assert f"{POLICE}:K-POL-0" not in craig_keys and f"{POLICE}:K-POL-2" not in craig_keys
    assert f"{GP}:K-GP-5" not in craig_keys
    # The mother's school concern joins the household view; Milo's own events are there once each.
    assert f"{SCHOOL}:K-SCH-1" in {e.key for e in chron.events}
    assert own <= {e.key for e in chron.events}
    assert len([e for e in chron.events if e.key in own]) == len(own)
    moves = [(mv.label, mv.arriving) for mv in chron.movements]
    assert ("Craig Wedderburn", True) in moves and ("Craig Wedderburn", False) in moves
    # When Craig is seen moving in earlier (a new record), the household view grows to include it.
    records_ingest(actor=SYSTEM, records=[rec(GP, "K-GP-6", "consultation", [m("m1", "patient", CRAIG, "GP-C1")],
                                              on="2024-03-10", detail={"code": "headache"})], via="file")
    linkage_run(actor=SYSTEM, progress=lambda _line: None)
    later = chronology_for(viewer=None, person=family, household=True)
    assert f"{GP}:K-GP-6" in {e.key for e in later.events if e.person_id == str(craig.pk)}


def test_filters_by_agency_kind_period_and_significance(family, make_user):
    worker = make_user(role=Role.FRONT_DOOR, agency=Agency.objects.get(code=CSC))
    record = SourceRecord.objects.get(source_record_id="K-ED-1")
    event_mark_significant(actor_user=worker, person=family, record=record, significant=True, note="Injury to ear")
    chron = chronology_for(viewer=None, person=family, filters=Filters(significant_only=True))
    assert [e.key for e in chron.events] == [f"{HOSPITAL}:K-ED-1"] and chron.events[0].significant
    assert [e.key for e in chronology_for(viewer=None, person=family, filters=Filters(agencies=frozenset({GP}))).events] == [
        f"{GP}:K-GP-1"]
    assert [e.kind for e in chronology_for(viewer=None, person=family, filters=Filters(kinds=frozenset({"cp_plan"}))).events] == [
        "cp_plan"]
    import datetime as dt

    period = Filters(start=dt.date(2024, 2, 1), end=dt.date(2024, 2, 28))
    assert {e.key for e in chronology_for(viewer=None, person=family, filters=period).events} == {
        f"{GP}:K-GP-1", f"{HOSPITAL}:K-ED-1"}
    event_mark_significant(actor_user=worker, person=family, record=record, significant=False)
    assert not chronology_for(viewer=None, person=family, filters=Filters(significant_only=True)).events
    assert list(SignificantMark.objects.values_list("significant", flat=True).order_by("id")) == [True, False]
    assert list(AuditEvent.objects.filter(action__in=["event.mark", "event.unmark"]).values_list(
        "action", flat=True).order_by("occurred_at")) == ["event.mark", "event.unmark"]


def test_only_people_with_a_relationship_see_the_chronology(family, make_user, make_team):
    csc = Agency.objects.get(code=CSC)
    team = make_team(csc)
    other_team = make_team(csc)
    worker = make_user(role=Role.SOCIAL_WORKER, agency=csc, team=team)
    colleague = make_user(role=Role.SOCIAL_WORKER, agency=csc, team=team)
    manager = make_user(role=Role.TEAM_MANAGER, agency=csc, team=team)
    other_manager = make_user(role=Role.TEAM_MANAGER, agency=csc, team=other_team)
    nurse = make_user(role=Role.PARTNER_PRACTITIONER, agency=Agency.objects.get(code=HOSPITAL))
    front_door = make_user(role=Role.FRONT_DOOR, agency=csc)
    assert not may_view_chronology(front_door, family)  # the role alone gives nothing: a contact does
    assert may_view_chronology(on_duty(front_door, family), family)
    assert not any(may_view_chronology(u, family) for u in (worker, colleague, manager, other_manager, nurse))
    allocation_set(actor_user=manager, person=family, worker=worker)
    assert may_view_chronology(worker, family) and may_view_chronology(manager, family)
    assert not any(may_view_chronology(u, family) for u in (colleague, other_manager, nurse))
    allocation_set(actor_user=manager, person=family, worker=colleague)
    assert may_view_chronology(colleague, family) and not may_view_chronology(worker, family)
    assert Allocation.objects.filter(person=family).count() == 2
    assert Allocation.objects.filter(person=family, ended_at__isnull=True).count() == 1
