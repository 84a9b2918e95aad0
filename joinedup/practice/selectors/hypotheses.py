"""Reads of a child's working hypotheses and categories of concern (issue 13), for a viewer.

A hypothesis is what a worker thinks may be happening, held open against the evidence: one `hypothesis`
record of the authority per hypothesis, a new version at every revision (statement, status, the chronology
entries for and against it, why it was revised). The child's categories of concern are one `concern_category`
record per child and authority, a new version at every change. Nothing is overwritten: every earlier version
is read back from the record's `SourceRecordVersion`s, newest first.

Evidence is named by chronology entry (`"<agency>:<source record id>"`) and resolved here against the child's
chronology as it is now (date, agency, what happened, a link to the record); an entry no longer in the child's
chronology (a record re-linked to someone else) is shown as such, never silently dropped.

Every function that returns personal data takes the viewer and returns None when they may not see it
(`practice.relationships.may_read_child_practice`); callers answer 404.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from joinedup.chronology.events import Event
from joinedup.chronology.kinds import kind_info
from joinedup.chronology.restriction import restrict_events
from joinedup.chronology.selectors import events_for_people
from joinedup.ingest.models import Mention, SourceRecord, SourceRecordVersion
from joinedup.people.models import Person
from joinedup.practice.relationships import may_read_child_practice, may_write_hypothesis

HYPOTHESIS_STATUSES: dict[str, str] = {
    "open": "Open", "supported": "Supported by the evidence", "refuted": "Refuted", "withdrawn": "Withdrawn",
}
STATUS_TAGS = {"open": "govuk-tag--blue", "supported": "govuk-tag--orange", "refuted": "govuk-tag--grey",
               "withdrawn": "govuk-tag--grey"}
CATEGORIES: dict[str, str] = {
    "neglect": "Neglect", "physical_abuse": "Physical abuse", "emotional_abuse": "Emotional abuse",
    "sexual_abuse": "Sexual abuse", "domestic_abuse": "Domestic abuse",
    "criminal_exploitation": "Criminal exploitation", "sexual_exploitation": "Sexual exploitation",
    "parental_mental_health": "Parental mental health", "parental_substance_misuse": "Parental substance misuse",
    "online_harm": "Online harm", "radicalisation": "Radicalisation", "other": "Other",
}
PRACTICE_KINDS = frozenset({"hypothesis", "concern_category"})  # not evidence for a hypothesis
EVIDENCE_SHOWN = 60  # chronology entries offered as evidence at once (newest first; filters reach the rest)


# --- the records --------------------------------------------------------------------------------------------


def _ids_of(person: Person) -> list:
    return [person.pk, *Person.objects.filter(merged_into=person).values_list("pk", flat=True)]


def child_practice_records(person: Person, kind: str) -> list[SourceRecord]:
    """The records of `kind` naming the child as their subject (current versions), oldest first. No viewer
    check: for the services and the selectors below."""
    chosen = Mention.objects.filter(link__person_id__in=_ids_of(person), withdrawn=False, role="subject",
                                    record__kind=kind).values("record_id")
    return list(SourceRecord.objects.filter(pk__in=chosen).select_related("agency", "current")
                .order_by("recorded_at", "pk"))


def category_record(person: Person, agency_id) -> SourceRecord | None:
    """The child's categories of concern at one authority: its `concern_category` record (the latest, should a
    case system have sent more than one)."""
    records = [r for r in child_practice_records(person, "concern_category") if r.agency_id == agency_id]
    return records[-1] if records else None


def evidence_events(person: Person) -> dict[str, Event]:
    """The child's own chronology entries that can be evidence, by key (`"<agency>:<source record id>"`)."""
    events = events_for_people({person.pk: person.display_name})
    return {e.key: e for e in events if e.kind not in PRACTICE_KINDS}


def _versions(records: list[SourceRecord]) -> dict[int, list[dict]]:
    """Every version's payload of each record, newest first (one query)."""
    out: dict[int, list[dict]] = defaultdict(list)
    for record_id, payload in (SourceRecordVersion.objects.filter(record_id__in=[r.pk for r in records])
                               .order_by("record_id", "-sequence").values_list("record_id", "payload")):
        out[record_id].append(payload)
    return out


def _parse_dt(value: str) -> dt.datetime:
    out = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return out if out.tzinfo else out.replace(tzinfo=dt.UTC)


def _at(payload: dict) -> dt.datetime:
    return _parse_dt(payload.get("amended_at") or payload["recorded_at"])


# --- evidence ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceEntry:
    """A chronology entry named as evidence, as the chronology shows it now."""

    key: str
    found: bool
    record_pk: int | None = None
    occurred_at: dt.datetime | None = None
    has_time: bool = False
    agency_code: str = ""
    agency_name: str = ""
    kind: str = ""
    kind_label: str = ""
    summary: str = ""

    @classmethod
    def of(cls, key: str, events: dict[str, Event]) -> EvidenceEntry:
        e = events.get(key)
        if e is None:
            return cls(key=key, found=False, summary="No longer in this child's chronology")
        return cls(key=key, found=True, record_pk=e.record_pk, occurred_at=e.occurred_at, has_time=e.has_time,
                   agency_code=e.agency_code, agency_name=e.agency_name, kind=e.kind, kind_label=e.kind_label,
                   summary=e.summary)


def _entries(keys, events: dict[str, Event]) -> list[EvidenceEntry]:
    out = [EvidenceEntry.of(str(k), events) for k in keys or [] if isinstance(k, str)]
    return sorted(out, key=lambda x: (not x.found, x.occurred_at or dt.datetime.min.replace(tzinfo=dt.UTC)))


# --- hypotheses --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HypothesisRevision:
    """One version of a hypothesis: what it said then, on which evidence, and why it was revised."""

    version: int
    at: dt.datetime
    author_role: str
    statement: str
    status: str
    evidence_for: list[EvidenceEntry]
    evidence_against: list[EvidenceEntry]
    why: str

    @property
    def status_label(self) -> str:
        return HYPOTHESIS_STATUSES.get(self.status, self.status)

    @property
    def status_tag(self) -> str:
        return STATUS_TAGS.get(self.status, "")


@dataclass(frozen=True)
class HypothesisView:
    record_pk: int
    key: str
    written_at: dt.datetime
    revisions: list[HypothesisRevision]  # newest first; [0] is the current one
    may_revise: bool = False

    @property
    def current(self) -> HypothesisRevision:
        return self.revisions[0]

    @property
    def revision(self) -> int:
        """The version a revision is based on (a write naming another is a conflict)."""
        return self.current.version

    @property
    def is_active(self) -> bool:
        return self.current.status in ("open", "supported")


def _revision_of(payload: dict, events: dict[str, Event]) -> HypothesisRevision:
    d = payload.get("detail") or {}
    return HypothesisRevision(
        version=int(payload.get("version", 1)), at=_at(payload), author_role=str(d.get("author_role") or ""),
        statement=str(d.get("statement") or ""), status=str(d.get("status") or "open"),
        evidence_for=_entries(d.get("evidence_for"), events),
        evidence_against=_entries(d.get("evidence_against"), events), why=str(d.get("text") or ""))


def _hypotheses(person: Person, events: dict[str, Event], *, may_revise_agency=None) -> list[HypothesisView]:
    records = child_practice_records(person, "hypothesis")
    versions = _versions(records)
    out = []
    for r in records:
        payloads = versions.get(r.pk) or [r.current.payload]
        revisions = [_revision_of(p, events) for p in payloads]
        revisions.sort(key=lambda v: v.version, reverse=True)
        out.append(HypothesisView(
            record_pk=r.pk, key=f"{r.agency.code}:{r.source_record_id}", written_at=_parse_dt(
                payloads[-1]["recorded_at"]), revisions=revisions,
            may_revise=may_revise_agency is not None and r.agency_id == may_revise_agency
            and r.current.payload.get("source_system") == "joinedup"))
    # Those still held first, then those set aside; each group in the order written.
    out.sort(key=lambda h: (not h.is_active, h.written_at))
    return out


# --- categories --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategorySet:
    """The child's categories of concern from one change to the next, and why they changed."""

    version: int
    at: dt.datetime
    author_role: str
    categories: list[str]
    why: str

    @property
    def labels(self) -> list[str]:
        return [CATEGORIES.get(c, str(c).replace("_", " ").capitalize()) for c in self.categories]


@dataclass(frozen=True)
class Categories:
    record_pk: int | None
    history: list[CategorySet]  # newest first; [0] is the current set
    may_change: bool = False

    @property
    def current(self) -> CategorySet | None:
        return self.history[0] if self.history else None

    @property
    def revision(self) -> int:
        """The version a change is based on (0 before the first)."""
        return self.current.version if self.current else 0


def _categories(person: Person, agency_id, *, may_change: bool) -> Categories:
    record = category_record(person, agency_id)
    if record is None:
        return Categories(record_pk=None, history=[], may_change=may_change)
    history = []
    for p in _versions([record]).get(record.pk) or [record.current.payload]:
        d = p.get("detail") or {}
        cats = d.get("categories") or []
        history.append(CategorySet(version=int(p.get("version", 1)), at=_at(p),
                                   author_role=str(d.get("author_role") or ""),
                                   categories=[str(c) for c in cats] if isinstance(cats, list) else [str(cats)],
                                   why=str(d.get("text") or "")))
    history.sort(key=lambda c: c.version, reverse=True)
    return Categories(record_pk=record.pk, history=history, may_change=may_change)


# --- what the screens and the API read -----------------------------------------------------------------------


@dataclass(frozen=True)
class ChildPractice:
    """A child's working hypotheses (side by side, each with its history) and categories of concern."""

    person: Person
    hypotheses: list[HypothesisView]
    categories: Categories
    may_write: bool
    events: dict[str, Event] = field(repr=False, default_factory=dict)

    @property
    def active(self) -> list[HypothesisView]:
        return [h for h in self.hypotheses if h.is_active]

    @property
    def set_aside(self) -> list[HypothesisView]:
        return [h for h in self.hypotheses if not h.is_active]


def _as_seen_by(viewer, events: dict[str, Event]) -> dict[str, Event]:
    """Evidence entries as the viewer may see them (field groups restricted: chronology.restriction)."""
    return dict(zip(events, restrict_events(events.values(), viewer=viewer), strict=True))


def _agency_of(viewer):
    return viewer.agency_id if getattr(viewer, "agency_id", None) else None


def child_hypotheses(*, viewer, person: Person) -> ChildPractice | None:
    """The child's hypotheses and categories, if the viewer works with the child's case."""
    if not may_read_child_practice(viewer, person):
        return None
    may_write = may_write_hypothesis(viewer, person)
    events = _as_seen_by(viewer, evidence_events(person))
    agency = _agency_of(viewer)
    return ChildPractice(
        person=person, hypotheses=_hypotheses(person, events, may_revise_agency=agency if may_write else None),
        categories=_categories(person, agency, may_change=may_write), may_write=may_write, events=events)


def hypothesis_for(*, viewer, person: Person, record_pk: int) -> HypothesisView | None:
    """One of the child's hypotheses with every revision, or None."""
    practice = child_hypotheses(viewer=viewer, person=person)
    if practice is None:
        return None
    return next((h for h in practice.hypotheses if h.record_pk == record_pk), None)


def categories_for(*, viewer, person: Person) -> Categories | None:
    """The child's categories of concern at the viewer's authority with every earlier set, or None."""
    if not may_read_child_practice(viewer, person):
        return None
    return _categories(person, _agency_of(viewer), may_change=may_write_hypothesis(viewer, person))


@dataclass(frozen=True)
class EvidenceChoices:
    """The chronology entries offered as evidence: newest first, filtered, with the chosen ones always listed."""

    entries: list[EvidenceEntry]
    total: int  # entries in the child's chronology that can be evidence
    matching: int  # of those, matching the filters
    agencies: list[tuple[str, str]]  # (code, name) to filter by
    kinds: list[tuple[str, str]]  # (kind, label) to filter by


def evidence_choices(*, viewer, person: Person, events: dict[str, Event] | None = None, agency: str = "",
                     kind: str = "", words: str = "", chosen=(), limit: int = EVIDENCE_SHOWN) -> EvidenceChoices | None:
    """What a worker may choose as evidence for or against a hypothesis about this child."""
    if not may_write_hypothesis(viewer, person):
        return None
    events = _as_seen_by(viewer, evidence_events(person)) if events is None else events
    newest = sorted(events.values(), key=lambda e: e.sort_key, reverse=True)
    terms = words.casefold().split()

    def keep(e: Event) -> bool:
        text = f"{e.agency_name} {e.kind_label} {e.summary} {e.occurred_on:%d/%m/%Y}".casefold()
        return ((not agency or e.agency_code == agency) and (not kind or e.kind == kind)
                and all(t in text for t in terms))

    matching = [e for e in newest if keep(e)]
    shown = {e.key for e in matching[:limit]} | {k for k in chosen if k in events}
    entries = [EvidenceEntry.of(e.key, events) for e in newest if e.key in shown]
    agencies = sorted({(e.agency_code, e.agency_name) for e in newest}, key=lambda a: a[1])
    kinds = sorted({(e.kind, kind_info(e.kind).label) for e in newest}, key=lambda k: k[1])
    return EvidenceChoices(entries=entries, total=len(newest), matching=len(matching), agencies=agencies,
                           kinds=kinds)
