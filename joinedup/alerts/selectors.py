"""Alert reads: inboxes, one alert for a viewer, its evidence and the chronology around it, and the steps
the child's chronology shows.

Who sees an alert: the worker it is routed to, the manager told of it or escalated to, members of the team
that holds it when no worker does (the front door), the team manager of the team that holds it, and the
responsible authority's heads of service. Nobody else (callers answer 404).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field, replace

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from joinedup.access import policy
from joinedup.access.policy import FIELD_GROUPS, MENTAL_HEALTH
from joinedup.access.sealing import is_sealed_for, sealed_for, sealed_person_ids
from joinedup.accounts.models import Role
from joinedup.alerts.models import OPEN_STATUSES, Alert, AlertStatus, AlertStep, StepKind
from joinedup.alerts.rules.base import CONSIDER, ESCALATE, KIND_LABELS, PROCESS_FAILURE, SUSPECT
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


# --- inboxes: triage by severity, then age ------------------------------------------------------------------------

# The order a duty manager works alerts in (docs/alerts-operations.md, "Inboxes"): the rule's kind, and within a
# kind the alerts whose context factors raised their severity first. Context-only rules never alert.
KIND_ORDER = (ESCALATE, PROCESS_FAILURE, SUSPECT, CONSIDER)
# Each kind's tag: GOV.UK tag colours, always with the kind's name in words (never colour alone).
KIND_TAGS = {ESCALATE: "govuk-tag--red", PROCESS_FAILURE: "govuk-tag--purple", SUSPECT: "govuk-tag--orange",
             CONSIDER: "govuk-tag--teal"}
RAISED_SEVERITY = "raised"


def _triage_order(qs: QuerySet[Alert]) -> QuerySet[Alert]:
    """Severity first (the rule's kind in `KIND_ORDER`, then raised before standard severity), then age: the alert
    that has waited longest since it was raised comes first, so nothing is left at the bottom of a queue."""
    kind_rank = Case(*(When(rule_kind=k, then=Value(i)) for i, k in enumerate(KIND_ORDER)),
                     default=Value(len(KIND_ORDER)), output_field=IntegerField())
    severity_rank = Case(When(severity=RAISED_SEVERITY, then=Value(0)), default=Value(1), output_field=IntegerField())
    return qs.annotate(kind_rank=kind_rank, severity_rank=severity_rank).order_by(
        "kind_rank", "severity_rank", "raised_at", "pk")


@dataclass(frozen=True)
class InboxFilters:
    """What an inbox is narrowed to: a rule, a kind, a severity ("raised" or "standard"), a child (person id).
    Empty: everything."""

    rule: str = ""
    kind: str = ""
    severity: str = ""
    child: str = ""

    def apply(self, qs: QuerySet[Alert]) -> QuerySet[Alert]:
        if self.rule:
            qs = qs.filter(rule_id=self.rule)
        if self.kind:
            qs = qs.filter(rule_kind=self.kind)
        if self.severity == RAISED_SEVERITY:
            qs = qs.filter(severity=RAISED_SEVERITY)
        elif self.severity:
            qs = qs.exclude(severity=RAISED_SEVERITY)
        if self.child:
            try:
                qs = qs.filter(person_id=uuid.UUID(str(self.child)))
            except ValueError:
                return qs.none()
        return qs

    @property
    def active(self) -> bool:
        return bool(self.rule or self.kind or self.severity or self.child)


@dataclass(frozen=True)
class InboxChoices:
    """What an inbox's filters offer: the rules, kinds and children of the alerts in it (open or closed)."""

    rules: list[tuple[str, str]]
    kinds: list[tuple[str, str]]
    children: list[tuple[str, str]]


def _listing(qs: QuerySet[Alert], closed: bool, filters: InboxFilters | None = None) -> QuerySet[Alert]:
    """Open alerts in triage order (`_triage_order`); closed ones latest first."""
    qs = qs.select_related("person", "routed_to", "team", "escalated_to")
    if closed:
        qs = qs.exclude(status__in=OPEN_STATUSES).order_by("-closed_at")
    else:
        qs = _triage_order(qs.filter(status__in=OPEN_STATUSES))
    return (filters or InboxFilters()).apply(qs)


def _own(viewer) -> QuerySet[Alert]:
    mine = Alert.objects.filter(Q(routed_to=viewer) | Q(manager=viewer) | Q(escalated_to=viewer))
    return mine.exclude(person_id__in=sealed_person_ids(viewer))


def _team(viewer) -> QuerySet[Alert]:
    """Held by the viewer's team with no worker, or by the viewer; for its manager, held by any of its workers."""
    if viewer.role == Role.TEAM_MANAGER:
        team_q = Q(team_id=viewer.team_id)
    else:
        team_q = Q(team_id=viewer.team_id) & (Q(routed_to__isnull=True) | Q(routed_to=viewer))
    return Alert.objects.filter(team_q).exclude(person_id__in=sealed_person_ids(viewer))


def inbox_for(*, viewer, closed: bool = False, filters: InboxFilters | None = None) -> QuerySet[Alert]:
    """The viewer's own alerts: routed to them, or as the manager told or escalated to."""
    if not may_view_alerts(viewer):
        return Alert.objects.none()
    return _listing(_own(viewer), closed, filters)


def team_inbox_for(*, viewer, closed: bool = False, filters: InboxFilters | None = None) -> QuerySet[Alert]:
    """The viewer's team's alerts: held by the team (no worker) or by the viewer, or, for its manager, by any of its
    workers."""
    if not may_view_alerts(viewer) or not viewer.team_id:
        return Alert.objects.none()
    return _listing(_team(viewer), closed, filters)


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
            .exclude(person_id__in=sealed_person_ids(viewer))
            .select_related("person", "routed_to", "team", "proposed_by").order_by("proposed_at"))


def inbox_choices(*, viewer, team: bool = False, closed: bool = False) -> InboxChoices:
    """The rules, kinds and children an inbox's filters offer: those of the alerts the viewer's inbox lists."""
    if not may_view_alerts(viewer) or (team and not viewer.team_id):
        return InboxChoices([], [], [])
    qs = _team(viewer) if team else _own(viewer)
    qs = qs.exclude(status__in=OPEN_STATUSES) if closed else qs.filter(status__in=OPEN_STATUSES)
    rules = dict(qs.order_by().values_list("rule_id", "rule_name").distinct())
    kinds = set(qs.order_by().values_list("rule_kind", flat=True).distinct())
    people = Person.objects.filter(pk__in=qs.order_by().values("person_id")).order_by("family_name", "given_name",
                                                                                          "pk")
    return InboxChoices(
        rules=[(r, f"{r}: {rules[r]}") for r in sorted(rules, key=_rule_sort_key)],
        kinds=[(k, KIND_LABELS.get(k, k)) for k in (*KIND_ORDER, *sorted(kinds - set(KIND_ORDER))) if k in kinds],
        children=[(str(p.pk), p.display_name + (f", born {p.dob.day} {p.dob:%B %Y}" if p.dob else "")) for p in people],
    )


def _rule_sort_key(rule_id: str) -> tuple:
    """R2 before R10."""
    digits = "".join(c for c in rule_id if c.isdigit())
    return (rule_id.rstrip("0123456789"), int(digits) if digits else 0, rule_id)


def inbox_landing(viewer) -> str:
    """Where the menu's Alerts entry leads: "team" for members of a front-door team (they work their team's inbox),
    "own" for everyone else."""
    if not may_view_alerts(viewer) or not viewer.team_id:
        return "own"
    team = viewer.team
    return "team" if team is not None and team.is_front_door else "own"


def unread_count(*, viewer) -> int:
    """New (unacknowledged) alerts on the page the menu's Alerts entry opens (`inbox_landing`): the team's inbox for
    a front-door team's members, everyone else's own inbox. The count is what that page lists as new."""
    if not may_view_alerts(viewer):
        return 0
    qs = _team(viewer) if inbox_landing(viewer) == "team" else _own(viewer)
    return qs.filter(status=AlertStatus.NEW).count()


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


# --- reassigning an alert to a colleague (the write is `alerts.services.alert_reassign`) --------------------------

# Who may be given an alert: the roles that hold children's social care work (an allocated child, front-door duty).
# A head of service receives alerts only as a rule routes them or by escalation.
ASSIGNABLE_ROLES = frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FRONT_DOOR})


def may_reassign(user, alert: Alert) -> bool:
    """Whoever holds the open alert (the worker it is routed to), a team manager of the team holding it, or a head of
    service at the responsible authority (they manage its teams)."""
    if not may_view_alerts(user) or not alert.is_open:
        return False
    if alert.routed_to_id is not None and alert.routed_to_id == user.pk:
        return True
    if user.role == Role.TEAM_MANAGER:
        return user.team_id is not None and user.team_id == alert.team_id
    if user.role == Role.HEAD_OF_SERVICE:
        return user.agency_id is not None and user.agency_id == alert.agency_id
    return False


def may_hold(user, alert: Alert, *, agency_id=None, sealed: bool = True) -> bool:
    """Whether `user` may be given the alert: an active user of the responsible authority (`agency_id` when the
    alert names none) in a role that holds such work, for whom the child is not sealed (`sealed=False`: the caller
    knows the child is sealed for nobody)."""
    agency_id = alert.agency_id or agency_id
    return bool(user is not None and user.is_active and user.role in ASSIGNABLE_ROLES and agency_id is not None
                and user.agency_id == agency_id and not (sealed and is_sealed_for(user, alert.person_id)))


def reassign_candidates(*, viewer, alert: Alert) -> list:
    """The colleagues the viewer may give the alert to (none when they may not reassign it), by team and name;
    not whoever holds it now."""
    from joinedup.accounts.models import User

    if not may_reassign(viewer, alert):
        return []
    agency_id = alert.agency_id or viewer.agency_id
    people = (User.objects.filter(agency_id=agency_id, is_active=True, role__in=ASSIGNABLE_ROLES)
              .exclude(pk=alert.routed_to_id).select_related("team")
              .order_by("team__name", "last_name", "first_name", "username"))
    sealed = bool(sealed_for(None, [alert.person_id]))  # sealed for anyone at all
    return [u for u in people if may_hold(u, alert, agency_id=agency_id, sealed=sealed)]


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


@dataclass(frozen=True)
class PictureRow:
    """One row of the alert page's chronology: an event around the alert (`event`), a record the alert cites
    (`cited`), or both when the cited record is in the chronology. Each record is one row."""

    event: Event | None
    cited: EvidenceRow | None = None

    @property
    def occurred_on(self) -> dt.date | None:
        return self.event.occurred_on if self.event is not None else self.cited.occurred_on


@dataclass
class AlertPicture:
    """What the alert page shows besides the alert: its evidence and the chronology around it."""

    evidence: list[EvidenceRow]
    around: list[Event]  # the child's and housemates' events within AROUND_DAYS of the evidence
    start: dt.date | None
    end: dt.date | None
    evidence_keys: frozenset[str]
    rows: list[PictureRow] = field(default_factory=list)  # the two together, in time order, each record once


def _rows(evidence: list[EvidenceRow], around: list[Event]) -> list[PictureRow]:
    """The chronology around the alert with the records it cites in it, each once: a cited record the chronology
    shows is its row, marked; one it does not (not found, undated, or not the viewer's to see there) is a row of
    its own at its date (undated last)."""
    cited = {r.key: r for r in evidence}
    rows = [PictureRow(e, cited.get(e.key)) for e in around]
    shown = {e.key for e in around}
    rows += [PictureRow(None, r) for r in evidence if r.key not in shown]
    return sorted(rows, key=lambda r: (r.occurred_on is None, r.occurred_on or dt.date.min))


def alert_picture(*, alert: Alert, viewer, days: int = AROUND_DAYS) -> AlertPicture:
    chron = chronology_for(person=alert.person, viewer=viewer, household=True)
    evidence = alert_evidence(alert=alert, viewer=viewer, events=chron.all_events)
    days_seen = [r.occurred_on for r in evidence if r.occurred_on is not None]
    if not days_seen:
        return AlertPicture(evidence, [], None, None, frozenset(alert.evidence_keys), _rows(evidence, []))
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
    events = list(around.values())
    return AlertPicture(evidence, events, start, end, frozenset(alert.evidence_keys), _rows(evidence, events))


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
    evidence_on: dt.date | None = None  # when the latest record it cites happened (its current version's date)

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
    records = {pk: (code, payload, day) for pk, code, payload, day in SourceRecord.objects.filter(pk__in=record_ids)
               .values_list("pk", "agency__code", "current__payload", "occurred_on")}
    out = {}
    for a in alerts:
        notes = []
        days = []
        for item in a.evidence:
            code, payload, day = records.get(item.get("record_id"), ("", None, None))
            if day is not None:
                days.append(day)
            if payload is not None:
                whole, _keys = judge.hidden((payload or {}).get("detail") or {}, code)
                if whole:
                    notes.append(whole)
        factors = tuple(f for f in a.context_factors or () if f not in FACTOR_GROUPS
                        or judge.may_see(FACTOR_GROUPS[f], ""))
        hidden_factors = [f for f in a.context_factors or () if f not in factors]
        if notes:
            sentence = f"{'; '.join(dict.fromkeys(notes))}. The finding cites a record you may not see in full."
        elif hidden_factors:  # the finding's one "Context: …" clause, less the factors they may not see
            clause = f" Context: {', '.join(a.context_factors)}."
            shown_clause = f" Context: {', '.join(factors)}." if factors else ""
            if clause in a.sentence:
                sentence = a.sentence.replace(clause, shown_clause, 1)
            else:
                sentence = a.sentence.split(" Context: ", 1)[0] + shown_clause
            notes = [FIELD_GROUPS[FACTOR_GROUPS[f]].note for f in hidden_factors]
        else:
            sentence = a.sentence
        out[a.pk] = AlertShown(judge.redact(sentence), factors, bool(notes),  # a sealed person's name: never
                               evidence_on=max(days, default=None))
    return out
