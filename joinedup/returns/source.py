"""The returns' query source: what children's social care's records say about each child, for a collection
year. The CIN census, the SSDA903 and (later) the data-quality page and the dashboards read these facts, so
their counts agree.

Each child's facts come from the records, never from constants:

- who the child is: the children's social care mentions of the child (the authority's id for them, names,
  date of birth or expected date, sex, UPN), the latest first;
- their characteristics: children's social care's latest `person_registration` of the child (ethnicity,
  disabilities, why there is no UPN, UASC, motherhood: docs/formats/README.md);
- the casework: the casework fold (`casework.lifecycle.fold`) of the child's records; a record the fold could
  not place (a plan ending before it starts, an overlapping looked-after episode) is still put in the return
  where it says it belongs, so the validators and the data-quality page name it rather than the return
  silently leaving it out (`ChildFacts.unplaced`);
- the looked-after extras: reviews, missing episodes, care-leaver contacts, outcomes (OC2), adoption
  decisions and social worker allocations, each a record kind of its own;
- for Annex A only (`facts_for(..., early_help=True)`): the child's early help assessments
  (`early_help_assessment`, list 2) and their independent reviewing officer's visits and contacts between reviews
  (`iro_contact`, list 8).

Adopters are not children: `adopter_journeys(start, end)` reads the adoption agency's `adopter_journey` records
(one adopter each, the `applicant`) for Annex A's list 11.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import F

from joinedup.accounts.models import AgencyKind
from joinedup.casework.clocks import clocks_from_settings
from joinedup.casework.lifecycle import CASEWORK_KINDS, fold
from joinedup.casework.models import Case
from joinedup.casework.projection import CHILD_ROLES, casework_records, childrens_social_care_ids
from joinedup.casework.state import (
    Assessment,
    CareEpisode,
    CaseState,
    CaseworkRecord,
    CategoryChange,
    Conference,
    Enquiry,
    NeedPlan,
    ProtectionPlan,
)
from joinedup.ingest.models import Mention
from joinedup.people.models import MentionLink

EXTRA_KINDS = frozenset({
    "person_registration", "looked_after_review", "missing_episode", "care_leaver_contact", "looked_after_outcomes",
    "adoption_decision", "worker_allocation",
})
RETURN_KINDS = CASEWORK_KINDS | EXTRA_KINDS
EARLY_HELP_KIND = "early_help_assessment"  # Annex A list 2 (read only when asked: the census and the 903 do not)
IRO_CONTACT_KIND = "iro_contact"  # Annex A list 8: an IRO's visit or contact between reviews (Annex A only, too)
ADOPTER_KIND = "adopter_journey"  # Annex A list 11: about an adult, not a child
CHUNK = 500
Progress = Callable[[str], None]
_ALNUM = re.compile(r"[^A-Za-z0-9]")


@dataclass(frozen=True)
class Year:
    """A collection year: 1 April to 31 March, named by the year it ends (2026 = 2025-26)."""

    ends: int

    @property
    def start(self) -> dt.date:
        return dt.date(self.ends - 1, 4, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.ends, 3, 31)

    @property
    def label(self) -> str:
        return f"{self.ends - 1}-{str(self.ends)[2:]}"

    def overlaps(self, start: dt.date | None, end: dt.date | None) -> bool:
        """Whether something from `start` to `end` (None: still open) was open at some time in the year."""
        return start is not None and start <= self.end and (end is None or end >= self.start)


@dataclass
class ChildFacts:
    """Everything the returns need about one child."""

    person_id: object
    la_child_id: str = ""
    given_name: str = ""
    family_name: str = ""
    dob: dt.date | None = None
    expected_dob: dt.date | None = None
    sex: str = ""  # M, F, U
    upn: str = ""
    former_upn: str = ""
    upn_unknown: str = ""
    ethnicity: str = ""
    disabilities: list[str] = field(default_factory=list)
    uasc: bool = False
    uasc_ended_on: dt.date | None = None
    is_mother: bool | None = None
    first_child_born_on: dt.date | None = None
    registration_key: str = ""  # the record holding the characteristics (to fix them there)
    identity_key: str = ""  # the latest record naming the child (to fix a name, a date of birth, a sex, a UPN)
    cases: list[CaseState] = field(default_factory=list)
    records: dict[str, CaseworkRecord] = field(default_factory=dict)
    unplaced: dict[str, str] = field(default_factory=dict)  # record key → why the fold could not place it
    reviews: list[CaseworkRecord] = field(default_factory=list)
    missing: list[CaseworkRecord] = field(default_factory=list)
    care_leaver: list[CaseworkRecord] = field(default_factory=list)
    outcomes: list[CaseworkRecord] = field(default_factory=list)
    adoption: list[CaseworkRecord] = field(default_factory=list)
    workers: list[CaseworkRecord] = field(default_factory=list)
    early_help: list[CaseworkRecord] = field(default_factory=list)  # read only for Annex A (early_help=True)
    iro_contacts: list[CaseworkRecord] = field(default_factory=list)  # likewise

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip() or "Unnamed child"

    def cin_cases(self, year: Year) -> list[CaseState]:
        """Episodes of need open at some time in the year (the CIN census)."""
        return [c for c in self.cases if year.overlaps(c.opened_on, c.closed_on)]

    def episodes(self) -> list[CareEpisode]:
        return sorted((e for c in self.cases for e in c.episodes), key=lambda e: (e.started_on, e.key))

    def looked_after_in(self, year: Year) -> bool:
        return any(year.overlaps(e.started_on, e.ended_on) for e in self.episodes())

    def plan_on(self, day: dt.date) -> ProtectionPlan | None:
        for case in self.cases:
            for plan in case.protection_plans:
                if plan.started_on <= day and (plan.ended_on is None or plan.ended_on > day):
                    return plan
        return None


# --- reading -----------------------------------------------------------------------------------------------


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a return is read and made. Reading an authority's records
    makes millions of short-lived containers, and the collector would walk them (and the growing facts) again and
    again: a third of the time. Objects are still freed by reference counting as they go; only cycles wait for
    the collector, which runs again afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def people_in_year(year: Year) -> list:
    """Children with a case open at some time in the year, or a looked-after extra in or after it (a care
    leaver's contact, say): everyone either return may need."""
    cases = Case.objects.filter(opened_on__lte=year.end).exclude(closed_on__lt=year.start)
    ids = set(cases.values_list("person_id", flat=True))
    ids.update(Mention.objects.filter(
        withdrawn=False, role__in=CHILD_ROLES, record__kind__in=EXTRA_KINDS - {"person_registration"},
        record__agency__kind=AgencyKind.CHILDRENS_SOCIAL_CARE, link__person__isnull=False,
        occurred_on__lte=year.end,
    ).exclude(occurred_on__lt=year.start - dt.timedelta(days=366)).values_list("link__person_id", flat=True))
    return sorted(ids, key=str)


def people_looked_after_in_year(year: Year) -> list:
    """Of `people_in_year`, the children the SSDA903 may hold: a looked-after episode record open at some time in
    the year (or one whose end comes before its start, which the fold leaves open), or a care leaver's contact
    within three months of the year (`ssda903._care_leaver_contact`). The 903 leaves everyone else out, so their
    records are not read."""
    mine = Mention.objects.filter(withdrawn=False, role__in=CHILD_ROLES, link__person__isnull=False,
                                  record__agency__kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    episodes = mine.filter(record__kind="looked_after_episode", record__occurred_on__lte=year.end).exclude(
        record__ended_on__lt=year.start, record__ended_on__gte=F("record__occurred_on"))
    margin = dt.timedelta(days=93)  # 92 days around a birthday, and a day for a time's UTC date
    leavers = mine.filter(record__kind="care_leaver_contact", occurred_on__gte=year.start - margin,
                          occurred_on__lte=year.end + margin)
    wanted = set(episodes.values_list("link__person_id", flat=True))
    wanted.update(leavers.values_list("link__person_id", flat=True))
    return [p for p in people_in_year(year) if p in wanted]


def _identities(person_ids: list, kinds=RETURN_KINDS) -> dict[object, list[dict]]:
    """The child's children's social care mentions, the latest first. Early help assessments name the child only
    when nothing else does (a child known to early help alone), so the child is named as the census names them."""
    out: dict[object, list[dict]] = defaultdict(list)
    rows = Mention.objects.filter(  # by the links' person index first, as casework.projection reads them
        id__in=MentionLink.objects.filter(person_id__in=person_ids).values("mention_id"),
        withdrawn=False, role__in=CHILD_ROLES, record__kind__in=kinds, agency_id__in=childrens_social_care_ids(),
    ).values("link__person_id", "local_person_id", "given_name", "family_name", "dob", "expected_due_on", "sex",
             "upn", "occurred_on", "record__agency__code", "record__source_record_id", "record__kind", "id")
    for row in rows:
        out[row["link__person_id"]].append(row)
    for person_id, rows_ in out.items():
        rows_.sort(key=lambda r: (r["occurred_on"], r["id"]), reverse=True)
        out[person_id] = [r for r in rows_ if r["record__kind"] != EARLY_HELP_KIND] or rows_
    return out


def _first(rows: list[dict], key: str):
    return next((r[key] for r in rows if r[key]), None)


def _la_child_id(rows: list[dict], person_id) -> str:
    """The authority's id for the child, as the returns allow it (at most 20 letters and digits), else one made
    from joinedup's id for the child."""
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        if r["local_person_id"]:
            counts[r["local_person_id"]] += 1
    for local in sorted(counts, key=lambda k: (-counts[k], k)):
        cleaned = _ALNUM.sub("", local)
        if 0 < len(cleaned) <= 20:
            return cleaned
    return f"JU{person_id.hex[:16].upper()}"


_SEX = {"female": "F", "male": "M"}


def _date(value) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def facts_for(person_ids: Iterable, *, progress: Progress | None = None, visits: bool = True,
              early_help: bool = False) -> Iterator[ChildFacts]:
    """Each child's facts, reading in chunks. `visits=False`: without the social work visits (about half of a
    looked-after child's or a child on a plan's records), which only Annex A and the dashboards read; the cases,
    plans, episodes and the child's identity are the same either way. `early_help=True` (Annex A): with the
    child's early help assessments too (a child known to early help alone is named from them), and their
    independent reviewing officer's contacts between reviews."""
    ids = list(person_ids)
    clocks = clocks_from_settings()
    kinds = RETURN_KINDS if visits else RETURN_KINDS - {"visit"}
    identity_kinds = RETURN_KINDS
    if early_help:
        kinds, identity_kinds = kinds | {EARLY_HELP_KIND, IRO_CONTACT_KIND}, RETURN_KINDS | {EARLY_HELP_KIND}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        records = casework_records(chunk, kinds=kinds)
        identities = _identities(chunk, identity_kinds)
        for person_id in chunk:
            yield _facts(person_id, records.get(person_id, []), identities.get(person_id, []), clocks)
        if progress is not None and len(ids) > CHUNK:
            progress(f"Returns: read {min(start + CHUNK, len(ids)):,} of {len(ids):,} children")


def _facts(person_id, records: list[CaseworkRecord], identity: list[dict], clocks) -> ChildFacts:
    f = ChildFacts(person_id=person_id)
    f.la_child_id = _la_child_id(identity, person_id)
    if identity:
        f.identity_key = f"{identity[0]['record__agency__code']}:{identity[0]['record__source_record_id']}"
    f.given_name = _first(identity, "given_name") or ""
    f.family_name = _first(identity, "family_name") or ""
    f.dob = _first(identity, "dob")
    f.expected_dob = _first(identity, "expected_due_on") if f.dob is None else None
    f.sex = "U" if f.dob is None else _SEX.get(_first(identity, "sex") or "", "U")
    f.upn = _first(identity, "upn") or ""
    f.records = {r.key: r for r in records}
    casework = [r for r in records if r.kind in CASEWORK_KINDS]
    extras: dict[str, list[CaseworkRecord]] = defaultdict(list)
    for r in records:
        if r.kind in EXTRA_KINDS:
            extras[r.kind].append(r)
    for group in extras.values():
        group.sort(key=lambda r: (r.occurred_on, r.recorded_at, r.key))
    registrations = extras.get("person_registration", [])
    if registrations:
        latest = registrations[-1]
        d = latest.detail
        f.registration_key = latest.key
        f.ethnicity = str(d.get("ethnicity") or "")
        f.disabilities = [str(x) for x in d.get("disabilities") or []]
        f.upn_unknown = str(d.get("upn_unknown_reason") or "")
        f.former_upn = str(d.get("former_upn") or "")
        f.uasc = d.get("uasc") is True
        f.uasc_ended_on = _date(d.get("uasc_ended_on"))
        f.is_mother = d.get("is_mother") if isinstance(d.get("is_mother"), bool) else None
        f.first_child_born_on = _date(d.get("first_child_born_on"))
    f.reviews = extras.get("looked_after_review", [])
    f.missing = extras.get("missing_episode", [])
    f.care_leaver = extras.get("care_leaver_contact", [])
    f.outcomes = extras.get("looked_after_outcomes", [])
    f.adoption = extras.get("adoption_decision", [])
    f.workers = extras.get("worker_allocation", [])
    f.early_help = sorted((r for r in records if r.kind == EARLY_HELP_KIND),
                          key=lambda r: (r.occurred_on, r.recorded_at, r.key))
    f.iro_contacts = sorted((r for r in records if r.kind == IRO_CONTACT_KIND),
                            key=lambda r: (r.occurred_on, r.recorded_at, r.key))
    cw = fold(casework, clocks=clocks)
    f.cases = cw.cases
    for issue in cw.issues:
        record = f.records.get(issue.key)
        if record is not None and _place(f, record):
            f.unplaced[issue.key] = issue.sentence
    for case in f.cases:
        case.episodes.sort(key=lambda e: (e.started_on, e.key))
    return f


# --- adopters (Annex A list 11) ----------------------------------------------------------------------------


@dataclass
class AdopterFacts:
    """One adopter's journey with the adoption agency: the current version of its `adopter_journey` record."""

    person_id: object | None  # joinedup's person, when the adopter's mention is linked
    adopter_id: str  # the agency's id for the adopter (the applicant mention's local person id)
    sex: str  # F, M, U
    record: CaseworkRecord

    @property
    def family_id(self) -> str:
        return str(self.record.detail.get("family_id") or "")

    def day(self, key: str) -> dt.date | None:
        return _date(self.record.detail.get(key))

    @property
    def finished_on(self) -> dt.date | None:
        """When the journey ended: the adopter left the process, or the adoption order was made (the earlier)."""
        ends = [d for d in (self.record.ended_on, self.day("adoption_order_on")) if d is not None]
        return min(ends, default=None)


def adopter_journeys(start: dt.date, end: dt.date) -> list[AdopterFacts]:
    """Every adopter in contact with a children's social care agency's adoption service at some time from `start`
    to `end`: the enquiry on or before `end`, the journey not finished (left, or an adoption order) before
    `start`. Finished is judged by what the records said on `end`: a later step is not known then."""
    rows = Mention.objects.filter(
        withdrawn=False, role="applicant", record__kind=ADOPTER_KIND, agency_id__in=childrens_social_care_ids(),
        record__occurred_on__lte=end,
    ).values_list("record_id", "local_person_id", "sex", "link__person_id", "record__current__payload")
    out: list[AdopterFacts] = []
    seen: set = set()
    for record_pk, local_id, sex, person_id, payload in rows.order_by("record_id", "id"):
        if record_pk in seen:
            continue  # one row per record: its first applicant (the format allows one)
        seen.add(record_pk)
        adopter = AdopterFacts(person_id, local_id, _SEX.get(sex, "U"),
                               CaseworkRecord.from_payload(payload, record_pk=record_pk))
        finished = adopter.finished_on
        if adopter.record.occurred_on > end or (finished is not None and finished < start):
            continue
        out.append(adopter)
    return sorted(out, key=lambda a: (a.family_id, a.adopter_id, a.record.occurred_on, a.record.key))


# --- records the fold could not place ---------------------------------------------------------------------


def _case_at(f: ChildFacts, r: CaseworkRecord) -> CaseState | None:
    """The case an unplaced record says it belongs to: the one it names, else the one open on its day, else the
    latest opened before it."""
    case_id = str(r.detail.get("case_id") or "")
    mine = [c for c in f.cases if c.agency == r.agency]
    if case_id:
        named = next((c for c in mine if c.case_ref == case_id), None)
        if named is not None:
            return named
    day = r.occurred_on
    open_then = [c for c in mine if c.opened_on <= day and (c.closed_on is None or c.closed_on >= day)]
    if open_then:
        return open_then[-1]
    before = [c for c in mine if c.opened_on <= day]
    return before[-1] if before else None


def _place(f: ChildFacts, r: CaseworkRecord) -> bool:
    """Put a record the fold refused where it says it belongs, as it says it; False when it has no place."""
    d = r.detail
    if r.kind == "referral":
        case_ref = str(d.get("case_id") or r.source_record_id)
        f.cases.append(CaseState(
            key=f"{r.agency}:{case_ref}#unplaced", agency=r.agency, case_ref=case_ref, referral_key=r.key,
            opened_on=r.occurred_on, referral_record_pk=r.record_pk, source_code=str(d.get("source_code") or ""),
            primary_need=str(d.get("primary_need") or ""), route=str(d.get("route") or ""),
            nfa=d.get("nfa") is True or str(d.get("nfa")).lower() == "true",
        ))
        f.cases.sort(key=lambda c: c.opened_on)
        return True
    case = _case_at(f, r)
    if case is None:
        return False
    if r.kind == "case_closure":
        if not case.is_open:
            return False
        case.closed_on, case.closure_reason, case.closure_key = r.occurred_on, str(d.get("reason") or ""), r.key
    elif r.kind == "assessment":
        authorised = _date(d.get("authorised_on")) or r.ended_on
        case.assessments.append(Assessment(r.key, r.occurred_on, authorised, [str(x) for x in d.get("factors") or []],
                                           str(d.get("outcome") or "")))
    elif r.kind == "section47_enquiry":
        needed = d.get("conference_needed")
        case.enquiries.append(Enquiry(r.key, r.occurred_on, completed_on=r.ended_on, outcome=str(d.get("outcome") or ""),
                                      conference_needed=needed if isinstance(needed, bool) else None))
    elif r.kind == "conference":
        kind = str(d.get("conference_type") or {"icpc": "initial", "rcpc": "review"}.get(str(d.get("code")), ""))
        if kind == "review":
            plan = next((p for p in reversed(case.protection_plans) if p.started_on <= r.occurred_on), None)
            if plan is None:
                return False
            plan.reviews.append(r.occurred_on)
        else:
            enquiry = next((q for q in reversed(case.enquiries) if not q.icpc_key and q.started_on <= r.occurred_on),
                           None)
            if enquiry is not None:
                enquiry.icpc_key = r.key
            case.conferences.append(Conference(r.key, r.occurred_on, "initial", str(d.get("outcome") or ""),
                                               str(d.get("category") or "")))
    elif r.kind == "cp_plan":
        initial = str(d.get("initial_category") or d.get("category") or "")
        plan = ProtectionPlan(r.key, r.occurred_on, r.ended_on, "", [CategoryChange(r.occurred_on, initial, r.key)],
                              previous_plans=sum(len(c.protection_plans) for c in f.cases))
        latest = str(d.get("category") or "")
        if latest and latest != initial:
            plan.categories.append(CategoryChange(None, latest, r.key))
        case.protection_plans.append(plan)
    elif r.kind == "cin_plan":
        case.need_plans.append(NeedPlan(r.key, r.occurred_on, r.ended_on))
    elif r.kind == "looked_after_episode":
        case.episodes.append(CareEpisode(
            r.key, r.occurred_on, r.ended_on, legal_status=str(d.get("legal_status") or ""),
            reason_new_episode=str(d.get("reason_new_episode") or ""), placement_type=str(d.get("placement_type") or ""),
            placement_provider=str(d.get("placement_provider") or ""),
            placement_postcode=str(d.get("placement_postcode") or ""), reason_ended=str(d.get("reason_ended") or ""),
            category_of_need=str(d.get("category_of_need") or ""),
        ))
    else:
        return False
    return True


# --- shared counts (the dashboards use the same source) ---------------------------------------------------


def children_on_plan(facts: Iterable[ChildFacts], day: dt.date) -> int:
    """How many children were on a child protection plan on `day` (started on or before it, not ended by it)."""
    return sum(1 for f in facts if f.plan_on(day) is not None)
