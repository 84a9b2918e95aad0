"""Annex A list 8's last three columns from the records that hold them (docs/formats/README.md, "Children in care"):
the permanence plan a looked-after review confirmed (`permanence_plan`), the local authority a placement lies in
(`placement_la` on the looked-after episode: inside or outside the authority by its own code, no postcode look-up),
and the independent reviewing officer's visits and contacts between reviews (`iro_contact`), sent as a case system
sends them. Each value is exported in Ofsted's words; a bad value is refused at ingest naming the field; joinedup's
structural check names a bad value in the new columns; and the workbook passes it with 0 problems."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from joinedup.accounts.models import Role
from joinedup.accounts.services import actor_for, api_token_create
from joinedup.ingest.models import Mention
from joinedup.ingest.validation import record_problems
from joinedup.people.recorded import mentions_link_recorded
from joinedup.returns import annex_a as A
from joinedup.returns.annex_a import LISTS
from joinedup.returns.annex_a_check import check
from tests.conftest import SYSTEM
from tests.returns.authority import authority_records, record
from tests.returns.conftest import ingest_records
from tests.returns.workbook import corrupted, sheet_rows

ON = dt.date(2026, 3, 27)  # the six months from 27 September 2025
IRO = "Date of Last IRO Visit / Contact to the Child"
PLAN = "What is the permanence plan for this child?"
HOUNSLOW, RICHMOND_GSS, RICHMOND_NUMBER = "E09000018", "E09000027", "318"


def again(rid: str, **detail) -> dict:
    """A later version of one of the authority's records, adding detail keys (as a case system amends a record)."""
    before = next(r for r in authority_records() if r["source_record_id"] == rid)
    return {**before, "version": 2, "amended_at": "2026-01-20T09:00:00Z", "detail": {**before["detail"], **detail}}


def iro_contact(child: str, rid: str, when: str, how: str | None) -> dict:
    return record(child, rid, "iro_contact", when, {"case_id": f"{child}-C"} | ({"contact_type": how} if how else {}))


def sent() -> list[dict]:
    return [
        # C (LA1) was placed inside the authority (by its GSS code), then moved in September to Hounslow
        again("LA1-E1", placement_la=RICHMOND_GSS),
        again("LA1-E2", placement_la=HOUNSLOW),
        # C's plan: a return home at the first review, long-term fostering at December's; adoption at a review after
        # the inspection date (not known then)
        again("LA1-REV1", permanence_plan="return_to_family"),
        again("LA1-REV2", permanence_plan="long_term_fostering"),
        record("LA1", "LA1-REV3", "looked_after_review", "2026-04-02", {"participation": "PN1",
                                                                        "permanence_plan": "adoption"}),
        # C's IRO visited in February, after December's review; a call after the inspection date is not known then
        iro_contact("LA1", "LA1-IRO1", "2026-02-03", "visit"),
        iro_contact("LA1", "LA1-IRO2", "2026-03-30T15:00:00Z", "phone_call"),
        # D (LA2): placed inside the authority (its code as the 3-digit LA number); a special guardianship plan; the
        # IRO's call in November comes before January's review, which D attended: the review is the latest contact
        again("LA2-E1", placement_la=RICHMOND_NUMBER),
        again("LA2-REV2", permanence_plan="sgo_cao"),
        iro_contact("LA2", "LA2-IRO1", "2025-11-20", "phone_call"),
    ]


def _link_new_mentions(richmond) -> None:
    for child in ("LA1", "LA2"):
        ids = list(Mention.objects.filter(local_person_id=child, link__isnull=True).values_list("pk", flat=True))
        if ids:
            mentions_link_recorded(mention_ids=ids, person=richmond["people"][child], user=richmond["worker"],
                                   actor=SYSTEM)


def _set(row: int, **cells) -> Callable:
    def change(book):
        for heading, value in cells.items():
            book["List 8"].cell(row=row, column=LISTS["List 8"].index(heading) + 1).value = value
    return change


# (the change to list 8, the problem the check must report: row, column, words in the problem); row 2 is C, 3 is D
CORRUPTIONS = [
    (_set(2, **{PLAN: "Long-term fostering"}), (2, PLAN, "must be one of '")),
    (_set(3, **{"Placement Location": "In"}), (3, "Placement Location", "must be one of 'a) In', 'b) Out'")),
    (_set(2, **{"LA of Placement": "Hounslow"}), (2, "LA of Placement", "must be the local authority the child is "
                                                  "placed in")),
    (_set(2, **{"LA of Placement": A.PLACED_OUTSIDE_ENGLAND["WAL"], "Placement Location": "a) In"}),
     (2, "Placement Location", "must be 'b) Out': a child placed outside England")),
    (_set(3, **{"Placement Location": None}), (3, "Placement Location", "is blank; it is needed when the LA of "
                                                                        "placement is an English authority's")),
    (_set(3, **{"LA of Placement": A.CONFIDENTIAL_PLACEMENT["CON"]}), (3, "Placement Location", "must be blank when")),
    (_set(3, **{IRO: "05/01/2026"}), (3, IRO, "must be an Excel date")),
]


@pytest.mark.django_db
@pytest.mark.both_databases
def test_list_8s_permanence_plan_placement_and_iro_contact_come_from_the_records(richmond, tmp_path):
    ingest_records(sent())
    _link_new_mentions(richmond)
    out = tmp_path / "annex-a.xlsx"
    stdout = io.StringIO()
    call_command("returns", "annex-a", "--on", ON.isoformat(), "--out", str(out), "--validate", "--no-progress",
                 stdout=stdout)
    assert "Structural check: 0 problems" in stdout.getvalue(), stdout.getvalue()
    content = out.read_bytes()
    book = load_workbook(io.BytesIO(content))
    eight = {r["Child Unique ID"]: r for r in sheet_rows(book, "List 8")}
    assert list(eight) == ["LA1", "LA2"]
    c, d = eight["LA1"], eight["LA2"]
    assert c[PLAN] == "f) Long-term fostering"  # December's review, not April's (after the inspection date)
    assert d[PLAN] == "c) SGO/CAO"
    assert c[IRO] == dt.date(2026, 2, 3)  # the IRO's visit after the review; not the call after the inspection date
    assert d[IRO] == dt.date(2026, 1, 5)  # the review D attended, after the IRO's call in November
    assert (c["Placement Location"], c["LA of Placement"]) == ("b) Out", HOUNSLOW)  # the current placement's
    assert (d["Placement Location"], d["LA of Placement"]) == ("a) In", RICHMOND_NUMBER)
    assert c["Placement postcode"] == "KT1 4AE" and c["URN of Placement"] == "SC654321"  # as before

    # each bad value in the new columns is named: row, column and problem, and nothing else is reported
    for change, (row, column, words) in CORRUPTIONS:
        found = check(corrupted(content, change), on=ON)
        assert len(found) == 1 and (found[0].list, found[0].row, found[0].column) == ("List 8", row, column), \
            (row, column, [str(p) for p in found])
        assert words in found[0].problem, found[0]


def test_inside_or_outside_the_authority_by_its_own_code():
    richmond = A.Authority(la_number=RICHMOND_NUMBER, la_gss=RICHMOND_GSS)
    assert richmond.location(RICHMOND_GSS) == richmond.location(RICHMOND_NUMBER) == "a) In"
    assert richmond.location(HOUNSLOW) == richmond.location("313") == "b) Out"
    assert richmond.location("WAL") == richmond.location("NUK") == "b) Out"  # outside England
    assert richmond.location("CON") == richmond.location("") == ""  # confidential, or not recorded: not said
    assert A.Authority(la_number=RICHMOND_NUMBER).location(RICHMOND_GSS) == ""  # no GSS code set to compare with
    assert A.placement_la("SCO") == "SCO - Child placed in Scotland" and A.placement_la(HOUNSLOW) == HOUNSLOW


BAD = [
    (again("LA1-REV2", permanence_plan="fostering"), "detail.permanence_plan",
     "must be one of return_to_family, adoption, sgo_cao, supported_living, long_term_residential, "
     "long_term_fostering, other"),
    (again("LA1-E2", placement_la="Hounslow"), "detail.placement_la",
     "must be the local authority the child is placed in"),
    (again("LA1-E2", placement_la="E0900001"), "detail.placement_la", "GSS code (E06, E08, E09 or E10 and six digits"),
    (iro_contact("LA1", "B-1", "2026-02-03", None), "detail.contact_type",
     "is required for an iro_contact record: how the independent reviewing officer was in touch"),
    (iro_contact("LA1", "B-2", "2026-02-03", "email"), "detail.contact_type",
     "must be one of visit, video_call, phone_call, letter_or_message"),
]


@pytest.mark.parametrize("body,field,problem", BAD, ids=[f"{b[0]['source_record_id']}-{b[1]}" for b in BAD])
def test_a_bad_value_of_the_new_fields_is_refused_naming_the_field(body, field, problem):
    found = {p["field"]: p["problem"] for p in record_problems(body)}
    assert problem in found.get(field, ""), found


@pytest.mark.django_db
def test_the_api_refuses_a_bad_placement_la_naming_the_field(richmond, make_user):
    system = make_user(role=Role.SYSTEM_ADMINISTRATOR, agency=richmond["agency"])
    _, secret = api_token_create(actor=actor_for(system), user=system, name="Case system")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").post(
        "/api/v1/records/", data=json.dumps(again("LA1-E2", placement_la="Hounslow")), content_type="application/json")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["detail.placement_la"], response.json()
