"""Reads for the performance team's page, the data-quality page and the dashboard's plan count; each takes the
viewer and answers None (the caller's 404) when the viewer may not see it.

**The data-quality page** lists the failures kept by the latest finished run of the CIN census and of the
SSDA903 at the viewer's authority (the validators run when a return is produced, not on each view): the
performance team sees every child, a team manager the children allocated to their team now — the same children as
their dashboard (`practice.selectors.dashboard.Scope`).

**Children on a plan on a day** is counted from the returns' query source (`returns.source`): each child with a
case open that day is read and folded as for the CIN census, and counted when a child protection plan is open at
the end of the day (`ChildFacts.plan_on`). The dashboard shows it on request, so a team manager or head of
service reads the census's own figure for 31 March (and a test holds the two equal).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q

from joinedup.access.policy import may_produce_returns, may_view_data_quality
from joinedup.access.sealing import sealed_person_ids
from joinedup.accounts.models import Role
from joinedup.casework.models import Allocation, Case
from joinedup.people.models import Person
from joinedup.practice.selectors.dashboard import Scope, dashboard_scope
from joinedup.returns.models import ReturnFailure, ReturnRun
from joinedup.returns.runs import is_stale
from joinedup.returns.source import children_on_plan, facts_for


def runs_for(*, viewer, limit: int = 20) -> list[ReturnRun] | None:
    if not may_produce_returns(viewer):
        return None
    return list(ReturnRun.objects.filter(agency_id=viewer.agency_id).select_related("started_by")
                .order_by("-started_at")[:limit])


def run_for(*, viewer, run_id) -> ReturnRun | None:
    if not may_produce_returns(viewer):
        return None
    return ReturnRun.objects.filter(pk=run_id, agency_id=viewer.agency_id).select_related("started_by").first()


def latest_runs(agency_id) -> dict[str, ReturnRun]:
    """The latest finished run of each return at the authority."""
    out = {}
    for kind in ReturnRun.Kind.values:
        run = (ReturnRun.objects.filter(agency_id=agency_id, kind=kind, status=ReturnRun.Status.DONE)
               .order_by("-finished_at").first())
        if run is not None:
            out[kind] = run
    return out


# --- data quality -----------------------------------------------------------------------------------------------


KIND_LABELS = {
    "referral": "Referral", "assessment": "Assessment", "section47_enquiry": "Section 47 enquiry",
    "strategy_discussion": "Strategy discussion", "conference": "Conference", "cp_plan": "Child protection plan",
    "cin_plan": "Child in need plan", "case_closure": "Case closure", "looked_after_episode": "Looked-after episode",
    "person_registration": "Child's details", "looked_after_review": "Looked-after review",
    "missing_episode": "Missing episode", "care_leaver_contact": "Care leaver contact",
    "looked_after_outcomes": "Outcomes (31 March)", "adoption_decision": "Adoption decision",
    "worker_allocation": "Social worker allocation", "csc_contact": "Contact", "visit": "Visit",
    "early_help_assessment": "Early help assessment", "adopter_journey": "Adopter's journey",
    "iro_contact": "IRO's visit or contact",
}


@dataclass(frozen=True)
class Row:
    failure: ReturnFailure
    name: str
    worker: str  # whom to ask (the allocated worker now)
    may_open: bool  # the viewer may open the record (a team manager, through their team)

    @property
    def record_label(self) -> str:
        kind = self.failure.record_kind
        label = KIND_LABELS.get(kind) or (kind.replace("_", " ").capitalize() if kind else "Record")
        return f"{label} {self.failure.record_key.partition(':')[2] or self.failure.record_key}"


@dataclass
class DataQuality:
    scope: Scope
    runs: dict[str, ReturnRun]
    rows: list[Row] = field(default_factory=list)
    on_plan: int | None = None  # children on a plan at 31 March in the latest census, in the scope
    census_year: int | None = None

    @property
    def children(self) -> int:
        return len({r.failure.person_id or r.failure.child_id for r in self.rows})

    def by_rule(self) -> list[tuple[str, str, str, int]]:
        """(return, rule, sentence, children) for each rule failed, most children first."""
        counts: dict[tuple[str, str, str], set] = {}
        for r in self.rows:
            key = (r.failure.run.kind, r.failure.rule, r.failure.sentence)
            counts.setdefault(key, set()).add(r.failure.person_id or r.failure.child_id)
        return sorted(((k[0], k[1], k[2], len(v)) for k, v in counts.items()), key=lambda x: (-x[3], x[0], x[1]))


def _scope(viewer) -> Scope | None:
    if not may_view_data_quality(viewer):
        return None
    if viewer.role == Role.TEAM_MANAGER:
        return dashboard_scope(viewer=viewer)
    return Scope(viewer.agency_id, viewer.agency.name, None)


def data_quality_for(*, viewer) -> DataQuality | None:
    """Every child failing a rule of the latest CIN census and SSDA903 runs, in the viewer's scope."""
    scope = _scope(viewer)
    if scope is None:
        return None
    runs = latest_runs(scope.agency_id)
    out = DataQuality(scope, runs)
    checked = [r.pk for k, r in runs.items() if k != ReturnRun.Kind.ANNEX_A]
    qs = ReturnFailure.objects.filter(run_id__in=checked).select_related("run")
    condition = scope.person_filter("person_id")
    if condition is not None:
        qs = qs.filter(condition)
    qs = qs.exclude(person_id__in=sealed_person_ids(None))
    failures = list(qs.order_by("child_id", "run__kind", "rule", "id"))
    ids = {f.person_id for f in failures if f.person_id}
    names = {p: f"{g} {fam}".strip() for p, g, fam in
             Person.objects.filter(pk__in=ids).values_list("pk", "given_name", "family_name")}
    workers = {p: f"{first} {last}".strip() or username for p, first, last, username in
               Allocation.objects.filter(person_id__in=ids, ended_at__isnull=True)
               .values_list("person_id", "worker__first_name", "worker__last_name", "worker__username")}
    may_open = viewer.role == Role.TEAM_MANAGER  # their team's children, through the team relationship
    out.rows = [Row(f, names.get(f.person_id) or "Unnamed child", workers.get(f.person_id, ""),
                    may_open and f.person_id is not None and f.record_pk is not None) for f in failures]
    census = runs.get(ReturnRun.Kind.CIN)
    if census is not None and "on_plan_ids" in census.summary:
        on_plan = set(census.summary["on_plan_ids"])
        if condition is not None:
            on_plan &= {str(p) for p in Person.objects.filter(pk__in=on_plan).filter(
                scope.person_filter("id")).values_list("pk", flat=True)}
        out.on_plan, out.census_year = len(on_plan), census.year
    return out


# --- children on a plan on a day (the dashboard) ----------------------------------------------------------------------


@dataclass(frozen=True)
class PlanCount:
    scope: Scope
    day: dt.date
    count: int
    person_ids: list


def people_with_case_open(day: dt.date, scope: Scope) -> list:
    """Children with a case at the authority open at the end of `day`, in the scope."""
    qs = scope.of_children(Case.objects.filter(opened_on__lte=day).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=day)))
    return sorted(set(qs.values_list("person_id", flat=True)), key=str)


def children_on_plan_for(*, viewer, day: dt.date, team_id=None) -> PlanCount | None:
    """How many of the dashboard's children were on a child protection plan at the end of `day`, counted from the
    returns' query source; None when the viewer may not see that dashboard."""
    scope = dashboard_scope(viewer=viewer, team_id=team_id)
    if scope is None:
        return None
    facts = [f for f in facts_for(people_with_case_open(day, scope)) if f.plan_on(day) is not None]
    return PlanCount(scope, day, children_on_plan(facts, day), [f.person_id for f in facts])


def run_state(run: ReturnRun) -> dict:
    """What the page's progress poll reads."""
    stale = is_stale(run)
    return {"status": "stopped" if stale else run.status, "progress": run.progress, "percent": run.percent,
            "done": run.status != ReturnRun.Status.RUNNING or stale}
