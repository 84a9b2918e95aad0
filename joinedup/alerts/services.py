"""Alert writes: evaluating the rules for a child (one open alert per rule per child), routing them
(`alerts.routing`), and the lifecycle a person drives (acknowledge, act, dismiss; for an "escalate" alert, a proposal
to close it and a manager's agreement or disagreement) or the schedule drives (escalate). Each step is an
`AlertStep` and an audit row, written in the same transaction.

Evaluation never decides anything about a child: it raises, updates or closes alerts for a person to
decide on. A rule that raises an exception is logged and skipped (its alerts are left as they were), so
a faulty rule cannot stop records being received.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from joinedup.accounts.models import AgencyKind, Role, User
from joinedup.accounts.services import actor_for
from joinedup.alerts.context import child_context, children_among
from joinedup.alerts.models import OPEN_STATUSES, PROPOSABLE_OUTCOMES, Alert, AlertStatus, AlertStep, StepKind
from joinedup.alerts.routing import Route, base_route, head_of_service, route_for, team_manager
from joinedup.alerts.rules.base import ESCALATE, PROCESS_FAILURE, ROUTE_USUAL, Finding, Rule
from joinedup.alerts.rules.catalogue import RETIRED_RULES
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.chronology.kinds import KINDS
from joinedup.core import metrics
from joinedup.core.actor import ActorRef
from joinedup.core.progress import progress_bar
from joinedup.core.time import utc_now
from joinedup.core.transactions import reads_then_writes
from joinedup.ingest.models import Mention, SourceRecord
from joinedup.people.models import MentionLink, Person, ResidenceEpisode

logger = logging.getLogger(__name__)

SYSTEM = ActorRef.system("joinedup alerts")
SYSTEM_NAME = "joinedup (automatic)"
Progress = Callable[[str], None]


def catalogue_rules() -> list[Rule]:
    """The rules in force: `alerts.rules.catalogue.RULES`, or the list the setting JOINEDUP_ALERT_RULES names
    (a dotted path; tests and trials use it). None until the catalogue exists."""
    path = getattr(settings, "JOINEDUP_ALERT_RULES", "") or "joinedup.alerts.rules.catalogue.RULES"
    try:
        return list(import_string(path))
    except ImportError:
        logger.warning("alerts: no rule catalogue at %s", path)
        return []


def _rules(rules: Iterable[Rule] | None) -> list[Rule]:
    return catalogue_rules() if rules is None else list(rules)


# --- steps ---------------------------------------------------------------------------------------


def _actor_name(user: User | None) -> tuple[str, str]:
    if user is None:
        return SYSTEM_NAME, ""
    return (user.get_full_name() or user.username), (user.get_role_display() or "")


def _step(alert: Alert, kind: str, *, at: dt.datetime, user: User | None = None, actor: ActorRef = SYSTEM,
          text: str = "", link: str = "", detail: dict | None = None, action: str, reason: str = "") -> AlertStep:
    """Append the step to the alert's history and the audit trail (same transaction)."""
    name, role = _actor_name(user)
    step = AlertStep.objects.create(
        alert=alert, person_id=alert.person_id, kind=kind, at=at, actor_id=user.pk if user is not None else None,
        actor_name=name, actor_role=role, text=text, link=link, detail=detail or {},
    )
    audit_event_record(
        actor=actor_for(user) if user is not None else actor, action=action, object_type="alert", object_id=alert.pk,
        subject_person_id=alert.person_id, reason=reason,
        detail={"rule": alert.rule_id, "step": kind, **(detail or {})},
    )
    return step


def _route_detail(route: Route) -> dict:
    return {
        "routed_to": route.routed_to.username if route.routed_to else "",
        "team": route.team.name if route.team else "",
        "manager": route.manager.username if route.manager else "",
        "why": route.reason,
    }


def _evidence(keys: Iterable[str]) -> list[dict]:
    """The exact records (and the version the rule saw) behind each event key "<agency>:<source record id>"."""
    keys = list(dict.fromkeys(keys))
    wanted = Q()
    for key in keys:
        agency, _, source_id = key.partition(":")
        wanted |= Q(agency__code=agency, source_record_id=source_id)
    found = {}
    if keys:
        for pk, code, source_id, version_id, version in SourceRecord.objects.filter(wanted).values_list(
                "pk", "agency__code", "source_record_id", "current_id", "current__version"):
            found[f"{code}:{source_id}"] = {"record_id": pk, "version_id": version_id, "version": version}
    return [{"key": k, **found.get(k, {"record_id": None, "version_id": None, "version": None})} for k in keys]


# --- evaluation ----------------------------------------------------------------------------------


@dataclass
class Evaluation:
    raised: int = 0
    updated: int = 0  # something new: shown again and flagged as new evidence
    refreshed: int = 0  # brought up to date quietly (evidence aged out or corroborated, wording): nothing new
    resolved: int = 0
    rerouted: int = 0
    unchanged: int = 0
    failed_rules: int = 0
    failed_children: int = 0
    left_to_schedule: int = 0  # time-based findings a back-dated arrival did not raise (the schedule will)

    def add(self, other: Evaluation) -> None:
        for f in ("raised", "updated", "refreshed", "resolved", "rerouted", "unchanged", "failed_rules", "failed_children",
                  "left_to_schedule"):
            setattr(self, f, getattr(self, f) + getattr(other, f))

    def __str__(self) -> str:
        return (f"{self.raised} raised, {self.updated} updated with something new, {self.refreshed} brought up to "
                f"date, {self.resolved} closed as no longer applying, "
                f"{self.rerouted} re-routed"
                + (f"; {self.left_to_schedule} time-based findings left to the schedule (back-dated records)"
                   if self.left_to_schedule else "")
                + (f"; {self.failed_rules} rule failures (see the log)" if self.failed_rules else "")
                + (f"; {self.failed_children} children failed (see the log)" if self.failed_children else ""))


def _news(alert: Alert, finding: Finding) -> list[str]:
    """What the finding is about that the alert never was (`Finding.subjects`), or its severity rising: only
    these update an open alert so that it is shown again. An adult already named, an action already overdue,
    another record about them, a record ageing out of a window or a changed word is not news."""
    seen = set(alert.subjects_seen or alert.evidence_keys)
    news = [s for s in finding.subjects if s not in seen]
    if not news and finding.severity == "raised" and alert.severity != "raised":
        news = ["severity"]
    return news


def _finding_changed(alert: Alert, finding: Finding, applies_at: dt.datetime | None = None) -> bool:
    return (alert.evidence_keys != list(dict.fromkeys(finding.evidence)) or alert.sentence != finding.sentence
            or alert.severity != finding.severity or list(alert.context_factors) != list(finding.context_factors)
            or alert.due_at != finding.due_at or alert.applies_at != applies_at)


# --- a record's own time ---------------------------------------------------------------------------------

MAX_RECORD_DAYS = 12  # the latest days of a child's arriving records judged at their own time (a bulk load has many)


def record_moment(day: dt.date, at: dt.datetime) -> dt.datetime:
    """The time a record of `day` is judged at: the end of its day (UTC), never later than `at`."""
    return min(dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC), at)


def _day_text(moment: dt.datetime) -> str:
    day = moment.astimezone(dt.UTC).date()
    return f"{day.day} {day:%B %Y}"


def applied_on(finding: Finding, when: dt.datetime) -> Finding:
    """The finding, its sentence saying it was found at the day of a record received late."""
    return replace(finding, sentence=f"{finding.sentence} Found as things stood on {_day_text(when)}, the day of a "
                                     "record received late.")


def _judge(rule: Rule, ctx, times: list[dt.datetime]) -> tuple[Finding | None, dt.datetime | None]:
    """The rule's finding at the latest of `times` (latest first) at which it finds anything."""
    for when in times:
        finding = rule(ctx, when)
        if finding is not None:
            return finding, when
    return None, None


@transaction.atomic
def alerts_evaluate_for_person(*, person: Person, at: dt.datetime | None = None, rules: Iterable[Rule] | None = None,
                               actor: ActorRef = SYSTEM, record_days: Iterable[dt.date] | None = None) -> Evaluation:
    """Run the rules over the child as received by `at` (default now) and bring their alerts up to date.

    A finding with no open alert raises one (unless a person already acted on or dismissed an alert from the
    same rule on the same evidence); a finding for an open alert replaces its sentence and evidence; an open
    alert whose rule no longer finds anything is closed as no longer applying. Open alerts follow the child's
    allocation.

    `record_days` (an arrival: the days of the records that just arrived for the child or their household)
    judges each record at its own time (docs/alerts-operations.md, "A record's own time"): a rule that is not
    time-based is evaluated at `at` and at the end of each day before `at`'s (the latest `MAX_RECORD_DAYS`),
    with everything received by `at`, and the latest finding is kept; found only at an earlier day, the alert
    says so (`Alert.applies_at`). A time-based rule is evaluated at `at` only; when a record arrived for a day
    before `at`'s, it may update or close an open alert but not raise one (the schedule does, at its time).
    An open alert that applied at an earlier day stays open while its rule still finds it there.
    """
    now = utc_now()
    at = at or now
    rules = _rules(rules)
    out = Evaluation()
    list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk"))  # one evaluation per child at a time
    ctx = child_context(person, at) if rules else None
    back = sorted({record_moment(d, at) for d in (record_days or ()) if d < at.date()}, reverse=True)
    back = back[:MAX_RECORD_DAYS]
    open_alerts = {a.rule_id: a for a in Alert.objects.filter(person=person, status__in=OPEN_STATUSES)}
    findings: dict[str, Finding | None] = {}
    found_at: dict[str, dt.datetime | None] = {}
    for rule in rules:
        times = [at]
        if not rule.time_based:
            earlier = list(back)
            held = open_alerts.get(rule.id)
            if held is not None and held.applies_at is not None and held.applies_at < at:
                earlier.append(held.applies_at)  # an alert about an earlier day stays while it still applies there
            times += sorted(set(earlier), reverse=True)
        try:
            findings[rule.id], found_at[rule.id] = _judge(rule, ctx, times)
        except Exception:
            logger.exception("alert rule %s failed for person %s", rule.id, person.pk)
            out.failed_rules += 1
    base: list[Route] = []
    routes: dict[tuple, Route] = {}

    def route(rule: Rule | None, kind: str, finding: Finding | None = None) -> Route:  # each found once, if needed
        if not base:
            base.append(base_route(person=person, on=at.date()))
        how = rule.route if rule is not None else ROUTE_USUAL
        key = (kind == PROCESS_FAILURE, how)
        if key not in routes:
            routes[key] = route_for(person=person, rule_kind=kind, on=at.date(), base=base[0], route=how)
        return routes[key]

    by_id = {r.id: r for r in rules}
    for rule_id, finding in findings.items():
        rule = by_id[rule_id]
        alert = open_alerts.pop(rule_id, None)
        if finding is None:
            if alert is not None:
                _resolve(alert, now=now, actor=actor)
                out.resolved += 1
            continue
        when = found_at[rule_id] or at
        applies = when if when < at else None
        if applies is not None:
            finding = applied_on(finding, applies)
        if alert is None and rule.time_based and back:
            out.left_to_schedule += 1  # a back-dated arrival is not judged at the wall clock by a time-based rule
            continue
        if alert is None:
            last = (Alert.objects.filter(person=person, rule_id=rule_id,
                                         status__in=[AlertStatus.ACTED, AlertStatus.DISMISSED])
                    .order_by("-closed_at").first())
            if last is not None and set(finding.subjects) <= set(last.subjects_seen or last.evidence_keys):
                out.unchanged += 1  # a person already decided on this evidence
                continue
            _raise(person, rule, finding, route(rule, rule.kind, finding), now=now, at=when, actor=actor,
                   applies=applies)
            out.raised += 1
            continue
        if _news(alert, finding):
            _update(alert, finding, now=now, at=when, actor=actor, applies=applies)
            out.updated += 1
        elif _finding_changed(alert, finding, applies):
            _update(alert, finding, now=now, at=when, actor=actor, applies=applies, news=False)
            out.refreshed += 1
        else:
            out.unchanged += 1
        if _reroute(alert, route(rule, alert.rule_kind, finding), now=now, actor=actor):
            out.rerouted += 1
    in_force: dict[str, Rule] = {}
    for alert in open_alerts.values():  # rules not evaluated this time
        if alert.rule_id in RETIRED_RULES:  # taken out of the catalogue: it no longer applies
            _resolve(alert, now=now, actor=actor, text=RETIRED_RULES[alert.rule_id])
            out.resolved += 1
            continue
        if not in_force:
            in_force.update({r.id: r for r in catalogue_rules()})
        rule = in_force.get(alert.rule_id)
        if _reroute(alert, route(rule, alert.rule_kind), now=now, actor=actor):  # it follows the child's allocation
            out.rerouted += 1
    return out


def _raise(person: Person, rule: Rule, finding: Finding, route: Route, *, now, at, actor, applies=None) -> Alert:
    alert = Alert.objects.create(
        person=person, rule_id=rule.id, rule_name=rule.name, rule_kind=rule.kind, rule_explanation=rule.explanation,
        rule_evidence=rule.evidence, sentence=finding.sentence, evidence=_evidence(finding.evidence),
        severity=finding.severity, context_factors=list(finding.context_factors), due_at=finding.due_at,
        subjects_seen=list(finding.subjects), status=AlertStatus.NEW, raised_at=now, evidence_updated_at=now, evaluated_at=at, applies_at=applies,
        agency=route.agency, routed_to=route.routed_to, team=route.team, manager=route.manager, routed_at=now,
        routing_reason=route.reason[:300],
    )
    _step(alert, StepKind.RAISED, at=now, actor=actor, text=finding.sentence, action=AuditAction.ALERT_RAISE,
          detail={"evidence": alert.evidence_keys, "severity": finding.severity, **_applies(applies),
                  **_route_detail(route)})
    metrics.count_on_commit(metrics.ALERTS_RAISED, {(rule.id,): 1})  # operators' metrics: the rule id only
    return alert


def _applies(applies: dt.datetime | None) -> dict:
    return {"applies_at": applies.isoformat()} if applies is not None else {}


def _update(alert: Alert, finding: Finding, *, now, at, actor, applies=None, news: bool = True) -> None:
    """Replace the alert's finding. With news (`_news`) it is a step in the alert's history, flagged as new
    evidence to whoever holds it; without, the alert is brought up to date quietly (audited, not a step)."""
    before = set(alert.evidence_keys)
    alert.sentence = finding.sentence
    alert.evidence = _evidence(finding.evidence)
    alert.severity = finding.severity
    alert.context_factors = list(finding.context_factors)
    alert.due_at = finding.due_at
    alert.evaluated_at = at
    alert.applies_at = applies
    alert.subjects_seen = list(dict.fromkeys([*alert.subjects_seen, *finding.subjects]))
    added = [k for k in alert.evidence_keys if k not in before]
    fields = ["sentence", "evidence", "severity", "context_factors", "due_at", "evaluated_at", "applies_at",
              "subjects_seen"]
    if news:
        alert.evidence_updated_at = now
        fields.append("evidence_updated_at")
    alert.save(update_fields=fields)
    detail = {"evidence": alert.evidence_keys, "added": added, "removed": sorted(before - set(alert.evidence_keys)),
              "severity": finding.severity, **_applies(applies)}
    if news:
        _step(alert, StepKind.UPDATED, at=now, actor=actor, text=finding.sentence, action=AuditAction.ALERT_UPDATE,
              detail=detail)
    else:
        audit_event_record(actor=actor, action=AuditAction.ALERT_REFRESH, object_type="alert", object_id=alert.pk,
                           subject_person_id=alert.person_id, detail={"rule": alert.rule_id, **detail})


def _reroute(alert: Alert, route: Route, *, now, actor) -> bool:
    current = (alert.routed_to_id, alert.team_id, alert.manager_id, alert.agency_id)
    if current == route.key():
        return False
    if _reassigned_from(alert) == _key(route.key()):
        return False  # a person gave it to a colleague: it stays with them until its route changes (`alert_reassign`)
    alert.routed_to, alert.team, alert.manager, alert.agency = route.routed_to, route.team, route.manager, route.agency
    alert.routed_at, alert.routing_reason = now, route.reason[:300]
    alert.save(update_fields=["routed_to", "team", "manager", "agency", "routed_at", "routing_reason"])
    who = route.routed_to or route.team
    _step(alert, StepKind.ROUTED, at=now, actor=actor, text=f"Now with {who or 'nobody'}: {route.reason}.",
          action=AuditAction.ALERT_ROUTE, detail=_route_detail(route))
    return True


def _key(values) -> list:
    return [None if v is None else str(v) for v in values]


def _reassigned_from(alert: Alert) -> list | None:
    """The route the rules gave the alert before a person last reassigned it, if its latest routing was a
    reassignment (else None)."""
    last = (AlertStep.objects.filter(alert=alert, kind=StepKind.ROUTED).order_by("-at", "-id")
            .values_list("detail", flat=True).first())
    return (last or {}).get("automatic") if (last or {}).get("reassigned") else None


@transaction.atomic
def alert_reassign(*, user: User, alert: Alert, to: User | None, reason: str = "") -> Alert:
    """Give an open alert to a colleague: by whoever holds it, a team manager of the team holding it, or a head of
    service at the responsible authority (`selectors.may_reassign`); to an active user of the same authority who holds
    such work (`selectors.may_hold`). The colleague's team holds it with them; a manager told of it is their team's
    manager; its escalation clock starts again. A ROUTED step (its detail says `reassigned`) and an `alert.reassign`
    audit row, in this transaction. An acknowledged alert is new again for them (a proposal awaiting a manager's
    agreement still waits). It stays with the colleague until the route the rules give it changes (the child is
    allocated to someone, say): `_reroute`."""
    from joinedup.alerts.selectors import may_hold, may_reassign

    reason = (reason or "").strip()
    if len(reason) > 2000:
        raise ValueError("reason: use at most 2,000 characters.")
    _check(user, alert)
    alert = _locked(alert)
    if not alert.is_open:
        raise _closed_already(alert)
    if not may_reassign(user, alert):
        raise PermissionError("alert: only whoever holds it, or a manager of the team holding it, may reassign it")
    if to is None:
        raise ValueError("to: choose the colleague to give it to.")
    if to.pk == alert.routed_to_id:
        raise ValueError("to: the alert is already with them: choose someone else.")
    if not may_hold(to, alert, agency_id=user.agency_id):
        raise ValueError("to: choose an active colleague at the same authority who works children's cases.")
    before = ((alert.routed_to.get_full_name() or alert.routed_to.username) if alert.routed_to is not None
              else alert.team.name if alert.team is not None else "nobody")
    before_key = alert.routed_to.username if alert.routed_to is not None else alert.team.name if alert.team else ""
    automatic = _reassigned_from(alert) or _key((alert.routed_to_id, alert.team_id, alert.manager_id,
                                                 alert.agency_id))
    manager = team_manager(to.team, besides=to) if alert.manager_id is not None else None
    by = user.get_full_name() or user.username
    who = to.get_full_name() or to.username
    route = Route(to, to.team, manager, alert.agency,
                  f"reassigned to {who} by {by}" + (f": {reason}" if reason else ""))
    now = utc_now()
    alert.routed_to, alert.team, alert.manager = route.routed_to, route.team, route.manager
    alert.routed_at, alert.routing_reason = now, route.reason[:300]
    if alert.status == AlertStatus.ACKNOWLEDGED:  # new to them: they acknowledge it (or it is escalated) in turn
        alert.status, alert.acknowledged_at, alert.acknowledged_by = AlertStatus.NEW, None, None
    alert.save(update_fields=["routed_to", "team", "manager", "routed_at", "routing_reason", "status",
                              "acknowledged_at", "acknowledged_by"])
    _step(alert, StepKind.ROUTED, at=now, user=user, action=AuditAction.ALERT_REASSIGN, reason=reason,
          text=f"Reassigned to {who} ({to.get_role_display()}{', ' + to.team.name if to.team else ''})"
               f" from {before}" + (f": {reason}" if reason else "."),
          detail={**_route_detail(route), "reassigned": True, "automatic": automatic,
                  "from": before_key})
    return alert


NO_LONGER_FOUND = ("The rule no longer finds this (for example the missing step has now been recorded, or a record "
                   "was corrected).")


def _resolve(alert: Alert, *, now, actor, text: str = NO_LONGER_FOUND) -> None:
    alert.status = AlertStatus.RESOLVED
    alert.closed_at = now
    alert.save(update_fields=["status", "closed_at"])
    _step(alert, StepKind.RESOLVED, at=now, actor=actor, action=AuditAction.ALERT_RESOLVE, text=text)


def alerts_evaluate_people(*, person_ids: Iterable, at: dt.datetime | None = None, rules: Iterable[Rule] | None = None,
                           actor: ActorRef = SYSTEM, progress: Progress | None = None,
                           include_households: bool = True,
                           arrived_mention_ids: Iterable[int] | None = None) -> tuple[int, Evaluation]:
    """Evaluate every child among the people (and, with `include_households`, the children living at their
    addresses), each in its own transaction (`core.transactions.reads_then_writes`: on SQLite the write lock is taken
    at its first write). Returns how many children were evaluated and what changed.

    `arrived_mention_ids` (an arrival: the mentions just linked) judges each child's rules at the days of the
    records that arrived for them or anyone living at their addresses as well (`alerts_evaluate_for_person`)."""
    at_day = (at or utc_now()).date()
    rules = _rules(rules)
    ids = set(person_ids)
    if include_households and ids:
        ids |= housemates_of(ids)
    children = sorted(children_among(ids, at_day), key=str)
    days = arrival_days(children, arrived_mention_ids) if arrived_mention_ids is not None else {}
    total = Evaluation()
    started = time.perf_counter()
    step = max(1, len(children) // 20)
    bar = progress_bar(progress, total=len(children), desc="Alerts", unit=" children")
    for n, pid in enumerate(children, 1):
        person = Person.objects.filter(pk=pid).first()
        if person is None:
            continue
        try:  # on SQLite the write lock is taken at the evaluation's first write, not while it reads
            total.add(reads_then_writes(alerts_evaluate_for_person, person=person, at=at, rules=rules, actor=actor,
                                        record_days=days.get(pid)))
        except Exception:  # one child's failure (logged) must not stop the others' alerts
            logger.exception("alerts: evaluation failed for person %s", pid)
            total.failed_children += 1
        if bar is not None:
            bar.update(1)
            if n % step == 0:
                bar.set_postfix_str(f"{total.raised:,} raised", refresh=False)
        elif progress is not None and (n % step == 0 or n == len(children)):
            progress(f"Alerts: {n:,} of {len(children):,} children evaluated in {time.perf_counter() - started:.1f} s "
                     f"({total}).")
    if bar is not None:
        bar.close()
        progress(f"Alerts: {len(children):,} children evaluated in {time.perf_counter() - started:.1f} s ({total}).")
    return len(children), total


def arrival_days(children: Iterable, mention_ids: Iterable[int]) -> dict:
    """Child → the days of the arriving records (these mentions') that name them or someone seen at their
    addresses: the times those records are judged at."""
    mention_ids = list(mention_ids)
    by_person: dict = defaultdict(set)
    for i in range(0, len(mention_ids), 500):
        for pid, day in (MentionLink.objects.filter(mention_id__in=mention_ids[i:i + 500], person__isnull=False)
                         .values_list("person_id", "mention__occurred_on")):
            by_person[pid].add(day)
    children = list(children)
    out = {c: set(by_person.get(c, ())) for c in children}
    people = list(by_person)
    at_address: dict = defaultdict(set)
    for i in range(0, len(people), 500):
        for pid, key in ResidenceEpisode.objects.filter(person_id__in=people[i:i + 500]).values_list(
                "person_id", "address_key"):
            at_address[key] |= by_person[pid]
    for i in range(0, len(children), 500):
        for pid, key in ResidenceEpisode.objects.filter(person_id__in=children[i:i + 500]).values_list(
                "person_id", "address_key"):
            out[pid] |= at_address.get(key, set())
    return out


def housemates_of(person_ids: set) -> set:
    """People seen at the same addresses as these people (the children a new adult in the house affects)."""
    ids = list(person_ids)
    keys: set[str] = set()
    for i in range(0, len(ids), 500):
        keys |= set(ResidenceEpisode.objects.filter(person_id__in=ids[i:i + 500]).values_list("address_key", flat=True))
    keys = list(keys)
    out: set = set()
    for i in range(0, len(keys), 500):
        out |= set(ResidenceEpisode.objects.filter(address_key__in=keys[i:i + 500]).values_list("person_id", flat=True))
    return out


# --- the schedule --------------------------------------------------------------------------------

# Children's social care work that makes a case open until a closure record (Working Together timescales).
CASEWORK_KINDS = [k for k, info in KINDS.items() if info.casework]
PLAN_KINDS = [k for k, info in KINDS.items() if info.plan]
INJURY_KINDS = ["injury", "ed_attendance", "admission", "ambulance_callout"]


def children_for_schedule(*, on: dt.date, open_case_days: int = 365, injury_days: int = 30) -> list:
    """Children whose time-based rules can fall due: allocated, on a plan or looked after, with children's
    social care work in the last year not followed by a closure, with an injury recorded lately, or with an
    open alert (so that it can be closed when it stops applying)."""
    from joinedup.casework.models import Allocation

    ids = set(Allocation.objects.filter(ended_at__isnull=True).values_list("person_id", flat=True))
    csc = Mention.objects.filter(withdrawn=False, link__person__isnull=False,
                                 agency__kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    ids |= set(csc.filter(record__kind__in=PLAN_KINDS, occurred_on__lte=on)
               .filter(Q(record__ended_on__isnull=True) | Q(record__ended_on__gt=on))
               .values_list("link__person_id", flat=True))
    latest: dict = {}
    for pid, kind, day in csc.filter(record__kind__in=CASEWORK_KINDS, occurred_on__lte=on,
                                     occurred_on__gte=on - dt.timedelta(days=open_case_days)).values_list(
            "link__person_id", "record__kind", "occurred_on"):
        if pid not in latest or day >= latest[pid][1]:
            latest[pid] = (kind, day)
    ids |= {pid for pid, (kind, _day) in latest.items() if kind != "case_closure"}
    ids |= set(Mention.objects.filter(withdrawn=False, link__person__isnull=False, record__kind__in=INJURY_KINDS,
                                      occurred_on__gte=on - dt.timedelta(days=injury_days), occurred_on__lte=on)
               .values_list("link__person_id", flat=True))
    ids |= set(Alert.objects.filter(status__in=OPEN_STATUSES).values_list("person_id", flat=True))
    return children_among(ids, on)


def alerts_run_scheduled(*, at: dt.datetime | None = None, rules: Iterable[Rule] | None = None,
                         all_children: bool = False, actor: ActorRef = SYSTEM,
                         progress: Progress | None = None) -> tuple[int, Evaluation]:
    """The scheduled evaluation: time-based rules (visits, reviews, assessments overdue; child not seen) for
    the children they can apply to. With `all_children`, every rule for every child (after a bulk load)."""
    at = at or utc_now()
    rules = _rules(rules)
    if all_children:
        people = Person.objects.filter(merged_into__isnull=True).values_list("pk", flat=True)
        return alerts_evaluate_people(person_ids=people, at=at, rules=rules, actor=actor, progress=progress,
                                      include_households=False)
    timed = [r for r in rules if r.time_based]
    return alerts_evaluate_people(person_ids=children_for_schedule(on=at.date()), at=at, rules=timed, actor=actor,
                                  progress=progress, include_households=False)


# --- a person's decisions --------------------------------------------------------------------------


def _check(user: User, alert: Alert) -> None:
    from joinedup.alerts.selectors import alert_visible

    if not alert_visible(viewer=user, alert=alert):
        raise PermissionError("alert: not visible to this user")


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


class AlertClosed(ValueError):
    """The alert was closed after the caller loaded it (someone else acted on or dismissed it, a manager agreed, or
    it no longer applies): nothing was changed. Of two people closing an alert at once, the second gets this."""


def _closed_already(alert: Alert) -> AlertClosed:
    at = timezone.localtime(alert.closed_at) if alert.closed_at else None
    when = f" at {at:%H:%M} on {at.day} {at:%B %Y}" if at else ""
    if alert.status == AlertStatus.RESOLVED or alert.closed_by is None:
        return AlertClosed(f"alert: this alert is already closed: it no longer applies (closed{when}): nothing was "
                           "changed.")
    who = alert.closed_by.get_full_name() or alert.closed_by.username
    how = "dismissed it" if alert.status == AlertStatus.DISMISSED else "closed it as acted on"
    return AlertClosed(f"alert: this alert is already closed: {who} {how}{when}: nothing was changed.")


@transaction.atomic
def alert_acknowledge(*, user: User, alert: Alert) -> Alert:
    """The holder has seen it (stops escalation). Acknowledging twice does nothing."""
    _check(user, alert)
    alert = _locked(alert)
    if alert.status != AlertStatus.NEW:
        return alert
    now = utc_now()
    alert.status, alert.acknowledged_at, alert.acknowledged_by = AlertStatus.ACKNOWLEDGED, now, user
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    _step(alert, StepKind.ACKNOWLEDGED, at=now, user=user, action=AuditAction.ALERT_ACKNOWLEDGE)
    return alert


def _close(user: User, alert: Alert, status: str, *, outcome: str, link: str = "") -> tuple[Alert, dt.datetime]:
    """Close an open alert (acted on or dismissed) as `user`; closing also acknowledges it if nobody had. An escalate
    alert is closed only by a manager who may agree (`may_agree`); anyone else proposes (`alert_propose_close`)."""
    _check(user, alert)
    alert = _locked(alert)
    if not alert.is_open:
        raise _closed_already(alert)
    if needs_agreement(user, alert):
        raise AgreementNeeded(AGREEMENT_NEEDED)
    if alert.awaiting_agreement:
        raise ValueError("alert: closing it is proposed and awaits a manager's agreement: agree or disagree with it.")
    now = utc_now()
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, user
    alert.status, alert.closed_at, alert.closed_by = status, now, user
    alert.outcome, alert.outcome_link = outcome, link
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "closed_at", "closed_by", "outcome",
                              "outcome_link"])
    return alert, now


@transaction.atomic
def alert_act(*, user: User, alert: Alert, action: str, link: str = "") -> Alert:
    """Close the alert with what was done (required) and, optionally, a link or reference to it."""
    action, link = (action or "").strip(), (link or "").strip()
    if not action:
        raise ValueError("action: say what was done.")
    if len(link) > 500:
        raise ValueError("link: use at most 500 characters.")
    alert, now = _close(user, alert, AlertStatus.ACTED, outcome=action, link=link)
    _step(alert, StepKind.ACTED, at=now, user=user, text=action, link=link, action=AuditAction.ALERT_ACT,
          detail={"link": link} if link else None)
    return alert


@transaction.atomic
def alert_dismiss(*, user: User, alert: Alert, reason: str) -> Alert:
    """Close the alert as needing no action, with the reason (required)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("reason: say why no action is needed.")
    alert, now = _close(user, alert, AlertStatus.DISMISSED, outcome=reason)
    _step(alert, StepKind.DISMISSED, at=now, user=user, text=reason, action=AuditAction.ALERT_DISMISS, reason=reason)
    return alert


# --- a manager's agreement to close an "escalate" alert ---------------------------------------------------------
# An escalate alert (a child not seen, or a sign that calls for more than the holder alone: docs/alerts.md, kind
# "escalate"; /work/shared/docs/signals.md) is never closed by one worker alone. Anyone who holds it proposes to
# close it (acted on, or dismissed) with what was done or why; it stays open, awaiting a manager's agreement, until a
# team manager of the team holding it, or a head of service of the responsible authority, agrees (it closes as
# proposed) or disagrees (it stays open, with their reason). Each is a step in the child's history and an audit row.

AGREEMENT_NEEDED = ("alert: this is an escalate alert: it closes only with a manager's agreement. Propose closing it; "
                    "it stays open until a team manager of the team holding it (or a head of service) agrees.")


class AgreementNeeded(ValueError):
    """Someone who may not close an escalate alert alone tried to; they may propose closing it instead."""


def may_agree(user: User | None, alert: Alert) -> bool:
    """A team manager of the team holding the alert, or a head of service at the responsible authority."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role == Role.TEAM_MANAGER:
        return user.team_id is not None and user.team_id == alert.team_id
    if user.role == Role.HEAD_OF_SERVICE:
        return user.agency_id is not None and user.agency_id == alert.agency_id
    return False


def needs_agreement(user: User | None, alert: Alert) -> bool:
    """Closing this alert as `user` needs a manager's agreement: an escalate alert, and `user` may not agree."""
    return alert.rule_kind == ESCALATE and not may_agree(user, alert)


def _proposal_text(outcome: str, text: str, link: str) -> tuple[str, str]:
    text, link = (text or "").strip(), (link or "").strip()
    if outcome not in PROPOSABLE_OUTCOMES:
        raise ValueError("outcome: propose closing it as acted on or dismissed.")
    if not text:
        raise ValueError("action: say what was done." if outcome == AlertStatus.ACTED
                         else "reason: say why no action is needed.")
    if len(link) > 500:
        raise ValueError("link: use at most 500 characters.")
    return text, (link if outcome == AlertStatus.ACTED else "")


@transaction.atomic
def alert_propose_close(*, user: User, alert: Alert, outcome: str, text: str, link: str = "") -> Alert:
    """Propose closing an escalate alert as acted on (`text`: what was done; `link` optional) or dismissed (`text`:
    why no action is needed). It stays open, awaiting a manager's agreement; proposing also acknowledges it."""
    text, link = _proposal_text(outcome, text, link)
    _check(user, alert)
    alert = _locked(alert)
    if not alert.is_open:
        raise _closed_already(alert)
    if alert.rule_kind != ESCALATE:
        raise ValueError("alert: only an escalate alert needs a manager's agreement: close this one yourself.")
    if alert.awaiting_agreement:
        raise ValueError("alert: closing it is already proposed and awaiting a manager's agreement.")
    if may_agree(user, alert):
        raise ValueError("alert: as a manager who may agree, close it yourself.")
    now = utc_now()
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, user
    alert.status = AlertStatus.AWAITING_AGREEMENT
    alert.proposed_outcome, alert.proposed_text, alert.proposed_link = outcome, text, link
    alert.proposed_at, alert.proposed_by = now, user
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "proposed_outcome", "proposed_text",
                              "proposed_link", "proposed_at", "proposed_by"])
    verb = "close it as acted on" if outcome == AlertStatus.ACTED else "dismiss it"
    _step(alert, StepKind.PROPOSED, at=now, user=user, text=f"Proposed to {verb}: {text}", link=link,
          action=AuditAction.ALERT_PROPOSE, reason=text, detail={"outcome": outcome, **({"link": link} if link else {})})
    return alert


def _awaiting(user: User, alert: Alert) -> Alert:
    _check(user, alert)
    alert = _locked(alert)
    if not alert.is_open:
        raise _closed_already(alert)
    if not alert.awaiting_agreement:
        raise ValueError("alert: nothing about this alert is awaiting a manager's agreement.")
    if not may_agree(user, alert):
        raise PermissionError("alert: only a team manager of the team holding it, or a head of service, may decide")
    if alert.proposed_by_id == user.pk:
        raise PermissionError("alert: a proposal is agreed by someone other than its proposer")
    return alert


@transaction.atomic
def alert_agree(*, user: User, alert: Alert, note: str = "") -> Alert:
    """A manager agrees to the proposal: the alert closes as proposed (what was done, or why not), closed by them."""
    note = (note or "").strip()
    alert = _awaiting(user, alert)
    now = utc_now()
    proposer = alert.proposed_by
    alert.status, alert.closed_at, alert.closed_by = alert.proposed_outcome, now, user
    alert.outcome, alert.outcome_link = alert.proposed_text, alert.proposed_link
    alert.save(update_fields=["status", "closed_at", "closed_by", "outcome", "outcome_link"])
    verb = "closed as acted on" if alert.status == AlertStatus.ACTED else "dismissed"
    who = (proposer.get_full_name() or proposer.username) if proposer is not None else "a colleague"
    text = f"Agreed: {verb} as {who} proposed: {alert.outcome}" + (f"\nManager's note: {note}" if note else "")
    _step(alert, StepKind.AGREED, at=now, user=user, text=text, link=alert.outcome_link,
          action=AuditAction.ALERT_AGREE, reason=note,
          detail={"outcome": alert.status, "proposed_by": proposer.username if proposer is not None else ""})
    return alert


@transaction.atomic
def alert_disagree(*, user: User, alert: Alert, reason: str) -> Alert:
    """A manager disagrees (reason required): the proposal is set aside and the alert stays open, acknowledged."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("reason: say why the alert stays open.")
    alert = _awaiting(user, alert)
    now = utc_now()
    proposed = {"outcome": alert.proposed_outcome,
                "proposed_by": alert.proposed_by.username if alert.proposed_by is not None else ""}
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.proposed_outcome = alert.proposed_text = alert.proposed_link = ""
    alert.proposed_at = alert.proposed_by = None
    alert.save(update_fields=["status", "proposed_outcome", "proposed_text", "proposed_link", "proposed_at",
                              "proposed_by"])
    _step(alert, StepKind.DISAGREED, at=now, user=user, text=reason, action=AuditAction.ALERT_DISAGREE,
          reason=reason, detail=proposed)
    return alert


# --- escalation ----------------------------------------------------------------------------------


def escalate_after() -> dt.timedelta:
    return dt.timedelta(hours=float(getattr(settings, "JOINEDUP_ALERT_ESCALATE_AFTER_HOURS", 24)))


def escalation_target(alert: Alert) -> User | None:
    """The manager of the team holding the alert (not its holder); else a head of service at the authority."""
    manager = team_manager(alert.team, besides=alert.routed_to)
    if manager is not None:
        return manager
    return head_of_service(alert.agency, besides=alert.routed_to)


@transaction.atomic
def alert_escalate(*, alert: Alert, now: dt.datetime | None = None, actor: ActorRef = SYSTEM) -> bool:
    """Send an unacknowledged alert to the manager. False if it was acknowledged meanwhile or has nobody to go to."""
    now = now or utc_now()
    alert = _locked(alert)
    if alert.status != AlertStatus.NEW or alert.escalated_at is not None:
        return False
    target = escalation_target(alert)
    if target is None:
        return False
    waited = now - alert.routed_at
    hours = int(waited.total_seconds() // 3600)
    alert.escalated_at, alert.escalated_to = now, target
    alert.save(update_fields=["escalated_at", "escalated_to"])
    _step(alert, StepKind.ESCALATED, at=now, actor=actor, action=AuditAction.ALERT_ESCALATE,
          text=f"Not acknowledged after {hours} hours: sent to {target.get_full_name() or target.username} "
               f"({target.get_role_display()}).",
          detail={"escalated_to": target.username, "waited_hours": hours})
    return True


def alerts_escalate_overdue(*, now: dt.datetime | None = None, after: dt.timedelta | None = None,
                            actor: ActorRef = SYSTEM, progress: Progress | None = None) -> tuple[int, int]:
    """Escalate every alert left unacknowledged longer than the setting. Returns (escalated, with nobody to go to)."""
    now = now or utc_now()
    cutoff = now - (after if after is not None else escalate_after())
    due = list(Alert.objects.filter(status=AlertStatus.NEW, escalated_at__isnull=True, routed_at__lte=cutoff)
               .order_by("routed_at"))
    done = nobody = 0
    for alert in due:
        if alert_escalate(alert=alert, now=now, actor=actor):
            done += 1
        else:
            nobody += 1
    if progress is not None:
        progress(f"Escalation: {len(due):,} alerts unacknowledged since before {cutoff:%Y-%m-%d %H:%M} UTC; "
                 f"{done:,} sent to a manager, {nobody:,} with no manager to send to.")
    return done, nobody
