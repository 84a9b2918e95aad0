"""Children's social care practice around the casework: visits that meet the plan visit clocks mostly but not
always, case supervision with decisions and actions, and — for the practice file (`practice_file`) — the minutes
of the meetings, concerns from anyone, and the supervision recorded in joinedup.

Visits follow what the law and local procedure ask (docs/formats/README.md, "Practice"): on a child protection
plan a visit that sees the child every 10 working days; looked after, within a week of each placement, then at
most every 6 weeks in the placement's first year, then every 3 months; a child in need plan about monthly. A
child not seen — or, on a child protection plan and aged 4 or more, not seen alone — gets an accompanied
revisit, usually within a working day on a plan (five otherwise), sometimes later. During a harm episode the
child is far more often not seen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from . import neglect
from . import practice_vocab as P
from . import workdays as wd
from .agencies import CSC
from .context import Context, carers
from .names import given_for, surname
from .population import Household, Person
from .practice_file import escalation, minute_in_hours
from .staff import JOINEDUP_WORKER, Worker
from .streams import add_years, age_on, iso, iso_dt

Span = tuple[int, int]
WORKING_DAY = wd.HOURS_PER_DAY * 60


def _pick(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in table], [w for _, w in table])[0]


def _in_harm(hh: Household, child: Person, day: int) -> bool:
    harm = hh.harm
    return harm is not None and harm.victim is child and harm.onset_on <= day <= harm.outcome_on  # type: ignore


@dataclass
class ChildCase:
    """One child's case in a family episode, as the practice around it needs it."""

    child: Person
    case_id: str
    opened: int
    close: int
    keep: bool  # the case is open on the period's first day: its records are in the initial extract
    cp: list[Span] = field(default_factory=list)
    cin: list[Span] = field(default_factory=list)
    placements: list[tuple[int, int, str]] = field(default_factory=list)  # start, end, SSDA903 placement type
    meetings: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)  # kind, day, detail

    def stage(self, day: int) -> str:
        if any(s <= day < e for s, e in self.cp):
            return "cp"
        if any(s <= day < e for s, e, _ in self.placements):
            return "cla"
        if any(s <= day < e for s, e in self.cin):
            return "cin"
        return "open"


def placements(chain: list[Any] | None) -> list[tuple[int, int, str]]:
    """Placements from a child's SSDA903 episodes: a new one at every episode but a change of legal status."""
    out: list[list[Any]] = []
    for ep in chain or []:
        if out and ep.detail["reason_new_episode"] == "L":
            out[-1][1] = ep.end
        else:
            out.append([ep.start, ep.end, ep.detail["placement_type"]])
    return [(s, e, t) for s, e, t in out]


# --- visits ------------------------------------------------------------------------------------------------


def _placement_key(ptype: str) -> str:
    """The vocabulary's key for a placement type: U (fostering), A (adoption), else the code (Z11 as Z1)."""
    return ptype[0] if ptype[:1] in ("U", "A") else ptype[:2]


class _Visits:
    """Writes one child's visits of one case."""

    def __init__(self, ctx: Context, rng: random.Random, hh: Household, case: ChildCase) -> None:
        self.ctx, self.rng, self.hh, self.case = ctx, rng, hh, case
        self.until = min(case.close + 1, ctx.end)

    def _one(self, day: int, minute: int, regime: str, ptype: str, *, revisit: bool, alone_missing: bool,
             plan_end: int) -> tuple[bool, bool]:
        """One visit; returns (child seen, needs an accompanied revisit)."""
        ctx, rng, hh, case = self.ctx, self.rng, self.hh, self.case
        r = ctx.rates
        child = case.child
        harm = _in_harm(hh, child, day)
        age = age_on(child.dob, day)
        required = regime == "cp" and day < plan_end and age >= 4  # a revisit after the plan ended: not any more
        if revisit:
            seen = rng.random() < (r.revisit_seen_harm if harm else r.revisit_seen)
        else:
            seen = rng.random() >= (r.visit_not_seen_harm if harm else r.visit_not_seen)
        alone = seen and age >= 4 and rng.random() < (r.visit_seen_alone if required else 0.6)
        at_placement = regime == "cla" and ptype != "P1"
        key = _placement_key(ptype)
        if revisit:
            visit_type = _pick(rng, P.REVISIT_TYPES)
        else:
            visit_type = _pick(rng, P.VISIT_TYPES)
            if visit_type == "joint_police" and regime != "cp":
                visit_type = "statutory"
        if at_placement:
            location = P.LOCATION_BY_PLACEMENT.get(key, "placement")
            present = list(P.PRESENT_AT_PLACEMENT.get(key, ("carer",)))
            mentions = [(child, "subject", {"pin": case.case_id})]
        else:
            location = _pick(rng, P.LOCATION_HOME) if seen else "family home"
            mentions = [(child, "subject", {"pin": case.case_id}), *carers(hh, day)]
            present = [m[2]["relationship"] for m in mentions[1:]]
        detail: dict[str, Any] = {
            "code": f"{regime}_visit", "case_id": case.case_id, "visit_type": visit_type, "location": location,
            "present": present, "child_seen": seen, "seen_alone_required": required, "accompanied": revisit,
        }
        if seen:  # the format: seen_alone only when the child was seen
            detail["seen_alone"] = alone
        if not seen:
            detail["not_seen_reason"] = rng.choice(P.NOT_SEEN_AT_PLACEMENT if at_placement else P.NOT_SEEN)
            text = detail["not_seen_reason"]
        else:
            if required and not alone:
                detail["not_seen_alone_reason"] = rng.choice(P.NOT_SEEN_ALONE)
            if age >= 4 and rng.random() < 0.35:
                detail["child_words"] = rng.choice(P.CHILD_WORDS_HARM if harm and rng.random() < 0.5 else P.CHILD_WORDS)
            text = rng.choice(P.OBSERVED_PLACEMENT if at_placement else P.OBSERVED_HARM if harm else P.OBSERVED)
            neglected = neglect.neglect_evidence(hh, child, day) is not None
            if not at_placement and rng.random() < (neglect.VISIT_SIGN_HARM if neglected else
                                                   neglect.VISIT_SIGN_HARDSHIP if hh.hardship else neglect.VISIT_SIGN):
                finding, signs = neglect.findings(rng, neglect.FINDINGS if neglected else neglect.EVERYDAY_FINDINGS, 0)
                detail["finding"] = finding
                text = f"{text} {finding.capitalize()}."
                neglect.code_signs(detail, signs if rng.random() < neglect.CODED_IN_EPISODE else [])
        if revisit:
            text = f"{P.REVISIT_ALONE_TEXT if alone_missing else P.REVISIT_TEXT} {text}"
        detail["text"] = text
        ctx.emit.record(rng, CSC, "visit", day, minute, mentions, detail, lag_minutes=rng.randrange(60, 4320),
                        keep_before_start=case.keep, evidence=hh.harm.evidence if harm else None)  # type: ignore
        if not at_placement and not revisit:
            self._around(day, mentions, harm and not seen)
        return seen, (not seen) or (required and not alone)

    def _around(self, day: int, mentions: list[Any], telling: bool) -> None:
        """The telephone calls and case notes around a home visit (about one in four visits has each)."""
        ctx, rng, case = self.ctx, self.rng, self.case
        ev = self.hh.harm.evidence if telling else None  # type: ignore[union-attr]
        if rng.random() < 0.25:
            d = day + rng.randint(1, 6)
            incoming = rng.random() < 0.4
            text = rng.choice(P.PHONE_IN if incoming else P.PHONE_OUT)
            ctx.emit.record(rng, CSC, "telephone_contact", d, minute_in_hours(rng, d), mentions,
                            {"code": "telephone_contact", "case_id": case.case_id,
                             "direction": "incoming" if incoming else "outgoing", "text": text},
                            lag_minutes=rng.randrange(5, 600), keep_before_start=case.keep, evidence=ev)
        if rng.random() < 0.2:
            d = day + rng.randint(0, 3)
            ctx.emit.record(rng, CSC, "case_note", d, minute_in_hours(rng, d), mentions,
                            {"code": "case_note", "case_id": case.case_id, "text": rng.choice(P.CASE_NOTES)},
                            lag_minutes=rng.randrange(5, 1440), keep_before_start=case.keep, evidence=ev)

    def round(self, day: int, regime: str, ptype: str = "", plan_end: int = 0) -> int:
        """A visit and the accompanied revisits it calls for (at most three); returns the last visit's day.
        `plan_end` is the day a child protection plan ends (the child must be seen alone until then)."""
        rng, r = self.rng, self.ctx.rates
        minute = minute_in_hours(rng, day)
        seen, needs = self._one(day, minute, regime, ptype, revisit=False, alone_missing=False, plan_end=plan_end)
        budget = WORKING_DAY * (1 if regime == "cp" else 5)
        tries = 0
        while needs and tries < 3:
            tries += 1
            delay = budget + rng.randint(60, 3 * WORKING_DAY) if rng.random() < r.revisit_late else \
                rng.randint(60, budget - 30)
            nd, nm = wd.add_working_minutes(day, minute, delay)
            if nd >= self.until:
                break
            day, minute = nd, nm
            alone_missing = seen
            seen, needs = self._one(day, minute, regime, ptype, revisit=True, alone_missing=alone_missing,
                                    plan_end=plan_end)
            needs = (not seen) or (needs and alone_missing)
        return day

    def protection_plan(self, start: int, end: int) -> None:
        r, rng = self.ctx.rates, self.rng
        last = start
        while True:
            gap = rng.randint(11, 15) if rng.random() < r.visit_late else rng.randint(4, 9)
            day = wd.add_working_days(last, gap)
            if day >= min(end, self.until):
                return
            last = self.round(day, "cp", plan_end=end)

    def placement(self, start: int, end: int, ptype: str) -> None:
        r, rng = self.ctx.rates, self.rng
        day = start + (rng.randint(8, 12) if rng.random() < r.visit_late else rng.randint(0, 6))
        year = add_years(start, 1)
        while day < min(end, self.until):
            last = self.round(day, "cla", ptype)
            late = rng.random() < r.visit_late
            if last < year:
                day = last + (rng.randint(44, 56) if late else rng.randint(21, 40))
            else:
                day = last + (rng.randint(95, 110) if late else rng.randint(50, 84))

    def need_plan(self, start: int, end: int) -> None:
        day = start + self.rng.randint(5, 15)
        while day < min(end, self.until):
            last = self.round(day, "cin")
            day = last + self.rng.randint(20, 40)


def visits(ctx: Context, rng: random.Random, hh: Household, case: ChildCase) -> None:
    """Every visit of one child's case (the initial extract's too when the case is open on the first day)."""
    if case.close < ctx.start:
        return
    v = _Visits(ctx, rng, hh, case)
    for s, e in case.cp:
        v.protection_plan(s, e)
    for s, e, ptype in case.placements:
        v.placement(s, e, ptype)
    for s, e in case.cin:
        v.need_plan(s, e)


# --- supervision -------------------------------------------------------------------------------------------


def _actions(ctx: Context, rng: random.Random, day: int, stage: str) -> list[tuple[str, str, int, int | None]]:
    """Actions agreed about a child: (owner: worker/manager, what, due day, day done or None)."""
    r = ctx.rates
    out = []
    for owner, what in rng.sample(P.SUPERVISION_ACTIONS[stage], 1 if rng.random() < 0.7 else 2):
        due = wd.on_or_after(day + rng.randint(5, 20))
        x = rng.random()
        if x < r.supervision_action_never:
            done = None
        elif x < r.supervision_action_never + r.supervision_action_late:
            done = due + rng.randint(1, 20)
        else:
            done = rng.randint(day + 1, due)
        out.append((owner, what, due, done))
    return out


def supervision(ctx: Context, rng: random.Random, cases: list[ChildCase], worker: Worker, start: int) -> None:
    """Case supervision of the family's worker: each child whose case is open on a session day gets the
    decision and actions as one `supervision` record (a later version each time an action is done). The
    worker whose supervision is recorded in joinedup has the practice file's sessions instead, for its window."""
    if not cases:
        return
    manager = ctx.staff.manager_of(worker)
    last = max(c.close for c in cases)
    log = ctx.practice
    for day in ctx.staff.sessions(worker, max(start + 10, ctx.start), min(last + 1, ctx.end)):
        session_id = f"SV-{worker.ref}-{iso(day).replace('-', '')}"
        minute = 600 + rng.randrange(360)
        for case in cases:
            if not case.opened <= day <= case.close:
                continue
            stage = case.stage(day)
            decision = rng.choice(P.SUPERVISION_DECISIONS[stage])
            actions = _actions(ctx, rng, day, stage)
            if worker.ref == JOINEDUP_WORKER and log.in_window(day):
                child_id = ctx.emit.local_id(CSC, case.child, case.case_id)
                if child_id is None:
                    continue
                log.discussion(
                    session_id, day, {"ref": worker.ref, "role": "social_worker", "team": f"Team {worker.team + 1}"},
                    {"ref": manager.ref, "role": "team_manager"}, P.SESSION_NOTES[(day // 7) % len(P.SESSION_NOTES)],
                    {"child": child_id, "case_id": case.case_id, "decision": decision, "actions": [
                        {"owner": "social_worker" if o == "worker" else "team_manager", "text": what,
                         "due_on": iso(due),
                         "done_at": iso_dt(done, minute_in_hours(rng, done)) if done is not None and done < ctx.end
                         else None}
                        for o, what, due, done in actions]})
                continue
            strings = [f"{iso(due)} | {worker.name if o == 'worker' else manager.name} | {what}"
                       for o, what, due, _ in actions]
            done_days = sorted((done, s) for (_, _, _, done), s in zip(actions, strings, strict=True)
                               if done is not None)
            later = []
            finished: list[str] = []
            for done, s in done_days:
                finished.append(s)
                later.append((done, minute_in_hours(rng, done), {"actions_done": list(finished)}, None))
            ctx.emit.record(
                rng, CSC, "supervision", day, minute, [(case.child, "subject", {"pin": case.case_id})],
                {"code": "case_supervision", "case_id": case.case_id, "session_id": session_id,
                 "decision": decision, "actions": strings, "supervisor_role": "Team manager",
                 "text": "Case discussed in supervision."},
                lag_minutes=rng.randrange(60, 10080), later=later or None,
            )


# --- meetings and concerns for the practice file -----------------------------------------------------------


def _attendees(listed: list[str]) -> list[dict[str, Any]]:
    out = []
    for a in dict.fromkeys(listed):
        agency, role = a.split(": ", 1)
        out.append({"agency": agency, "role": role, "present": not role.startswith("GP")})
    return out


def _meeting(ctx: Context, rng: random.Random, kind: str, day: int, detail: dict[str, Any], children: list[
        tuple[str, str]], category: str) -> None:
    """The minutes of one meeting about the children: attendees, items, decisions and everyone's position."""
    r = ctx.rates
    if kind == "strategy_discussion":
        meeting_type, title = "strategy_discussion", "Strategy discussion"
        listed = [P.CSC_MANAGER, *detail.get("attendees", [])]
        decisions = [(text, "s47") for text in P.STRATEGY_DECISIONS]
        if category == "physical_abuse":
            decisions.append((P.STRATEGY_MEDICAL, "medical"))
        chair = P.CSC_MANAGER
    elif kind == "core_group":
        meeting_type, title = "core_group", "Core group"
        listed = [*detail.get("attendees", []), "Family: Mother"]
        decisions = [(text, "core") for text in rng.sample(P.CORE_GROUP_DECISIONS, 2)]
        chair = P.CSC_WORKER
    else:
        initial = detail.get("conference_type") == "initial"
        meeting_type = "initial_conference" if initial else "review_conference"
        title = "Initial child protection conference" if initial else "Review child protection conference"
        listed = [P.CONFERENCE_CHAIR, P.CSC_WORKER, P.CSC_MANAGER, *rng.sample(P.CONFERENCE_OTHERS, 3), P.FAMILY[0]]
        outcome = detail.get("outcome", "")
        words = P.CATEGORY_WORDS.get(str(detail.get("category") or category), "neglect")
        text = {
            "plan": f"Child protection plan under the category of {words}.",
            "no_plan": "No child protection plan: the family to be supported under a child in need plan.",
            "plan_continues": f"The child protection plan continues under the category of {words}.",
            "plan_ends": "The child protection plan ends; support continues under a child in need plan.",
        }.get(outcome, "Conference held.")
        decisions = [(text, outcome)]
        if outcome == "plan":
            decisions.append((f"Category: {words}.", "category"))
        chair = P.CONFERENCE_CHAIR
    approved = wd.add_working_days(day, rng.randint(2, 10))
    attendees = _attendees(listed)
    names = [f"{a['agency']}: {a['role']}" for a in attendees]
    items = []
    pairs = P.ITEMS[meeting_type]
    for n, (item_title, discussion) in enumerate(pairs):
        last = n == len(pairs) - 1
        item: dict[str, Any] = {"title": item_title, "discussion": discussion, "decisions": []}
        for text, tag in decisions if last else []:
            positions: list[dict[str, Any]] = [{"attendee": i, "stance": "agreed"}
                                               for i, a in enumerate(attendees) if a["present"]]
            decision: dict[str, Any] = {"text": text, "positions": positions}
            options = [(who, reason) for who, on, reason in P.DISSENT.get(meeting_type, ()) if on == tag and who in names]
            if options and rng.random() < r.meeting_dissent:
                who, reason = rng.choice(options)
                i = names.index(who)
                for p in positions:
                    if p["attendee"] == i:
                        p.update(stance="dissented", reason=reason)
                if not who.startswith("Family") and approved < ctx.end and rng.random() < r.dissent_escalated:
                    raised = escalation(rng, approved, ctx.end)
                    if raised is not None:
                        decision["escalation"] = raised
            item["decisions"].append(decision)
        items.append(item)
    minute = int(detail.get("minute") or minute_in_hours(rng, day))
    ident = f"MT-{children[0][1]}-{meeting_type}-{iso(day).replace('-', '')}"
    held = iso_dt(day, minute)
    ctx.practice.add(held, ident, {
        "type": "meeting", "id": ident, "meeting_type": meeting_type, "title": title, "held_at": held,
        "children": [{"child": c, "case_id": k} for c, k in children], "chair": chair, "attendees": attendees,
        "items": items, "approved_at": iso_dt(approved, 700) if approved < ctx.end else None,
    })


def meetings(ctx: Context, rng: random.Random, cases: list[ChildCase], category: str) -> None:
    """Minutes of the family's strategy discussions, conferences and core groups held in the practice file's
    window: one meeting for all the siblings it was about."""
    log = ctx.practice
    grouped: dict[tuple[str, int, str], tuple[dict[str, Any], list[tuple[str, str]]]] = {}
    for case in cases:
        for kind, day, detail in case.meetings:
            if not log.in_window(day):
                continue
            child_id = ctx.emit.local_id(CSC, case.child, case.case_id)
            if child_id is None:
                continue
            key = (kind, day, str(detail.get("conference_type", "")))
            grouped.setdefault(key, (detail, []))[1].append((child_id, case.case_id))
    for (kind, day, _), (detail, children) in sorted(grouped.items()):
        _meeting(ctx, rng, kind, day, detail, children, category)


def concerns(ctx: Context, rng: random.Random, hh: Household, cases: list[ChildCase], start: int) -> None:
    """Concerns from relatives, neighbours, professionals, whistleblowers and people who give no name about the
    family's children, while the case is open in the practice file's window (more often during harm)."""
    log, r = ctx.practice, ctx.rates
    begin = max(start, log.cut)
    last = min(max(c.close for c in cases), log.end - 1)
    if not cases or begin > last:
        return
    harm = any(_in_harm(hh, c.child, d) for c in cases for d in (begin, last))
    n = (1 if rng.random() < r.concern_per_family else 0) + (1 if harm and rng.random() < 0.5 else 0)
    for k in range(n):
        day = rng.randint(begin, last)
        children = [(ctx.emit.local_id(CSC, c.child, c.case_id), c.case_id) for c in cases
                    if c.opened <= day <= c.close]
        children = [(x, case_id) for x, case_id in children if x is not None]
        if not children:
            continue
        kind = _pick(rng, P.CONCERN_RAISERS)
        in_harm = any(_in_harm(hh, c.child, day) for c in cases)
        texts = P.CONCERNS_HARM.get(kind) if in_harm and rng.random() < 0.7 else None
        summary = rng.choice(texts or P.CONCERNS[kind])
        minute = minute_in_hours(rng, day)
        raiser: dict[str, Any] = {}
        if kind == "relative":
            raiser = {"relationship": rng.choice(P.RELATIVES), "name": _name(rng)}
        elif kind == "neighbour":
            raiser = {"name": _name(rng)}
        elif kind == "professional":
            raiser = {"role": rng.choice(P.PROFESSIONALS), "name": _name(rng)}
        elif kind == "whistleblower":
            raiser = {"role": rng.choice(P.WHISTLEBLOWERS), "name": _name(rng)}
        withheld = kind in ("whistleblower", "anonymous") or rng.random() < {"relative": 0.3, "neighbour": 0.5}.get(
            kind, 0.1)
        due = wd.add_working_days(day, 5)
        obj: dict[str, Any] = {
            "type": "concern", "id": f"CN-{hh.hid}-{children[0][1]}-{k + 1}", "received_at": iso_dt(day, minute),
            "raised_by": kind, "raiser": raiser, "identity_withheld": withheld, "summary": summary,
            "children": [{"child": c, "case_id": case_id} for c, case_id in children],
            "responder_role": P.RESPONDERS.get(kind, "team_manager"), "response_due_at": iso_dt(due, minute),
            "response": None, "responded_at": None, "raiser_told_at": None, "raiser_told_how": None,
        }
        x = rng.random()
        answered = None if x < r.concern_open else \
            wd.add_working_days(day, rng.randint(6, 15)) if x < r.concern_open + r.concern_late else \
            wd.add_working_days(day, rng.randint(0, 5))
        if answered is not None and answered < ctx.end:
            at = (answered, minute_in_hours(rng, answered))
            if answered == day:
                at = (day, min(minute + rng.randint(30, 120), wd.window(day)[1] - 1) if wd.is_working_day(day)
                      else minute + 30)
            obj["response"] = rng.choice(P.RESPONSES_WHISTLEBLOWER if kind == "whistleblower" else P.RESPONSES)
            obj["responded_at"] = iso_dt(*at)
            told = at[0] + rng.randint(0, 3)
            if kind != "anonymous" and rng.random() < 0.8 and told < ctx.end:
                obj["raiser_told_at"] = iso_dt(told, max(at[1] + 30, 600) if told == at[0] else 600)
                obj["raiser_told_how"] = rng.choice(P.TOLD_HOW)
        log.add(obj["received_at"], obj["id"], obj)


def _name(rng: random.Random) -> str:
    return f"{given_for(rng, rng.choice(('female', 'male')))} {surname(rng)}"
