"""Annex A lists 9 (care leavers) and 10 (adoption) from the records that hold their columns, and joinedup's own
structural check of the workbook (`returns.annex_a_check`): the hand-made authority's workbook, with care leavers'
contacts and adoption decisions sent as a case system sends them, passes with 0 problems; each cell corrupted is
named by list, row, column and problem. Also: the format refuses a bad value of the new fields naming the field,
and the simulator's care leaver eligibility follows the Children (Leaving Care) Act's rules."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from datetime import date

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from joinedup.ingest.models import Mention
from joinedup.ingest.validation import record_problems
from joinedup.people.recorded import mentions_link_recorded
from joinedup.returns.annex_a import LISTS
from joinedup.returns.annex_a_check import Problem, check
from joinedup_lab.simulate.csc_annex_a import eligibility
from tests.conftest import SYSTEM
from tests.returns.authority import record
from tests.returns.conftest import ingest_records
from tests.returns.workbook import corrupted, sheet_rows

ON = dt.date(2026, 3, 27)  # the six months from 27 September 2025, the twelve from 27 March 2025
YOUNG = {
    "CL1": {"given_name": "Jordan", "family_name": "Blake", "dob": "2006-07-14", "sex": "male"},
    "CL2": {"given_name": "Amira", "family_name": "Haddad", "dob": "2007-11-02", "sex": "female"},
    "AD1": {"given_name": "Leo", "family_name": "Finch", "dob": "2022-05-01", "sex": "male"},
    "AD2": {"given_name": "Rosa", "family_name": "Finch", "dob": "2023-08-19", "sex": "female"},
    "AD3": {"given_name": "Ezra", "family_name": "Wynn", "dob": "2021-01-30", "sex": "male"},
}


def _of(child: str, rid: str, kind: str, when: str, detail: dict) -> dict:
    out = record("CP1", rid, kind, when, detail)
    out["mentions"] = [{"mention_id": "m1", "role": "subject", "local_person_id": child, **YOUNG[child]}]
    return out


def contact(child: str, rid: str, when: str, **detail) -> dict:
    return _of(child, rid, "care_leaver_contact", when, {"case_id": f"{child}-C", **detail})


def decision(child: str, rid: str, when: str, **detail) -> dict:
    return _of(child, rid, "adoption_decision", when, {"case_id": f"{child}-C", **detail})


def sent() -> list[dict]:
    return [
        # a former relevant young person: an earlier contact (its adviser and review superseded), the latest in the
        # six months, and one after the inspection date (not known then)
        contact("CL1", "CL1-1", "2025-07-20", in_touch="YES", activity="F2", accommodation="D1",
                personal_adviser="Sam Reid", eligibility_category="relevant", pathway_plan_reviewed_on="2025-05-02"),
        contact("CL1", "CL1-2", "2025-12-01", in_touch="YES", activity="G5", accommodation="E2",
                personal_adviser="Jo Bell", eligibility_category="former_relevant",
                pathway_plan_reviewed_on="2025-10-15"),
        contact("CL1", "CL1-3", "2026-04-10", in_touch="YES", activity="G5", accommodation="E2",
                personal_adviser="Jo Bell", eligibility_category="former_relevant",
                pathway_plan_reviewed_on="2026-04-01"),
        # a qualifying care leaver: no pathway plan, no personal adviser
        contact("CL2", "CL2-1", "2026-01-10", in_touch="NO", activity="0", accommodation="0",
                eligibility_category="qualifying"),
        # brothers and sisters matched with one adoptive family (list 11's AF-1), and a child whose match comes after
        # the inspection date
        decision("AD1", "AD1-D", "2025-06-01", matched_on="2025-10-02", adopters_family_id="AF-1"),
        decision("AD2", "AD2-D", "2025-06-01", matched_on="2025-10-02", adopters_family_id="AF-1"),
        decision("AD3", "AD3-D", "2025-09-01", matched_on="2026-04-15", adopters_family_id="AF-9"),
    ]


def _set(sheet: str, row: int, heading: str, value) -> Callable:
    def change(book):
        book[sheet].cell(row=row, column=LISTS[sheet].index(heading) + 1).value = value
    return change


def _move(book):  # List 5 after List 6
    book.move_sheet("List 5", offset=1)


def _copy_row(book):  # list 9's first row again below the last
    sheet = book["List 9"]
    sheet.append([c.value for c in sheet[2]])


# (the change, the problem the check must report: list, row, column, words in the problem)
CORRUPTIONS = [
    (_set("List 9", 2, "Eligibility Category", "e) Care leaver"),
     ("List 9", 2, "Eligibility Category", "must be one of 'a) Relevant child'")),
    (_set("List 9", 2, "Allocated Personal Advisor", None),
     ("List 9", 2, "Allocated Personal Advisor", "has a personal adviser")),
    (_set("List 9", 3, "Latest Date of Contact", dt.datetime(2025, 9, 1)),
     ("List 9", 3, "Latest Date of Contact", "must be in the six months before the inspection date (27/09/2025")),
    (_set("List 10", 3, "Family identifier", ""),
     ("List 10", 3, "Family identifier", "is blank; the adoptive family")),
    (_set("List 10", 2, "Date of Placement Order", "2025-07-01"),
     ("List 10", 2, "Date of Placement Order", "must be an Excel date")),
    (_set("List 7", 2, "Age of Child (Years)", 9),
     ("List 7", 2, "Age of Child (Years)", "must be 7: the age the date of birth gives")),
    (_set("List 8", 3, "Child's Legal Status", "C2"),
     ("List 8", 3, "Child's Legal Status", "must be one of the")),
    (_set("List 6", 4, "Date Child Was Last Seen", dt.datetime(2026, 4, 2)),
     ("List 6", 4, "Date Child Was Last Seen", "is after the inspection date (27/03/2026)")),
    (_set("List 8", 1, "Placement postcode", "Postcode"),
     ("List 8", 1, "Placement postcode", "holds something else where Ofsted's heading 'Placement postcode' must "
                                         "be (column 25)")),
    (lambda book: book.remove(book["List 3"]), ("List 3", 0, "", "is missing")),
    (_move, ("List 6", 0, "", "is where List 5 must be: the lists are in order")),
    (_copy_row, ("List 9", 4, "Child Unique ID", "repeats row 2: the list has one row per care leaver")),
]


@pytest.mark.django_db
@pytest.mark.both_databases
def test_lists_9_and_10_come_from_the_records_and_the_workbook_passes_the_check(richmond, tmp_path):
    ingest_records(sent())
    for child in YOUNG:
        ids = list(Mention.objects.filter(local_person_id=child).values_list("pk", flat=True))
        mentions_link_recorded(mention_ids=ids, person=None, user=richmond["worker"], actor=SYSTEM)
    out = tmp_path / "annex-a.xlsx"
    stdout = io.StringIO()
    call_command("returns", "annex-a", "--on", ON.isoformat(), "--out", str(out), "--validate", "--no-progress",
                 stdout=stdout)
    assert "Structural check: 0 problems" in stdout.getvalue(), stdout.getvalue()
    content = out.read_bytes()
    assert check(content, on=ON) == []
    book = load_workbook(io.BytesIO(content))

    nine = {r["Child Unique ID"]: r for r in sheet_rows(book, "List 9")}
    assert set(nine) == {"CL1", "CL2"}
    jordan, amira = nine["CL1"], nine["CL2"]
    assert jordan["Allocated Personal Advisor"] == "Jo Bell"  # the latest contact's, not the earlier one's
    assert jordan["Eligibility Category"] == "b) Former relevant child"
    assert jordan["Latest Pathway Plan Review Date"] == date(2025, 10, 15)  # not April's, after the inspection date
    assert (jordan["Latest Date of Contact"], jordan["Type of Accommodation"], jordan["Suitability of Accommodation"],
            jordan["Activity Status"]) == (date(2025, 12, 1), "E: Supported lodgings", "b) Unsuitable",
                                           "G5: Not in education, employment or training - other")
    assert jordan["LA in Touch"] == "a) Yes"
    assert amira["Eligibility Category"] == "c) Qualifying care leaver"
    assert amira["Allocated Personal Advisor"] is None and amira["Latest Pathway Plan Review Date"] is None
    # not in touch: the SSDA903's activity and accommodation 0 (none known) are left blank
    assert (amira["LA in Touch"], amira["Type of Accommodation"], amira["Activity Status"]) == ("b) No", None, None)

    ten = {r["Child Unique ID"]: r for r in sheet_rows(book, "List 10")}
    assert set(ten) == {"AD1", "AD2", "AD3"}
    assert ten["AD1"]["Family identifier"] == ten["AD2"]["Family identifier"] == "AF-1"  # placed together
    assert ten["AD1"]["Date of Matching Child and Prospective Adopters"] == date(2025, 10, 2)
    assert ten["AD3"]["Family identifier"] is None  # matched after the inspection date: not known then
    assert ten["AD3"]["Date of Matching Child and Prospective Adopters"] is None

    # each corruption is named: list, row, column and problem, and nothing else is reported
    for change, (sheet, row, column, words) in CORRUPTIONS:
        found = check(corrupted(content, change), on=ON)
        assert len(found) == 1 and (found[0].list, found[0].row, found[0].column) == (sheet, row, column), \
            (sheet, row, column, found)
        assert words in found[0].problem, found[0]
    problem = Problem("List 9", 2, "Eligibility Category", "must be one of …")
    assert str(problem) == "List 9, row 2, Eligibility Category: must be one of …"


BAD = [
    (contact("CL1", "B-1", "2025-12-01", eligibility_category="leaver"), "detail.eligibility_category",
     "must be one of eligible, relevant, former_relevant, qualifying"),
    (contact("CL1", "B-2", "2025-12-01", pathway_plan_reviewed_on="2025-12-02"), "detail.pathway_plan_reviewed_on",
     "must not be after the day of the contact"),
    (contact("CL1", "B-3", "2025-12-01", pathway_plan_reviewed_on="2025-02-30"), "detail.pathway_plan_reviewed_on",
     "must be a real date written YYYY-MM-DD"),
    (contact("CL1", "B-4", "2025-12-01", personal_adviser=""), "detail.personal_adviser", "must not be empty"),
    (decision("AD1", "B-5", "2025-06-01", adopters_family_id="AF 1/2"), "detail.adopters_family_id",
     "the adoption agency's id for the adoptive family"),
]


@pytest.mark.parametrize("body,field,problem", BAD, ids=[b[0]["source_record_id"] for b in BAD])
def test_a_bad_value_of_the_new_fields_is_refused_naming_the_field(body, field, problem):
    found = {p["field"]: p["problem"] for p in record_problems(body)}
    assert problem in found.get(field, ""), found


def test_the_simulators_care_leavers_are_relevant_former_relevant_eligible_or_qualifying():
    dob = date(2007, 6, 1).toordinal()
    in_care = [(date(2021, 1, 1).toordinal(), date(2023, 9, 1).toordinal())]  # 13 years old to 16 and 3 months
    assert eligibility(dob, in_care, date(2024, 6, 10).toordinal()) == "relevant"  # 17, left care
    assert eligibility(dob, in_care, date(2025, 6, 10).toordinal()) == "former_relevant"  # 18
    still = [(in_care[0][0], date(2026, 1, 1).toordinal())]
    assert eligibility(dob, still, date(2024, 6, 10).toordinal()) == "eligible"  # 17, in care
    short = [(date(2023, 8, 1).toordinal(), date(2023, 9, 20).toordinal())]  # seven weeks, from 16
    assert eligibility(dob, short, date(2025, 6, 10).toordinal()) == "qualifying"
    before16 = [(date(2021, 1, 1).toordinal(), date(2023, 5, 1).toordinal())]  # left care at 15
    assert eligibility(dob, before16, date(2024, 6, 10).toordinal()) == "qualifying"
