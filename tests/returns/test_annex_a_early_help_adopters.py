"""Annex A lists 2 (early help assessments) and 11 (adopters) from the records that hold them: the authority's case
system sends `early_help_assessment` and `adopter_journey` records through the API (linked on arrival), and the
workbook lists exactly those open in Ofsted's windows (six months for list 2, twelve for list 11) with the values the
records say; a bad value is refused naming the field. Also: list 8's last IRO contact (the latest review the child
attended) and the simulator's early help and adopters (and its later versions of looked-after reviews and
episodes, care leavers' contacts and adoption decisions, lists 8, 9 and 10, and its IRO contacts) leave every record
it wrote before as it was."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from joinedup.accounts.models import Role
from joinedup.accounts.services import actor_for, api_token_create
from joinedup.audit.models import AuditEvent, AuditEventPerson
from joinedup.casework import codes
from joinedup.ingest.models import Mention
from joinedup.ingest.validation import record_problems
from joinedup.people.recorded import mentions_link_recorded
from joinedup.returns.annex_a import LISTS
from joinedup_lab.simulate import csc_annex_a
from joinedup_lab.simulate.agencies import CSC
from joinedup_lab.simulate.csc_returns import LA_GSS
from joinedup_lab.simulate.generate import SimulationConfig, generate
from tests.conftest import SYSTEM
from tests.returns.authority import CHILDREN, record
from tests.returns.conftest import ingest_records

ON = "2026-03-27"  # the six months from 27 September 2025, the twelve from 27 March 2025
URL = "/api/v1/records/"
NEW_CHILD = {"given_name": "Noah", "family_name": "Brennan", "dob": "2016-02-11", "sex": "male"}


def early_help(rid: str, child: str, started: str, organisation: str | None, completed: str | None = None) -> dict:
    detail = {"text": "Early help assessment."} | ({"organisation": organisation} if organisation else {})
    who = CHILDREN.get(child, NEW_CHILD)
    out = record("CP1", rid, "early_help_assessment", started, detail, ended_on=completed)
    out["mentions"] = [{"mention_id": "m1", "role": "subject", "local_person_id": child, **who}]
    return out


def adopter(rid: str, local: str, person: dict, enquiry: str, *, left: str | None = None, **detail) -> dict:
    out = record("CP1", rid, "adopter_journey", enquiry, detail, ended_on=left)
    out["mentions"] = [{"mention_id": "m1", "role": "applicant", "local_person_id": local, **person}]
    return out


RUTH = {"given_name": "Ruth", "family_name": "Okafor", "dob": "1986-05-04", "sex": "female"}
DANIEL = {"given_name": "Daniel", "family_name": "Okafor", "dob": "1984-10-30", "sex": "male"}
PRIYA = {"given_name": "Priya", "family_name": "Shah", "dob": "1990-01-21", "sex": "female"}
TOM = {"given_name": "Tom", "family_name": "Hale", "dob": "1979-07-07", "sex": "male"}
COUPLE = {"family_id": "AF-1", "fostering_for_adoption": False, "stage1_started_on": "2024-02-01",
          "stage1_ended_on": "2024-03-28", "stage2_started_on": "2024-04-10", "application_submitted_on": "2024-04-12",
          "stage2_ended_on": "2024-08-20", "approved_on": "2024-09-30", "matched_on": "2025-10-02",
          "placed_on": "2025-10-20", "children_placed": 2, "adoption_order_on": "2026-05-01"}


def sent() -> list[dict]:
    return [
        # list 2: a child known to early help alone; one completed before the six months; one still open; one
        # completed after the inspection date (not known then); one started after it
        early_help("EH-1", "EH1", "2025-11-03", "Kew Riverside Primary School", "2025-12-15"),
        early_help("EH-2", "NF1", "2025-06-02", "Richmond early help team", "2025-07-10"),
        early_help("EH-3", "CP2", "2026-02-20", "Richmond health visiting"),
        early_help("EH-4", "CP1", "2026-03-20", "=Richmond early help team", "2026-04-10"),
        early_help("EH-5", "LA1", "2026-04-01", "Richmond early help team"),
        # list 11: a couple matched and placed in the twelve months (the order comes after the inspection date),
        # an adopter who left in them, one adopted before them, one whose enquiry comes after the inspection date
        adopter("AD-1", "ADP1", RUTH, "2024-01-15", ethnicity="WBRI", disabled=False, **COUPLE),
        adopter("AD-2", "ADP2", DANIEL, "2024-01-15", ethnicity="BCRB", **COUPLE),
        adopter("AD-3", "ADP3", PRIYA, "2025-05-01", left="2025-07-01", leaving_reason="withdrew", disabled=True,
                ethnicity="APKN", fostering_for_adoption=False, stage1_started_on="2025-05-20"),
        adopter("AD-4", "ADP4", TOM, "2023-01-01", family_id="AF-2", approved_on="2023-06-01",
                matched_on="2023-08-01", placed_on="2023-09-01", children_placed=1, adoption_order_on="2024-06-01"),
        adopter("AD-5", "ADP5", {**TOM, "given_name": "Ben"}, "2026-04-02", family_id="AF-3"),
    ]


def _client(user) -> Client:
    _, secret = api_token_create(actor=actor_for(user), user=user, name="Case system")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _post(client, body) -> tuple[int, dict]:
    response = client.post(URL, data=json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def _rows(path: Path, name: str) -> list[dict]:
    rows = list(load_workbook(path)[name].iter_rows(values_only=True))
    assert list(rows[0]) == LISTS[name]
    return [{k: (v.date() if isinstance(v, dt.datetime) else v) for k, v in zip(rows[0], row, strict=True)}
            for row in rows[1:]]


@pytest.mark.django_db
@pytest.mark.both_databases
def test_records_sent_through_the_api_land_in_lists_2_and_11(richmond, make_user, tmp_path):
    system = make_user(role=Role.SYSTEM_ADMINISTRATOR, agency=richmond["agency"])
    client = _client(system)
    for body in sent():
        status, answer = _post(client, body)
        assert status == 201, answer
    out = tmp_path / "annex-a.xlsx"
    stdout = io.StringIO()
    call_command("returns", "annex-a", "--on", ON, "--out", str(out), "--no-progress", stdout=stdout)
    assert "6 children, 3 adopters" in stdout.getvalue(), stdout.getvalue()

    two = {r["Child Unique ID"]: r for r in _rows(out, "List 2")}
    assert set(two) == {"EH1", "CP2", "CP1"}  # not NF1's (completed before the six months) nor LA1's (after)
    noah = two["EH1"]  # known to early help alone: named from its record
    assert (noah["Gender"], noah["Date of Birth"], noah["Age of Child (Years)"]) == ("a) Male", dt.date(2016, 2, 11), 10)
    assert noah["Assessment start date"] == dt.date(2025, 11, 3)
    assert noah["Assessment completion date"] == dt.date(2025, 12, 15)
    assert noah["Organisation completing assessment"] == "Kew Riverside Primary School"
    assert two["CP2"]["Assessment completion date"] is None and two["CP2"]["Ethnicity"] == "o) BAFR"
    assert two["CP1"]["Assessment completion date"] is None  # completed after the inspection date
    assert two["CP1"]["Organisation completing assessment"] == "'=Richmond early help team"  # never a formula

    eleven = {r["Individual adopter identifier"]: r for r in _rows(out, "List 11")}
    assert set(eleven) == {"ADP1", "ADP2", "ADP3"}
    ruth, daniel, priya = eleven["ADP1"], eleven["ADP2"], eleven["ADP3"]
    assert ruth["Family identifier"] == daniel["Family identifier"] == "AF-1"
    assert (ruth["Gender"], daniel["Gender"]) == ("b) Female", "a) Male")
    assert (ruth["Ethnicity"], daniel["Ethnicity"]) == ("a) WBRI", "n) BCRB")
    assert (ruth["Disability"], daniel["Disability"], priya["Disability"]) == ("b) No", "c) Unknown", "a) Yes")
    assert ruth["Is the (prospective) adopter fostering for adoption?"] == "b) No"
    assert [ruth[c] for c in LISTS["List 11"][6:17]] == [
        dt.date(2024, 1, 15), dt.date(2024, 2, 1), dt.date(2024, 3, 28), dt.date(2024, 4, 10), dt.date(2024, 8, 20),
        dt.date(2024, 4, 12), dt.date(2024, 9, 30), dt.date(2025, 10, 2), dt.date(2025, 10, 20), 2,
        None]  # the adoption order comes after the inspection date
    assert ruth["Date of leaving adoption process"] is None and ruth["Reason for leaving adoption process"] is None
    assert priya["Date of leaving adoption process"] == dt.date(2025, 7, 1)
    assert priya["Reason for leaving adoption process"] == "1 - Adopter withdrew from process"
    assert priya["Date Stage 1 started"] == dt.date(2025, 5, 20) and priya["Date application approved"] is None

    # the audit row names every child and every adopter in the workbook
    event = AuditEvent.objects.get(action="returns.produce", object_id=f"annex-a:{ON}")
    assert event.detail["rows"]["List 2"] == 3 and event.detail["rows"]["List 11"] == 3
    named = set(AuditEventPerson.objects.filter(event=event).values_list("person_id", flat=True))
    adopters = set(Mention.objects.filter(local_person_id__in=["ADP1", "ADP2", "ADP3"])
                   .values_list("link__person_id", flat=True))
    noah_id = Mention.objects.get(local_person_id="EH1").link.person_id
    assert len(adopters) == 3 and named == {p.pk for p in richmond["people"].values()} | adopters | {noah_id}


BAD = [
    (early_help("B-1", "EH1", "2025-11-03", None), "detail.organisation",
     "is required for an early_help_assessment record: the organisation"),
    (early_help("B-2", "EH1", "2025-11-03", "School", "2025-10-01"), "ended_on", "must not be before the day"),
    (early_help("B-3", "EH1", "2025-11-03", ["School"]), "detail.organisation", "must be text"),
    (adopter("B-4", "ADP9", PRIYA, "2025-05-01", left="2025-07-01", leaving_reason="moved"),
     "detail.leaving_reason", "must be one of withdrew, on_hold, refused"),
    (adopter("B-5", "ADP9", PRIYA, "2025-05-01", left="2025-07-01"), "detail.leaving_reason",
     "is required when ended_on is given"),
    (adopter("B-6", "ADP9", PRIYA, "2025-05-01", leaving_reason="refused"), "ended_on", "is required when"),
    (adopter("B-7", "ADP9", PRIYA, "2025-05-01", stage1_started_on="2025-04-01"), "detail.stage1_started_on",
     "must not be before the enquiry"),
    (adopter("B-8", "ADP9", PRIYA, "2025-05-01", approved_on="2025-02-30"), "detail.approved_on",
     "must be a real date written YYYY-MM-DD"),
    (adopter("B-9", "ADP9", PRIYA, "2025-05-01", family_id="AF 1/2"), "detail.family_id",
     "the adoption agency's id for the household"),
    (adopter("B-10", "ADP9", PRIYA, "2025-05-01", children_placed=0), "detail.children_placed", "must be 1 or more"),
    (adopter("B-11", "", PRIYA, "2025-05-01"), "mentions[0].local_person_id", "individual adopter identifier"),
    ({**adopter("B-12", "ADP9", PRIYA, "2025-05-01"), "mentions": [
        {"mention_id": "m1", "role": "applicant", "local_person_id": "ADP9", **PRIYA},
        {"mention_id": "m2", "role": "applicant", "local_person_id": "ADP8", **TOM}]},
     "mentions[1].role", "send each adopter's journey as a record of its own"),
    ({**adopter("B-13", "ADP9", PRIYA, "2025-05-01"), "mentions": [
        {"mention_id": "m1", "role": "subject", "local_person_id": "ADP9", **PRIYA}]},
     "mentions", "must name the adopter, as a mention with role applicant"),
]


@pytest.mark.parametrize("body,field,problem", BAD, ids=[b[0]["source_record_id"] for b in BAD])
def test_a_bad_value_is_refused_naming_the_field(body, field, problem):
    found = {p["field"]: p["problem"] for p in record_problems(body)}
    assert problem in found.get(field, ""), found


@pytest.mark.django_db
def test_the_api_refuses_a_bad_record_naming_the_field(richmond, make_user):
    client = _client(make_user(role=Role.SYSTEM_ADMINISTRATOR, agency=richmond["agency"]))
    status, answer = _post(client, adopter("B-4", "ADP9", PRIYA, "2025-05-01", left="2025-07-01",
                                           leaving_reason="moved"))
    assert status == 422 and {e["field"] for e in answer["errors"]} == {"detail.leaving_reason"}, answer
    status, answer = _post(client, early_help("B-1", "EH1", "2025-11-03", None))
    assert status == 422 and [e["field"] for e in answer["errors"]] == ["detail.organisation"], answer


@pytest.mark.django_db
@pytest.mark.both_databases
def test_the_last_iro_contact_is_the_latest_review_the_child_attended(richmond, tmp_path):
    # C's second review (PN1, December) and D's (PN2, January) were attended; a later one D did not attend (PN7)
    ingest_records([record("LA2", "LA2-REV3", "looked_after_review", "2026-03-02", {"participation": "PN7"})])
    mentions_link_recorded(mention_ids=list(Mention.objects.filter(record__source_record_id="LA2-REV3")
                                            .values_list("pk", flat=True)),
                           person=richmond["people"]["LA2"], user=richmond["worker"], actor=SYSTEM)
    out = tmp_path / "annex-a.xlsx"
    call_command("returns", "annex-a", "--on", ON, "--out", str(out), "--no-progress", stdout=io.StringIO())
    eight = {r["Child Unique ID"]: r for r in _rows(out, "List 8")}
    iro = "Date of Last IRO Visit / Contact to the Child"
    assert eight["LA1"][iro] == dt.date(2025, 12, 10) and eight["LA2"][iro] == dt.date(2026, 1, 5)
    assert eight["LA2"]["Date of Latest Statutory Review"] == dt.date(2026, 3, 2)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and csc_annex_a.FOLDER not in p.relative_to(root).parts and p.name != "manifest.json"}


def test_the_simulators_early_help_and_adopters_leave_every_other_record_as_it_was(tmp_path, monkeypatch):
    """Generated with and without them, the agencies' feeds, the practice file and every truth file are byte for
    byte the same (the manifest only gains its count of them); and they are written, valid, and cover each way."""
    config = SimulationConfig(children=400, years=2, seed=14, start=dt.date(2024, 4, 1)).with_rates(
        referral_per_child_year=0.12, plan_to_looked_after=0.6, looked_after_mean_days=3000)
    generate(config, tmp_path / "with", progress=False)
    monkeypatch.setattr(csc_annex_a, "write", lambda *args: csc_annex_a.Written())
    generate(config, tmp_path / "without", progress=False)
    assert _files(tmp_path / "with") == _files(tmp_path / "without")
    manifests = [json.loads((tmp_path / x / "manifest.json").read_text()) for x in ("with", "without")]
    counts = manifests[0].pop(csc_annex_a.FOLDER)
    assert manifests[0] == {k: v for k, v in manifests[1].items() if k != csc_annex_a.FOLDER}

    records = [json.loads(line) for line in
               (tmp_path / "with" / csc_annex_a.FOLDER / "records.jsonl").read_text().splitlines()]
    assert len(records) == counts["records"] and counts["early_help_assessments"] > 20 and counts["adopters"] > 2
    assert all(record_problems(r) == [] for r in random.Random(1).sample(records, min(150, len(records))))
    latest = {r["source_record_id"]: r for r in sorted(records, key=lambda r: r["version"])}
    journeys = [r for r in latest.values() if r["kind"] == "adopter_journey"]
    assert any("approved_on" in r["detail"] for r in journeys) and any("ended_on" in r for r in journeys)
    # the authority's child placed for adoption has adopters matched and placed on the child's days
    feed = (tmp_path / "with" / "agencies" / CSC / "records.jsonl").read_text().splitlines()
    matched = {json.loads(line)["detail"].get("matched_on") for line in feed if '"adoption_decision"' in line} - {None}
    assert matched and matched <= {r["detail"].get("matched_on") for r in journeys if "placed_on" in r["detail"]}
    helped = [r for r in latest.values() if r["kind"] == "early_help_assessment"]
    assert any("ended_on" in r for r in helped) and any("ended_on" not in r for r in helped)

    # lists 8, 9 and 10: a later version of each looked-after review and episode, each care leaver's contact and each
    # placed child's adoption decision in the feed, carrying everything the feed's latest version said and the new
    # fields
    amended = ("care_leaver_contact", "adoption_decision", "looked_after_review", "looked_after_episode")
    fed = {}
    for line in feed:
        r = json.loads(line)
        if r["kind"] in amended and r["version"] > fed.get(r["source_record_id"], {"version": 0})["version"]:
            fed[r["source_record_id"]] = r
    later = {k: r for k, r in latest.items() if r["kind"] in amended}
    assert later and set(later) <= set(fed)
    for kind, key in (("looked_after_review", "permanence_plan"), ("looked_after_episode", "placement_la")):
        assert {k for k, r in fed.items() if r["kind"] == kind} == {k for k, r in later.items() if r["kind"] == kind}
        assert all(key in r["detail"] for r in later.values() if r["kind"] == kind)
    plans = {r["detail"]["permanence_plan"] for r in later.values() if r["kind"] == "looked_after_review"}
    assert {"return_to_family", "long_term_fostering"} <= plans <= set(codes.PERMANENCE_PLANS)
    # every placement postcode the simulator writes is the borrowed authority's, so every placement is inside it
    assert {r["detail"]["placement_la"] for r in later.values() if r["kind"] == "looked_after_episode"} == {LA_GSS}
    for srid, r in later.items():
        before = fed[srid]
        assert r["version"] == before["version"] + 1 and r["amended_at"] > (before.get("amended_at") or "")
        assert r["mentions"] == before["mentions"]
        assert {k: v for k, v in before["detail"].items() if k != "text"}.items() <= r["detail"].items()
    contacts = [srid for srid, r in fed.items() if r["kind"] == "care_leaver_contact"]
    assert all(later[srid]["detail"]["eligibility_category"] in ("relevant", "former_relevant", "qualifying",
                                                                "eligible") for srid in contacts)
    # list 8: the IRO's contacts between reviews, each naming the child as a review of the same case does, on a day
    # the child was looked after, with the truth of each mention
    reviews = [r for r in fed.values() if r["kind"] == "looked_after_review"]
    contacts = [r for r in records if r["kind"] == "iro_contact"]
    assert len(contacts) > 10 and {r["detail"]["contact_type"] for r in contacts} >= {"visit", "phone_call"}
    assert all(record_problems(r) == [] for r in contacts)
    spans = {}
    for r in fed.values():
        if r["kind"] == "looked_after_episode":
            spans.setdefault(r["detail"]["case_id"], []).append((r["occurred_on"], r.get("ended_on") or "9999"))
    for r in contacts:
        assert any(v["mentions"] == r["mentions"] and v["detail"]["case_id"] == r["detail"]["case_id"] for v in reviews)
        assert any(s <= r["occurred_on"] < e for s, e in spans[r["detail"]["case_id"]]), r
    truth = (tmp_path / "with" / csc_annex_a.FOLDER / "truth" / "mentions.csv").read_text()
    assert all(f"{CSC},{r['source_record_id']},m1," in truth for r in contacts)
    families = {r["detail"]["family_id"]: r["detail"]["matched_on"] for r in journeys if "placed_on" in r["detail"]}
    decisions = [r for r in later.values() if r["kind"] == "adoption_decision"]
    assert decisions and all(families[r["detail"]["adopters_family_id"]] == r["detail"]["matched_on"]
                             for r in decisions if not r["detail"]["adopters_family_id"].startswith("AF-"))
