"""Ofsted's ILACS Annex A (child-level lists 1–11, xlsx) from the returns' query source.

The lists cover the six months before the inspection date `on` (from the same day six months earlier, to `on`
itself); "in the last 12 months" counts the twelve months to `on`. Each list's columns are Ofsted's, in the order
liiatools reads them (../shared/docs/returns.md §3); coded values are in Ofsted's words, as liiatools' Annex A value
map holds them ("a) Male", "a) WBRI", "q) 6: Police", "N1 - Abuse or neglect", "C2: FCO": the tables below); dates
are Excel dates.

Every value comes from the records the CIN census and the SSDA903 read (`returns.source`), plus the casework
projection's contacts (for contacts that never became a referral), the allocations at the inspection date (team
and worker), children's social care's early help assessments (`early_help_assessment`, list 2: each assessment
open at some time in the six months) and its adoption service's adopters (`adopter_journey`, list 11: each adopter
in contact with the agency in the twelve months). The IRO's last visit or contact with a child in care (list 8) is
the latest of the reviews the child attended (participation PN1–PN4: the IRO chairs them) and the IRO's visits and
contacts between reviews (`iro_contact`); the permanence plan is the latest the child's looked-after reviews in this
period of care confirmed (`permanence_plan`); the LA of placement is the current placement's `placement_la`, and
the placement is inside the authority when that is the authority's own code (`Authority`: its GSS code or LA
number, the settings the SSDA903 and the census use) — no postcode look-up. A dental check is the
`looked_after_outcomes` record that says there was one (its day, the 31 March it describes). A care leaver's
personal adviser and eligibility category (list 9) are those the latest `care_leaver_contact` in the six months
records, the latest pathway plan review the latest any contact up to the inspection date records; list 10's family
identifier is the adoptive family the `adoption_decision` names (`adopters_family_id`, the adopters' `family_id` in
list 11). A value the records do not hold is left blank, never filled with a constant: see docs/returns.md.
`annex_a_check.check` checks the workbook's structure.
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
from django.conf import settings
from django.db.models import Q

from joinedup.accounts.models import AgencyKind
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
    "List 8": [*COMMON, "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)", DISABILITY,
               "Date Started to be Looked After", "Child's Category of Need",
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
    "List 9": [*COMMON, "Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)", DISABILITY,
               *TEAM, "Allocated Personal Advisor",
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

# --- Ofsted's values -----------------------------------------------------------------------------------------------
# Each coded column in Ofsted's words: the values of the Annex A template as liiatools' value map (`liiatools/spec/
# annex_a/data-map.yml`, liiatools 0.2.0) holds them, which `liiatools annex-a cleanfile` reads back unchanged
# (docs/returns.md, "liiatools"). Codes the DfE added after that map was made (referral source 5D, closure reason
# RC9, placement type K3 and Z11–Z14, care leavers' activities F4–P5) follow the same pattern, as the LIIA pipeline's
# map (Annex_A_schema.yml) reads them where it has them.

YES, NO, UNKNOWN = "a) Yes", "b) No", "c) Unknown"
GENDER = {"M": "a) Male", "F": "b) Female", "U": "c) Not stated/recorded"}
ETHNICITIES = ("WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN", "ABAN",
               "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT")
# a) WBRI … r) OOTH; refused and not yet obtained share s) in Ofsted's list (liiatools' map, the pipeline's sample)
ETHNICITY = {code: f"{ascii_lowercase[min(i, 18)]}) {code}" for i, code in enumerate(ETHNICITIES)}
REFERRAL_SOURCE = {
    "1A": "a) 1A: Individual", "1B": "b) 1B: Individual", "1C": "c) 1C: Individual", "1D": "d) 1D: Individual",
    "2A": "e) 2A: Schools", "2B": "f) 2B: Education services", "3A": "g) 3A: Health services",
    "3B": "h) 3B: Health services", "3C": "i) 3C: Health services", "3D": "j) 3D: Health services",
    "3E": "k) 3E: Health services", "3F": "l) 3F: Health services", "4": "m) 4: Housing", "5A": "n) 5A: LA services",
    "5B": "o) 5B: LA services", "5C": "p) 5C: LA services", "5D": "p1) 5D: LA services", "6": "q) 6: Police",
    "7": "r) 7: Other legal agency", "8": "s) 8: Other", "9": "t) 9: Anonymous", "10": "u) 10: Unknown",
}
PRIMARY_NEED = {  # list 6's primary need and list 8's category of need
    "N1": "N1 - Abuse or neglect", "N2": "N2 - Child's disability", "N3": "N3 - Parental disability or illness",
    "N4": "N4 - Family in acute stress", "N5": "N5 - Family dysfunction", "N6": "N6 - Socially unacceptable behaviour",
    "N7": "N7 - Low income", "N8": "N8 - Absent parenting", "N9": "N9 - Cases other than children in need",
    "N0": "N0 - Not stated",
}
CLOSURE_REASON = {
    "RC1": "RC1 - Adopted", "RC2": "RC2 - Died", "RC3": "RC3 - Child arrangements order",
    "RC4": "RC4 - Special guardianship order", "RC5": "RC5 - Transferred to services of another local authority",
    "RC6": "RC6 - Transferred to adult social care services",
    "RC7": "RC7 - Services ceased for any other reason, including child no longer in need",
    "RC8": "RC8 - Case closed after assessment, no further action",
    "RC9": "RC9 - Case closed after assessment, referred to early help",
}
# List 6's case status on the inspection date: the episode closed, else the most a child open to the service has.
CASE_STATUS = {"looked_after": "a) Looked after child", "protection": "b) Child Protection plan",
               "in_need": "c) Child in need plan", "assessment": "d) Open assessment", "closed": "e) Closed episode"}
CATEGORY = {"neglect": "a) Neglect", "physical_abuse": "b) Physical abuse", "sexual_abuse": "c) Sexual abuse",
            "emotional_abuse": "d) Emotional abuse", "multiple": "e) Multiple/not recommended"}
LEGAL_STATUS = {
    "C1": "C1: ICO", "C2": "C2: FCO", "D1": "D1: Freeing order", "E1": "E1: Placement order",
    "V2": "V2: Single period under S20", "V3": "V3: Short term breaks, episodes recorded",
    "V4": "V4: Short term breaks, agreements recorded", "L1": "L1: Police protection LA accommodation",
    "L2": "L2: EPO", "L3": "L3: Child assessment order LA accommodation",
    "J1": "J1: Remanded to LA or youth detention", "J2": "J2: LA accommodation under PACE",
    "J3": "J3: Youth rehabilitation order",
}
REASON_CEASED = {
    "E11": "a) E11: Adopted - application unopposed", "E12": "b) E12: Adopted - consent dispensed",
    "E2": "c) E2: Died", "E3": "d) E3: Care taken by another LA",
    "E4A": "e) E4A: Returned home to live with parents or relatives - part of planning",
    "E4B": "f) E4B: Returned home to live with parents or relatives - not part of planning",
    "E13": "g) E13: Parents, relatives or other with no parental responsibility",
    "E41": "h) E41: Residence order granted",
    "E45": "i) E45: Special Guardianship Orders - former carer relative/friend",
    "E46": "j) E46: Special Guardianship Orders - former carer other",
    "E47": "k) E47: Special Guardianship Orders - relative/friend", "E48": "l) E48: Special Guardianship Orders - other",
    "E5": "m) E5: Moved into independent living - supported",
    "E6": "n) E6: Moved into independent living - no support",
    "E7": "o) E7: Transferred to residential care funded by adult social services",
    "E9": "p) E9: Sentenced to custody", "E14": "q) E14: Accommodation on remand ended",
    "E15": "r) E15: Age assessment determined child was 18 or over", "E16": "s) E16: Child moved abroad",
    "E8": "t) E8: Care ceased for any other reason", "X1": "u) X1: CodeError",
    "E17": "v) E17: Aged 18+ and remained with current carers",
}
PLACEMENT_TYPE = {
    "U1": "a) U1: Foster placement - relatives - long term", "U2": "b) U2: Foster placement - relative - FFA",
    "U3": "c) U3: Foster placement - relative - not FFA", "U4": "d) U4: Foster placement - long term",
    "U5": "e) U5: Foster placement - FFA", "U6": "f) U6: Foster placement - not FFA",
    "A3": "g) A3: Placed for adoption - consent - current foster",
    "A4": "h) A4: Placed for adoption - consent - not foster", "A5": "i) A5: Placed for adoption - order - foster",
    "A6": "j) A6: Placed for adoption - order - not foster", "P1": "k) P1: Placed with parents",
    "P3": "m) P3: Residential employment",
    "K3": "n) K3: Supported accommodation",  # the successor of n) H5 (semi-independent living) since 2023-24
    "K1": "o) K1: Secure Children's Homes", "K2": "p) K2: Children's Homes", "R1": "q) R1: Residential Care Home",
    "R2": "r) R2: NHS/Health Trust", "R3": "s) R3: Family Centre or Mother and Baby Unit",
    "R5": "t) R5: Young Offender Institution", "S1": "u) S1: Residential school",
    # Z11–Z14 replaced Z1 in 2025-26: Ofsted's v) "Other placements", with the code the SSDA903 holds
    "Z11": "v) Z11: Other placements", "Z12": "v) Z12: Other placements", "Z13": "v) Z13: Other placements",
    "Z14": "v) Z14: Other placements", "T0": "w) T0: Temporary placement",
    "T1": "x) T1: Temporary placement - hospital", "T2": "y) T2: Temporary placement - holiday",
    "T3": "z) T3: Temporary placement - carer holiday", "T4": "zz) T4: Temporary placement - seven days or less",
}
PLACEMENT_PROVIDER = {
    "PR0": "a) PR0: Parents/Parental responsibility", "PR1": "b) PR1: Own provision", "PR2": "c) PR2: Other LA provision",
    "PR3": "d) PR3: Other public provision", "PR4": "e) PR4: Private provision", "PR5": "f) PR5: Voluntary/third sector",
}
PLACEMENT_CHANGES = frozenset({"S", "P", "T", "U", "B"})  # reasons for a new episode that start a placement
ADOPTION_PLACEMENTS = frozenset({"A3", "A4", "A5", "A6"})
FOSTERING_FOR_ADOPTION = frozenset({"U2", "U5"})
PROTECTION_STATUSES = frozenset({"L1", "L2"})  # police protection, emergency protection order
ATTENDED_REVIEW = frozenset({"PN1", "PN2", "PN3", "PN4"})  # the child was at the review the IRO chaired
# A care leaver's entitlement (Children (Leaving Care) Act 2000), as Ofsted's list 9 words it.
ELIGIBILITY = {"relevant": "a) Relevant child", "former_relevant": "b) Former relevant child",
               "qualifying": "c) Qualifying care leaver", "eligible": "d) Eligible child"}
IN_TOUCH = {"YES": "a) Yes", "NO": "b) No", "DIED": "c) Died", "REFU": "d) Refu", "NREQ": "e) NREQ", "RHOM": "f) Rhom"}
ACCOMMODATION = {  # the SSDA903's accommodation letter (its digit is the suitability)
    "B": "B: Parents/relatives", "C": "C: Community home/residential care",
    "D": "D: Semi-independent, transitional accommodation and self-contained accommodation",
    "E": "E: Supported lodgings", "G": "G: Abroad", "H": "H: Deported",
    "K": "K: Ordinary lodgings, without formal support", "R": "R: Residence not known",
    "S": "S: No fixed abode/homeless", "T": "T: Foyers and similar supported accommodation",
    "U": "U: Independent living", "V": "V: Emergency accommodation", "W": "W: Bed and breakfast",
    "X": "X: In custody", "Y": "Y: Other accommodation", "Z": "Z: With former foster carers",
}
SUITABILITY = {"1": "a) Suitable", "2": "b) Unsuitable"}
ACTIVITY = {
    "F1": "F1: Full time in higher education", "P1": "P1: Part time in higher education",
    "F2": "F2: Full time in education other than higher", "P2": "P2: Part time in education other than higher",
    "F4": "F4: Young person engaged full time in an apprenticeship",
    "P4": "P4: Young person engaged part time in an apprenticeship",
    "F5": "F5: Young person engaged full time in training or employment (not apprenticeship)",
    "P5": "P5: Young person engaged part time in training or employment (not apprenticeship)",
    "G4": "G4: Not in education, employment or training - illness or disability",
    "G5": "G5: Not in education, employment or training - other",
    "G6": "G6: Not in education, employment or training - pregnancy or parenting",
}
REASON_REVERSED = {
    "RD1": "RD1 - The child\u2019s needs changed subsequent to the decision",
    "RD2": "RD2 - The Court did not make a placement order",
    "RD3": "RD3 - Prospective adopters could not be found", "RD4": "RD4 - Any other reason",
}
LEAVING_ADOPTION = {"withdrew": "1 - Adopter withdrew from process", "on_hold": "2 - Process put on hold",
                    "refused": "3 - Application refused"}
# List 8: the child's permanence plan (a looked_after_review's `permanence_plan`), where the child is placed (the
# placement's `placement_la`).
PERMANENCE_PLAN = {"return_to_family": "a) Return to family", "adoption": "b) Adoption", "sgo_cao": "c) SGO/CAO",
                   "supported_living": "d) Supported living in the community",
                   "long_term_residential": "e) Long-term residential placement",
                   "long_term_fostering": "f) Long-term fostering", "other": "g) Other"}
INSIDE, OUTSIDE = "a) In", "b) Out"
# A placement outside England, or a confidential one (SSDA903 PL_LA's codes), as Ofsted words them.
PLACED_OUTSIDE_ENGLAND = {"NIR": "NIR - Child placed in Northern Ireland", "WAL": "WAL - Child placed in Wales",
                          "SCO": "SCO - Child placed in Scotland", "NUK": "NUK - Child placed outside the UK"}
CONFIDENTIAL_PLACEMENT = {"CON": "CON - Child placed in confidential placement"}


def _worded(table: dict[str, str], code: str) -> str:
    """Ofsted's words for a code (a code not in the list as it is: the structural check names it)."""
    return table.get(code, code) if code else ""


def ethnicity(code: str) -> str:
    return _worded(ETHNICITY, code)


def referral_source(code: str) -> str:
    return _worded(REFERRAL_SOURCE, code)


def legal_status(code: str) -> str:
    return _worded(LEGAL_STATUS, code)


def placement_type(code: str) -> str:
    return _worded(PLACEMENT_TYPE, code)


def placement_provider(code: str) -> str:
    return _worded(PLACEMENT_PROVIDER, code)


def primary_need(code: str) -> str:
    return _worded(PRIMARY_NEED, code)


def yes_no(value: bool | None) -> str:
    return "" if value is None else (YES if value else NO)


def permanence_plan(code: str) -> str:
    return PERMANENCE_PLAN.get(code, code)


@dataclass(frozen=True)
class Authority:
    """The authority's own codes, to tell a placement inside it from one outside: its 3-digit DfE LA number (the
    census header's) and its GSS code (the one the SSDA903 validator places postcodes with)."""

    la_number: str = ""
    la_gss: str = ""

    @classmethod
    def from_settings(cls) -> Authority:
        returns = getattr(settings, "JOINEDUP_RETURNS", {}) or {}
        return cls(str(returns.get("la_number") or ""), str(returns.get("la_gss") or ""))

    def location(self, placement_la: str) -> str:
        """Inside or outside the authority ("a) In", "b) Out"): outside England is outside; an English authority's
        code is compared with the authority's own of the same form (GSS or LA number). Blank when not known: no
        code recorded, a confidential placement, or the authority's own code of that form not set."""
        if placement_la in PLACED_OUTSIDE_ENGLAND:
            return OUTSIDE
        own = self.la_number if placement_la.isdigit() else self.la_gss if placement_la[:1] == "E" else ""
        if not own:
            return ""
        return INSIDE if placement_la == own else OUTSIDE


def placement_la(code: str) -> str:
    """List 8's LA of placement: an English authority's code as recorded (its GSS code or LA number, as the SSDA903
    holds it), Ofsted's words for a placement outside England or a confidential one."""
    return PLACED_OUTSIDE_ENGLAND.get(code) or CONFIDENTIAL_PLACEMENT.get(code) or code


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
            adopters: Iterable[AdopterFacts] = (), authority: Authority | None = None) -> AnnexA:
    """The eleven lists for these children (read with their early help assessments and IRO contacts) and these
    adopters at the inspection date `on`; `authority`: its own codes (default: the settings)."""
    window = Window(on)
    allocated = allocated or {}
    authority = authority or Authority.from_settings()
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
        _looked_after(out, f, window, allocated, authority)
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
                              max(seen, default=None), closed,
                              _worded(CLOSURE_REASON, c.closure_reason) if closed else "",
                              _case_status(c, w.on, closed), *_team(f, allocated)])


def _case_status(c: CaseState, on: dt.date, closed: dt.date | None) -> str:
    """List 6's case status on the inspection date: closed, else looked after, on a child protection plan, on a child
    in need plan, or being assessed (an assessment or a section 47 enquiry open), the first that holds. Blank when
    none does (an episode open with nothing open in it: the records say no more)."""
    def open_on(start: dt.date | None, end: dt.date | None) -> bool:
        return start is not None and start <= on and (end is None or end > on)

    if closed is not None:
        return CASE_STATUS["closed"]
    if any(open_on(e.started_on, e.ended_on) for e in c.episodes):
        return CASE_STATUS["looked_after"]
    if any(open_on(p.started_on, p.ended_on) for p in c.protection_plans):
        return CASE_STATUS["protection"]
    if any(open_on(p.started_on, p.ended_on) for p in c.need_plans):
        return CASE_STATUS["in_need"]
    if any(open_on(a.started_on, a.authorised_on) for a in c.assessments) \
            or any(open_on(q.started_on, q.completed_on) for q in c.enquiries):
        return CASE_STATUS["assessment"]
    return ""


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


def _looked_after(out: AnnexA, f: ChildFacts, w: Window, allocated: dict, authority: Authority) -> None:
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
    # the IRO chairs each review: the latest the child attended, or the IRO's latest visit or contact between them
    iro = [r.occurred_on for r in f.reviews if r.occurred_on <= w.on
           and str(r.detail.get("participation") or "") in ATTENDED_REVIEW]
    iro += [r.occurred_on for r in f.iro_contacts if r.occurred_on <= w.on]
    # the permanence plan the latest review of this period of care confirmed (an earlier period's is not this one's)
    plan = next((str(r.detail["permanence_plan"]) for r in reversed(f.reviews)
                 if started <= r.occurred_on <= w.on and r.detail.get("permanence_plan")), "")
    placement = f.records[latest.key].detail if latest.key in f.records else {}
    where = str(placement.get("placement_la") or "")
    health = [r.occurred_on for r in f.outcomes if r.detail.get("health_assessment") is True and r.occurred_on <= w.on]
    teeth = [r.occurred_on for r in f.outcomes if r.detail.get("teeth_check") is True and r.occurred_on <= w.on]
    out.add("List 8", f, [
        *_common(f, w.on), _uasc_in_year(f, w), _disability(f), started, primary_need(latest.category_of_need),
        yes_no(again), status_from,
        legal_status(latest.legal_status), max(reviews, default=None), max(visits, default=None),
        permanence_plan(plan), max(iro, default=None),
        max(health, default=None), max(teeth, default=None), placements, ceased,
        _worded(REASON_CEASED, latest.reason_ended) if ceased else "", placed, placement_type(latest.placement_type),
        placement_provider(latest.placement_provider), latest.placement_postcode,
        str(placement.get("placement_urn") or ""), authority.location(where), placement_la(where),
        counts["missing"], counts["away"], offered, accepted, *_team(f, allocated)])


def _uasc_in_year(f: ChildFacts, w: Window) -> str:
    """An unaccompanied asylum-seeking child at some time in the twelve months (UASC status not ceased before)."""
    return yes_no(f.uasc and (f.uasc_ended_on is None or f.uasc_ended_on >= w.year_start))


def _bool(value) -> bool | None:
    return value if isinstance(value, bool) else None


def _care_leaver(out: AnnexA, f: ChildFacts, w: Window, allocated: dict) -> None:
    contacts = [r for r in f.care_leaver if w.holds(r.occurred_on)]
    if not contacts:
        return
    last = contacts[-1]
    accommodation = str(last.detail.get("accommodation") or "")  # the SSDA903's: a letter and 1 or 2 (or 0: none)
    kind, suitable = (_worded(ACCOMMODATION, accommodation[:1]), SUITABILITY.get(accommodation[1:2], "")) \
        if accommodation != "0" else ("", "")
    activity = str(last.detail.get("activity") or "")
    eligibility = str(last.detail.get("eligibility_category") or "")
    reviewed = [d for r in f.care_leaver if r.occurred_on <= w.on
                if (d := _before(_date(r.detail.get("pathway_plan_reviewed_on")), w.on)) is not None]
    out.add("List 9", f, [*_common(f, w.on), yes_no(f.uasc), _disability(f), *_team(f, allocated),
                          str(last.detail.get("personal_adviser") or ""), ELIGIBILITY.get(eligibility, eligibility),
                          max(reviewed, default=None), _worded(IN_TOUCH, str(last.detail.get("in_touch") or "")),
                          last.occurred_on, kind, suitable, _worded(ACTIVITY, activity) if activity != "0" else ""])


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
                               _worded(REASON_REVERSED, str(r.detail.get("reason_reversed") or "")) if reversed_on
                               else "", ffa])


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

