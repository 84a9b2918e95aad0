"""Reading visits (issue 13): a child's visits in a case with its visit clocks, one visit, and what a worker has
due. Each takes the viewer and returns None (or []) when the viewer has no relationship to the child; callers
answer 404.

A case's visits come from the child's records folded afresh (the same fold that makes the clocks), so a visit
is shown with everything the worker wrote — who was there, the child's own words — and whether it opened an
accompanied revisit and whether that revisit has been met.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from joinedup.access.sealing import sealed_person_ids
from joinedup.accounts.models import Role
from joinedup.casework.clocks import clocks_from_settings
from joinedup.casework.lifecycle import fold
from joinedup.casework.models import Allocation, Case, CaseClock
from joinedup.casework.projection import case_uuid, casework_records
from joinedup.casework.state import CaseState, Clock
from joinedup.core.time import utc_now
from joinedup.ingest.models import SourceRecord
from joinedup.people.models import Person
from joinedup.practice.relationships import may_read_child_practice, may_record_visit
from joinedup.practice.services.visits import VISIT_TYPES, seen_alone_required_default

VISIT_CLOCKS = ("visit", "revisit")


@dataclass(frozen=True)
class VisitRow:
    """One visit as the worker recorded it, and the revisit it opened (if it did)."""

    key: str
    record_pk: int | None
    at: dt.datetime
    child_seen: bool | None
    seen_alone: bool | None
    seen_alone_required: bool
    visit_type: str
    location: str
    present: tuple[str, ...]
    not_seen_reason: str
    not_seen_alone_reason: str
    accompanied: bool
    child_words: str
    text: str
    author_role: str
    needs_revisit: bool
    revisit: Clock | None = None

    @property
    def visit_type_label(self) -> str:
        return VISIT_TYPES.get(self.visit_type, self.visit_type.replace("_", " ").capitalize())


@dataclass
class CaseVisits:
    """A case's visits (newest first) with its visit and revisit clocks, for the case's visit pages and the API."""

    row: Case
    state: CaseState
    person: Person
    visits: list[VisitRow]
    clocks: list[Clock]
    may_record: bool
    seen_alone_required_now: bool = False

    @property
    def revision(self) -> int:
        return self.state.revision

    def open_revisits(self) -> list[Clock]:
        return [c for c in self.clocks if c.kind == "revisit" and c.is_open()]

    def visit(self, record_pk: int) -> VisitRow | None:
        return next((v for v in self.visits if v.record_pk == record_pk), None)


def _bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "1"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "no", "0"):
        return False
    return None


def _present(value) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return (str(value),) if value not in (None, "") else ()


def case_visits_for(*, viewer, case_id, today: dt.date | None = None) -> CaseVisits | None:
    """The case's visits and visit clocks; None unless the viewer has a relationship to the child (and is of the
    case's authority)."""
    row = Case.objects.filter(pk=case_id).select_related("person", "agency").first()
    if row is None or viewer.agency_id != row.agency_id or not may_read_child_practice(viewer, row.person):
        return None
    records = casework_records([row.person_id]).get(row.person_id, [])
    state = next((c for c in fold(records, clocks=clocks_from_settings()).cases if case_uuid(c.key) == row.pk), None)
    if state is None:
        return None
    by_key = {r.key: r for r in records}
    revisits = {c.source_key: c for c in state.clocks if c.kind == "revisit"}
    rows = []
    for v in sorted(state.visits, key=lambda v: v.at, reverse=True):
        r = by_key.get(v.key)
        det = r.detail if r is not None else {}
        rows.append(VisitRow(
            key=v.key, record_pk=r.record_pk if r is not None else None, at=v.at, child_seen=v.seen,
            seen_alone=v.seen_alone, seen_alone_required=v.seen_alone_required, visit_type=v.visit_type,
            location=str(det.get("location") or ""), present=_present(det.get("present")),
            not_seen_reason=str(det.get("not_seen_reason") or ""),
            not_seen_alone_reason=str(det.get("not_seen_alone_reason") or ""),
            accompanied=bool(_bool(det.get("accompanied"))), child_words=str(det.get("child_words") or ""),
            text=str(det.get("text") or ""), author_role=str(det.get("author_role") or ""),
            needs_revisit=v.needs_revisit, revisit=revisits.get(v.key),
        ))
    day = today or utc_now().astimezone(clocks_from_settings().tz).date()
    return CaseVisits(
        row=row, state=state, person=row.person, visits=rows,
        clocks=[c for c in state.clocks if c.kind in VISIT_CLOCKS],
        may_record=state.is_open and may_record_visit(viewer, row.person),
        seen_alone_required_now=seen_alone_required_default(state, row.person.dob, day),
    )


@dataclass(frozen=True)
class DueVisit:
    """A visit a worker has due: the child, the case, what is due (a statutory visit or an accompanied revisit)
    and by when."""

    person: Person
    case_id: object
    kind: str
    label: str
    due_at: dt.datetime
    due_on: dt.date | None
    overdue: bool


def visits_due_for(*, viewer, now: dt.datetime | None = None) -> list[DueVisit] | None:
    """The open visit and revisit clocks of the children allocated to the viewer (a social worker), or, for a team
    manager, to anyone in their team; soonest due first (overdue ones lead). None for anyone else."""
    if viewer is None or not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return None
    allocations = Allocation.objects.filter(ended_at__isnull=True).exclude(person_id__in=sealed_person_ids(viewer))
    if viewer.role == Role.SOCIAL_WORKER:
        allocations = allocations.filter(worker=viewer)
    elif viewer.role == Role.TEAM_MANAGER:
        mine = Q(worker=viewer)
        if viewer.team_id is not None:
            mine |= Q(team_id=viewer.team_id) | Q(worker__team_id=viewer.team_id)
        allocations = allocations.filter(mine)
    else:
        return None
    now = now or utc_now()
    clocks = (CaseClock.objects.filter(person_id__in=allocations.values("person_id"), agency_id=viewer.agency_id,
                                       kind__in=VISIT_CLOCKS, met_at__isnull=True, stopped_at__isnull=True,
                                       case__is_open=True)
              .select_related("person").order_by("due_at", "id"))
    return [DueVisit(person=c.person, case_id=c.case_id, kind=c.kind, label=c.label, due_at=c.due_at, due_on=c.due_on,
                     overdue=c.due_at < now) for c in clocks]


@dataclass(frozen=True)
class VisitSummary:
    """A visit as the case page lists it: when, kind, seen, seen alone, and the record to open."""

    at: dt.datetime
    visit_type_label: str
    accompanied: bool
    seen: bool | None
    seen_alone: bool | None
    seen_alone_required: bool
    needs_revisit: bool
    record_pk: int | None


def visits_of_case(*, viewer, person, state: CaseState) -> list[VisitSummary]:
    """The case's visits, newest first, for the case page (the fold's visits, with their records' ids); empty
    without a relationship to the child."""
    if not state.visits or not may_read_child_practice(viewer, person):
        return []
    ids = {srid: pk for pk, srid in SourceRecord.objects.filter(
        agency__code=state.agency, source_record_id__in=[v.key.split(":", 1)[1] for v in state.visits],
    ).values_list("pk", "source_record_id")}
    return [VisitSummary(at=v.at, visit_type_label=VISIT_TYPES.get(v.visit_type, v.visit_type.replace("_", " ")),
                         accompanied=v.accompanied, seen=v.seen, seen_alone=v.seen_alone,
                         seen_alone_required=v.seen_alone_required, needs_revisit=v.needs_revisit,
                         record_pk=ids.get(v.key.split(":", 1)[1]))
            for v in sorted(state.visits, key=lambda v: v.at, reverse=True)]
