"""The simulated authority's practice recorded in joinedup rather than sent by an agency: supervision sessions,
meeting minutes with who agreed and who dissented, and concerns from anyone (docs/simulator.md, "Practice
recorded in joinedup"). Collected while households are simulated and written as `practice/practice.jsonl`, one
JSON object per session, meeting or concern, for the last months of the period only.

Children are named by the children's services case system's person id (the `local_person_id` of the feed's
records of that case), staff by role and a staff reference, never by name.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from . import practice_vocab as P
from . import workdays as wd
from .records import dumps
from .streams import iso, iso_dt

WINDOW_DAYS = 183  # the practice file covers the period's last six months


class PracticeLog:
    """What the practice file will hold, gathered household by household."""

    def __init__(self, start: int, end: int) -> None:
        self.end = end
        self.cut = max(start, end - WINDOW_DAYS)
        self.sessions: dict[str, dict[str, Any]] = {}
        self.items: list[tuple[str, str, dict[str, Any]]] = []  # (when, id, object)

    def in_window(self, day: int) -> bool:
        return self.cut <= day < self.end

    def discussion(self, session_id: str, day: int, worker: dict[str, str], manager: dict[str, str],
                   notes: str, entry: dict[str, Any]) -> None:
        """One child discussed in a supervision session (a session gathers children across families)."""
        session = self.sessions.setdefault(session_id, {
            "type": "supervision", "id": session_id, "held_on": iso(day), "worker": worker, "manager": manager,
            "notes": notes, "children": [],
        })
        session["children"].append(entry)

    def add(self, when: str, ident: str, obj: dict[str, Any]) -> None:
        self.items.append((when, ident, obj))

    def lines(self) -> list[str]:
        out = list(self.items)
        for ident, session in self.sessions.items():
            session["children"].sort(key=lambda c: (c["case_id"], c["child"]))
            out.append((session["held_on"], ident, session))
        out.sort(key=lambda item: (item[0], item[1]))
        return [dumps(obj) + "\n" for _, _, obj in out]

    def counts(self) -> dict[str, int]:
        kinds: dict[str, int] = {"supervision": len(self.sessions)}
        for _, _, obj in self.items:
            kinds[obj["type"]] = kinds.get(obj["type"], 0) + 1
        return dict(sorted(kinds.items()))


def minute_in_hours(rng: random.Random, day: int) -> int:
    """A UTC minute inside the day's working hours (or mid-morning to late afternoon on other days)."""
    if wd.is_working_day(day):
        lo, hi = wd.window(day)
        return rng.randint(lo + 10, hi - 90)
    return rng.randint(600, 960)


def escalation(rng: random.Random, approved: int, end: int) -> dict[str, Any] | None:
    """A dissent taken up under the resolution protocol once the minutes are approved: stage, owner, deadline
    and (usually) an outcome. None when the minutes were not approved in time to escalate within the period."""
    raised = wd.add_working_days(approved, rng.randint(0, 3))
    if raised >= end:
        return None
    stage = 1 if rng.random() < 0.5 else 2
    out: dict[str, Any] = {"stage": stage, "owner_role": "team_manager" if stage == 1 else "head_of_service",
                           "raised_at": iso_dt(raised, 780), "deadline_on": iso(wd.add_working_days(raised, 10))}
    resolved = wd.add_working_days(raised, rng.randint(2, 14))
    if resolved < end and rng.random() < 0.75:
        out["outcome"] = rng.choice(P.ESCALATION_OUTCOMES)
        out["resolved"] = rng.random() < 0.8
        out["resolved_at"] = iso_dt(resolved, 900)
    return out


def partnership_meetings(rng: random.Random, log: PracticeLog, dissent: float, escalated: float) -> None:
    """The safeguarding partnership's own meetings (about no child in particular), every two months or so."""
    day = wd.on_or_after(log.cut + rng.randint(10, 40))
    n = 0
    while day < log.end - 3:
        n += 1
        approved = wd.add_working_days(day, rng.randint(3, 10))
        attendees = [{"agency": a.split(": ")[0], "role": a.split(": ")[1], "present": True}
                     for a in P.PARTNERSHIP_ATTENDEES]
        chosen = rng.sample(P.PARTNERSHIP_DECISIONS, 2)
        decisions = []
        for text in chosen:
            positions = [{"attendee": i, "stance": "agreed"} for i in range(len(attendees))]
            decision: dict[str, Any] = {"text": text, "positions": positions}
            if rng.random() < dissent * 2:
                who, _, reason = P.DISSENT["partnership"][0]
                i = next(i for i, a in enumerate(attendees) if f"{a['agency']}: {a['role']}" == who)
                positions[i] = {"attendee": i, "stance": "dissented", "reason": reason}
                if rng.random() < escalated and approved < log.end:
                    raised = escalation(rng, approved, log.end)
                    if raised is not None:
                        decision["escalation"] = raised
            decisions.append(decision)
        (t1, d1), (t2, d2) = P.ITEMS["partnership"]
        ident = f"MT-P{n:02d}-{iso(day).replace('-', '')}"
        held = iso_dt(day, minute_in_hours(rng, day))
        log.add(held, ident, {
            "type": "meeting", "id": ident, "meeting_type": "partnership", "title": "Safeguarding partnership meeting",
            "held_at": held, "children": [], "chair": "Northbrook Children's Services: Head of service",
            "attendees": attendees,
            "items": [{"title": t1, "discussion": d1, "decisions": decisions[:1]},
                      {"title": t2, "discussion": d2, "decisions": decisions[1:]}],
            "approved_at": iso_dt(approved, 700) if approved < log.end else None,
        })
        day = wd.on_or_after(day + rng.randint(50, 70))


def write_practice(out: Path, log: PracticeLog) -> int:
    """practice/practice.jsonl; returns how many objects it holds."""
    folder = out / "practice"
    folder.mkdir(parents=True, exist_ok=True)
    lines = log.lines()
    with (folder / "practice.jsonl").open("w", encoding="utf-8", newline="\n") as f:
        f.writelines(lines)
    return len(lines)
