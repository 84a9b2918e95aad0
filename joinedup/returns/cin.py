"""The children in need census (DfE, XML) from the returns' query source.

Element order, codes and booleans as the DfE specification and the validators want them (../shared/docs/returns.md
§1, §7): one `<Child>` per child with an episode of need open at some time in the collection year, one
`<CINdetails>` per episode; within an episode, whatever was open at some time in the year (assessments,
child in need plans, section 47 enquiries, child protection plans) and the reviews held in it. Dates after
31 March are not reported (what they end is still open at the census date). Every element written is noted
in the provenance (child, table, column, value → the record it came from) so that a validator's finding can be
traced to the record to fix.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from joinedup.casework import codes
from joinedup.casework.clocks import Clocks, clocks_from_settings
from joinedup.casework.state import CaseState
from joinedup.returns.source import ChildFacts, Year
from joinedup.returns.upn import upn_valid

SOFTWARE = "joinedup"


@dataclass(frozen=True)
class Source:
    """Where one reported value came from."""

    child: str  # LAchildID
    table: str
    column: str
    value: str
    record_key: str


@dataclass
class Produced:
    """A return as produced: its content, the children in it, and where each value came from."""

    kind: str
    year: Year
    children: dict[str, ChildFacts] = field(default_factory=dict)  # LAchildID / CHILD → facts
    provenance: list[Source] = field(default_factory=list)
    content: bytes = b""  # the CIN census XML
    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # SSDA903: table → rows

    def note(self, child: str, table: str, column: str, value: object, record_key: str) -> None:
        if record_key:
            self.provenance.append(Source(child, table, column, "" if value is None else str(value), record_key))


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _sub(parent: ET.Element, tag: str, text: object = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = str(text)
    return el


def _in(year: Year, day: dt.date | None) -> dt.date | None:
    """A date as the census reports it: one after the census date is not reported yet."""
    return day if day is not None and day <= year.end else None


def cin_census(facts: list[ChildFacts], *, year: Year, la_number: str, now: dt.datetime | None = None,
               clocks: Clocks | None = None) -> Produced:
    """The census for these children (those without an episode of need in the year are left out)."""
    clocks = clocks or clocks_from_settings()
    now = now or dt.datetime.now(dt.UTC)
    out = Produced("cin", year)
    root = ET.Element("Message")
    header = _sub(root, "Header")
    details = _sub(header, "CollectionDetails")
    _sub(details, "Collection", "CIN")
    _sub(details, "Year", year.ends)
    _sub(details, "ReferenceDate", _iso(year.end))
    source = _sub(header, "Source")
    _sub(source, "SourceLevel", "L")
    _sub(source, "LEA", la_number)
    _sub(source, "SoftwareCode", SOFTWARE)
    _sub(source, "Release", "1")
    _sub(source, "SerialNo", "1")
    _sub(source, "DateTime", now.strftime("%Y-%m-%dT%H:%M:%S"))
    children = _sub(root, "Children")
    for f in sorted(facts, key=lambda f: f.la_child_id):
        cases = f.cin_cases(year)
        if not cases:
            continue
        out.children[f.la_child_id] = f
        _child(out, _sub(children, "Child"), f, cases, year, clocks)
    ET.indent(root)
    out.content = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"
    return out


def _child(out: Produced, child: ET.Element, f: ChildFacts, cases: list[CaseState], year: Year,
           clocks: Clocks) -> None:
    cid = f.la_child_id
    ids = _sub(child, "ChildIdentifiers")
    _sub(ids, "LAchildID", cid)
    out.note(cid, "ChildIdentifiers", "LAchildID", cid, f.identity_key)
    if f.upn and upn_valid(f.upn):
        _sub(ids, "UPN", f.upn)
        out.note(cid, "ChildIdentifiers", "UPN", f.upn, f.identity_key)
    else:
        out.note(cid, "ChildIdentifiers", "UPN", f.upn, f.identity_key)
    if f.former_upn:
        _sub(ids, "FormerUPN", f.former_upn)
    if not (f.upn and upn_valid(f.upn)) and f.upn_unknown:
        _sub(ids, "UPNunknown", f.upn_unknown)
    out.note(cid, "ChildIdentifiers", "UPNunknown", f.upn_unknown, f.registration_key or f.identity_key)
    if f.dob:
        _sub(ids, "PersonBirthDate", _iso(f.dob))
    elif f.expected_dob:
        _sub(ids, "ExpectedPersonBirthDate", _iso(f.expected_dob))
    out.note(cid, "ChildIdentifiers", "PersonBirthDate", _iso(f.dob), f.identity_key)
    out.note(cid, "ChildIdentifiers", "ExpectedPersonBirthDate", _iso(f.expected_dob), f.identity_key)
    _sub(ids, "Sex", f.sex or "U")
    out.note(cid, "ChildIdentifiers", "Sex", f.sex, f.identity_key)
    chars = _sub(child, "ChildCharacteristics")
    if f.ethnicity:
        _sub(chars, "Ethnicity", f.ethnicity)
    out.note(cid, "ChildCharacteristics", "Ethnicity", f.ethnicity, f.registration_key or f.identity_key)
    if f.disabilities:
        dis = _sub(chars, "Disabilities")
        for code in f.disabilities:
            _sub(dis, "Disability", code)
            out.note(cid, "Disabilities", "Disability", code, f.registration_key)
    for case in cases:
        _details(out, _sub(child, "CINdetails"), cid, case, year, clocks)


def _details(out: Produced, el: ET.Element, cid: str, case: CaseState, year: Year, clocks: Clocks) -> None:
    ref = case.referral_key
    _sub(el, "CINreferralDate", _iso(case.opened_on))
    out.note(cid, "CINdetails", "CINreferralDate", _iso(case.opened_on), ref)
    _sub(el, "ReferralSource", case.source_code)
    out.note(cid, "CINdetails", "ReferralSource", case.source_code, ref)
    if case.primary_need:
        _sub(el, "PrimaryNeedCode", case.primary_need)
    out.note(cid, "CINdetails", "PrimaryNeedCode", case.primary_need, ref)
    closed = _in(year, case.closed_on)
    if closed:
        _sub(el, "CINclosureDate", _iso(closed))
        _sub(el, "ReasonForClosure", case.closure_reason)
        out.note(cid, "CINdetails", "CINclosureDate", _iso(closed), case.closure_key)
        out.note(cid, "CINdetails", "ReasonForClosure", case.closure_reason, case.closure_key)
    by_key = {c.key: c for c in case.conferences}
    at_enquiry = {q.icpc_key for q in case.enquiries if q.icpc_key}
    lone = [c for c in case.conferences if c.conference_type == "initial" and c.key not in at_enquiry
            and year.overlaps(c.held_on, c.held_on)]
    if lone:  # an initial conference with no section 47 enquiry in this episode (a child moving in, say)
        _sub(el, "DateOfInitialCPC", _iso(lone[-1].held_on))
        out.note(cid, "CINdetails", "DateOfInitialCPC", _iso(lone[-1].held_on), lone[-1].key)
    for a in case.assessments:
        authorised = _in(year, a.authorised_on)
        if not year.overlaps(a.started_on, a.authorised_on):
            continue
        x = _sub(el, "Assessments")
        _sub(x, "AssessmentActualStartDate", _iso(a.started_on))
        if authorised:
            _sub(x, "AssessmentAuthorisationDate", _iso(authorised))
            if a.factors:
                factors = _sub(x, "FactorsIdentifiedAtAssessment")
                for code in a.factors:
                    _sub(factors, "AssessmentFactors", code)
                    out.note(cid, "Assessments", "AssessmentFactors", code, a.key)
        for col, value in (("AssessmentActualStartDate", _iso(a.started_on)),
                           ("AssessmentAuthorisationDate", _iso(authorised)), ("AssessmentFactors", "")):
            out.note(cid, "Assessments", col, value, a.key)
    for p in case.need_plans:
        if not year.overlaps(p.started_on, p.ended_on):
            continue
        x = _sub(el, "CINPlanDates")
        _sub(x, "CINPlanStartDate", _iso(p.started_on))
        ended = _in(year, p.ended_on)
        if ended:
            _sub(x, "CINPlanEndDate", _iso(ended))
        out.note(cid, "CINplanDates", "CINPlanStartDate", _iso(p.started_on), p.key)
        out.note(cid, "CINplanDates", "CINPlanEndDate", _iso(ended), p.key)
    for q in case.enquiries:
        icpc = by_key.get(q.icpc_key)
        last = max(d for d in (q.completed_on, icpc.held_on if icpc else None, q.started_on) if d)
        if not year.overlaps(q.started_on, None if q.completed_on is None and icpc is None else last):
            continue
        x = _sub(el, "Section47")
        _sub(x, "S47ActualStartDate", _iso(q.started_on))
        out.note(cid, "Section47", "S47ActualStartDate", _iso(q.started_on), q.key)
        if q.conference_needed is not False:
            target = clocks.icpc_due(q.strategy_on or q.started_on)
            _sub(x, "InitialCPCtarget", _iso(target))
            out.note(cid, "Section47", "InitialCPCtarget", _iso(target), q.strategy_key or q.key)
        if icpc is not None and _in(year, icpc.held_on):
            _sub(x, "DateOfInitialCPC", _iso(icpc.held_on))
            out.note(cid, "Section47", "DateOfInitialCPC", _iso(icpc.held_on), icpc.key)
        _sub(x, "ICPCnotRequired", "1" if q.conference_needed is False else "0")
        out.note(cid, "Section47", "ICPCnotRequired", "", q.key)
    _sub(el, "ReferralNFA", "1" if case.nfa else "0")
    out.note(cid, "CINdetails", "ReferralNFA", "1" if case.nfa else "0", ref)
    for p in case.protection_plans:
        if not year.overlaps(p.started_on, p.ended_on):
            continue
        x = _sub(el, "ChildProtectionPlans")
        _sub(x, "CPPstartDate", _iso(p.started_on))
        ended = _in(year, p.ended_on)
        if ended:
            _sub(x, "CPPendDate", _iso(ended))
        latest = next((c.category for c in reversed(p.categories) if c.on is None or c.on <= year.end), "")
        _sub(x, "InitialCategoryOfAbuse", codes.CATEGORY_CENSUS_CODES.get(p.initial_category, p.initial_category))
        _sub(x, "LatestCategoryOfAbuse", codes.CATEGORY_CENSUS_CODES.get(latest, latest))
        _sub(x, "NumberOfPreviousCPP", p.previous_plans)
        for col, value in (("CPPstartDate", _iso(p.started_on)), ("CPPendDate", _iso(ended)),
                           ("InitialCategoryOfAbuse", p.initial_category), ("LatestCategoryOfAbuse", latest),
                           ("NumberOfPreviousCPP", p.previous_plans)):
            out.note(cid, "ChildProtectionPlans", col, value, p.key)
        reviews = [r for r in p.reviews if year.start <= r <= year.end]
        if reviews:
            rv = _sub(x, "Reviews")
            for r in reviews:
                _sub(rv, "CPPreviewDate", _iso(r))
                review = next((c for c in case.conferences if c.conference_type == "review" and c.held_on == r), None)
                out.note(cid, "Reviews", "CPPreviewDate", _iso(r), review.key if review else p.key)
