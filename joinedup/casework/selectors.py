"""Casework reads: current allocation, whom a partner should call, a worker's notices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, Q, QuerySet

from joinedup.access.sealing import is_sealed_for, sealed_person_ids
from joinedup.accounts.models import Team, User
from joinedup.casework.lifecycle import Issue  # noqa: F401 - re-exported for screens
from joinedup.casework.models import Allocation, Case, CaseworkIssue, Contact, Notice
from joinedup.casework.projection import case_uuid, casework_of
from joinedup.casework.relationships import (
    may_decide_contact,
    may_make_referral,
    may_record_case_step,
    may_view_case,
    may_view_front_door,
    may_view_placement_address,
)
from joinedup.casework.services import front_door_team
from joinedup.casework.state import CaseState, ContactState
from joinedup.core.time import utc_now
from joinedup.people.models import Person


def current_allocation(*, person) -> Allocation | None:
    return (Allocation.objects.filter(person=person, ended_at__isnull=True)
            .select_related("worker", "worker__team", "team").first())


@dataclass(frozen=True)
class WhomToCall:
    """Whom a partner should call about a child."""

    worker: User | None
    team: Team | None

    @property
    def phone(self) -> str:
        if self.worker is not None and self.worker.phone:
            return self.worker.phone
        return self.team.phone if self.team is not None else ""


def contact_for(*, person, responsible_agency_id) -> WhomToCall:
    """The allocated worker (and their team); with nobody allocated, the responsible authority's front door."""
    allocation = current_allocation(person=person)
    if allocation is not None:
        return WhomToCall(allocation.worker, allocation.team or allocation.worker.team)
    if responsible_agency_id is None:
        return WhomToCall(None, None)
    return WhomToCall(None, front_door_team(responsible_agency_id))


def notices_for(*, viewer) -> QuerySet[Notice]:
    """The viewer's own notices and their team's (the front door's unallocated ones)."""
    q = Q(recipient=viewer)
    if viewer.team_id:
        q |= Q(team_id=viewer.team_id)
    return Notice.objects.filter(q).select_related("person")


# --- casework (issue 12): every read takes the viewer and returns only what they may see ----------------------


@dataclass(frozen=True)
class Holding:
    """What one agency holds on a child: how many records, over which period, of which kinds."""

    agency_name: str
    agency_kind: str
    records: int
    first_on: dt.date
    last_on: dt.date
    kinds: tuple[str, ...]


def partner_holdings(*, person) -> list[Holding]:
    """Every agency's records naming the child (current, not withdrawn), most recent first."""
    from joinedup.chronology.kinds import kind_info
    from joinedup.ingest.models import Mention

    rows = (Mention.objects.filter(link__person=person, withdrawn=False)
            .values("agency__name", "agency__kind", "record__kind")
            .annotate(n=Count("record_id", distinct=True), first=Min("record__occurred_on"),
                      last=Max("record__occurred_on")))
    by_agency: dict[tuple[str, str], list] = {}
    for row in rows:
        by_agency.setdefault((row["agency__name"], row["agency__kind"]), []).append(row)
    out = []
    for (name, kind), kinds in by_agency.items():
        kinds.sort(key=lambda r: -r["n"])
        out.append(Holding(name, kind, sum(r["n"] for r in kinds), min(r["first"] for r in kinds),
                           max(r["last"] for r in kinds), tuple(kind_info(r["record__kind"]).label for r in kinds[:3])))
    return sorted(out, key=lambda h: h.last_on, reverse=True)


def front_door_queue(*, viewer, rag: str = "", overdue: bool = False, now: dt.datetime | None = None):
    """Open contacts at the viewer's authority, the most urgent clock first (overdue ones lead); None when the
    viewer may not see the queue."""
    if not may_view_front_door(viewer):
        return None
    contacts = Contact.objects.filter(agency_id=viewer.agency_id, is_open=True).exclude(
        person_id__in=sealed_person_ids(viewer))  # a sealed child is left out of every list (access.sealing)
    if rag in ("red", "amber", "green"):
        contacts = contacts.filter(rag=rag)
    elif rag == "unrated":
        contacts = contacts.filter(rag="")
    if overdue:
        contacts = contacts.filter(next_due_at__lt=now or utc_now())
    return contacts.select_related("person").order_by("next_due_at", "received_at", "id")


def front_door_counts(*, viewer, now: dt.datetime | None = None) -> dict[str, int]:
    """How many contacts are open, overdue, and at each rating (for the queue's summary)."""
    if not may_view_front_door(viewer):
        return {}
    open_ = Contact.objects.filter(agency_id=viewer.agency_id, is_open=True)
    counts = dict(open_.values("rag").annotate(n=Count("id")).values_list("rag", "n"))
    return {
        "open": sum(counts.values()),
        "overdue": open_.filter(next_due_at__lt=now or utc_now()).count(),
        "red": counts.get("red", 0), "amber": counts.get("amber", 0), "green": counts.get("green", 0),
        "unrated": counts.get("", 0),
    }


@dataclass
class ContactView:
    row: Contact
    state: ContactState
    person: Person
    case: Case | None
    holdings: list[Holding]
    may_decide: bool


def contact_for_viewer(*, viewer, record_pk: int) -> ContactView | None:
    """One contact with its clocks and what partners hold on the child; None unless the viewer works the front
    door (or the child's case) at that authority, or made it."""
    row = (Contact.objects.filter(record_id=record_pk).select_related("person", "case", "agency")
           .order_by("id").first())
    if row is None or is_sealed_for(viewer, row.person_id):
        return None
    allowed = (
        (may_view_front_door(viewer) and viewer.agency_id == row.agency_id)
        or (viewer.agency_id == row.agency_id and may_view_case(viewer, row.person))
    )
    if not allowed:
        return None
    state = casework_of(row.person).contact(f"{row.agency.code}:{row.record.source_record_id}")
    if state is None:
        return None
    return ContactView(row, state, row.person, row.case, partner_holdings(person=row.person),
                       may_decide_contact(viewer) and viewer.agency_id == row.agency_id)


@dataclass
class CaseView:
    row: Case
    state: CaseState
    person: Person
    contacts: list[ContactState]
    issues: list[CaseworkIssue]
    may_record: bool
    shows_placement_address: bool
    steps: list = field(default_factory=list)


def case_person_for(*, viewer, case_id) -> Person | None:
    """The child of a case at the viewer's authority, if the viewer may see the case; else None."""
    row = Case.objects.filter(pk=case_id).select_related("person").first()
    if row is None or viewer.agency_id != row.agency_id or not may_view_case(viewer, row.person):
        return None
    return row.person


def case_for_viewer(*, viewer, case_id) -> CaseView | None:
    """One case as its child's records make it now; None unless the viewer has a relationship to the child."""
    from joinedup.casework.services import next_steps

    row = Case.objects.filter(pk=case_id).select_related("person", "agency").first()
    if row is None or viewer.agency_id != row.agency_id or not may_view_case(viewer, row.person):
        return None
    cw = casework_of(row.person)
    state = next((c for c in cw.cases if case_uuid(c.key) == row.pk), None)
    if state is None:
        return None
    contacts = [c for c in cw.contacts if c.case_key == state.key]
    may_record = may_record_case_step(viewer, row.person)
    return CaseView(
        row=row, state=state, person=row.person, contacts=contacts,
        issues=list(CaseworkIssue.objects.filter(person=row.person, agency_id=row.agency_id).order_by("occurred_on")),
        may_record=may_record, shows_placement_address=may_view_placement_address(viewer, row.person),
        steps=next_steps(state) if may_record else [],
    )


def cases_of_person(*, viewer, person) -> list[Case]:
    """The child's cases at the viewer's authority, newest first (empty without a relationship)."""
    if not may_view_case(viewer, person):
        return []
    return list(Case.objects.filter(person=person, agency_id=viewer.agency_id).order_by("-opened_on"))


def referrals_made_by(*, viewer):
    """Contacts the viewer made in joinedup (a partner's referrals), newest first, with their outcome."""
    if not may_make_referral(viewer):
        return None
    return (Contact.objects.filter(referrer=viewer).exclude(person_id__in=sealed_person_ids(viewer))
            .select_related("person", "agency").order_by("-received_at"))
