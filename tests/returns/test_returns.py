"""Both statutory returns from a small hand-made authority's records, checked by the validators local
authorities use (csc-validator-be-cin, csc-validator-be-903, run in their own Python): 0 errors on the clean
records; and with one record corrupted for each of four faults, the validator reports the right rule and
joinedup names the child and the record to fix. The validators run once for all four returns (one
subprocess: importing pandas and the rule suites is most of the cost)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command

from joinedup.accounts.models import AgencyKind, Role
from joinedup.accounts.services import agency_create
from joinedup.audit.models import AuditEvent, AuditEventPerson
from joinedup.casework.projection import casework_project
from joinedup.ingest.models import Mention
from joinedup.ingest.services import records_ingest
from joinedup.people.recorded import mentions_link_recorded
from joinedup.returns.services import produce
from joinedup.returns.source import Year, children_on_plan, facts_for, people_in_year
from joinedup.returns.ssda903 import COLUMNS
from joinedup.returns.validators import failures, validate
from tests.conftest import SYSTEM
from tests.returns.authority import CSC, LA_GSS, LA_NUMBER, authority_records, faults

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]
YEAR = Year(2026)


@pytest.fixture
def returns_settings(settings):
    settings.JOINEDUP_RETURNS = {**settings.JOINEDUP_RETURNS, "la_number": LA_NUMBER, "la_gss": LA_GSS}
    return settings


@pytest.fixture
def authority(db, make_user, returns_settings):
    csc = agency_create(actor=SYSTEM, code=CSC, name="Richmond Children's Services",
                        kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    worker = make_user(role=Role.SOCIAL_WORKER, agency=csc)
    ingest(authority_records())
    people = {}
    for child in ("CP1", "CP2", "LA1", "LA2", "NF1"):
        ids = list(Mention.objects.filter(local_person_id=child).values_list("pk", flat=True))
        people[child] = mentions_link_recorded(mention_ids=ids, person=None, user=worker, actor=SYSTEM)
    return people


def ingest(records):
    result = records_ingest(actor=SYSTEM, records=records, via="file")
    refused = [o for o in result.outcomes if o.status == "refused"]
    assert not refused, refused


def both():
    return [produce("cin", YEAR), produce("903", YEAR)]


def test_both_returns_pass_the_validators_and_injected_faults_are_named(authority):
    clean = both()
    cin, lac = clean
    assert set(cin.children) == {"CP1", "CP2", "LA1", "LA2", "NF1"}
    assert set(lac.children) == {"LA1", "LA2"}
    # what the records say is what the census says
    root = ET.fromstring(cin.content)  # noqa: S314 - our own output
    assert root.findtext("Header/CollectionDetails/ReferenceDate") == "2026-03-31"
    assert root.findtext("Header/Source/LEA") == LA_NUMBER
    a = next(c for c in root.iter("Child") if c.findtext("ChildIdentifiers/LAchildID") == "CP1")
    assert a.findtext("ChildCharacteristics/Ethnicity") == "WBRI"
    assert a.findtext("CINdetails/Section47/DateOfInitialCPC") == "2025-05-22"
    assert a.findtext("CINdetails/ChildProtectionPlans/InitialCategoryOfAbuse") == "NEG"
    b = next(c for c in root.iter("Child") if c.findtext("ChildIdentifiers/LAchildID") == "CP2")
    assert b.findtext("CINdetails/ChildProtectionPlans/LatestCategoryOfAbuse") == "EMO"
    assert b.findtext("ChildIdentifiers/UPNunknown") == "UN1"
    assert [r["RNE"] for r in lac.tables["Episodes"]] == ["S", "P", "S"]
    assert lac.tables["PrevPerm"] == [{"CHILD": "LA1", "DOB": "10/03/2012", "PREV_PERM": "Z1", "LA_PERM": "",
                                       "DATE_PERM": ""}]
    assert [r["CHILD"] for r in lac.tables["OC2"]] == ["LA2"]
    assert set(lac.tables) == set(COLUMNS)
    # the same query source gives the dashboards' count: on 31 March only A is on a plan
    assert children_on_plan(facts_for(people_in_year(YEAR)), YEAR.end) == 1

    ingest(faults())
    new = list(Mention.objects.filter(record__source_record_id="LA2-E9").values_list("pk", flat=True))
    mentions_link_recorded(mention_ids=new, person=authority["LA2"], user=None, actor=SYSTEM)
    casework_project([p.pk for p in authority.values()])
    broken = both()

    results = validate([*clean, *broken])
    for result in results[:2]:
        assert result.errors == [], [(f.rule, f.child, f.message) for f in result.errors]
        assert result.unexpected_crashes == []
        assert [f for f in result.queries if f.level == "child"] == [], result.queries
    cin_v, lac_v = results[2:]
    found = failures(broken[0], cin_v) + failures(broken[1], lac_v)
    by = {(f.return_kind, f.rule, f.child_id): f for f in found}

    plan = by[("cin", "8925", "CP2")]  # a plan ending before it starts
    assert plan.person_id == authority["CP2"].pk and plan.child_name == "Theo Marsh"
    assert plan.record.key == f"{CSC}:CP2-CPP" and plan.record.kind == "cp_plan" and plan.record.record_pk
    assert "ends before it starts" in plan.sentence
    assert "on or before the day it started" in plan.unplaced  # the casework fold refused it too

    saturday = by[("cin", "8875", "CP1")]  # an initial conference on a Saturday
    assert saturday.record.key == f"{CSC}:CP1-ICPC" and "weekend" in saturday.sentence

    overlap = [f for f in found if f.return_kind == "903" and f.child_id == "LA2"
               and f.record and f.record.key == f"{CSC}:LA2-E9"]
    assert overlap, [(f.rule, f.child_id, f.record and f.record.key) for f in found]  # an overlapping looked-after episode
    assert "433" in {f.rule for f in overlap}, {f.rule for f in overlap}  # not starting when the last ended
    assert all(f.person_id == authority["LA2"].pk and "episode" in f.sentence for f in overlap)
    assert "already open" in overlap[0].unplaced

    prev = by[("903", "630", "LA1")]  # started to be looked after, no previous permanence
    assert prev.record.key == f"{CSC}:LA1-E1" and "previous permanence" in prev.sentence
    assert prev.person_id == authority["LA1"].pk


def test_the_command_writes_each_return_and_audits_it(authority, tmp_path):
    call_command("returns", "cin", "--year", "2026", "--out", str(tmp_path / "cin.xml"), "--no-progress")
    out = io.StringIO()
    call_command("returns", "903", "--year", "2026", "--out", str(tmp_path / "903"), "--no-progress", "--validate",
                 stdout=out)
    assert "0 errors" in out.getvalue(), out.getvalue()
    assert (tmp_path / "cin.xml").read_bytes().startswith(b"<?xml")
    assert sorted(p.name for p in (tmp_path / "903").iterdir()) == sorted(
        f"{n}.csv" for n in ("header", "episodes", "reviews", "uasc", "oc2", "oc3", "ad1", "placed_for_adoption",
                             "previous_permanence", "missing", "social_worker_episodes"))
    rows = list(AuditEvent.objects.filter(action="returns.produce").order_by("id"))
    assert [r.object_id for r in rows] == ["cin:2026", "903:2026"]
    assert rows[0].detail["children"] == 5 and rows[1].detail["rows"]["Episodes"] == 3
    named = set(AuditEventPerson.objects.filter(event=rows[1]).values_list("person_id", flat=True))
    assert named == {authority["LA1"].pk, authority["LA2"].pk}
