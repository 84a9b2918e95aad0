"""Reads of the concerns log (issue 13), for a viewer.

- `concerns_for`: the log the viewer may see — concerns they answer or recorded, and for the authority's team
  managers, heads of service and data protection officer every concern of the authority — unanswered first, the
  earliest deadline first, then answered ones, newest first.
- `concern_for_viewer`: one concern. Who raised it is in `raiser_name`/`raiser_contact` only when the viewer
  may see it (`practice.relationships.may_see_raiser`); otherwise those are empty and `raiser_shown` is False
  (the screens and API say "Withheld"). A caller that shows the identity audits `CONCERN_RAISER_VIEW`.
- `unanswered_concerns` and `unanswered_concern_counts` (for the managers' dashboard): the authority's concerns
  not yet answered, each with its deadline and whether it is overdue, and their counts. Team managers and
  heads of service of children's social care only (else None). They carry no raiser identity and no concern
  text: a dashboard needs neither.

Each returns None (or an empty result) when the viewer may not see it; callers answer 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When

from joinedup.access.sealing import not_sealed
from joinedup.accounts.models import Role
from joinedup.core.time import utc_now
from joinedup.people.models import Person
from joinedup.practice.models import Concern, RaisedBy
from joinedup.practice.relationships import (
    may_record_concern,
    may_respond_concern,
    may_see_raiser,
    may_view_concern,
    may_view_service_dashboard,
    may_view_team_dashboard,
)
from joinedup.practice.settings import practice_settings

AUTHORITY_ROLES = (Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE, Role.DATA_PROTECTION_OFFICER)
STATUS_FILTERS = ("open", "overdue", "answered")
RAISED_BY: dict[str, str] = dict(RaisedBy.choices)


def _active(viewer) -> bool:
    return bool(viewer is not None and getattr(viewer, "is_authenticated", False) and viewer.is_active
                and viewer.role)


def _status(concern: Concern, now: dt.datetime) -> tuple[str, str, str]:
    """(code, label, GOV.UK tag class) of where a concern stands."""
    if concern.responded_at is None:
        if concern.response_due_at < now:
            return "overdue", "Overdue", "govuk-tag--red"
        return "open", "Awaiting an answer", "govuk-tag--yellow"
    if concern.raiser_told_at is not None:
        return "told", "Answered; raiser told", "govuk-tag--green"
    return "answered", "Answered", "govuk-tag--blue"


@dataclass(frozen=True)
class ConcernRow:
    """One line of the log: no raiser identity."""

    concern: Concern
    children: list[Person]
    status: str
    status_label: str
    status_tag: str

    @property
    def overdue(self) -> bool:
        return self.status == "overdue"

    @property
    def raised_by_label(self) -> str:
        return RAISED_BY.get(self.concern.raised_by, self.concern.raised_by)


def concerns_for(*, viewer, status: str = "") -> QuerySet[Concern] | None:
    """The concerns the viewer may see (see the module docstring), unanswered first by deadline, then answered
    newest first; `status` one of `STATUS_FILTERS` narrows it. None for someone who takes and sees no concerns."""
    if not _active(viewer):
        return None
    sees_authority = viewer.agency_id is not None and viewer.role in AUTHORITY_ROLES
    if not (may_record_concern(viewer) or sees_authority):
        return None
    visible = Q(responder=viewer) | Q(recorded_by=viewer)
    if sees_authority:
        visible |= Q(agency_id=viewer.agency_id)
    rows = Concern.objects.filter(visible)
    if status == "open":
        rows = rows.filter(responded_at__isnull=True)
    elif status == "overdue":
        rows = rows.filter(responded_at__isnull=True, response_due_at__lt=utc_now())
    elif status == "answered":
        rows = rows.filter(responded_at__isnull=False)
    return (rows.annotate(answered=Case(When(responded_at__isnull=True, then=Value(0)), default=Value(1),
                                        output_field=IntegerField()),
                          open_due=Case(When(responded_at__isnull=True, then=F("response_due_at")), default=None))
            .select_related("responder").order_by("answered", "open_due", "-received_at", "id"))


def concern_rows(concerns, *, viewer=None, now: dt.datetime | None = None) -> list[ConcernRow]:
    """A page of the log as its lines (children read in one query)."""
    now = now or utc_now()
    concerns = list(concerns)
    children: dict = {c.pk: [] for c in concerns}
    through = Concern.children.through
    for concern_id, person in ((t.concern_id, t.person) for t in through.objects.filter(
            concern_id__in=list(children)).select_related("person").order_by("person__family_name", "person_id")):
        children[concern_id].append(person)
    return [ConcernRow(c, not_sealed(viewer, children[c.pk]), *_status(c, now)) for c in concerns]


@dataclass(frozen=True)
class ConcernView:
    """One concern as the viewer may see it."""

    concern: Concern
    children: list[Person]
    raiser_shown: bool  # the viewer is shown who raised it: audit CONCERN_RAISER_VIEW
    raiser_name: str  # "" unless shown
    raiser_contact: str  # "" unless shown
    raiser_told_how: str  # "" unless shown (how they were reached can say who they are)
    may_respond: bool
    status: str
    status_label: str
    status_tag: str
    raiser_roles: tuple[str, ...]  # who may see a withheld identity (role labels)

    @property
    def overdue(self) -> bool:
        return self.status == "overdue"

    @property
    def raised_by_label(self) -> str:
        return RAISED_BY.get(self.concern.raised_by, self.concern.raised_by)

    @property
    def raiser_withheld(self) -> bool:
        """Whether a name or contact exists that this viewer is not shown."""
        c = self.concern
        return not self.raiser_shown and bool(c.raiser_name or c.raiser_contact or c.raiser_told_how)


def concern_for_viewer(*, viewer, concern_id, now: dt.datetime | None = None) -> ConcernView | None:
    """One concern, or None if it does not exist or the viewer may not see it."""
    concern = Concern.objects.select_related("responder", "responder__team", "recorded_by", "responded_by").filter(
        pk=concern_id).first()
    if concern is None or not may_view_concern(viewer, concern):
        return None
    shown = may_see_raiser(viewer, concern) and bool(
        concern.raiser_name or concern.raiser_contact or concern.raiser_told_how)
    labels = dict(Role.choices)
    return ConcernView(
        concern=concern,
        children=not_sealed(viewer, concern.children.order_by("family_name", "given_name", "id")),
        raiser_shown=shown,
        raiser_name=concern.raiser_name if shown else "",
        raiser_contact=concern.raiser_contact if shown else "",
        raiser_told_how=concern.raiser_told_how if shown else "",
        may_respond=may_respond_concern(viewer, concern),
        raiser_roles=tuple(labels.get(r, r) for r in practice_settings().concern_raiser_roles),
        **dict(zip(("status", "status_label", "status_tag"), _status(concern, now or utc_now()), strict=True)),
    )


# --- for the managers' dashboard ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnansweredConcern:
    """A concern not answered yet: when it came, from what kind of raiser, whom it waits on, and by when."""

    concern_id: object
    received_at: dt.datetime
    raised_by: str
    raised_by_label: str
    responder_name: str
    response_due_at: dt.datetime
    overdue: bool
    children: int


def _dashboard_viewer(viewer) -> bool:
    return may_view_team_dashboard(viewer) or may_view_service_dashboard(viewer)


def unanswered_concerns(*, viewer, now: dt.datetime | None = None, limit: int = 200) -> list[UnansweredConcern] | None:
    """The viewer's authority's unanswered concerns, the earliest deadline first (at most `limit`)."""
    if not _dashboard_viewer(viewer):
        return None
    now = now or utc_now()
    rows = (Concern.objects.filter(agency_id=viewer.agency_id, responded_at__isnull=True)
            .annotate(n_children=Count("children"))
            .order_by("response_due_at", "id")
            .values_list("id", "received_at", "raised_by", "responder__first_name", "responder__last_name",
                         "responder__username", "response_due_at", "n_children")[:limit])
    return [UnansweredConcern(pk, received, raised, RAISED_BY.get(raised, raised),
                              f"{first} {last}".strip() or username, due, due < now, n)
            for pk, received, raised, first, last, username, due, n in rows]


def unanswered_concern_counts(*, viewer, now: dt.datetime | None = None) -> dict[str, int] | None:
    """{"unanswered": n, "overdue": m} for the viewer's authority (one query on the concern_open_idx index)."""
    if not _dashboard_viewer(viewer):
        return None
    now = now or utc_now()
    return Concern.objects.filter(agency_id=viewer.agency_id, responded_at__isnull=True).aggregate(
        unanswered=Count("id"), overdue=Count("id", filter=Q(response_due_at__lt=now)))
