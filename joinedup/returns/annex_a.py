"""Ofsted's ILACS Annex A (child-level lists 1–11, xlsx) from the returns' query source.

The lists cover the six months before the inspection date `on` (from the same day six months earlier, to `on`
itself); "in the last 12 months" counts the twelve months to `on`. Each list's columns are Ofsted's, in the order
liiatools reads them (../shared/docs/returns.md §3); categorical values are in Ofsted's lettered format ("a) Male",
"a) WBRI", "a) 1A: Individual: family member…", "N1 - Abuse, neglect and exploitation"); dates are Excel dates.

Every value comes from the records the CIN census and the SSDA903 read (`returns.source`), plus the casework
projection's contacts (for contacts that never became a referral), the allocations at the inspection date (team
and worker), children's social care's early help assessments (`early_help_assessment`, list 2: each assessment
open at some time in the six months) and its adoption service's adopters (`adopter_journey`, list 11: each adopter
in contact with the agency in the twelve months). The IRO's last contact with a child in care (list 8) is the
latest review the child attended (participation PN1–PN4: the IRO chairs it); a dental check is the
`looked_after_outcomes` record that says there was one (its day, the 31 March it describes). A care leaver's
personal adviser and eligibility category (list 9) are those the latest `care_leaver_contact` in the six months
records, the latest pathway plan review the latest any contact up to the inspection date records; list 10's family
identifier is the adoptive family the `adoption_decision` names (`adopters_family_id`, the adopters' `family_id` in
list 11). A column no record holds yet (the permanence plan, placement location and LA) is left blank, never filled
with a constant: see docs/returns.md. `annex_a_check.check` checks the workbook's structure.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from string import ascii_lowercase

from dateutil.relativedelta import relativedelta
from django.db.models import Q

from joinedup.accounts.models import AgencyKind
from joinedup.casework import codes
from joinedup.casework.models import Allocation, Case, Contact
from joinedup.casework.projection import CHILD_ROLES
from joinedup.casework.state import CareEpisode, CaseState
from joinedup.ingest.models import Mention
from joinedup.returns.source import EARLY_HELP_KIND, EXTRA_KINDS, AdopterFacts, ChildFacts

COMMON = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"]
TEAM = ["Allocated Team", "Allocated Worker"]
DISABILITY = "Does the Child have a Disability"
LISTS: dict[str, list[str]] = {
    "List 1": [*COMMON, "Date of Contact", "Contact Source"],
    "List 2": [*COMMON, "Assessment start date", "Assessment completion date", "Organisation completing assessment"],
    "List 3": [*COMMON, "Date of referral", "Referral Source", "Referral NFA?", "Number of Referrals in Last 12 Months",
               *TEAM],
    "List 4": [*COMMON, DISABILITY, "Continuous Assessment Start Date", "Child Seen During Continuous Assessment",
               "Continuous Assessment Date of Authorisation",
               "Was the child assessed as requiring LA children's social care support?", *TEAM],
    "List 5": [*COMMON, DISABILITY, "Strategy discussion initiating Section 47 Enquiry Start Date",
               "Was an Initial Child Protection Conference deemed unnecessary?",
               "Date of Initial Child Protection Conference",
               "Did the Initial Child Protection Conference Result in a Child Protection Plan",
               "Number of Section 47 Enquiries in the last 12 months", "Number of ICPCs in the last 12 months", *TEAM],
    "List 6": [*COMMON, DISABILITY, "CIN Start Date", "Primary Need Code", "Date Child Was Last Seen",
               "CIN Closure Date", "Reason for Closure", "Case Status", *TEAM],
    "List 7": [*COMMON, DISABILITY, "Child Protection Plan Start Date", "Initial Category of Abuse",
               "Latest Category of Abuse", "Date of the Last Statutory Visit", "Was the Child Seen Alone?",
               "Date of latest review conference", "Child Protection Plan End Date",
               "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",
               "Number of Previous Child Protection Plans", *TEAM],
    "List 8": [*COMMON, DISABILITY, "Date Started to be Looked After", "Child's Category of Need",
               "Is this a second or subsequent period of being a Looked After Child within the last 12 months (Y/N)",
               "Start date of current legal status", "Child's Legal Status", "Date of Latest Statutory Review",
               "Date of Last Social Work Visit", "What is the permanence plan for this child?",
               "Date of Last IRO Visit / Contact to the Child", "Date of Last Health Assessment",
               "Date of Last Dental Check", "Number of Placements in the Last 12 months",
               "Date Ceased to be Looked After", "Reason Ceased to be Looked After",
               "Start Date of Most Recent Placement", "Placement Type", "Placement Provider", "Placement postcode",
               "URN of Placement", "Placement Location", "LA of Placement",
               "Number of Episodes the Child has been 'Missing' from their Placement in the last 12 months",
               "Number of Episodes the Child has been 'Absent' from their Placement in the last 12 months",
               "Was the child offered a Return Interview after their last missing episode (Y/N)?",
               "Did the child accept a Return Interview after their last missing episode (Y/N)?", *TEAM],
    "List 9": [*COMMON, "UASC or formerly UASC if 18 or over (Y/N)", DISABILITY, *TEAM, "Allocated Personal Advisor",
               "Eligibility Category", "Latest Pathway Plan Review Date", "LA in Touch", "Latest Date of Contact",
               "Type of Accommodation", "Suitability of Accommodation", "Activity Status"],
    "List 10": ["Child Unique ID", "Family identifier", *COMMON[1:], DISABILITY, "Date the Child Entered Care",
                "Date of Decision that Child Should be Placed for Adoption", "Date of Placement Order",
                "Date of Matching Child and Prospective Adopters", "Date Placed for Adoption",
                "Date of Adoption Order", "Date of Decision that Child Should No Longer be Placed for Adoption",
                "Reason Why Child No Longer Placed for Adoption",
                "Date the child was placed for fostering in FFA or concurrent planning placement"],
    "List 11": ["Individual adopter identifier", "Family identifier", "Gender", "Ethnicity", "Disability",
                "Is the (prospective) adopter fostering for adoption?", "Date enquiry received",
                "Date Stage 1 started", "Date Stage 1 ended", "Date Stage 2 started", "Date Stage 2 ended",
                "Date application submitted", "Date application approved", "Date adopter matched with child(ren)",
                "Date child/children placed with adopter(s)", "No. of children placed", "Date of Adoption Order",
                "Date of leaving adoption process", "Reason for leaving adoption process"],
}

# --- Ofsted's lettered values ------------------------------------------------------------------------------------

YES, NO, UNKNOWN = "a) Yes", "b) No", "c) Unknown"
GENDER = {"M": "a) Male", "F": "b) Female", "U": "c) Not stated/recorded"}
ETHNICITIES = ("WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN", "ABAN",
               "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT")
CATEGORY = {"neglect": "a) Neglect", "physical_abuse": "b) Physical abuse", "sexual_abuse": "c) Sexual abuse",
            "emotional_abuse": "d) Emotional abuse", "multiple": "e) Multiple/not recommended"}
PLACEMENT_CHANGES = frozenset({"S", "P", "T", "U", "B"})  # reasons for a new episode that start a placement
ADOPTION_PLACEMENTS = frozenset({"A3", "A4", "A5", "A6"})
FOSTERING_FOR_ADOPTION = frozenset({"U2", "U5"})
PROTECTION_STATUSES = frozenset({"L1", "L2"})  # police protection, emergency protection order
ATTENDED_REVIEW = frozenset({"PN1", "PN2", "PN3", "PN4"})  # the child was at the review the IRO chaired
# A care leaver's entitlement (Children (Leaving Care) Act 2000), as Ofsted's list 9 words it.
ELIGIBILITY = {"relevant": "a) Relevant child", "former_relevant": "b) Former relevant child",
               "qualifying": "c) Qualifying care leaver", "eligible": "d) Eligible child"}
LEAVING_ADOPTION = {"withdrew": "1 - Adopter withdrew from process", "on_hold": "2 - Process put on hold",
                    "refused": "3 - Application refused"}


def _lettered(table: Iterable[str], code: str, label: str = "") -> str:
    """"b) CODE: label" with the letter of the code's place in Ofsted's list (after z: aa, ab…)."""
    codes_ = list(table)
    if not code or code not in codes_:
        return code or ""
    i = codes_.index(code)
    letter = ascii_lowercase[i] if i < 26 else "a" + ascii_lowercase[i - 26]
    return f"{letter}) {code}: {label}" if label else f"{letter}) {code}"


def ethnicity(code: str) -> str:
    return _lettered(ETHNICITIES, code)


def referral_source(code: str) -> str:
    return _lettered(codes.REFERRAL_SOURCES, code, codes.REFERRAL_SOURCES.get(code, ""))


def legal_status(code: str) -> str:
    return f"{code}: {codes.LEGAL_STATUSES[code]}" if code in codes.LEGAL_STATUSES else code


def placement_type(code: str) -> str:
    return _lettered(codes.PLACEMENT_TYPES, code, codes.PLACEMENT_TYPES.get(code, ""))


def placement_provider(code: str) -> str:
    return _lettered(codes.PLACEMENT_PROVIDERS, code, codes.PLACEMENT_PROVIDERS.get(code, ""))


def primary_need(code: str) -> str:
    return f"{code} - {codes.PRIMARY_NEEDS[code]}" if code in codes.PRIMARY_NEEDS else code


def yes_no(value: bool | None) -> str:
    return "" if value is None else (YES if value else NO)


# --- the lists ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The six months before the inspection date, and the twelve for "in the last 12 months"."""

    on: dt.date

    @cached_property  # asked for tens of thousands of times in a large authority
    def start(self) -> dt.date:
        return self.on - relativedelta(months=6)

    @cached_property
    def year_start(self) -> dt.date:
        return self.on - relativedelta(months=12)

    def holds(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.on

    def overlaps(self, start: dt.date | None, end: dt.date | None) -> bool:
        return start is not None and start <= self.on and (end is None or end >= self.start)

    def in_year(self, day: dt.date | None) -> bool:
        return day is not None and self.year_start <= day <= self.on


@dataclass(frozen=True)
class Allocated:
    team: str = ""
    worker: str = ""


@dataclass
class AnnexA:
    window: Window
    sheets: dict[str, list[list]] = field(default_factory=lambda: {name: [] for name in LISTS})
    children: dict[object, ChildFacts] = field(default_factory=dict)  # person id → facts, every child in a list
    adopters: set = field(default_factory=set)  # joinedup's person ids of the adopters in list 11 (when linked)

    def add(self, sheet: str, f: ChildFacts, row: list) -> None:
        assert len(row) == len(LISTS[sheet]), (sheet, len(row))
        self.sheets[sheet].append(row)
        self.children[f.person_id] = f

    def add_adopter(self, a: AdopterFacts, row: list) -> None:
        assert len(row) == len(LISTS["List 11"]), len(row)
        self.sheets["List 11"].append(row)
        if a.person_id is not None:
            self.adopters.add(a.person_id)

    @property
    def people(self) -> list:
        """Everyone the workbook names (children and adopters): whom its audit row names."""
        return list(dict.fromkeys([*self.children, *sorted(self.adopters - set(self.children), key=str)]))

    def rows(self, sheet: str) -> list[dict]:
        """A list's rows as {column: value} (tests and the page's counts)."""
        return [dict(zip(LISTS[sheet], row, strict=True)) for row in self.sheets[sheet]]


def people_for(window: Window) -> list:
    """Children who may be in a list: a case open in the twelve months to the inspection date, a contact in the
    six, a looked-after extra (a care leaver's contact, an adoption decision) in the twelve, or an early help
    assessment open at some time in the six."""
    start, end = window.year_start, window.on
    ids = set(Case.objects.filter(opened_on__lte=end).exclude(closed_on__lt=start).values_list("person_id", flat=True))
    ids.update(Contact.objects.filter(received_at__date__gte=window.start, received_at__date__lte=end)
               .values_list("person_id", flat=True))
    mentions = Mention.objects.filter(withdrawn=False, role__in=CHILD_ROLES, link__person__isnull=False,
                                      record__agency__kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    ids.update(mentions.filter(
        record__kind__in=EXTRA_KINDS - {"person_registration"}, occurred_on__lte=end, occurred_on__gte=start,
    ).values_list("link__person_id", flat=True))
    ids.update(mentions.filter(record__kind=EARLY_HELP_KIND, record__occurred_on__lte=end).filter(
        Q(record__ended_on__isnull=True) | Q(record__ended_on__gte=window.start),
    ).values_list("link__person_id", flat=True))
    return sorted(ids, key=str)


def allocations_on(person_ids: list, day: dt.date) -> dict[object, Allocated]:
    """Each child's allocated team and worker at the end of `day` (the allocation then, not now)."""
    moment = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    out: dict[object, Allocated] = {}
    rows = (Allocation.objects.filter(person_id__in=person_ids, started_at__lt=moment)
            .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=moment))
            .order_by("person_id", "started_at")
            .values_list("person_id", "team__name", "worker__team__name", "worker__first_name", "worker__last_name",
                         "worker__username"))
    for person_id, team, worker_team, first, last, username in rows:
        out[person_id] = Allocated(team or worker_team or "", f"{first} {last}".strip() or username)
    return out


def _common(f: ChildFacts, on: dt.date) -> list:
    age = None
    if f.dob is not None:
        age = on.year - f.dob.year - ((on.month, on.day) < (f.dob.month, f.dob.day))
    return [f.la_child_id, GENDER.get(f.sex, GENDER["U"]), ethnicity(f.ethnicity), f.dob, age]


def _disability(f: ChildFacts) -> str:
    if not f.disabilities:
        return UNKNOWN
    return NO if f.disabilities == ["NONE"] else YES


def _team(f: ChildFacts, allocated: dict) -> list:
    a = allocated.get(f.person_id) or Allocated()
    return [a.team, a.worker]


def _visits(f: ChildFacts, until: dt.date):
    return sorted((v for c in f.cases for v in c.visits if v.on <= until), key=lambda v: v.at)


def _before(day: dt.date | None, on: dt.date) -> dt.date | None:
    return day if day is not None and day <= on else None


def annex_a(facts: Iterable[ChildFacts], *, on: dt.date, allocated: dict | None = None,
            adopters: Iterable[AdopterFacts] = ()) -> AnnexA:
    """The eleven lists for these children (read with their early help assessments) and these adopters at the
    inspection date `on`."""
    window = Window(on)
    allocated = allocated or {}
    out = AnnexA(window)
    for f in sorted(facts, key=lambda f: f.la_child_id):
        _contacts(out, f, window)
        _early_help(out, f, window)
        cases = sorted(f.cases, key=lambda c: c.opened_on)
        _referrals(out, f, cases, window, allocated)
        _assessments(out, f, cases, window, allocated)
        _enquiries(out, f, cases, window, allocated)
        _in_need(out, f, cases, window, allocated)
        _protection(out, f, cases, window, allocated)
        _looked_after(out, f, window, allocated)
        _care_leaver(out, f, window, allocated)
        _adoption(out, f, window)
    for a in adopters:
        _adopter(out, a, window)
    for sheet, rows in out.sheets.items():
        date_col = {"List 10": 7, "List 11": 6}.get(sheet, 5)  # the list's first date
        rows.sort(key=lambda r: (str(r[0]), str(r[date_col] if len(r) > date_col else "")))
    return out


def _contacts(out: AnnexA, f: ChildFacts, w: Window) -> None:
    for r in sorted((r for r in f.records.values() if r.kind == "csc_contact" and w.holds(r.occurred_on)),
                    key=lambda r: (r.occurred_at, r.key)):
        out.add("List 1", f, [*_common(f, w.on), r.occurred_on, referral_source(str(r.detail.get("source_code") or ""))])


def _early_help(out: AnnexA, f: ChildFacts, w: Window) -> None:
    """List 2: each early help assessment open at some time in the six months (started, or completed, in them, or
    still open: Ofsted's "current early help"); a completion after the inspection date is not known then."""
    for r in f.early_help:
        completed = _before(r.ended_on, w.on)
        if not w.overlaps(r.occurred_on, completed):
            continue
        out.add("List 2", f, [*_common(f, w.on), r.occurred_on, completed, str(r.detail.get("organisation") or "")])


def _referrals(out: AnnexA, f: ChildFacts, cases: list[CaseState], w: Window, allocated: dict) -> None:
    for c in cases:
        if not w.holds(c.opened_on):
            continue
        year_before = c.opened_on - relativedelta(months=12)
        count = sum(1 for o in cases if year_before < o.opened_on <= c.opened_on)
        out.add("List 3", f, [*_common(f, w.on), c.opened_on, referral_source(c.source_code), yes_no(c.nfa), count,
                              *_team(f, allocated)])


def _assessments(out: AnnexA, f: ChildFacts, cases: list[CaseState], w: Window, allocated: dict) -> None:
    for c in cases:
        for a in c.assessments:
            authorised = _before(a.authorised_on, w.on)
            if not w.overlaps(a.started_on, authorised):
                continue
            until = authorised or w.on
            seen = any(v.seen for v in c.visits if a.started_on <= v.on <= until)
            support = None
            if authorised is not None and a.outcome:
                support = a.outcome not in ("no_further_action", "early_help")
            out.add("List 4", f, [*_common(f, w.on), _disability(f), a.started_on, yes_no(seen), authorised,
                                  yes_no(support), *_team(f, allocated)])


def _enquiries(out: AnnexA, f: ChildFacts, cases: list[CaseState], w: Window, allocated: dict) -> None:
    enquiries = [q for c in cases for q in c.enquiries]
    icpcs = [k for c in cases for k in c.conferences if k.conference_type == "initial"]
    s47_year = sum(1 for q in enquiries if w.in_year(q.strategy_on or q.started_on))
    icpc_year = sum(1 for k in icpcs if w.in_year(k.held_on))
    for c in cases:
        conferences = {k.key: k for k in c.conferences}
        for q in c.enquiries:
            started = q.strategy_on or q.started_on
            if not w.holds(started):
                continue
            icpc = conferences.get(q.icpc_key)
            held = _before(icpc.held_on, w.on) if icpc else None
            result = yes_no(icpc.outcome == "plan" or any(p.started_on == held for p in c.protection_plans)) \
                if held else ""
            out.add("List 5", f, [*_common(f, w.on), _disability(f), started,
                                  yes_no(q.conference_needed is False), held, result, s47_year, icpc_year,
                                  *_team(f, allocated)])


def _in_need(out: AnnexA, f: ChildFacts, cases: list[CaseState], w: Window, allocated: dict) -> None:
    for c in cases:
        closed = _before(c.closed_on, w.on)
        if c.nfa or not w.overlaps(c.opened_on, closed):
            continue
        seen = [v.on for v in c.visits if v.seen and v.on <= w.on]
        out.add("List 6", f, [*_common(f, w.on), _disability(f), c.opened_on, primary_need(c.primary_need),
                              max(seen, default=None), closed, c.closure_reason if closed else "",
                              "b) Closed" if closed else "a) Open", *_team(f, allocated)])


def _protection(out: AnnexA, f: ChildFacts, cases: list[CaseState], w: Window, allocated: dict) -> None:
    protected = any(e.legal_status in PROTECTION_STATUSES and w.overlaps(e.started_on, e.ended_on)
                    for e in f.episodes())
    for c in cases:
        for p in c.protection_plans:
            ended = _before(p.ended_on, w.on)
            if not w.overlaps(p.started_on, ended):
                continue
            visits = [v for v in c.visits if p.started_on <= v.on <= (ended or w.on)]
            last = visits[-1] if visits else None
            latest = next((x.category for x in reversed(p.categories) if x.on is None or x.on <= w.on), "")
            reviews = [d for d in p.reviews if d <= w.on]
            out.add("List 7", f, [*_common(f, w.on), _disability(f), p.started_on,
                                  CATEGORY.get(p.initial_category, p.initial_category), CATEGORY.get(latest, latest),
                                  last.on if last else None, yes_no(last.seen_alone) if last else "",
                                  max(reviews, default=None), ended, yes_no(protected), p.previous_plans,
                                  *_team(f, allocated)])


def _periods(episodes: list[CareEpisode]) -> list[list[CareEpisode]]:
    """Periods of care: episodes joined while each starts the day the last ended (or a new one starts with S)."""
    periods: list[list[CareEpisode]] = []
    for e in episodes:
        last = periods[-1][-1] if periods else None
        if last is None or e.reason_new_episode == "S" or last.ended_on is None or last.ended_on != e.started_on:
            if last is not None and last.ended_on is None:
                periods[-1].append(e)  # an overlapping episode: kept in the period, as the records have it
                continue
            periods.append([e])
        else:
            periods[-1].append(e)
    return periods


def _looked_after(out: AnnexA, f: ChildFacts, w: Window, allocated: dict) -> None:
    episodes = [e for e in f.episodes() if e.started_on <= w.on]
    periods = [p for p in _periods(episodes) if w.overlaps(p[0].started_on, _before(p[-1].ended_on, w.on))]
    if not periods:
        return
    period = periods[-1]
    latest = period[-1]
    started = period[0].started_on
    earlier = [p for p in _periods(episodes) if p is not period and p[0].started_on < started]
    again = any(w.in_year(_before(p[-1].ended_on, w.on)) or w.in_year(p[0].started_on) for p in earlier)
    status_from = latest.started_on
    for e in reversed(period[:-1]):
        if e.legal_status != latest.legal_status:
            break
        status_from = e.started_on
    placed = next((e.started_on for e in reversed(period) if e.reason_new_episode in PLACEMENT_CHANGES),
                  started)
    ceased = _before(latest.ended_on, w.on)
    reviews = [r.occurred_on for r in f.reviews if r.occurred_on <= w.on]
    visits = [v.on for v in _visits(f, w.on) if v.seen is not False]
    placements = sum(1 for e in episodes if e.reason_new_episode in PLACEMENT_CHANGES and w.in_year(e.started_on))
    missing = [r for r in f.missing if w.in_year(r.occurred_on)]
    counts = defaultdict(int)
    for r in missing:
        counts[str(r.detail.get("missing_type") or "")] += 1
    last_missing = next((r for r in reversed(missing) if r.detail.get("missing_type") == "missing"), None)
    offered = accepted = ""
    if last_missing is not None:
        offered = yes_no(_bool(last_missing.detail.get("return_interview_offered")))
        accepted = yes_no(_bool(last_missing.detail.get("return_interview_accepted")))
    iro = [r.occurred_on for r in f.reviews if r.occurred_on <= w.on
           and str(r.detail.get("participation") or "") in ATTENDED_REVIEW]
    health = [r.occurred_on for r in f.outcomes if r.detail.get("health_assessment") is True and r.occurred_on <= w.on]
    teeth = [r.occurred_on for r in f.outcomes if r.detail.get("teeth_check") is True and r.occurred_on <= w.on]
    out.add("List 8", f, [
        *_common(f, w.on), _disability(f), started, latest.category_of_need, yes_no(again), status_from,
        legal_status(latest.legal_status), max(reviews, default=None), max(visits, default=None), "",
        max(iro, default=None),
        max(health, default=None), max(teeth, default=None), placements, ceased,
        latest.reason_ended if ceased else "", placed, placement_type(latest.placement_type),
        placement_provider(latest.placement_provider), latest.placement_postcode,
        str(f.records[latest.key].detail.get("placement_urn") or "") if latest.key in f.records else "", "", "",
        counts["missing"], counts["away"], offered, accepted, *_team(f, allocated)])


def _bool(value) -> bool | None:
    return value if isinstance(value, bool) else None


def _care_leaver(out: AnnexA, f: ChildFacts, w: Window, allocated: dict) -> None:
    contacts = [r for r in f.care_leaver if w.holds(r.occurred_on)]
    if not contacts:
        return
    last = contacts[-1]
    accommodation = str(last.detail.get("accommodation") or "")
    suitable = {"1": "a) Suitable", "2": "b) Not suitable"}.get(accommodation[1:2], "") if accommodation != "0" else ""
    eligibility = str(last.detail.get("eligibility_category") or "")
    reviewed = [d for r in f.care_leaver if r.occurred_on <= w.on
                if (d := _before(_date(r.detail.get("pathway_plan_reviewed_on")), w.on)) is not None]
    out.add("List 9", f, [*_common(f, w.on), yes_no(f.uasc), _disability(f), *_team(f, allocated),
                          str(last.detail.get("personal_adviser") or ""), ELIGIBILITY.get(eligibility, eligibility),
                          max(reviewed, default=None), str(last.detail.get("in_touch") or ""), last.occurred_on,
                          accommodation[:1] if accommodation and accommodation != "0" else accommodation, suitable,
                          str(last.detail.get("activity") or "")])


def _adoption(out: AnnexA, f: ChildFacts, w: Window) -> None:
    episodes = f.episodes()
    for r in f.adoption:
        reversed_on = _before(r.ended_on, w.on)
        adopted = next((e.ended_on for e in episodes if e.reason_ended in ("E11", "E12") and e.ended_on), None)
        if not (w.in_year(r.occurred_on) or w.in_year(reversed_on) or w.in_year(adopted)):
            continue
        if r.occurred_on > w.on:
            continue
        entered = next((e.started_on for e in reversed(episodes)
                        if e.reason_new_episode == "S" and e.started_on <= r.occurred_on), None)
        order = next((e.started_on for e in episodes if e.legal_status == "E1" and e.started_on <= w.on), None)
        placed = next((e.started_on for e in episodes if e.placement_type in ADOPTION_PLACEMENTS
                       and e.started_on <= w.on), None)
        ffa = next((e.started_on for e in episodes if e.placement_type in FOSTERING_FOR_ADOPTION
                    and e.started_on <= w.on), None)
        matched = _date(r.detail.get("matched_on"))
        # the adoptive family the child is matched or placed with, once matched (a later match is not known then)
        family = str(r.detail.get("adopters_family_id") or "") if matched is None or matched <= w.on else ""
        common = _common(f, w.on)
        out.add("List 10", f, [common[0], family, *common[1:], _disability(f), entered, r.occurred_on, order,
                               _before(matched, w.on), placed, _before(adopted, w.on), reversed_on,
                               str(r.detail.get("reason_reversed") or "") if reversed_on else "", ffa])


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _adopter(out: AnnexA, a: AdopterFacts, w: Window) -> None:
    """List 11: an adopter in contact with the agency in the twelve months (`source.adopter_journeys`), each step
    as the records said on the inspection date (a later one is not known then)."""
    if a.record.occurred_on > w.on or (a.finished_on is not None and a.finished_on < w.year_start):
        return
    d = a.record.detail

    def step(key: str) -> dt.date | None:
        return _before(a.day(key), w.on)

    disabled, ffa = _bool(d.get("disabled")), _bool(d.get("fostering_for_adoption"))
    placed = step("placed_on")
    children = d.get("children_placed") if placed is not None and isinstance(d.get("children_placed"), int) else None
    left = _before(a.record.ended_on, w.on)
    reason = LEAVING_ADOPTION.get(str(d.get("leaving_reason") or ""), "") if left else ""
    out.add_adopter(a, [
        a.adopter_id, a.family_id, GENDER.get(a.sex, GENDER["U"]), ethnicity(str(d.get("ethnicity") or "")),
        UNKNOWN if disabled is None else yes_no(disabled), UNKNOWN if ffa is None else yes_no(ffa),
        a.record.occurred_on, step("stage1_started_on"), step("stage1_ended_on"), step("stage2_started_on"),
        step("stage2_ended_on"), step("application_submitted_on"), step("approved_on"), step("matched_on"), placed,
        children, step("adoption_order_on"), left, reason])


# --- the workbook --------------------------------------------------------------------------------------------------


def workbook(annex: AnnexA, *, now: dt.datetime | None = None) -> bytes:
    """The xlsx: one sheet per list, Ofsted's headings in the first row, dates as Excel dates."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    # Write-only: rows are streamed to the file as they are appended (an authority's lists hold tens of
    # thousands of rows; a workbook held in memory cell by cell takes seconds and hundreds of MB).
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, columns in LISTS.items():
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        # the sheet's size, written before its rows (readers such as openpyxl's read-only mode rely on it)
        size = f"A1:{get_column_letter(len(columns))}{len(annex.sheets[name]) + 1}"
        ws.calculate_dimension = lambda size=size: size

        def cell(value, ws=ws):
            out = WriteOnlyCell(ws, value=_cell(value))
            out.number_format = "DD/MM/YYYY"
            return out

        header = []
        for column in columns:
            head = WriteOnlyCell(ws, value=column)
            head.font = bold
            header.append(head)
        ws.append(header)
        for row in annex.sheets[name]:
            ws.append([cell(v) if isinstance(v, dt.date) else _cell(v) for v in row])
    stamp = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None, microsecond=0)
    wb.properties.creator = "joinedup"
    wb.properties.created = wb.properties.modified = stamp
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _cell(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # never a formula from a record's text
    return value

