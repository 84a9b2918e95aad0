"""Loading a simulated authority's practice file (`practice/practice.jsonl`, docs/simulator.md) into the demo
through the practice services, so the demo shows supervision, minutes with dissent and concerns (issue 13).

What the demo users stand in for:
- the simulated social worker whose supervision is recorded in joinedup is `sam.okafor`, supervised by
  `tara.lindqvist`; the children discussed whose case is open are allocated to him (the demo's allocation
  prefers them, `supervision_children`), and children whose case has closed since are left out;
- minutes about his children are written by him and approved by her; other minutes (and the safeguarding
  partnership's) by `helen.marsh`, the head of service, who may see any child;
- concerns are logged by `femi.adeyemi` at the front door (a whistleblower's by `helen.marsh`) and answered by
  `tara.lindqvist` (a whistleblower's by `helen.marsh`).

Each item is written as it would have been at the time (`recorded_as_of`: the service's clock reads the simulated
moment while it runs; the audit rows keep the real time of loading). Nothing is loaded twice: an item already in
the database (the same session day, meeting time and title, or concern receipt) is kept as it is.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from django.db import transaction

from joinedup.accounts.models import User
from joinedup.casework.services.recording import recorded_as_of
from joinedup.core.progress import progress_bar

PRACTICE_FILE = Path("practice") / "practice.jsonl"
CSC_AGENCY = "northbrook-childrens-services"  # the simulated children's services (and the demo's own)
WORKER, MANAGER, HEAD, FRONT_DOOR = "sam.okafor", "tara.lindqvist", "helen.marsh", "femi.adeyemi"
CSC_NAMES = {"Social worker": WORKER, "Team manager": MANAGER, "Head of service": HEAD}
# The demo loads every supervision session and every meeting about the demo worker's children, but only a selection
# of the rest, so that `make demo` stays quick whatever the authority's size: the meetings with a dissent (escalated
# first) and the latest others, and the concerns left unanswered, answered late or from a whistleblower first.
OTHER_MEETINGS = 20
CONCERNS = 12


def _refusals() -> tuple[type[Exception], ...]:
    from joinedup.casework.services.recording import Conflict

    return (ValueError, PermissionError, Conflict)  # StepInvalid and Refused are ValueErrors


@dataclass
class PracticeLoaded:
    """What one run loaded (and kept, and left out, with why)."""

    sessions: int = 0
    discussions: int = 0
    actions_done: int = 0
    meetings: int = 0
    approved: int = 0
    dissents: int = 0
    escalations: int = 0
    concerns: int = 0
    answered: int = 0
    kept: int = 0
    left_out: dict[str, int] = field(default_factory=dict)
    refusals: list[str] = field(default_factory=list)

    def leave_out(self, why: str) -> None:
        self.left_out[why] = self.left_out.get(why, 0) + 1

    def refused(self, what: str, exc: Exception) -> None:
        """A service refused an item: it is left out (and said), the rest is loaded."""
        self.leave_out(f"{what} the services refused")
        if len(self.refusals) < 3:
            self.refusals.append(f"{what}: {exc}")

    def line(self) -> str:
        """One line for the person running the demo: what was loaded and where to see it."""
        if not (self.sessions or self.meetings or self.concerns):
            return f"Practice: nothing new loaded ({self.kept} items already there)." + self._left_out()
        return (
            f"Practice: {self.sessions} supervision sessions of sam.okafor by tara.lindqvist ({self.discussions} "
            f"decisions, {self.actions_done} actions done) — see /supervision/ as tara.lindqvist; {self.meetings} "
            f"meetings' minutes ({self.approved} approved, {self.dissents} dissents, {self.escalations} escalated) — "
            f"/meetings/ as helen.marsh; {self.concerns} concerns ({self.answered} answered) — /concerns/ as "
            f"helen.marsh or tara.lindqvist." + (f" Kept {self.kept} already there." if self.kept else "")
            + self._left_out()
        )

    def _left_out(self) -> str:
        if not self.left_out:
            return ""
        refusals = f" ({'; '.join(self.refusals)})" if self.refusals else ""
        return " Left out: " + "; ".join(f"{n} {why}" for why, n in sorted(self.left_out.items())) + "." + refusals


def read_practice(simulated: Path) -> list[dict[str, Any]] | None:
    """The practice file's objects in order, or None when the simulated authority has none."""
    path = simulated / PRACTICE_FILE
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _moment(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


@contextmanager
def _alerts_once(progress: Callable[[str], None], before: Callable[[], None] = lambda: None) -> Iterator[None]:
    """Evaluate the alerts of the children the load touched once, at the end, rather than after every record
    (as `joinedup link` does after a batch): the same evaluation, without repeating it for a child at every
    record written about them."""
    from joinedup.alerts.receivers import evaluate_linked
    from joinedup.alerts.services import alerts_evaluate_people
    from joinedup.people.signals import persons_linked

    touched: set = set()

    def collect(sender, *, person_ids, **kwargs):
        touched.update(person_ids)

    persons_linked.disconnect(dispatch_uid="alerts.evaluate_linked")
    persons_linked.connect(collect, weak=False, dispatch_uid="demo.practice.collect")
    try:
        yield
    finally:
        persons_linked.disconnect(dispatch_uid="demo.practice.collect")
        persons_linked.connect(evaluate_linked, dispatch_uid="alerts.evaluate_linked")
    before()
    if touched:
        progress(f"Evaluating the alerts of the {len(touched)} people the practice touched")
        alerts_evaluate_people(person_ids=touched, progress=progress)


def _people(local_ids: set[str]) -> dict[str, Any]:
    """The person each children's services person id is linked to now (following merges)."""
    from joinedup.ingest.models import Mention
    from joinedup.people.models import Person

    pairs = dict(Mention.objects.filter(agency__code=CSC_AGENCY, local_person_id__in=sorted(local_ids),
                                        link__person__isnull=False, withdrawn=False)
                 .order_by("local_person_id", "id").values_list("local_person_id", "link__person_id"))
    persons = {p.pk: p for p in Person.objects.filter(pk__in=set(pairs.values()))}
    out = {}
    for local, pk in pairs.items():
        person, hops = persons.get(pk), 0
        while person is not None and person.merged_into_id is not None and hops < 20:
            person, hops = Person.objects.get(pk=person.merged_into_id), hops + 1
        if person is not None:
            out[local] = person
    return out


def _open(person) -> bool:
    from joinedup.casework.models import Case

    return Case.objects.filter(person=person, agency__code=CSC_AGENCY, is_open=True).exists()


def supervision_children(simulated: Path) -> list:
    """The children discussed in the practice file's supervision sessions whose case is open now (most recently
    discussed first): the demo social worker's caseload."""
    items = read_practice(simulated) or []
    order: list[str] = []
    for item in sorted((i for i in items if i["type"] == "supervision"), key=lambda i: i["held_on"], reverse=True):
        order += [c["child"] for c in item["children"] if c["child"] not in order]
    people = _people(set(order))
    chosen = []
    for local in order:
        person = people.get(local)
        if person is not None and person not in chosen and _open(person):
            chosen.append(person)
    return chosen


def _users() -> dict[str, User] | None:
    users = {u.username: u for u in User.objects.filter(username__in=[WORKER, MANAGER, HEAD, FRONT_DOOR])}
    return users if len(users) == 4 else None


def load_practice(simulated: Path, progress: Callable[[str], None] = lambda message: None) -> PracticeLoaded | str:
    """Load what is not loaded yet; a sentence instead when nothing can be (no file, no demo users, no services)."""
    items = read_practice(simulated)
    if items is None:
        return f"Practice: {simulated / PRACTICE_FILE} does not exist (simulate again to have one); none loaded."
    users = _users()
    if users is None:
        return "Practice: the demo users are missing; none loaded."
    try:
        from joinedup.practice.services import concerns, meetings, meetings_escalation, supervision
    except ImportError as exc:  # the practice services are not there yet
        return f"Practice: the practice services are not available ({exc}); none loaded."
    local_ids = {c["child"] for i in items for c in i.get("children", [])}
    people = _people(local_ids)
    done = PracticeLoaded()
    sessions = [i for i in items if i["type"] == "supervision"]
    mine = {c["child"] for i in sessions for c in i["children"]}
    chosen = _chosen_meetings([i for i in items if i["type"] == "meeting"], mine, done)
    chosen_concerns = _chosen_concerns([i for i in items if i["type"] == "concern"], done)
    bar = progress_bar(progress, total=len(sessions) + len(chosen) + len(chosen_concerns), desc="Practice",
                       unit=" items")

    def tick() -> None:
        if bar is not None:
            bar.update(1)

    with _alerts_once(progress, before=lambda: bar.close() if bar is not None else None):
        _supervision(supervision, sessions, people, users, done, progress, tick)
        _meetings(meetings, meetings_escalation, chosen, people, users, done, progress, tick)
        _concerns(concerns, chosen_concerns, people, users, done, progress, tick)
    _commission_review(users, progress)
    return done


REVIEWER = "ruth.kaye"


def _commission_review(users: dict[str, User], progress: Callable[[str], None]) -> None:
    """The demo's case reviewer is commissioned (by the head of service) to review the demo worker's first child, so
    her home page has a pseudonymised chronology to open (issue 15: reviewers see only commissioned children)."""
    from joinedup.access.claims import commission_create
    from joinedup.access.models import ReviewCommission
    from joinedup.casework.models import Allocation
    from joinedup.core.time import utc_now

    reviewer = User.objects.filter(username=REVIEWER).first()
    if reviewer is None or ReviewCommission.objects.filter(reviewer=reviewer).exists():
        return
    child = (Allocation.objects.filter(worker=users[WORKER], ended_at__isnull=True).order_by("started_at", "id")
             .values_list("person_id", flat=True).first())
    if child is None:
        return
    today = utc_now().date()
    commission_create(user=users[HEAD], reviewer=reviewer, person_id=child, reference="Practice review 2026/1 (demo)",
                      starts_on=today - dt.timedelta(days=1), ends_on=today + dt.timedelta(days=365))
    progress(f"Practice: {REVIEWER} commissioned to review one child (pseudonymised chronology)")


def _dissents(meeting: dict[str, Any]) -> tuple[bool, bool]:
    decisions = [d for item in meeting["items"] for d in item["decisions"]]
    return (any("escalation" in d for d in decisions),
            any(p["stance"] == "dissented" for d in decisions for p in d["positions"]))


def _chosen_meetings(meetings: list[dict], mine: set[str], done: PracticeLoaded) -> list[dict]:
    """Every meeting about the demo worker's children and the partnership's; of the others, those escalated, some
    with a dissent, then the latest: `OTHER_MEETINGS` in all."""
    ours = [m for m in meetings if m["meeting_type"] == "partnership" or any(c["child"] in mine for c in m["children"])]
    others = sorted((m for m in meetings if m not in ours), key=lambda m: m["held_at"], reverse=True)
    escalated = [m for m in others if _dissents(m)[0]]
    dissent = [m for m in others if _dissents(m)[1] and m not in escalated]
    dissent = dissent[: max(0, OTHER_MEETINGS // 2 - len(escalated))]
    chosen = (escalated + dissent + [m for m in others if m not in escalated and m not in dissent])[:OTHER_MEETINGS]
    if len(others) > len(chosen):
        done.left_out[f"other meetings (the demo loads {OTHER_MEETINGS})"] = len(others) - len(chosen)
    return sorted(ours + chosen, key=lambda m: m["held_at"])


def _chosen_concerns(concerns: list[dict], done: PracticeLoaded) -> list[dict]:
    """`CONCERNS` concerns: one left unanswered, one answered late and one from a whistleblower (where there are
    any), then the latest."""
    def late(c: dict[str, Any]) -> bool:
        return bool(c.get("responded_at")) and c["responded_at"] > c["response_due_at"]

    latest = sorted(concerns, key=lambda c: c["received_at"], reverse=True)
    chosen: list[dict] = []
    for wanted in (lambda c: not c.get("responded_at"), late, lambda c: c["raised_by"] == "whistleblower"):
        first = next((c for c in reversed(latest) if wanted(c) and c not in chosen), None)
        if first is not None:
            chosen.append(first)
    chosen += [c for c in latest if c not in chosen][: max(0, CONCERNS - len(chosen))]
    if len(concerns) > len(chosen):
        done.left_out[f"concerns (the demo loads {CONCERNS})"] = len(concerns) - len(chosen)
    return sorted(chosen, key=lambda c: c["received_at"])


# --- supervision -------------------------------------------------------------------------------------------------


def _allocated_to_worker(person, worker: User, manager: User) -> bool:
    """Whether the child is (now) the demo worker's: allocated to him already, or open and allocated to nobody."""
    from joinedup.casework.models import Allocation
    from joinedup.casework.services import allocation_set

    current = Allocation.objects.filter(person=person, ended_at__isnull=True).first()
    if current is not None:
        return current.worker_id == worker.pk
    if not _open(person):
        return False
    allocation_set(actor_user=manager, person=person, worker=worker)
    return True


def _supervision(S: ModuleType, sessions: list[dict], people: dict, users: dict[str, User], done: PracticeLoaded,
                 progress: Callable[[str], None], tick: Callable[[], None] = lambda: None) -> None:
    from joinedup.practice.models import SupervisionAction, SupervisionSession

    worker, manager = users[WORKER], users[MANAGER]
    oldest = dt.date.today() - dt.timedelta(days=getattr(S, "OLDEST_DAYS", 366) - 1)  # the service's limit
    pending: list[tuple[dt.datetime, int, User]] = []
    for session in sorted(sessions, key=lambda s: s["held_on"]):
        tick()
        held_on = dt.date.fromisoformat(session["held_on"])
        if SupervisionSession.objects.filter(worker=worker, manager=manager, held_on=held_on).exists():
            done.kept += 1
            continue
        if held_on < oldest:
            done.leave_out("supervision sessions more than a year ago")
            continue
        discussions, as_filed = [], []  # what the manager records; the actions as the file has them
        for child in session["children"]:
            person = people.get(child["child"])
            if person is None:
                done.leave_out("discussions of children not linked")
                continue
            with transaction.atomic():
                mine = _allocated_to_worker(person, worker, manager)
            if not mine:
                done.leave_out("discussions of children whose case has closed or who are someone else's")
                continue
            actions = child["actions"]
            discussions.append({"person": person, "decision": child["decision"], "actions": [
                {"text": a["text"], "owner": worker if a["owner"] == "social_worker" else manager,
                 "due_on": dt.date.fromisoformat(a["due_on"])} for a in actions]})
            as_filed.append(actions)
        if not discussions:
            continue
        at = dt.datetime.combine(held_on, dt.time(16), tzinfo=dt.UTC)
        try:
            with recorded_as_of(at):
                row = S.supervision_record(user=manager, worker=worker, held_on=held_on,
                                           notes=session.get("notes", ""), discussions=discussions)
        except _refusals() as exc:
            done.refused("supervision sessions", exc)
            continue
        done.sessions += 1
        done.discussions += len(discussions)
        for entry, actions in zip(discussions, as_filed, strict=True):
            ids = list(SupervisionAction.objects.filter(discussion__session=row, discussion__person=entry["person"])
                       .order_by("id").values_list("id", flat=True))
            for action_id, action, given in zip(ids, actions, entry["actions"], strict=True):
                when = _moment(action.get("done_at"))
                if when is not None and when <= dt.datetime.now(dt.UTC):
                    pending.append((when, action_id, given["owner"]))
        progress(f"Supervision of {held_on}: {len(discussions)} children")
    for when, action_id, owner in sorted(pending, key=lambda p: (p[0], p[1])):
        try:
            with recorded_as_of(when):
                S.supervision_action_done(user=owner, action=action_id, note="Done.")
        except _refusals() as exc:
            done.refused("actions done", exc)
            continue
        done.actions_done += 1


# --- meetings ------------------------------------------------------------------------------------------------


def _attendee(a: dict[str, Any], users: dict[str, User], ours: bool) -> dict[str, Any]:
    """An attendee as the minutes name them: a demo user where one stands in, else by role."""
    username = CSC_NAMES.get(a["role"]) if a["agency"] == "Northbrook Children's Services" else None
    if username == WORKER and not ours:
        username = None
    name = users[username].get_full_name() if username else a["role"]
    return {"name": name, "agency": a["agency"], "role": a["role"], "present": bool(a.get("present", True))}


def _meetings(M: ModuleType, E: ModuleType, meetings: list[dict], people: dict,
              users: dict[str, User], done: PracticeLoaded, progress: Callable[[str], None],
              tick: Callable[[], None] = lambda: None) -> None:
    from joinedup.casework.models import Allocation
    from joinedup.practice.models import Meeting

    worker, manager, head = users[WORKER], users[MANAGER], users[HEAD]
    now = dt.datetime.now(dt.UTC)
    for m in meetings:
        tick()
        held_at = _moment(m["held_at"])
        if held_at is None or held_at > now:
            continue
        if Meeting.objects.filter(kind=m["meeting_type"], held_at=held_at, title=m["title"]).exists():
            done.kept += 1
            continue
        persons = list({p.pk: p for p in (people.get(c["child"]) for c in m["children"]) if p is not None}.values())
        if m["meeting_type"] != "partnership" and not persons:
            done.leave_out("meetings about children not linked")
            continue
        ours = bool(persons) and all(Allocation.objects.filter(person=p, worker=worker, ended_at__isnull=True)
                                     .exists() for p in persons)
        writer, approver = (worker, manager) if ours else (head, head)
        try:
            _meeting(M, E, m, held_at, persons, ours, users, writer, approver, now, done)
        except _refusals() as exc:
            done.refused("meetings", exc)
            continue
        progress(f"Minutes of {m['title']} on {held_at:%d/%m/%Y}")


def _meeting(M: ModuleType, E: ModuleType, m: dict, held_at: dt.datetime, persons: list,
             ours: bool, users: dict[str, User], writer: User, approver: User, now: dt.datetime,
             done: PracticeLoaded) -> None:
    """One meeting: started, drafted, approved (unless still a draft), its dissents escalated as they were."""
    from joinedup.practice.models import MeetingPosition, Stance

    manager, head = users[MANAGER], users[HEAD]
    data = {"attendees": [_attendee(a, users, ours) for a in m["attendees"]], "items": [
        {"title": item["title"], "discussion": item.get("discussion", ""), "decisions": [
            {"text": d["text"], "positions": [{k: v for k, v in p.items() if k in ("attendee", "stance", "reason")}
                                              for p in d["positions"]]} for d in item["decisions"]]}
        for item in m["items"]]}
    with recorded_as_of(held_at + dt.timedelta(hours=2)):
        meeting = M.meeting_start(user=writer, kind=m["meeting_type"], title=m["title"], held_at=held_at,
                                  chair=m.get("chair", ""), children=[p.pk for p in persons])
        M.meeting_draft_update(user=writer, meeting_id=meeting.pk, revision=None, data=data)
    done.meetings += 1
    done.dissents += sum(p["stance"] == "dissented" for i in m["items"] for d in i["decisions"]
                         for p in d["positions"])
    approved_at = _moment(m.get("approved_at"))
    if approved_at is None or approved_at > now:
        return  # still a draft at the period's end
    with recorded_as_of(approved_at):
        M.meeting_approve(user=approver, meeting_id=meeting.pk, revision=None)
    done.approved += 1
    for i, item in enumerate(m["items"]):
        for j, decision in enumerate(item["decisions"]):
            raised = decision.get("escalation")
            raised_at = _moment(raised.get("raised_at")) if raised else None
            if raised is None or raised_at is None or raised_at > now:
                continue
            position = MeetingPosition.objects.get(decision__item__meeting=meeting, decision__item__order=i,
                                                   decision__order=j, stance=Stance.DISSENTED)
            owner = manager if raised["owner_role"] == "team_manager" and ours else head
            with recorded_as_of(raised_at):
                escalation = E.dissent_escalate(user=approver, position_id=position.pk, stage=raised["stage"],
                                                owner_id=owner.pk,
                                                deadline_on=dt.date.fromisoformat(raised["deadline_on"]))
            done.escalations += 1
            resolved_at = _moment(raised.get("resolved_at"))
            if resolved_at is not None and resolved_at <= now:
                with recorded_as_of(resolved_at):
                    E.escalation_outcome_record(user=owner, escalation_id=escalation.pk,
                                                outcome=raised["outcome"], resolved=bool(raised.get("resolved")))


# --- concerns ------------------------------------------------------------------------------------------------


def _concerns(C: ModuleType, concerns: list[dict], people: dict, users: dict[str, User], done: PracticeLoaded,
              progress: Callable[[str], None], tick: Callable[[], None] = lambda: None) -> None:
    from joinedup.practice.models import Concern

    manager, head, front_door = users[MANAGER], users[HEAD], users[FRONT_DOOR]
    now = dt.datetime.now(dt.UTC)
    for c in concerns:
        tick()
        received = _moment(c["received_at"])
        if received is None or received > now:
            continue
        if Concern.objects.filter(received_at=received, raised_by=c["raised_by"], summary=c["summary"]).exists():
            done.kept += 1
            continue
        persons = list({p.pk: p for p in (people.get(x["child"]) for x in c["children"]) if p is not None}.values())
        if not persons:
            done.leave_out("concerns about children not linked")
            continue
        recorder = head if c["raised_by"] == "whistleblower" else front_door
        responder = head if c.get("responder_role") == "head_of_service" else manager
        raiser = c.get("raiser") or {}
        name = raiser.get("name", "")
        if name and raiser.get("relationship"):
            name = f"{name} ({raiser['relationship']})"
        elif name and raiser.get("role"):
            name = f"{name}, {raiser['role']}"
        try:
            _concern(C, c, received, persons, recorder, responder, name, now, done)
        except _refusals() as exc:
            done.refused("concerns", exc)
            continue
        progress(f"Concern received {received:%d/%m/%Y}")


def _concern(C: ModuleType, c: dict, received: dt.datetime, persons: list, recorder: User, responder: User,
             name: str, now: dt.datetime, done: PracticeLoaded) -> None:
    """One concern: logged when received, answered and the raiser told when they were (if they were)."""
    with recorded_as_of(received + dt.timedelta(minutes=5)):
        concern = C.concern_record(user=recorder, raised_by=c["raised_by"], summary=c["summary"], children=persons,
                                   responder=responder, raiser_name=name,
                                   identity_withheld=bool(c.get("identity_withheld")), received_at=received)
    done.concerns += 1
    responded = _moment(c.get("responded_at"))
    if responded is not None and responded <= now:
        with recorded_as_of(responded):
            C.concern_respond(user=responder, concern_id=concern.pk, response=c["response"],
                              responded_at=responded, revision=None)
        done.answered += 1
        told = _moment(c.get("raiser_told_at"))
        if told is not None and told <= now:
            with recorded_as_of(told):
                C.concern_raiser_told(user=responder, concern_id=concern.pk, how=c.get("raiser_told_how") or "",
                                      told_at=told, revision=None)
