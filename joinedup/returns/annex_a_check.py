"""joinedup's own structural check of an Annex A workbook (Ofsted publishes no row validator for ILACS Annex A).

`check(workbook, on=…)` reads the xlsx (bytes, a path or a file) and returns every problem found, each naming the
list, the sheet's row (1 is the headings), the column's heading and what is wrong (`Problem`):

- every list is there, `List 1` … `List 11` in order, and no other sheet; each list's first row holds Ofsted's
  headings in order (`annex_a.LISTS`) and no row has values beyond them;
- each cell is of its column's type: an Excel date, a whole number (counts, ages), text (never a formula), a
  value of the column's code list — Ofsted's words for each code, as `annex_a` writes them (`annex_a.ETHNICITY`,
  `PLACEMENT_TYPE`, `PERMANENCE_PLAN`…) —, or, for list 8's LA of placement, an English authority's GSS code or LA
  number or Ofsted's words for a placement outside England or a confidential one;
- required cells are not blank (the row's child or adopter and the date that puts the row in its list, the yes/no
  columns Ofsted always asks for, counts), and cells that go together go together (a closure date, its reason and
  the case status; an initial conference and its result; a care leaver's eligibility and their personal adviser
  and pathway plan; a placement's location and its LA, outside England never inside the authority);
- dates: nothing after the inspection date; the date that defines a list (a contact, a referral, a strategy
  discussion, a care leaver's latest contact) inside the six months before it; an end (an assessment's
  authorisation, a plan's end, a closure, care ceasing) not before them, else the row is not in the list; list 10
  and 11's twelve months; an end not before its start; the age the date of birth gives at the inspection date;
- one row per child or episode as the list defines it (list 8 and 9: one per child; list 3: one per referral;
  list 11: one per adopter; …).

It checks the file's structure and its code lists, not whether the records are right: a value the records hold
wrongly but in shape passes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

from joinedup.returns import annex_a as A

Row = dict[str, Any]


@dataclass(frozen=True)
class Problem:
    """One problem with the workbook: the list (sheet), the row (the sheet's row number; 1 the headings, 0 the
    sheet as a whole), the column's heading ("" for a whole row or sheet) and what is wrong, in plain English."""

    list: str
    row: int
    column: str
    problem: str

    def __str__(self) -> str:
        where = [self.list, *([f"row {self.row}"] if self.row else []), *([self.column] if self.column else [])]
        return f"{', '.join(where)}: {self.problem}"


# --- columns -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    kind: str  # "id" (letters and digits), "text", "date", "count", "code", "la" (a local authority: list 8)
    required: bool = False
    codes: frozenset[str] = frozenset()
    window: str = ""  # "six": in the six months; "from": not before them; "" only not after the inspection date
    low: int = 0
    high: int | None = None


def _code(values: Iterable[str], *, required: bool = False) -> Column:
    return Column("code", required, frozenset(values))


REQUIRED_DATE = Column("date", required=True)
DATE = Column("date")
TEXT = Column("text")
COUNT = Column("count", required=True)
YES_NO = _code([A.YES, A.NO], required=True)
YES_NO_BLANK = _code([A.YES, A.NO])
KNOWN = _code([A.YES, A.NO, A.UNKNOWN], required=True)
_ID = re.compile(r"^[A-Za-z0-9]{1,20}$")
_FAMILY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
# An English authority's GSS code (upper tier: E06, E08, E09, E10) or 3-digit DfE LA number (list 8's LA of placement)
_ENGLISH_LA = re.compile(r"^(E(06|08|09|10)[0-9]{6}|[0-9]{3})$")
_OUTSIDE_WORDS = frozenset({*A.PLACED_OUTSIDE_ENGLAND.values(), *A.CONFIDENTIAL_PLACEMENT.values()})


def _common() -> dict[str, Column]:
    return {"Child Unique ID": Column("id", required=True), "Gender": _code(A.GENDER.values(), required=True),
            "Ethnicity": _code(A.ETHNICITY.values()), "Date of Birth": DATE,
            "Age of Child (Years)": Column("count", low=0, high=25)}


@cache
def columns() -> dict[str, dict[str, Column]]:
    """Each list's columns, heading → what a cell must be (every heading of `annex_a.LISTS`, in its order)."""
    team = {"Allocated Team": TEXT, "Allocated Worker": TEXT}
    disability = {A.DISABILITY: KNOWN}
    sources = _code(A.REFERRAL_SOURCE.values())
    categories = _code(A.CATEGORY.values(), required=True)
    specs: dict[str, dict[str, Column]] = {
        "List 1": {**_common(), "Date of Contact": Column("date", True, window="six"),
                   "Contact Source": Column("code", True, sources.codes)},
        "List 2": {**_common(), "Assessment start date": REQUIRED_DATE,
                   "Assessment completion date": Column("date", window="from"),
                   "Organisation completing assessment": Column("text", required=True)},
        "List 3": {**_common(), "Date of referral": Column("date", True, window="six"),
                   "Referral Source": Column("code", True, sources.codes), "Referral NFA?": YES_NO,
                   "Number of Referrals in Last 12 Months": Column("count", True, low=1), **team},
        "List 4": {**_common(), **disability, "Continuous Assessment Start Date": REQUIRED_DATE,
                   "Child Seen During Continuous Assessment": YES_NO,
                   "Continuous Assessment Date of Authorisation": Column("date", window="from"),
                   "Was the child assessed as requiring LA children's social care support?": YES_NO_BLANK, **team},
        "List 5": {**_common(), **disability,
                   "Strategy discussion initiating Section 47 Enquiry Start Date": Column("date", True, window="six"),
                   "Was an Initial Child Protection Conference deemed unnecessary?": YES_NO,
                   "Date of Initial Child Protection Conference": DATE,
                   "Did the Initial Child Protection Conference Result in a Child Protection Plan": YES_NO_BLANK,
                   "Number of Section 47 Enquiries in the last 12 months": Column("count", True, low=1),
                   "Number of ICPCs in the last 12 months": COUNT, **team},
        "List 6": {**_common(), **disability, "CIN Start Date": REQUIRED_DATE,
                   "Primary Need Code": _code(A.PRIMARY_NEED.values(), required=True),
                   "Date Child Was Last Seen": DATE, "CIN Closure Date": Column("date", window="from"),
                   "Reason for Closure": _code(A.CLOSURE_REASON.values()),
                   "Case Status": _code(A.CASE_STATUS.values()), **team},
        "List 7": {**_common(), **disability, "Child Protection Plan Start Date": REQUIRED_DATE,
                   "Initial Category of Abuse": categories, "Latest Category of Abuse": categories,
                   "Date of the Last Statutory Visit": DATE, "Was the Child Seen Alone?": YES_NO_BLANK,
                   "Date of latest review conference": DATE,
                   "Child Protection Plan End Date": Column("date", window="from"),
                   "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)":
                       YES_NO,
                   "Number of Previous Child Protection Plans": COUNT, **team},
        "List 8": {**_common(), "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)": YES_NO,
                   **disability, "Date Started to be Looked After": REQUIRED_DATE,
                   "Child's Category of Need": _code(A.PRIMARY_NEED.values(), required=True),
                   "Is this a second or subsequent period of being a Looked After Child within the last 12 months "
                   "(Y/N)": YES_NO,
                   "Start date of current legal status": REQUIRED_DATE,
                   "Child's Legal Status": _code(A.LEGAL_STATUS.values(), required=True),
                   "Date of Latest Statutory Review": DATE, "Date of Last Social Work Visit": DATE,
                   "What is the permanence plan for this child?": _code(A.PERMANENCE_PLAN.values()),
                   "Date of Last IRO Visit / Contact to the Child": DATE, "Date of Last Health Assessment": DATE,
                   "Date of Last Dental Check": DATE, "Number of Placements in the Last 12 months": COUNT,
                   "Date Ceased to be Looked After": Column("date", window="from"),
                   "Reason Ceased to be Looked After": _code(A.REASON_CEASED.values()),
                   "Start Date of Most Recent Placement": REQUIRED_DATE,
                   "Placement Type": _code(A.PLACEMENT_TYPE.values(), required=True),
                   "Placement Provider": _code(A.PLACEMENT_PROVIDER.values()),
                   "Placement postcode": TEXT, "URN of Placement": TEXT,
                   "Placement Location": _code([A.INSIDE, A.OUTSIDE]), "LA of Placement": Column("la"),
                   "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months": COUNT,
                   "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months": COUNT,
                   "Was the child offered a Return Interview after their last missing episode (Y/N)?": YES_NO_BLANK,
                   "Did the child accept a Return Interview after their last missing episode (Y/N)?": YES_NO_BLANK,
                   **team},
        "List 9": {**_common(), "Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)":
                       YES_NO, **disability, **team,
                   "Allocated Personal Advisor": TEXT,
                   "Eligibility Category": _code(A.ELIGIBILITY.values(), required=True),
                   "Latest Pathway Plan Review Date": DATE,
                   "LA in Touch": _code(A.IN_TOUCH.values(), required=True),
                   "Latest Date of Contact": Column("date", True, window="six"),
                   "Type of Accommodation": _code(A.ACCOMMODATION.values()),
                   "Suitability of Accommodation": _code(A.SUITABILITY.values()),
                   "Activity Status": _code(A.ACTIVITY.values())},
        "List 10": {"Child Unique ID": Column("id", required=True), "Family identifier": TEXT,
                    **{k: v for k, v in _common().items() if k != "Child Unique ID"}, **disability,
                    "Date the Child Entered Care": DATE,
                    "Date of Decision that Child Should be Placed for Adoption": REQUIRED_DATE,
                    "Date of Placement Order": DATE, "Date of Matching Child and Prospective Adopters": DATE,
                    "Date Placed for Adoption": DATE, "Date of Adoption Order": DATE,
                    "Date of Decision that Child Should No Longer be Placed for Adoption": DATE,
                    "Reason Why Child No Longer Placed for Adoption": _code(A.REASON_REVERSED.values()),
                    "Date the child was placed for fostering in FFA or concurrent planning placement": DATE},
        "List 11": {"Individual adopter identifier": Column("text", required=True), "Family identifier": TEXT,
                    "Gender": _code(A.GENDER.values(), required=True),
                    "Ethnicity": _code(A.ETHNICITY.values()), "Disability": KNOWN,
                    "Is the (prospective) adopter fostering for adoption?": KNOWN,
                    "Date enquiry received": REQUIRED_DATE, "Date Stage 1 started": DATE, "Date Stage 1 ended": DATE,
                    "Date Stage 2 started": DATE, "Date Stage 2 ended": DATE, "Date application submitted": DATE,
                    "Date application approved": DATE, "Date adopter matched with child(ren)": DATE,
                    "Date child/children placed with adopter(s)": DATE,
                    "No. of children placed": Column("count", low=1, high=10), "Date of Adoption Order": DATE,
                    "Date of leaving adoption process": DATE,
                    "Reason for leaving adoption process": _code(A.LEAVING_ADOPTION.values())},
    }
    for name, headings in A.LISTS.items():  # every heading has its rule, in the builder's order
        assert list(specs[name]) == headings, name
    return specs


# One row per what each list counts: the columns that name it.
KEYS: dict[str, tuple[str, ...]] = {
    "List 1": ("Child Unique ID", "Date of Contact", "Contact Source"),
    "List 2": ("Child Unique ID", "Assessment start date", "Organisation completing assessment"),
    "List 3": ("Child Unique ID", "Date of referral"),
    "List 4": ("Child Unique ID", "Continuous Assessment Start Date"),
    "List 5": ("Child Unique ID", "Strategy discussion initiating Section 47 Enquiry Start Date"),
    "List 6": ("Child Unique ID", "CIN Start Date"),
    "List 7": ("Child Unique ID", "Child Protection Plan Start Date"),
    "List 8": ("Child Unique ID",),
    "List 9": ("Child Unique ID",),
    "List 10": ("Child Unique ID", "Date of Decision that Child Should be Placed for Adoption"),
    "List 11": ("Individual adopter identifier",),
}
KEY_WORDS = {"List 1": "contact", "List 2": "early help assessment", "List 3": "referral", "List 4": "assessment",
             "List 5": "section 47 enquiry", "List 6": "episode of need", "List 7": "child protection plan",
             "List 8": "child", "List 9": "care leaver", "List 10": "adoption decision", "List 11": "adopter"}


# --- the check -----------------------------------------------------------------------------------------------------


def _uk(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _day(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _values(values: frozenset[str]) -> str:
    shown = sorted(values)
    if len(shown) <= 8:
        return "one of " + ", ".join(f"'{v}'" for v in shown)
    return f"one of the {len(shown)} values of its code list (e.g. '{shown[0]}')"


def _cell(column: Column, value, w: A.Window) -> str:
    """What is wrong with one cell ("" when nothing)."""
    if _blank(value):
        return "is blank; the list needs it" if column.required else ""
    if isinstance(value, str) and value.startswith("="):
        return "is a formula; a cell holds a value"
    if column.kind == "date":
        day = _day(value)
        if day is None:
            return "must be an Excel date"
        if day > w.on:
            return f"is after the inspection date ({_uk(w.on)}): not known then"
        if column.window == "six" and day < w.start:
            return f"must be in the six months before the inspection date ({_uk(w.start)} to {_uk(w.on)})"
        if column.window == "from" and day < w.start:
            return (f"is before the six months ({_uk(w.start)} to {_uk(w.on)}): what ended then is not in "
                    "this list")
        return ""
    if column.kind == "count":
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be a whole number"
        if value < column.low or (column.high is not None and value > column.high):
            top = f" to {column.high}" if column.high is not None else " or more"
            return f"must be {column.low}{top}"
        return ""
    if not isinstance(value, str):
        return "must be text"
    if column.kind == "id" and not _ID.match(value):
        return "must be the authority's id for the child: 1 to 20 letters and digits"
    if column.kind == "code" and value not in column.codes:
        return f"must be {_values(column.codes)}"
    if column.kind == "la" and not _ENGLISH_LA.match(value) and value not in _OUTSIDE_WORDS:
        return ("must be the local authority the child is placed in: an English authority's GSS code (E06, E08, "
                "E09 or E10 and six digits) or 3-digit LA number, or " + ", ".join(f"'{v}'" for v in
                                                                               sorted(_OUTSIDE_WORDS)))
    return ""


def _age(row: Row, w: A.Window) -> list[tuple[str, str]]:
    born, age = _day(row.get("Date of Birth")), row.get("Age of Child (Years)")
    if born is None or not isinstance(age, int) or isinstance(age, bool):
        if born is not None and _blank(age):
            return [("Age of Child (Years)", "is blank but the date of birth is given")]
        return []
    years = w.on.year - born.year - ((w.on.month, w.on.day) < (born.month, born.day))
    if age != years:
        return [("Age of Child (Years)", f"must be {years}: the age the date of birth gives on the inspection date")]
    return []


def _not_before(row: Row, later: str, earlier: str) -> list[tuple[str, str]]:
    a, b = _day(row.get(later)), _day(row.get(earlier))
    if a is not None and b is not None and a < b:
        return [(later, f"must not be before the {earlier[:1].lower() + earlier[1:]}")]
    return []


def _together(row: Row, column: str, when: str, words: str) -> list[tuple[str, str]]:
    """`column` is given exactly when `when` is."""
    given, needed = not _blank(row.get(column)), not _blank(row.get(when))
    if needed and not given:
        return [(column, f"is blank; it is needed when {words}")]
    if given and not needed:
        return [(column, f"must be blank when nothing says {words}")]
    return []


def _rules_2(row: Row, w: A.Window) -> list[tuple[str, str]]:
    return _not_before(row, "Assessment completion date", "Assessment start date")


def _rules_4(row: Row, w: A.Window) -> list[tuple[str, str]]:
    out = _not_before(row, "Continuous Assessment Date of Authorisation", "Continuous Assessment Start Date")
    support = "Was the child assessed as requiring LA children's social care support?"
    if not _blank(row.get(support)) and _blank(row.get("Continuous Assessment Date of Authorisation")):
        out.append((support, "must be blank until the assessment is authorised"))
    return out


def _rules_5(row: Row, w: A.Window) -> list[tuple[str, str]]:
    icpc = "Date of Initial Child Protection Conference"
    return [*_not_before(row, icpc, "Strategy discussion initiating Section 47 Enquiry Start Date"),
            *_together(row, "Did the Initial Child Protection Conference Result in a Child Protection Plan", icpc,
                       "an initial conference was held")]


def _rules_6(row: Row, w: A.Window) -> list[tuple[str, str]]:
    out = [*_not_before(row, "CIN Closure Date", "CIN Start Date"),
           *_together(row, "Reason for Closure", "CIN Closure Date", "the episode closed")]
    closed, status = not _blank(row.get("CIN Closure Date")), row.get("Case Status")
    if closed and status != A.CASE_STATUS["closed"]:
        out.append(("Case Status", f"must be '{A.CASE_STATUS['closed']}' when there is a closure date"))
    elif not closed and status == A.CASE_STATUS["closed"]:
        out.append(("Case Status", f"must not be '{A.CASE_STATUS['closed']}' without a closure date"))
    return out


def _rules_7(row: Row, w: A.Window) -> list[tuple[str, str]]:
    return [*_not_before(row, "Child Protection Plan End Date", "Child Protection Plan Start Date"),
            *_together(row, "Was the Child Seen Alone?", "Date of the Last Statutory Visit", "there was a visit")]


def _rules_8(row: Row, w: A.Window) -> list[tuple[str, str]]:
    """Besides the dates: a placement inside or outside the authority is placed in a local authority (not a
    confidential placement, whose place is not said), and one outside England is outside the authority."""
    started = "Date Started to be Looked After"
    out = [*_not_before(row, "Date Ceased to be Looked After", started),
           *_not_before(row, "Start date of current legal status", started),
           *_not_before(row, "Start Date of Most Recent Placement", started),
           *_together(row, "Reason Ceased to be Looked After", "Date Ceased to be Looked After", "care ceased")]
    location, la = row.get("Placement Location"), row.get("LA of Placement")
    if not _blank(location) and (_blank(la) or la in A.CONFIDENTIAL_PLACEMENT.values()):
        out.append(("Placement Location", "must be blank when the LA of placement is not given (or the placement "
                    "is confidential)"))
    elif _blank(location) and isinstance(la, str) and _ENGLISH_LA.match(la):
        out.append(("Placement Location", "is blank; it is needed when the LA of placement is an English "
                    "authority's: inside the authority ('a) In') or outside it ('b) Out')"))
    elif location == A.INSIDE and la in A.PLACED_OUTSIDE_ENGLAND.values():
        out.append(("Placement Location", f"must be '{A.OUTSIDE}': a child placed outside England is placed "
                    "outside the authority"))
    return out


def _rules_9(row: Row, w: A.Window) -> list[tuple[str, str]]:
    """A relevant or former relevant young person has a personal adviser and a pathway plan (the Children
    (Leaving Care) Act 2000); so does an eligible child's plan; accommodation other than 0 has its suitability."""
    out: list[tuple[str, str]] = []
    category = row.get("Eligibility Category")
    if category in (A.ELIGIBILITY["relevant"], A.ELIGIBILITY["former_relevant"]) \
            and _blank(row.get("Allocated Personal Advisor")):
        out.append(("Allocated Personal Advisor", f"is blank; a young person who is '{category}' has a personal "
                    "adviser"))
    if category in (A.ELIGIBILITY["relevant"], A.ELIGIBILITY["former_relevant"], A.ELIGIBILITY["eligible"]) \
            and _blank(row.get("Latest Pathway Plan Review Date")):
        out.append(("Latest Pathway Plan Review Date", f"is blank; a young person who is '{category}' has a "
                    "pathway plan"))
    accommodation = row.get("Type of Accommodation")
    if not _blank(accommodation) and _blank(row.get("Suitability of Accommodation")):
        out.append(("Suitability of Accommodation", "is blank; it is needed when the type of accommodation is "
                    "given"))
    return out


def _rules_10(row: Row, w: A.Window) -> list[tuple[str, str]]:
    decision = "Date of Decision that Child Should be Placed for Adoption"
    reversed_ = "Date of Decision that Child Should No Longer be Placed for Adoption"
    adopted = "Date of Adoption Order"
    out = [*_not_before(row, reversed_, decision),
           *_together(row, "Reason Why Child No Longer Placed for Adoption", reversed_, "the decision was reversed")]
    family = row.get("Family identifier")
    if _blank(family) and not (_blank(row.get("Date of Matching Child and Prospective Adopters"))
                               and _blank(row.get("Date Placed for Adoption"))):
        out.append(("Family identifier", "is blank; the adoptive family the child is matched or placed with has "
                    "one (list 11's family identifier)"))
    elif isinstance(family, str) and not _blank(family) and not _FAMILY.match(family):
        out.append(("Family identifier", "must be the adoption agency's id for the family: 1 to 40 letters, "
                    "digits, '-' or '_'"))
    days = [_day(row.get(c)) for c in (decision, reversed_, adopted)]
    waiting = days[1] is None and days[2] is None
    if not waiting and not any(w.in_year(d) for d in days):
        out.append(("", "is not in the list: the decision, its reversal or the adoption order must be in the twelve "
                    "months before the inspection date, or the child still waiting"))
    return out


def _rules_11(row: Row, w: A.Window) -> list[tuple[str, str]]:
    left, adopted = "Date of leaving adoption process", "Date of Adoption Order"
    out = [*_together(row, "No. of children placed", "Date child/children placed with adopter(s)",
                      "children were placed"),
           *_together(row, "Reason for leaving adoption process", left, "the adopter left the process")]
    family = row.get("Family identifier")
    if isinstance(family, str) and not _blank(family) and not _FAMILY.match(family):
        out.append(("Family identifier", "must be the adoption agency's id for the household: 1 to 40 letters, "
                    "digits, '-' or '_'"))
    for column in (left, adopted):
        day = _day(row.get(column))
        if day is not None and day < w.year_start:
            out.append((column, f"is before the twelve months ({_uk(w.year_start)} to {_uk(w.on)}): an adopter "
                        "who finished then is not in the list"))
    for column in ("Date Stage 1 started", "Date application submitted", "Date adopter matched with child(ren)"):
        out += _not_before(row, column, "Date enquiry received")
    return out


ROW_RULES: dict[str, Callable[[Row, A.Window], list[tuple[str, str]]]] = {
    "List 2": _rules_2, "List 4": _rules_4, "List 5": _rules_5, "List 6": _rules_6, "List 7": _rules_7,
    "List 8": _rules_8, "List 9": _rules_9, "List 10": _rules_10, "List 11": _rules_11,
}


def _open(workbook: bytes | str | Path | BinaryIO):
    from openpyxl import load_workbook

    source = io.BytesIO(workbook) if isinstance(workbook, bytes | bytearray) else workbook
    return load_workbook(source, read_only=True, data_only=False)


def check(workbook: bytes | str | Path | BinaryIO, *, on: dt.date) -> list[Problem]:
    """Every structural problem of an Annex A workbook for the inspection date `on` (empty: none found)."""
    w = A.Window(on)
    book = _open(workbook)
    problems: list[Problem] = []
    try:
        names = list(book.sheetnames)
        for name in names:
            if name not in A.LISTS:
                problems.append(Problem(name, 0, "", "is not a list of Annex A (List 1 to List 11)"))
        present = [n for n in names if n in A.LISTS]
        for name in A.LISTS:
            if name not in present:
                problems.append(Problem(name, 0, "", "is missing: every list is sent, even when it has no rows"))
        ordered = [n for n in A.LISTS if n in present]
        out_of_place = next((i for i, (a, b) in enumerate(zip(present, ordered, strict=True)) if a != b), None)
        if out_of_place is not None:
            problems.append(Problem(present[out_of_place], 0, "", f"is where {ordered[out_of_place]} must be: the "
                                    "lists are in order, List 1 to List 11"))
        for name in present:
            problems += _sheet(name, book[name].iter_rows(values_only=True), w)
    finally:
        book.close()
    return problems


def _sheet(name: str, rows: Iterable[tuple], w: A.Window) -> list[Problem]:
    spec = columns()[name]
    headings = list(spec)
    problems: list[Problem] = []
    rows = iter(rows)
    first = list(next(rows, ()) or ())
    while first and _blank(first[-1]):
        first.pop()
    for i, heading in enumerate(headings):  # what a cell holds instead is never repeated (it may be personal data)
        found = first[i] if i < len(first) else None
        if found != heading:
            said = "is missing" if _blank(found) else "holds something else"
            problems.append(Problem(name, 1, heading, f"{said} where Ofsted's heading '{heading}' must be "
                                    f"(column {i + 1})"))
    for i in range(len(headings), len(first)):
        problems.append(Problem(name, 1, f"column {i + 1}", f"is beyond the list's {len(headings)} headings"))
    if problems:
        return problems  # the rows cannot be read against headings that are not Ofsted's
    rule = ROW_RULES.get(name)
    seen: dict[tuple, int] = {}
    for number, values in enumerate(rows, start=2):
        values = list(values or ())
        if all(_blank(v) for v in values):
            continue
        if any(not _blank(v) for v in values[len(headings):]):
            problems.append(Problem(name, number, "", f"has values beyond the list's {len(headings)} columns"))
        row = {h: (values[i] if i < len(values) else None) for i, h in enumerate(headings)}
        for heading, column in spec.items():
            said = _cell(column, row[heading], w)
            if said:
                problems.append(Problem(name, number, heading, said))
        if "Date of Birth" in row:
            problems += [Problem(name, number, c, p) for c, p in _age(row, w)]
        if rule is not None:
            problems += [Problem(name, number, c, p) for c, p in rule(row, w)]
        key = tuple(_day(row[k]) or row[k] for k in KEYS[name])
        if all(not _blank(k) for k in key):
            if key in seen:
                problems.append(Problem(name, number, KEYS[name][-1], f"repeats row {seen[key]}: the list has one "
                                        f"row per {KEY_WORDS[name]}"))
            else:
                seen[key] = number
    return problems
