"""Reads of meetings' minutes (issue 13). Each takes the viewer and returns only what they may see (None or []
otherwise, so the screens and the API answer 404).

Who sees minutes (`practice.relationships.may_view_meeting`): a partnership meeting, the partnership and heads of
service; a meeting about children, whoever has a relationship to one of the children, and heads of service. The
owner of an escalation from a meeting may also read those minutes (the dissent is theirs to resolve).

For dashboards: `open_escalations(viewer=, owner=)` lists the stages of dissent escalation an owner holds that
have no outcome yet, the nearest deadline first, each with `overdue`; it needs no other read (see its docstring).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from joinedup.access.sealing import not_sealed
from joinedup.accounts.models import AgencyKind, Role, User
from joinedup.casework.clocks import clocks_from_settings
from joinedup.chronology.restriction import Judge
from joinedup.core.time import utc_now
from joinedup.practice.models import (
    DissentEscalation,
    EscalationStage,
    Meeting,
    MeetingAttendee,
    MeetingDecision,
    MeetingKind,
    MeetingPosition,
    MinutesStatus,
    Stance,
)
from joinedup.practice.relationships import may_approve_meeting, may_record_meeting, may_view_meeting

LIST_LIMIT = 200


def _owns_escalation(viewer, meeting: Meeting) -> bool:
    return bool(getattr(viewer, "pk", None)) and DissentEscalation.objects.filter(
        series=meeting.series, owner_id=viewer.pk).exists()


def may_see_meeting(viewer, meeting: Meeting, children=None) -> bool:
    """The policy's answer, or the viewer owns an escalation of a dissent in these minutes."""
    if children is None:
        children = list(meeting.children.all())
    return may_view_meeting(viewer, meeting, children) or _owns_escalation(viewer, meeting)


# --- lists ------------------------------------------------------------------------------------------------------


@dataclass
class MeetingRow:
    """One meeting in a list: its latest version (a correction being written, or the approved minutes)."""

    meeting: Meeting
    children: list
    versions: int
    dissents: int

    @property
    def correcting(self) -> bool:
        return self.meeting.status == MinutesStatus.DRAFT and self.meeting.version > 1


def meetings_for(*, viewer, kind: str = "", case=None, limit: int = LIST_LIMIT) -> list[MeetingRow]:
    """Meetings the viewer may see, most recently held first (one row per meeting, its latest version); only one
    kind when `kind` is given, only one case's when `case` is. At most `limit` rows."""
    if not getattr(viewer, "is_authenticated", False):
        return []
    rows = Meeting.objects.exclude(status=MinutesStatus.SUPERSEDED)
    if kind:
        rows = rows.filter(kind=kind)
    if case is not None:
        rows = rows.filter(case_id=case.pk)
    owned = set(DissentEscalation.objects.filter(owner_id=viewer.pk).values_list("series", flat=True))
    latest: dict[Any, Meeting] = {}
    for meeting in rows.order_by("-held_at", "-version").prefetch_related("children"):
        if meeting.series in latest:
            continue
        if may_view_meeting(viewer, meeting, list(meeting.children.all())) or meeting.series in owned:
            latest[meeting.series] = meeting
        if len(latest) >= limit:
            break
    counts = _dissent_counts([m.pk for m in latest.values()])
    versions = dict(Meeting.objects.filter(series__in=list(latest)).values("series").annotate(n=Count("id"))
                    .values_list("series", "n"))
    return [MeetingRow(m, not_sealed(viewer, m.children.all()), versions[m.series], counts.get(m.pk, 0))
            for m in latest.values()]


def _dissent_counts(meeting_ids: list) -> dict[Any, int]:
    out: dict[Any, int] = {}
    for meeting_id in MeetingPosition.objects.filter(decision__item__meeting_id__in=meeting_ids,
                                                     stance=Stance.DISSENTED).values_list(
                                                         "decision__item__meeting_id", flat=True):
        out[meeting_id] = out.get(meeting_id, 0) + 1
    return out


# --- one meeting ------------------------------------------------------------------------------------------------


@dataclass
class Cell:
    """Where one attendee stood on one decision (None: not recorded yet) and the escalations of a dissent."""

    attendee: MeetingAttendee
    position: MeetingPosition | None
    escalations: list[DissentEscalation] = field(default_factory=list)

    @property
    def stance(self) -> str:
        return self.position.stance if self.position else ""

    @property
    def dissented(self) -> bool:
        return self.stance == Stance.DISSENTED

    @property
    def open_escalation(self) -> DissentEscalation | None:
        return next((e for e in self.escalations if e.resolved_at is None), None)


@dataclass
class DecisionView:
    number: int  # 1, 2, … across the meeting
    item_index: int
    index: int  # within its item
    decision: MeetingDecision
    cells: list[Cell]

    def _with(self, stance: str) -> list[Cell]:
        return [c for c in self.cells if c.stance == stance]

    @property
    def agreed(self) -> list[Cell]:
        return self._with(Stance.AGREED)

    @property
    def dissented(self) -> list[Cell]:
        return self._with(Stance.DISSENTED)

    @property
    def abstained(self) -> list[Cell]:
        return self._with(Stance.ABSTAINED)

    @property
    def missing(self) -> list[Cell]:
        return [c for c in self.cells if c.position is None and c.attendee.present]


@dataclass
class ItemView:
    number: int
    item: Any
    decisions: list[DecisionView]


@dataclass
class MeetingView:
    """A meeting's minutes (one version) with every version of them, for the minutes page and the API."""

    meeting: Meeting
    versions: list[Meeting]
    children: list
    attendees: list[MeetingAttendee]
    items: list[ItemView]
    escalations: list[DissentEscalation]
    correction: Meeting | None  # the draft correcting this version, if one is being written
    may_write: bool  # records meetings of this kind and has a relationship to them (whatever their status)
    may_edit: bool
    may_approve: bool
    may_correct: bool
    may_escalate: bool

    @property
    def decisions(self) -> list[DecisionView]:
        return [d for item in self.items for d in item.decisions]

    @property
    def dissents(self) -> list[tuple[DecisionView, Cell]]:
        return [(d, c) for d in self.decisions for c in d.dissented]

    @property
    def is_partnership(self) -> bool:
        return self.meeting.kind == MeetingKind.PARTNERSHIP

    @property
    def latest(self) -> Meeting:
        return self.versions[-1]

    def document(self) -> dict[str, Any]:
        """The draft as `meeting_draft_update` takes it (positions name attendees by their place in the list)."""
        place = {a.pk: n for n, a in enumerate(self.attendees)}
        return {
            "title": self.meeting.title, "held_at": self.meeting.held_at, "chair": self.meeting.chair,
            "attendees": [{"name": a.name, "agency": a.agency_name, "role": a.role, "present": a.present}
                          for a in self.attendees],
            "items": [{"title": i.item.title, "discussion": i.item.discussion, "decisions": [
                {"text": d.decision.text, "positions": [
                    {"attendee": place[c.attendee.pk], "stance": c.position.stance, "reason": c.position.reason}
                    for c in d.cells if c.position is not None]}
                for d in i.decisions]} for i in self.items],
        }


def meeting_for_viewer(*, viewer, meeting_id) -> MeetingView | None:
    """One version of a meeting's minutes, with its versions; None unless the viewer may see them."""
    try:
        meeting = Meeting.objects.select_related("created_by", "approved_by", "agency").filter(pk=meeting_id).first()
    except (ValueError, TypeError, ValidationError):
        return None
    if meeting is None:
        return None
    children = list(meeting.children.order_by("family_name", "given_name"))
    if not may_see_meeting(viewer, meeting, children):
        return None
    attendees = list(meeting.attendees.order_by("order"))
    escalations = list(DissentEscalation.objects.filter(series=meeting.series)
                       .select_related("owner", "raised_by", "position__attendee", "position__decision__item")
                       .order_by("raised_at", "pk"))
    # A dissent keeps its escalations across versions: a correction copies it (same item and decision, same
    # attendee by name and agency), as the escalation service counts it.
    by_dissent: dict[tuple, list[DissentEscalation]] = {}
    for e in escalations:
        p = e.position
        by_dissent.setdefault((p.decision.item.order, p.decision.order, p.attendee.name, p.attendee.agency_name),
                              []).append(e)
    items, number = [], 0
    for i, item in enumerate(meeting.items.order_by("order").prefetch_related("decisions__positions")):
        decisions = []
        for j, decision in enumerate(sorted(item.decisions.all(), key=lambda d: d.order)):
            number += 1
            stood = {p.attendee_id: p for p in decision.positions.all()}
            cells = [Cell(a, stood.get(a.pk), by_dissent.get((item.order, decision.order, a.name, a.agency_name), [])
                          if a.pk in stood and stood[a.pk].stance == Stance.DISSENTED else [])
                     for a in attendees]
            decisions.append(DecisionView(number, i, j, decision, cells))
        items.append(ItemView(i + 1, item, decisions))
    versions = list(Meeting.objects.filter(series=meeting.series).select_related("approved_by").order_by("version"))
    correction = next((m for m in versions if m.corrects_id == meeting.pk), None)
    writer = may_record_meeting(viewer, meeting.kind) and may_view_meeting(viewer, meeting, children)
    if not (writer and meeting.status == MinutesStatus.DRAFT):  # read only: a sealed person is never named
        _redact_sealed_names(items, Judge(viewer))
    approved = meeting.status == MinutesStatus.APPROVED
    return MeetingView(
        meeting=meeting, versions=versions, children=not_sealed(viewer, children), attendees=attendees, items=items,
        escalations=escalations, correction=correction, may_write=writer,
        may_edit=writer and meeting.status == MinutesStatus.DRAFT,
        may_approve=meeting.status == MinutesStatus.DRAFT and may_approve_meeting(viewer, meeting)
        and may_view_meeting(viewer, meeting, children),
        may_correct=writer and approved and correction is None,
        may_escalate=writer and approved,
    )


def _redact_sealed_names(items: list[ItemView], judge: Judge) -> None:
    """Replace the names of people sealed for the viewer in the minutes' text, on the rows loaded for this page only
    (they are never saved: a page that edits the minutes does not come here)."""
    if judge.sealed_pattern() is None:
        return
    for view in items:
        view.item.title, view.item.discussion = judge.redact(view.item.title), judge.redact(view.item.discussion)
        for d in view.decisions:
            d.decision.text = judge.redact(d.decision.text)
            for cell in d.cells:
                if cell.position is not None:
                    cell.position.reason = judge.redact(cell.position.reason)


# --- escalations ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationRow:
    """One stage of a dissent's escalation, as a list or dashboard shows it (no child is named)."""

    id: int
    stage: int
    stage_label: str
    owner_id: Any
    owner_name: str
    deadline_on: dt.date
    overdue: bool
    raised_at: dt.datetime
    meeting_id: Any  # the approved minutes it came from (the latest approved version of them)
    meeting_title: str
    meeting_kind: str
    held_at: dt.datetime
    decision: str
    dissenter: str  # "<agency>: <role>"
    reason: str


def _row(e: DissentEscalation, today: dt.date, current: dict) -> EscalationRow:
    meeting = e.position.decision.item.meeting
    return EscalationRow(
        id=e.pk, stage=e.stage, stage_label=EscalationStage(e.stage).label, owner_id=e.owner_id,
        owner_name=e.owner.get_full_name() or e.owner.username, deadline_on=e.deadline_on,
        overdue=e.deadline_on < today, raised_at=e.raised_at, meeting_id=current.get(e.series, meeting.pk),
        meeting_title=meeting.title, meeting_kind=meeting.kind, held_at=meeting.held_at,
        decision=e.position.decision.text,
        dissenter=f"{e.position.attendee.agency_name}: {e.position.attendee.role}", reason=e.position.reason)


def _may_oversee(viewer, owner: User) -> bool:
    if viewer.pk == owner.pk:
        return True
    if viewer.agency_id is None or viewer.agency_id != owner.agency_id or \
            viewer.agency.kind != AgencyKind.CHILDRENS_SOCIAL_CARE:
        return False
    return viewer.role == Role.HEAD_OF_SERVICE or (
        viewer.role == Role.TEAM_MANAGER and viewer.team_id is not None and viewer.team_id == owner.team_id)


def open_escalations(*, viewer, owner=None, now: dt.datetime | None = None) -> list[EscalationRow]:
    """The stages of dissent escalation `owner` (default: the viewer) holds with no outcome yet, the nearest
    deadline first. A viewer sees their own, and — for a dashboard — a team manager those of their team's members
    and a head of service those of anyone at their authority; anyone else gets []. `overdue` is a deadline before
    today (UK time). Each row names the meeting, the decision, who dissented (agency and role) and why: never a
    child, so a dashboard may show it as it is."""
    if not getattr(viewer, "is_authenticated", False):
        return []
    owner = owner or viewer
    if not _may_oversee(viewer, owner):
        return []
    today = (now or utc_now()).astimezone(clocks_from_settings().tz).date()
    rows = list(DissentEscalation.objects.filter(owner=owner, resolved_at__isnull=True)
                .select_related("owner", "position__attendee", "position__decision__item__meeting")
                .order_by("deadline_on", "raised_at"))
    current = dict(Meeting.objects.filter(series__in={e.series for e in rows}, status=MinutesStatus.APPROVED)
                   .values_list("series", "pk"))
    return [_row(e, today, current) for e in rows]


@dataclass
class EscalationView:
    escalation: DissentEscalation
    row: EscalationRow
    meeting: Meeting
    may_record_outcome: bool


def escalation_for_viewer(*, viewer, escalation_id: int) -> EscalationView | None:
    """One stage of an escalation, for recording its outcome; None unless the viewer may see its minutes."""
    if not isinstance(escalation_id, int) or not 0 < escalation_id < 2**63:
        return None
    e = (DissentEscalation.objects.select_related("owner", "position__attendee", "position__decision__item__meeting")
         .filter(pk=escalation_id).first())
    if e is None:
        return None
    meeting = e.position.decision.item.meeting
    children = list(meeting.children.all())
    if not may_see_meeting(viewer, meeting, children):
        return None
    current = dict(Meeting.objects.filter(series=e.series, status=MinutesStatus.APPROVED).values_list("series", "pk"))
    may_record = e.resolved_at is None and (viewer.pk == e.owner_id or (
        may_approve_meeting(viewer, meeting) and may_view_meeting(viewer, meeting, children)))
    return EscalationView(e, _row(e, (utc_now().astimezone(clocks_from_settings().tz)).date(), current), meeting,
                          may_record)


def escalation_owner_choices(*, viewer) -> list[User]:
    """Who may own a stage of an escalation: active staff with a role, at the viewer's agency or anywhere in the
    partnership (managers, heads of service, partnership members), by name."""
    if not getattr(viewer, "is_authenticated", False):
        return []
    return list(User.objects.filter(is_active=True, agency__isnull=False).exclude(role="").filter(
        Q(agency_id=viewer.agency_id) | Q(role__in=[Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE, Role.PARTNERSHIP_MEMBER]))
        .select_related("agency").order_by("agency__name", "last_name", "first_name")[:500])
