"""Supervision reads (issue 13). Each takes the viewer and returns only what they may see (None or [] otherwise):

- `sessions_for`: sessions a viewer may see (as the worker, the manager, the worker's team manager, the head
  of service); `session_for_viewer`: one session with its children, decisions and actions;
- `child_supervision`: a child's supervision decisions, from the child's `supervision` records (so a case
  system's supervision records show too), for the case page;
- `actions_open_for_owner`, `actions_open_for_team`: actions not yet done, the earliest due first;
- `supervision_status`: for the managers' dashboard, each worker's last session, next due date and whether
  supervision is overdue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet

from joinedup.access.sealing import sealed_person_ids
from joinedup.accounts.models import Role, Team, User
from joinedup.casework.models import Allocation, Case
from joinedup.casework.relationships import may_view_case
from joinedup.casework.services.recording import today as local_today
from joinedup.ingest.models import Mention
from joinedup.practice.models import SupervisionAction, SupervisionDiscussion, SupervisionSession
from joinedup.practice.relationships import (
    _csc,
    may_read_child_practice,
    may_record_supervision,
    may_view_supervision,
)
from joinedup.practice.services.supervision import SUPERVISED_ROLES, may_mark_done, parse_action
from joinedup.practice.settings import practice_settings

# --- sessions ----------------------------------------------------------------------------------------------


def sessions_for(*, viewer, worker: User | None = None) -> QuerySet[SupervisionSession]:
    """Sessions the viewer may see, newest first: their own (as the worker or the manager), their team's (a team
    manager), the service's (a head of service). `worker` narrows to one worker's sessions. Empty for anyone
    else (never None, so a list page can always render)."""
    if not _csc(viewer):
        return SupervisionSession.objects.none()
    q = Q(worker=viewer) | Q(manager=viewer)
    if viewer.role == Role.HEAD_OF_SERVICE:
        q |= Q(agency_id=viewer.agency_id)
    elif viewer.role == Role.TEAM_MANAGER and viewer.team_id is not None:
        q |= Q(worker__team_id=viewer.team_id)
    sessions = SupervisionSession.objects.filter(q, agency_id=viewer.agency_id)
    if worker is not None:
        sessions = sessions.filter(worker=worker)
    return sessions.select_related("worker", "manager").order_by("-held_on", "-recorded_at")


@dataclass
class ActionView:
    """An action agreed in supervision, with whether it is overdue and whether the viewer may mark it done."""

    action: SupervisionAction
    overdue: bool
    may_mark_done: bool


@dataclass
class DiscussionView:
    """A child discussed: the decision, the actions, and the child's open case if the viewer may open it."""

    discussion: SupervisionDiscussion
    actions: list[ActionView]
    case_id: object | None = None
    may_view_child: bool = False


@dataclass
class SessionView:
    session: SupervisionSession
    discussions: list[DiscussionView]

    @property
    def person_ids(self) -> list:
        return [d.discussion.person_id for d in self.discussions]


def session_for_viewer(*, viewer, session_id) -> SessionView | None:
    """One session with each child discussed, the decision and the actions; None unless the viewer is the
    worker, the manager, the worker's team manager or the head of service."""
    session = SupervisionSession.objects.select_related("worker", "manager", "agency").filter(pk=session_id).first()
    if session is None or not may_view_supervision(viewer, session):
        return None
    discussions = list(SupervisionDiscussion.objects.filter(session=session).select_related("person").order_by("id"))
    actions = (SupervisionAction.objects.filter(discussion__session=session)
               .select_related("owner", "done_by").order_by("due_on", "id"))
    by_discussion: dict[int, list[SupervisionAction]] = {}
    for a in actions:
        a.discussion = next(d for d in discussions if d.pk == a.discussion_id)
        a.discussion.session = session
        by_discussion.setdefault(a.discussion_id, []).append(a)
    day = local_today()
    cases = {c.person_id: c.pk for c in Case.objects.filter(
        person__in=[d.person_id for d in discussions], agency_id=session.agency_id, is_open=True)}
    out = []
    for d in discussions:
        seen = may_view_case(viewer, d.person)
        out.append(DiscussionView(
            d, [ActionView(a, a.done_at is None and a.due_on < day, may_mark_done(viewer, a))
                for a in by_discussion.get(d.pk, [])],
            case_id=cases.get(d.person_id) if seen else None, may_view_child=seen))
    return SessionView(session, out)


def action_to_mark(*, viewer, action_id) -> SupervisionAction | None:
    """An action the viewer may mark done (its owner, the manager, a manager who may see the session); None for
    anyone else, or no such action."""
    action = (SupervisionAction.objects.select_related("discussion__session__worker").filter(pk=action_id)
              .first())
    return action if action is not None and may_mark_done(viewer, action) else None


# --- a child's supervision decisions (the case page) ----------------------------------------------------------


@dataclass(frozen=True)
class ActionLine:
    """One action as the child's record holds it: due, owner, what, and whether it is done."""

    due_on: dt.date | None
    owner: str
    text: str
    done: bool
    overdue: bool


@dataclass(frozen=True)
class ChildDecision:
    """A supervision decision about the child, from the child's current `supervision` record."""

    record_pk: int
    held_on: dt.date
    decision: str
    supervisor_role: str
    case_id: str
    session_id: str
    actions: tuple[ActionLine, ...] = field(default_factory=tuple)
    versions: int = 1


def child_supervision(*, viewer, person, case_ref: str | None = None,
                      period: tuple[dt.date, dt.date | None] | None = None) -> list[ChildDecision]:
    """The child's supervision decisions at the viewer's authority, newest first; [] without a relationship to
    the child. With `case_ref`, only those of that case: recorded with its `case_id`, or (with no `case_id`)
    held within `period` (the case's opening and closing days)."""
    if not may_read_child_practice(viewer, person):
        return []
    mentions = (Mention.objects.filter(link__person=person, withdrawn=False, record__kind="supervision",
                                       record__agency_id=viewer.agency_id, role__in=("subject", "unborn"))
                .values_list("record_id", "record__current__payload"))
    day = local_today()
    out: dict[int, ChildDecision] = {}
    for record_pk, payload in mentions:
        detail = payload.get("detail") or {}
        held_on = dt.date.fromisoformat(payload.get("occurred_on") or str(payload.get("occurred_at", ""))[:10])
        own_case = str(detail.get("case_id") or "")
        if case_ref is not None:
            if own_case and own_case != case_ref:
                continue
            if not own_case and period is not None and not (
                    period[0] <= held_on and (period[1] is None or held_on <= period[1])):
                continue
        done = set(detail.get("actions_done") or [])
        lines = []
        for string in detail.get("actions") or []:
            due, owner, text = parse_action(string)
            finished = string in done
            lines.append(ActionLine(due, owner, text, finished, not finished and due is not None and due < day))
        out[record_pk] = ChildDecision(
            record_pk=record_pk, held_on=held_on, decision=str(detail.get("decision") or detail.get("text") or ""),
            supervisor_role=str(detail.get("supervisor_role") or detail.get("author_role") or ""),
            case_id=own_case, session_id=str(detail.get("session_id") or ""), actions=tuple(lines),
            versions=int(payload.get("version") or 1))
    return sorted(out.values(), key=lambda d: (d.held_on, d.record_pk), reverse=True)


# --- open actions ---------------------------------------------------------------------------------------------


def _open_actions() -> QuerySet[SupervisionAction]:
    return (SupervisionAction.objects.filter(done_at__isnull=True)
            .select_related("owner", "discussion__person", "discussion__session__worker",
                            "discussion__session__manager")
            .order_by("due_on", "id"))


def _may_oversee(viewer, user: User) -> bool:
    """A team manager of the user's team, or a head of service of their authority."""
    if not _csc(viewer) or user.agency_id != viewer.agency_id:
        return False
    if viewer.role == Role.HEAD_OF_SERVICE:
        return True
    return viewer.role == Role.TEAM_MANAGER and viewer.team_id is not None and viewer.team_id == user.team_id


def actions_open_for_owner(*, viewer, owner: User | None = None) -> QuerySet[SupervisionAction] | None:
    """Actions the owner (the viewer by default) has not done yet, the earliest due first; None unless the viewer
    is the owner, their team manager or the head of service."""
    owner = owner or viewer
    if not _csc(viewer) or not (owner.pk == viewer.pk or _may_oversee(viewer, owner)):
        return None
    return _open_actions().filter(owner=owner, discussion__session__agency_id=viewer.agency_id)


def actions_open_for_team(*, viewer, team: Team | None = None) -> QuerySet[SupervisionAction] | None:
    """Actions not yet done from the supervision of a team's workers, or owned by its members (the viewer's team
    by default); None unless the viewer manages that team or is the head of service."""
    team = team or (viewer.team if getattr(viewer, "team_id", None) else None)
    if team is None or not _csc(viewer) or team.agency_id != viewer.agency_id:
        return None
    if not (viewer.role == Role.HEAD_OF_SERVICE or (viewer.role == Role.TEAM_MANAGER and viewer.team_id == team.pk)):
        return None
    return _open_actions().filter(Q(owner__team=team) | Q(discussion__session__worker__team=team),
                                  discussion__session__agency_id=viewer.agency_id)


@dataclass(frozen=True)
class ActionsOverdue:
    """How many supervision actions are past their due day: the viewer's own, and (for a team manager or the head
    of service) their team's others. The home page shows them (ADR 0016: overdue actions are work, not alerts)."""

    mine: int
    team: int

    def __bool__(self) -> bool:
        return bool(self.mine or self.team)


def actions_overdue_for(*, viewer, today: dt.date | None = None) -> ActionsOverdue:
    """The viewer's overdue actions (due before `today`, UK time, not done) and their team's others, counted as
    the supervision page lists them (`actions_open_for_owner`, `actions_open_for_team`)."""
    day = today or local_today()
    mine = actions_open_for_owner(viewer=viewer)
    team = actions_open_for_team(viewer=viewer)
    return ActionsOverdue(
        mine=mine.filter(due_on__lt=day).count() if mine is not None else 0,
        team=team.filter(due_on__lt=day).exclude(owner=viewer).count() if team is not None else 0,
    )


# --- supervision on time (the managers' dashboard) -------------------------------------------------------------


@dataclass(frozen=True)
class SupervisionDue:
    """Where one worker's supervision stands on `today`.

    - `worker`: the User supervised;
    - `interval_days`: how often they are to be supervised (`practice_settings().supervision_interval(worker)`:
      their own setting, else 14 days when newly qualified, else 28; each a setting);
    - `last_held_on`: the day of their latest session, None if never supervised in joinedup;
    - `next_due_on`: `last_held_on + interval_days`; never supervised: the day they joined plus the interval;
    - `overdue`: `today > next_due_on`; `days_overdue`: how many days past (0 when not overdue);
    - `sessions`: how many sessions they have had.
    """

    worker: User
    interval_days: int
    last_held_on: dt.date | None
    next_due_on: dt.date
    overdue: bool
    days_overdue: int
    sessions: int


def supervision_status(*, viewer, workers=None, today: dt.date | None = None) -> list[SupervisionDue]:
    """For each worker the viewer supervises — a team manager: the active social workers, team managers and
    front-door workers of their team; a head of service: those of the whole service — the last session, the
    next due date and whether it is overdue (one query for the sessions, whatever the number of workers).

    `workers` (Users or ids) narrows the list; workers the viewer does not oversee are left out. Returns
    `list[SupervisionDue]`, the most overdue first (then the soonest due, then by name); [] for anyone else (a
    social worker, another agency, someone outside children's social care)."""
    if not _csc(viewer) or viewer.role not in (Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE):
        return []
    people = User.objects.filter(agency_id=viewer.agency_id, is_active=True, role__in=SUPERVISED_ROLES).exclude(
        pk=viewer.pk)
    if viewer.role == Role.TEAM_MANAGER:
        if viewer.team_id is None:
            return []
        people = people.filter(team_id=viewer.team_id)
    if workers is not None:
        people = people.filter(pk__in=[getattr(w, "pk", w) for w in workers])
    people = list(people.select_related("team"))
    if not people:
        return []
    held = {row["worker"]: (row["last"], row["n"]) for row in SupervisionSession.objects.filter(worker__in=people)
            .values("worker").annotate(last=Max("held_on"), n=Count("id")).values("worker", "last", "n")}
    settings = practice_settings()
    day = today or local_today()
    out = []
    for worker in people:
        interval = settings.supervision_interval(worker)
        last, sessions = held.get(worker.pk, (None, 0))
        due = (last or worker.date_joined.date()) + dt.timedelta(days=interval)
        late = max((day - due).days, 0)
        out.append(SupervisionDue(worker, interval, last, due, day > due, late, sessions))
    return sorted(out, key=lambda s: (-s.days_overdue, s.next_due_on, s.worker.last_name, s.worker.first_name))


# --- recording a session: the worker's children ----------------------------------------------------------------


@dataclass(frozen=True)
class ChildToDiscuss:
    """A child allocated to the worker, with the stage of their open case (if any)."""

    person: object
    stage: str
    case_id: object | None


def children_to_discuss(*, viewer, worker: User) -> list[ChildToDiscuss] | None:
    """The children allocated to the worker now, by name, for a manager recording their supervision; None unless
    the viewer may supervise the worker (their team manager, or the head of service)."""
    if not may_record_supervision(viewer) or worker.pk == viewer.pk or not _may_oversee(viewer, worker):
        return None
    allocations = (Allocation.objects.filter(worker=worker, ended_at__isnull=True)
                   .exclude(person_id__in=sealed_person_ids(viewer)).select_related("person")
                   .order_by("person__family_name", "person__given_name", "person_id"))
    people = [a.person for a in allocations]
    cases = {c.person_id: c for c in Case.objects.filter(person__in=people, agency_id=viewer.agency_id, is_open=True)
             .order_by("opened_on")}
    return [ChildToDiscuss(p, cases[p.pk].stage if p.pk in cases else "No open case",
                           cases[p.pk].pk if p.pk in cases else None) for p in people]
