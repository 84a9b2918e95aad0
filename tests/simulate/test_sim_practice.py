"""The practice file (`practice/practice.jsonl`): supervision sessions, minutes with dissent and concerns recorded in
joinedup, about children the feed knows, for the period's last six months, in the simulator's own words."""

from __future__ import annotations

import ast
import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path

from joinedup_lab.simulate.agencies import CSC
from joinedup_lab.simulate.staff import JOINEDUP_WORKER

SIMULATE = Path(__file__).resolve().parents[2] / "joinedup_lab" / "simulate"
OWN = ("csc.py", "csc_vocab.py", "csc_practice.py", "practice_file.py", "practice_vocab.py", "staff.py",
       "workdays.py", "context.py", "config.py", "generate.py")


def _practice(out: Path) -> list[dict]:
    with (out / "practice" / "practice.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _window(out: Path) -> tuple[str, str]:
    p = json.loads((out / "manifest.json").read_text())["practice"]
    return p["from"], p["to"]


def _feed_cases(out: Path) -> dict[str, set[str]]:
    """Each children's services person id with the case ids its records carry."""
    cases: dict[str, set[str]] = defaultdict(set)
    with (out / "agencies" / CSC / "records.jsonl").open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            for m in rec["mentions"]:
                if m["role"] in ("subject", "unborn") and m.get("local_person_id"):
                    cases[m["local_person_id"]].add(rec["detail"].get("case_id", ""))
    return cases


def test_every_item_is_in_the_window_and_names_children_the_feed_knows(casework_run: Path) -> None:
    items = _practice(casework_run)
    first, last = _window(casework_run)
    cases = _feed_cases(casework_run)
    kinds = Counter(i["type"] for i in items)
    assert set(kinds) == {"supervision", "meeting", "concern"} and min(kinds.values()) >= 3, kinds
    assert [(i.get("held_on") or i.get("held_at") or i["received_at"]) for i in items] == sorted(
        (i.get("held_on") or i.get("held_at") or i["received_at"]) for i in items)
    for item in items:
        when = (item.get("held_on") or item.get("held_at") or item["received_at"])[:10]
        assert first <= when <= last, item["id"]
        for child in item.get("children", []):
            assert child["case_id"] in cases[child["child"]], (item["id"], child)
    assert len({i["id"] for i in items}) == len(items)


def test_supervision_sessions_are_the_joinedup_workers_with_decisions_and_actions(casework_run: Path) -> None:
    sessions = [i for i in _practice(casework_run) if i["type"] == "supervision"]
    done, late, never = 0, 0, 0
    for s in sessions:
        assert s["worker"] == {"ref": JOINEDUP_WORKER, "role": "social_worker", "team": "Team 1"}, s["worker"]
        assert s["manager"]["role"] == "team_manager" and "name" not in s["manager"]
        assert s["id"].startswith(f"SV-{JOINEDUP_WORKER}-") and s["children"]
        for child in s["children"]:
            assert child["decision"] and child["actions"]
            for a in child["actions"]:
                assert a["owner"] in ("social_worker", "team_manager") and a["text"] and a["due_on"] >= s["held_on"]
                if a["done_at"] is None:
                    never += 1
                elif a["done_at"][:10] > a["due_on"]:
                    late += 1
                else:
                    done += 1
    assert done > late and late + never > 0, (done, late, never)


def test_minutes_record_attendees_positions_and_some_dissent_with_reasons(mid_run) -> None:
    out, _ = mid_run  # large enough that a 30% escalation of a few dozen dissents cannot come to none by chance
    meetings = [i for i in _practice(out) if i["type"] == "meeting"]
    kinds = Counter(m["meeting_type"] for m in meetings)
    assert set(kinds) == {"strategy_discussion", "initial_conference", "review_conference", "core_group",
                          "partnership"}, kinds
    decisions = dissents = escalated = 0
    for m in meetings:
        assert m["attendees"] and all(a["agency"] and a["role"] and "name" not in a for a in m["attendees"])
        assert bool(m["children"]) == (m["meeting_type"] != "partnership")
        for item in m["items"]:
            for d in item["decisions"]:
                decisions += 1
                stood = [p["attendee"] for p in d["positions"]]
                present = [i for i, a in enumerate(m["attendees"]) if a["present"]]
                assert sorted(stood) == present, m["id"]  # every present attendee's position
                against = [p for p in d["positions"] if p["stance"] == "dissented"]
                assert all(p["reason"] for p in against)
                dissents += bool(against)
                if "escalation" in d:
                    escalated += 1
                    e = d["escalation"]
                    assert against and e["stage"] in (1, 2) and e["deadline_on"] > e["raised_at"][:10]
                    assert m["approved_at"] and e["raised_at"] >= m["approved_at"]
    assert 0 < dissents < decisions / 4 and 0 < escalated < dissents, (decisions, dissents, escalated)


def test_concerns_come_from_anyone_and_are_mostly_answered_on_time(mid_run) -> None:
    out, _ = mid_run
    concerns = [i for i in _practice(out) if i["type"] == "concern"]
    kinds = Counter(c["raised_by"] for c in concerns)
    assert set(kinds) == {"relative", "neighbour", "professional", "whistleblower", "anonymous"}, kinds
    on_time = late = unanswered = 0
    for c in concerns:
        assert c["summary"] and c["children"] and c["responder_role"] in ("team_manager", "head_of_service")
        if c["raised_by"] == "anonymous":
            assert c["identity_withheld"] and not c["raiser"]
        else:
            assert c["raiser"]["name"] and c["raiser"]["name"] not in c["summary"], c["id"]
        if c["responded_at"] is None:
            unanswered += 1
            assert c["raiser_told_at"] is None
        elif c["responded_at"] > c["response_due_at"]:
            late += 1
        else:
            on_time += 1
        if c["raiser_told_at"] is not None:
            assert c["raiser_told_at"] >= c["responded_at"] and c["raiser_told_how"]
    # 77% configured on time, diluted by concerns too recent to answer by the period's end and answers on the due
    # day after the due minute: on time / (late + unanswered) was 1.78-2.62 over seeds 7-9 of this authority, with
    # and without the twins of issue 14 (about 150 concerns, so the ratio is noisy; it was 2 here before them)
    assert on_time > 1.5 * (late + unanswered) and late > 0 and unanswered > 0, (on_time, late, unanswered)
    assert 0 < sum(c["identity_withheld"] for c in concerns) < len(concerns)
    assert dt.date.fromisoformat(min(c["received_at"][:10] for c in concerns)) >= dt.date.fromisoformat(
        _window(out)[0])


def test_the_casework_and_practice_simulation_imports_nothing_of_the_product() -> None:
    for name in OWN:
        tree = ast.parse((SIMULATE / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            assert not any(m.startswith("joinedup") for m in modules), (name, modules)
