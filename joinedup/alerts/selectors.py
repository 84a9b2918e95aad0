"""Alert reads: inboxes, one alert for a viewer, its evidence and the chronology around it, and the steps
the child's chronology shows.

Who sees an alert: the worker it is routed to, the manager told of it or escalated to, members of the team
that holds it when no worker does (the front door), the team manager of the team that holds it, and the
responsible authority's heads of service. Nobody else (callers answer 404).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace

from django.db.models import Q, QuerySet

from joinedup.access import policy
from joinedup.access.policy import FIELD_GROUPS, MENTAL_HEALTH
from joinedup.access.sealing import sealed_person_ids
from joinedup.accounts.models import Role
from joinedup.alerts.models import OPEN_STATUSES, Alert, AlertStatus, AlertStep, StepKind
from joinedup.alerts.rules.base import KIND_LABELS
from joinedup.alerts.rules.catalogue import MENTAL_HEALTH as MENTAL_HEALTH_FACTOR
from joinedup.chronology.events import Event, event_from_payload
from joinedup.chronology.restriction import Judge, restrict_event
from joinedup.chronology.selectors import Filters, chronology_for
from joinedup.ingest.models import SourceRecord, SourceRecordVersion
from joinedup.people.models import Person

ALERT_ROLES = policy.ALERT_ROLES
AROUND_DAYS = 30


def may_view_alerts(user) -> bool:
    """Children's social care staff work alerts; partner agencies and other roles do not see them."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active
                and user.role in ALERT_ROLES)


def _visible_q(viewer) -> Q:
    q = Q(routed_to=viewer) | Q(manager=viewer) | Q(escalated_to=viewer)
    if viewer.team_id:
        q |= Q(routed_to__isnull=True, team_id=viewer.team_id)
        if viewer.role == Role.TEAM_MANAGER:
            q |= Q(team_id=viewer.team_id)
    if viewer.role == Role.HEAD_OF_SERVICE and viewer.agency_id:  # service oversight (access.policy)
        q |= Q(agency_id=viewer.agency_id)
    return q


def alerts_visible_to(*, viewer) -> QuerySet[Alert]:
    if not may_view_alerts(viewer):
        return Alert.objects.none()
    return Alert.objects.filter(_visible_q(viewer)).exclude(person_id__in=sealed_person_ids(viewer))


def _listing(qs: QuerySet[Alert], closed: bool) -> QuerySet[Alert]:
    """Open alerts new first, then those awaiting a manager's agreement, then acknowledged ones ("new" > "proposed" >
    "acknowledged"), newest evidence first; closed ones latest first."""
    qs = qs.select_related("person", "routed_to", "team", "escalated_to")
    if closed:
        return qs.exclude(status__in=OPEN_STATUSES).order_by("-closed_at")
    return qs.filter(status__in=OPEN_STATUSES).order_by("-status", "-evidence_updated_at")


def inbox_for(*, viewer, closed: bool = False) -> QuerySet[Alert]:
    """The viewer's own alerts: routed to them, or as the manager told or escalated to."""
    if not may_view_alerts(viewer):
        return Alert.objects.none()
    mine = Alert.objects.filter(Q(routed_to=viewer) | Q(manager=viewer) | Q(escalated_to=viewer))
    return _listing(mine.exclude(person_id__in=sealed_person_ids(viewer)), closed)


def team_inbox_for(*, viewer, closed: bool = False) -> QuerySet[Alert]:
    """The viewer's team's alerts: held by the team (no worker), or, for its manager, by any of its workers."""
    if not may_view_alerts(viewer) or not viewer.team_id:
        return Alert.objects.none()
    team_q = Q(team_id=viewer.team_id) if viewer.role == Role.TEAM_MANAGER else Q(team_id=viewer.team_id,
                                                                                   routed_to__isnull=True)
    return _listing(Alert.objects.filter(team_q).exclude(person_id__in=sealed_person_ids(viewer)), closed)


def awaiting_agreement_for(*, viewer) -> QuerySet[Alert]:
    """Proposals to close an escalate alert waiting for this viewer's agreement: for a team manager, those of the
    alerts their team holds; for a head of service, those of their authority's alerts. Never their own proposals."""
    if not may_view_alerts(viewer):
        return Alert.objects.none()
    if viewer.role == Role.TEAM_MANAGER and viewer.team_id:
        mine = Q(team_id=viewer.team_id)
    elif viewer.role == Role.HEAD_OF_SERVICE and viewer.agency_id:
        mine = Q(agency_id=viewer.agency_id)
    else:
        return Alert.objects.none()
    return (Alert.objects.filter(mine, status=AlertStatus.AWAITING_AGREEMENT).exclude(proposed_by=viewer)
            .exclude(person_id__in=sealed_person_ids(viewer)).select_related("person", "routed_to", "team", "proposed_by").order_by("proposed_at"))


def unread_count(*, viewer) -> int:
    """New (unacknowledged) alerts waiting for the viewer: their own, and their team's unallocated ones."""
    if not may_view_alerts(viewer):
        return 0
    q = Q(routed_to=viewer) | Q(escalated_to=viewer) | Q(manager=viewer)
    if viewer.team_id:
        q |= Q(routed_to__isnull=True, team_id=viewer.team_id)
    return Alert.objects.filter(q, status=AlertStatus.NEW).exclude(person_id__in=sealed_person_ids(viewer)).count()


def alert_for_viewer(*, viewer, alert_id) -> Alert | None:
    try:
        key = uuid.UUID(str(alert_id))
    except ValueError:
        return None
    return (alerts_visible_to(viewer=viewer).filter(pk=key)
            .select_related("person", "routed_to", "team", "manager", "escalated_to", "acknowledged_by", "closed_by",
                            "agency", "proposed_by").first())


def alert_visible(*, viewer, alert: Alert) -> bool:
    return alerts_visible_to(viewer=viewer).filter(pk=alert.pk).exists()


@dataclass(frozen=True)
class EvidenceRow:
    """One record that triggered the alert, as the alert page cites it."""

    key: str
    record_pk: int | None
    agency_name: str
    occurred_on: dt.date | None
    kind_label: str
    author_role: str
    summary: str
    text: str
    person_label: str  # whose record it is in the child's picture (the child, or a housemate)
    version: int | None  # the version the rule saw
    current_version: int | None  # the record's version now (differs when corrected since)
    found: bool = True

    @property
    def corrected_since(self) -> bool:
        return self.version is not None and self.current_version is not None and self.version != self.current_version


def alert_evidence(*, alert: Alert, viewer, events: list[Event] | None = None) -> list[EvidenceRow]:
    """Each source record the alert cites: agency, date, author's role, summary (its current version), as the viewer
    may see it (`events` are the viewer's chronology entries; field groups they may not see are restricted)."""
    judge = Judge(viewer)
    by_key = {e.key: e for e in (events or [])}
    record_ids = [e["record_id"] for e in alert.evidence if e.get("record_id")]
    records = {r.pk: r for r in SourceRecord.objects.filter(pk__in=record_ids).select_related("agency", "current")}
    versions = dict(SourceRecordVersion.objects.filter(
        pk__in=[e["version_id"] for e in alert.evidence if e.get("version_id")]).values_list("pk", "version"))
    rows = []
    for item in alert.evidence:
        record = records.get(item.get("record_id"))
        event = by_key.get(item["key"])
        if event is None and record is not None:
            event = restrict_event(event_from_payload(record.current.payload, agency_name=record.agency.name,
                                                      agency_kind=record.agency.kind, record_pk=record.pk), judge)
        if event is None:
            rows.append(EvidenceRow(item["key"], None, item["key"].split(":", 1)[0], None, "", "", "Record not found",
                                    "", "", None, None, found=False))
            continue
        rows.append(EvidenceRow(
            key=item["key"], record_pk=event.record_pk, agency_name=event.agency_name, occurred_on=event.occurred_on,
            kind_label=event.kind_label, author_role=event.author_role.replace("_", " "), summary=event.summary,
            text=event.text, person_label=event.person_label,
            version=versions.get(item.get("version_id"), item.get("version")),
            current_version=record.current.version if record is not None else None,
        ))
    return rows


@dataclass
class AlertPicture:
    """What the alert page shows besides the alert: its evidence and the chronology around it."""

    evidence: list[EvidenceRow]
    around: list[Event]  # the child's and housemates' events within AROUND_DAYS of the evidence
    start: dt.date | None
    end: dt.date | None
    evidence_keys: frozenset[str]


def alert_picture(*, alert: Alert, viewer, days: int = AROUND_DAYS) -> AlertPicture:
    chron = chronology_for(person=alert.person, viewer=viewer, household=True)
    evidence = alert_evidence(alert=alert, viewer=viewer, events=chron.all_events)
    days_seen = [r.occurred_on for r in evidence if r.occurred_on is not None]
    if not days_seen:
        return AlertPicture(evidence, [], None, None, frozenset(alert.evidence_keys))
    start, end = min(days_seen) - dt.timedelta(days=days), max(days_seen) + dt.timedelta(days=days)
    keep = Filters(start=start, end=end)
    around: dict[str, Event] = {}  # a household record naming two housemates shows once, naming both
    for e in chron.all_events:
        if not keep.keep(e):
            continue
        if e.key in around:
            first = around[e.key]
            if e.person_label and e.person_label not in first.person_label.split("; "):
                around[e.key] = replace(first, person_label=f"{first.person_label}; {e.person_label}")
            continue
        around[e.key] = replace(e, author_role=e.author_role.replace("_", " "))
    return AlertPicture(evidence, list(around.values()), start, end, frozenset(alert.evidence_keys))


@dataclass(frozen=True)
class AlertStepRow:
    """An alert step as a row of the child's chronology."""

    at: dt.datetime
    alert_id: uuid.UUID
    rule_id: str
    rule_name: str
    rule_kind: str
    kind_label: str
    step: str
    step_label: str
    text: str
    link: str
    actor_name: str
    actor_role: str

    @property
    def on(self) -> dt.date:
        return self.at.astimezone(dt.UTC).date()


def alert_steps_for_person(person: Person, *, viewer) -> list[AlertStepRow]:
    """Every step of every alert about the person (and anyone merged into them), oldest first; a raised or updated
    step's sentence as the viewer may see it (`alerts_shown`).

    Callers show these only to viewers who may see alerts (`may_view_alerts`).
    """
    ids = [person.pk, *Person.objects.filter(merged_into=person).values_list("pk", flat=True)]
    steps = list(AlertStep.objects.filter(person_id__in=ids).select_related("alert").order_by("at", "id"))
    shown = alerts_shown({s.alert_id: s.alert for s in steps}.values(), viewer=viewer)
    rows = []
    for step in steps:
        a = step.alert
        rows.append(AlertStepRow(
            at=step.at, alert_id=a.pk, rule_id=a.rule_id, rule_name=a.rule_name, rule_kind=a.rule_kind,
            kind_label=KIND_LABELS.get(a.rule_kind, a.rule_kind), step=step.kind, step_label=step.get_kind_display(),
            text=shown[a.pk].step_text(step), link=step.link, actor_name=step.actor_name, actor_role=step.actor_role,
        ))
    return rows


# --- what a viewer may read of an alert's finding (field groups, security promise 1) -------------------------

# Context factors that are themselves a field group's detail (the factor says what the records say).
FACTOR_GROUPS = {MENTAL_HEALTH_FACTOR: MENTAL_HEALTH}


@dataclass(frozen=True)
class AlertShown:
    """An alert's sentence and context factors as one viewer may read them."""

    sentence: str
    factors: tuple[str, ...]
    restricted: bool  # a record it cites, or a factor, is in a field group the viewer may not see

    def step_text(self, step: AlertStep) -> str:
        """A step's text (a raised or updated step carries the finding's sentence at the time)."""
        if self.restricted and step.kind in (StepKind.RAISED, StepKind.UPDATED):
            return self.sentence
        return step.text


def alerts_shown(alerts, *, viewer) -> dict:
    """{alert id: AlertShown}: where an alert cites a record wholly in a field group the viewer may not see, its
    sentence is that group's note (the sentence may quote the record); a context factor that is a group's detail is
    left out (and out of the sentence) for those who may not see the group."""
    alerts = list(alerts)
    judge = Judge(viewer)
    record_ids = {e["record_id"] for a in alerts for e in a.evidence if e.get("record_id")}
    records = {pk: (code, payload) for pk, code, payload in SourceRecord.objects.filter(pk__in=record_ids)
               .values_list("pk", "agency__code", "current__payload")}
    out = {}
    for a in alerts:
        notes = []
        for item in a.evidence:
            code, payload = records.get(item.get("record_id"), ("", None))
            if payload is not None:
                whole, _keys = judge.hidden((payload or {}).get("detail") or {}, code)
                if whole:
                    notes.append(whole)
        factors = tuple(f for f in a.context_factors or () if f not in FACTOR_GROUPS
                        or judge.may_see(FACTOR_GROUPS[f], ""))
        hidden_factors = [f for f in a.context_factors or () if f not in factors]
        if notes:
            sentence = f"{'; '.join(dict.fromkeys(notes))}. The finding cites a record you may not see in full."
        elif hidden_factors:
            base = a.sentence.split(" Context: ", 1)[0]
            sentence = base + (f" Context: {', '.join(factors)}." if factors else "")
            notes = [FIELD_GROUPS[FACTOR_GROUPS[f]].note for f in hidden_factors]
        else:
            sentence = a.sentence
        out[a.pk] = AlertShown(judge.redact(sentence), factors, bool(notes))  # a sealed person's name: never
    return out
