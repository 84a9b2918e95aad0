"""The managers' dashboard (issue 13): demand, timeliness against every clock, visits, children not seen,
supervision and unanswered concerns, for a team (its team manager) or the whole service (the head of service).

Every figure is counted in the database from the tables the screens and the statutory returns read — the
casework projection (`Contact`, `Case`, `CaseClock`, `Allocation`) and the practice tables
(`SupervisionSession`, `Concern`) — never from a copy, so a figure can be checked against the records.

**Weeks** are ISO weeks (Monday to Sunday) in England's time (`JOINEDUP_CASEWORK_CLOCKS["timezone"]`): the
current week, so far, and the twelve before it.

**On time or late is counted in the week a clock fell due** (its `due_at`; for a day clock, the end of its due
day). A clock met by its due moment is on time; met after it, or still not met once it has passed, is late (a
clock still open and due later is not counted yet); a clock stopped without being met before it fell due (the
case closed, the plan ended) is not counted. The same rule is used for every clock kind and for a concern's
response deadline, so each week's figures are final once the week is over, except that a late clock met later
stays late.

**A team's figures** are those of the children allocated to the team now (the allocation's team, or its
worker's team, as `casework.relationships` reads it) and, for the front-door team, the children allocated to
nobody; its workers are the team's members. The head of service sees the whole authority, or one team.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, DateTimeField, F, IntegerField, Max, Min, Q, QuerySet
from django.db.models.expressions import RawSQL

from joinedup.access.sealing import sealed_person_ids
from joinedup.accounts.models import Role, Team, User
from joinedup.casework.clocks import clocks_from_settings
from joinedup.casework.models import Allocation, Case, CaseClock, Contact
from joinedup.core.time import utc_now
from joinedup.practice.models import Concern, SupervisionSession
from joinedup.practice.relationships import may_view_service_dashboard, may_view_team_dashboard
from joinedup.practice.settings import practice_settings

WEEKS = 13
# Every clock, in the order of a case; then a concern's response deadline (counted the same way).
CLOCK_KINDS: tuple[tuple[str, str], ...] = (
    ("contact_decision", "Contact decisions (one working day)"),
    ("contact_rag", "Contacts decided within their rating's time"),
    ("assessment", "Assessments (45 working days)"),
    ("icpc", "Initial child protection conferences (15 working days)"),
    ("core_group", "First core groups (10 working days)"),
    ("review", "Review conferences"),
    ("visit", "Statutory visits"),
    ("revisit", "Accompanied revisits (child not seen)"),
)
CONCERN_KIND = ("concern", "Concerns answered (response deadline)")
TIMELINESS_KINDS = (*CLOCK_KINDS, CONCERN_KIND)
KIND_LABELS = dict(TIMELINESS_KINDS)
SEEN_STAGES = ("Child protection plan", "Looked after")
SUPERVISED_ROLES = (Role.SOCIAL_WORKER, Role.FRONT_DOOR, Role.TEAM_MANAGER)


# --- who sees what ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose figures: one team, or the whole service (team None)."""

    agency_id: object
    agency_name: str
    team: Team | None

    @property
    def is_service(self) -> bool:
        return self.team is None

    @property
    def name(self) -> str:
        return self.team.name if self.team is not None else f"{self.agency_name}: the whole service"

    def person_filter(self, path: str = "person_id") -> Q | None:
        """Who the team's figures are about, as a condition on `path` (a person id); None for the whole service."""
        if self.team is None:
            return None
        current = Allocation.objects.filter(ended_at__isnull=True)
        mine = current.filter(Q(team_id=self.team.pk) | Q(worker__team_id=self.team.pk)).values("person_id")
        condition = Q(**{f"{path}__in": mine})
        if self.team.is_front_door:  # the front door holds the children allocated to nobody
            condition |= ~Q(**{f"{path}__in": current.values("person_id")})
        return condition

    def of_children(self, qs: QuerySet, path: str = "person_id") -> QuerySet:
        """The rows of `qs` at the authority, about the scope's children."""
        qs = qs.filter(agency_id=self.agency_id)
        condition = self.person_filter(path)
        return qs if condition is None else qs.filter(condition)

    def workers(self, roles=SUPERVISED_ROLES) -> QuerySet:
        users = User.objects.filter(agency_id=self.agency_id, is_active=True, role__in=roles)
        return users.filter(team_id=self.team.pk) if self.team is not None else users


def dashboard_scope(*, viewer, team_id=None) -> Scope | None:
    """A team manager: their own team. A head of service: the whole service, or one of its teams. None for
    anyone else, or a team that is not theirs to see."""
    if not may_view_team_dashboard(viewer):
        return None
    agency = viewer.agency
    if may_view_service_dashboard(viewer):
        if not team_id:
            return Scope(agency.pk, agency.name, None)
        team = Team.objects.filter(pk=team_id, agency_id=agency.pk).first()
        return Scope(agency.pk, agency.name, team) if team is not None else None
    if viewer.team_id is None or (team_id and str(team_id) != str(viewer.team_id)):
        return None
    return Scope(agency.pk, agency.name, viewer.team)


def teams_of(*, viewer) -> list[Team]:
    """The teams a head of service may filter by (none for anyone else)."""
    if not may_view_service_dashboard(viewer):
        return []
    return list(Team.objects.filter(agency_id=viewer.agency_id, is_active=True).order_by("name"))


# --- weeks ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    start: dt.date  # a Monday

    @property
    def iso(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def label(self) -> str:
        return f"{self.start.day} {self.start:%b}"

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=6)


def weeks_to(today: dt.date, n: int = WEEKS) -> list[Week]:
    """The ISO week holding `today` and the n - 1 before it, oldest first."""
    monday = today - dt.timedelta(days=today.weekday())
    return [Week(monday - dt.timedelta(weeks=n - 1 - i)) for i in range(n)]


def _bucket(model, field_name: str, bounds: list) -> RawSQL:
    """SQL: the index of the week a value falls in (bounds: the n + 1 week starts, as dates or moments).

    Written as raw SQL (a CASE over the week starts, the same on SQLite and PostgreSQL) because Django takes
    longer to compile thirteen `When` lookups than the database takes to run them; the bounds are passed as the
    backend stores the field (SQLite keeps UTC text)."""
    field = model._meta.get_field(field_name)
    ops = connection.ops
    column = f"{ops.quote_name(model._meta.db_table)}.{ops.quote_name(field.column)}"
    adapt = ops.adapt_datetimefield_value if isinstance(field, DateTimeField) else ops.adapt_datefield_value
    sql = "CASE " + " ".join(f"WHEN {column} < %s THEN {i}" for i in range(len(bounds) - 1)) + " END"
    # Only our own quoted names and integers are in the SQL; the bounds are parameters.
    return RawSQL(sql, [adapt(b) for b in bounds[1:]], output_field=IntegerField())  # noqa: S611


def _weekly(qs: QuerySet, field_name: str, bounds: list, **counts) -> dict[int, dict]:
    """{week index: {name: count}} for rows with bounds[0] <= field < bounds[-1], grouped by week in the database."""
    rows = (qs.filter(**{f"{field_name}__gte": bounds[0], f"{field_name}__lt": bounds[-1]}).order_by()
            .annotate(week=_bucket(qs.model, field_name, bounds)).values("week").annotate(**counts))
    return {row.pop("week"): row for row in rows}


# --- the figures ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timeliness:
    on_time: int = 0
    late: int = 0

    @property
    def total(self) -> int:
        return self.on_time + self.late


@dataclass(frozen=True)
class NotSeen:
    """A child on a plan or looked after whom nobody has seen for the set number of days."""

    case_id: object
    person_id: object
    name: str
    stage: str
    last_seen_on: dt.date | None
    since: dt.date  # last seen, or (never seen in this case) when their visits became due
    days: int
    worker: str


@dataclass(frozen=True)
class SupervisionDue:
    worker_id: object
    name: str
    team: str
    newly_qualified: bool
    last_on: dt.date | None
    every_days: int
    due_on: dt.date
    today: dt.date

    @property
    def overdue(self) -> bool:
        return self.due_on < self.today

    @property
    def days_overdue(self) -> int:
        return max(0, (self.today - self.due_on).days)


@dataclass(frozen=True)
class ConcernOverdue:
    concern_id: object
    received_at: dt.datetime
    raised_by: str  # the kind of raiser, never who
    responder: str
    response_due_at: dt.datetime
    children: int
    days_overdue: int


@dataclass
class Dashboard:
    scope: Scope
    now: dt.datetime
    today: dt.date
    weeks: list[Week]
    contacts: list[int]
    referrals: list[int]
    timeliness: dict[str, list[Timeliness]]
    supervision_held: list[int]
    overdue_by_kind: dict[str, int]
    not_seen_days: int
    not_seen: list[NotSeen]
    supervision: list[SupervisionDue]
    concerns_overdue: list[ConcernOverdue]
    caseloads: list = field(default_factory=list)

    @property
    def supervision_overdue(self) -> list[SupervisionDue]:
        return [s for s in self.supervision if s.overdue]

    @property
    def overdue_total(self) -> int:
        return sum(self.overdue_by_kind.values())

    @property
    def over_limit(self) -> list:
        return [c for c in self.caseloads if c.over_limit]


def _series(found: dict[int, dict], name: str, n: int) -> list[int]:
    return [int(found.get(i, {}).get(name, 0) or 0) for i in range(n)]


def _timeliness(scope: Scope, bounds: list[dt.datetime], now: dt.datetime) -> dict[str, list[Timeliness]]:
    n = len(bounds) - 1
    met_on_time = Q(met_at__isnull=False, met_at__lte=F("due_at"))
    late = Q(met_at__gt=F("due_at")) | (Q(met_at__isnull=True, due_at__lt=now)
                                        & (Q(stopped_at__isnull=True) | Q(stopped_at__gt=F("due_at"))))
    rows = (scope.of_children(CaseClock.objects.filter(kind__in=[k for k, _ in CLOCK_KINDS]))
            .filter(due_at__gte=bounds[0], due_at__lt=bounds[-1]).order_by()
            .annotate(week=_bucket(CaseClock, "due_at", bounds)).values("kind", "week")
            .annotate(on_time=Count("id", filter=met_on_time), late=Count("id", filter=late)))
    out = {kind: [Timeliness() for _ in range(n)] for kind, _ in TIMELINESS_KINDS}
    for row in rows:
        out[row["kind"]][row["week"]] = Timeliness(row["on_time"], row["late"])
    answered = Q(responded_at__isnull=False, responded_at__lte=F("response_due_at"))
    unanswered_late = Q(responded_at__gt=F("response_due_at")) | Q(responded_at__isnull=True,
                                                                     response_due_at__lt=now)
    concerns = _weekly(_concerns(scope), "response_due_at", bounds, on_time=Count("id", filter=answered),
                       late=Count("id", filter=unanswered_late))
    for week, row in concerns.items():
        out[CONCERN_KIND[0]][week] = Timeliness(row["on_time"], row["late"])
    return out


def _concerns(scope: Scope) -> QuerySet:
    """The scope's concerns: a team's are those its members answer or about children allocated to it."""
    qs = Concern.objects.filter(agency_id=scope.agency_id)
    condition = scope.person_filter("children__id")
    if condition is None:
        return qs
    about = Concern.objects.filter(condition).values("id")
    return qs.filter(Q(responder__team_id=scope.team.pk) | Q(pk__in=about))


def _not_seen(scope: Scope, today: dt.date, days: int) -> list[NotSeen]:
    cutoff = today - dt.timedelta(days=days)
    cases = list(scope.of_children(Case.objects.filter(is_open=True, stage__in=SEEN_STAGES))
                 .exclude(person_id__in=sealed_person_ids(None))  # a sealed child is named to nobody (access.sealing)
                 .filter(Q(last_seen_on__lte=cutoff) | Q(last_seen_on__isnull=True)).order_by()
                 .values_list("pk", "person_id", "person__given_name", "person__family_name", "stage",
                              "last_seen_on", "opened_on"))
    # Never seen in this case: since their first visit clock started (the plan, or the placement), else the
    # referral.
    never = [c[0] for c in cases if c[5] is None]
    first_due = dict(CaseClock.objects.filter(case_id__in=never, kind="visit").order_by().values("case_id")
                     .annotate(first=Min("started_at")).values_list("case_id", "first")) if never else {}
    workers = {person: f"{first} {last}".strip() or username for person, first, last, username in
               Allocation.objects.filter(ended_at__isnull=True, person_id__in=[c[1] for c in cases])
               .values_list("person_id", "worker__first_name", "worker__last_name", "worker__username")}
    out = []
    for pk, person_id, given, family, stage, last_seen_on, opened_on in cases:
        started = first_due.get(pk)
        since = last_seen_on or (started.date() if started else opened_on)
        if since <= cutoff:
            out.append(NotSeen(pk, person_id, f"{given} {family}".strip() or "Unnamed person", stage, last_seen_on,
                               since, (today - since).days, workers.get(person_id, "")))
    return sorted(out, key=lambda r: (-r.days, r.name))


def _supervision(scope: Scope, today: dt.date) -> list[SupervisionDue]:
    policy = practice_settings()
    out = []
    for user in (scope.workers().select_related("team").annotate(last=Max("supervised_sessions__held_on"))
                 .order_by("last_name", "first_name")):
        every = policy.supervision_interval(user)
        start = user.last or user.date_joined.astimezone(clocks_from_settings().tz).date()
        out.append(SupervisionDue(user.pk, user.get_full_name() or user.username, user.team.name if user.team else "",
                                  user.newly_qualified, user.last, every, start + dt.timedelta(days=every), today))
    return out


def _concerns_overdue(scope: Scope, now: dt.datetime) -> list[ConcernOverdue]:
    rows = (_concerns(scope).filter(responded_at__isnull=True, response_due_at__lt=now)
            .select_related("responder").annotate(n_children=Count("children")).order_by("response_due_at"))
    return [ConcernOverdue(c.pk, c.received_at, c.get_raised_by_display(), c.responder.get_full_name()
                           or c.responder.username, c.response_due_at, c.n_children,
                           max(0, (now - c.response_due_at).days)) for c in rows]


def dashboard_for(*, viewer, team_id=None, now: dt.datetime | None = None) -> Dashboard | None:
    """The dashboard the viewer may see (their team's, or the service's, or one team's for a head of service);
    None when they may not see it (or the team is not theirs)."""
    from joinedup.practice.selectors.caseloads import caseloads_in

    scope = dashboard_scope(viewer=viewer, team_id=team_id)
    if scope is None:
        return None
    now = now or utc_now()
    tz = clocks_from_settings().tz
    today = now.astimezone(tz).date()
    weeks = weeks_to(today)
    days = [w.start for w in weeks] + [weeks[-1].start + dt.timedelta(weeks=1)]
    moments = [dt.datetime.combine(d, dt.time(), tzinfo=tz).astimezone(dt.UTC) for d in days]
    n = len(weeks)
    contacts = _weekly(scope.of_children(Contact.objects.all()), "received_at", moments, n=Count("id"))
    referrals = _weekly(scope.of_children(Case.objects.all()), "opened_on", days, n=Count("id"))
    held = _weekly(SupervisionSession.objects.filter(agency_id=scope.agency_id,
                                                     worker_id__in=scope.workers().values("pk")),
                   "held_on", days, n=Count("id"))
    overdue = dict(scope.of_children(CaseClock.objects.filter(met_at__isnull=True, stopped_at__isnull=True,
                                                              due_at__lt=now))
                   .order_by().values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    policy = practice_settings()
    return Dashboard(
        scope=scope, now=now, today=today, weeks=weeks,
        contacts=_series(contacts, "n", n), referrals=_series(referrals, "n", n),
        timeliness=_timeliness(scope, moments, now), supervision_held=_series(held, "n", n),
        overdue_by_kind={kind: overdue.get(kind, 0) for kind, _ in CLOCK_KINDS},
        not_seen_days=policy.not_seen_days, not_seen=_not_seen(scope, today, policy.not_seen_days),
        supervision=_supervision(scope, today), concerns_overdue=_concerns_overdue(scope, now),
        caseloads=caseloads_in(scope),
    )

