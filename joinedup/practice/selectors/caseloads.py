"""Caseloads (issue 13): each worker's allocated children with an open case, weighted by the case's stage,
against their limit (`joinedup.practice.caseloads`); a worker's own caseload; what allocating a child would do.

Counted in the database from `Allocation` (current: not ended) and the casework projection's `Case` (open, at
the viewer's authority): one grouped query for every worker at once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count

from joinedup.access.sealing import sealed_person_ids
from joinedup.accounts.models import AgencyKind, Role, User
from joinedup.casework.clocks import clocks_from_settings
from joinedup.casework.models import Allocation, Case
from joinedup.casework.relationships import may_allocate
from joinedup.practice.caseloads import AllocationCheck, Caseload, allocation_check, caseload_of
from joinedup.practice.selectors.dashboard import Scope, dashboard_scope
from joinedup.practice.settings import practice_settings

ALLOCATED_ROLES = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER)  # whom `allocation_set` allocates children to


def stage_counts(agency_id, worker_ids) -> dict[object, dict[str, int]]:
    """{worker id: {stage: children}}: the children allocated to each worker now whose case at the authority is
    open, by the case's stage."""
    rows = (Case.objects.filter(agency_id=agency_id, is_open=True, person__allocations__ended_at__isnull=True,
                                person__allocations__worker_id__in=list(worker_ids))
            .order_by().values_list("person__allocations__worker_id", "stage")
            .annotate(n=Count("id")))  # a child has one open case at an authority (the rules of the road)
    out: dict[object, dict[str, int]] = defaultdict(dict)
    for worker_id, stage, n in rows:
        out[worker_id][stage] = n
    return out


def _caseloads(agency_id, workers: list[User]) -> list[Caseload]:
    policy = practice_settings()
    counts = stage_counts(agency_id, [w.pk for w in workers])
    return [caseload_of(w, counts.get(w.pk, {}), policy) for w in workers]


def caseloads_in(scope: Scope) -> list[Caseload]:
    """Every worker in the scope (social workers and team managers), heaviest first."""
    workers = list(scope.workers(ALLOCATED_ROLES).select_related("team").order_by("last_name", "first_name"))
    return sorted(_caseloads(scope.agency_id, workers), key=lambda c: -c.weighted)


def caseloads_for(*, viewer, team_id=None) -> tuple[Scope, list[Caseload]] | None:
    """Workers' caseloads against their limits: a team manager's team, or (head of service) the service or one
    team. None for anyone else."""
    scope = dashboard_scope(viewer=viewer, team_id=team_id)
    if scope is None:
        return None
    return scope, caseloads_in(scope)


@dataclass(frozen=True)
class MyChild:
    """A child allocated to the worker: their open case (if any), its next deadline, when last seen."""

    person_id: object
    name: str
    allocated_at: dt.datetime
    case_id: object | None
    stage: str
    next_due_on: dt.date | None
    next_due_label: str
    last_seen_on: dt.date | None
    weight: float
    overdue: bool


@dataclass(frozen=True)
class MyCaseload:
    caseload: Caseload
    children: list[MyChild]


def _in_social_care(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.agency_id is not None
                and user.agency.kind == AgencyKind.CHILDRENS_SOCIAL_CARE)


def my_caseload(*, viewer) -> MyCaseload | None:
    """The viewer's own allocated children (soonest deadline first) and caseload; social workers and team
    managers in children's social care only."""
    if not _in_social_care(viewer) or viewer.role not in ALLOCATED_ROLES:
        return None
    policy = practice_settings()
    today = dt.datetime.now(clocks_from_settings().tz).date()
    allocations = list(Allocation.objects.filter(worker=viewer, ended_at__isnull=True)
                       .exclude(person_id__in=sealed_person_ids(viewer)).select_related("person"))  # access.sealing
    cases = {c.person_id: c for c in Case.objects.filter(agency_id=viewer.agency_id, is_open=True,
                                                         person_id__in=[a.person_id for a in allocations])}
    children = []
    by_stage: dict[str, int] = defaultdict(int)
    for a in allocations:
        case = cases.get(a.person_id)
        if case is not None:
            by_stage[case.stage] += 1
        children.append(MyChild(
            person_id=a.person_id, name=a.person.display_name, allocated_at=a.started_at,
            case_id=case.pk if case else None, stage=case.stage if case else "",
            next_due_on=case.next_due_on if case else None, next_due_label=case.next_due_label if case else "",
            last_seen_on=case.last_seen_on if case else None, weight=policy.weight(case.stage) if case else 0.0,
            overdue=bool(case and case.next_due_on and case.next_due_on < today)))
    children.sort(key=lambda c: (c.next_due_on is None, c.next_due_on or dt.date.max, c.name))
    return MyCaseload(caseload_of(viewer, by_stage, policy), children)


def allocation_caseloads(*, viewer, workers) -> dict[object, Caseload] | None:
    """For the allocate screen: each worker's caseload now. None unless the viewer allocates."""
    if not may_allocate(viewer):
        return None
    return {c.worker.pk: c for c in _caseloads(viewer.agency_id, list(workers))}


def allocation_check_for(*, viewer, person, worker) -> AllocationCheck | None:
    """What allocating `person` to `worker` would do to the worker's caseload (past the limit: ask first).
    None unless the viewer allocates."""
    if not may_allocate(viewer):
        return None
    policy = practice_settings()
    before = _caseloads(viewer.agency_id, [worker])[0]
    stage = (Case.objects.filter(agency_id=viewer.agency_id, person=person, is_open=True)
             .values_list("stage", flat=True).first())
    mine = Allocation.objects.filter(person=person, ended_at__isnull=True, worker=worker).exists()
    return allocation_check(before, stage, policy, already_theirs=mine)
