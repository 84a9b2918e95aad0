"""The simulated children's-services feed is casework the product's fold can place: every contact, referral
and statutory step of every child, with codes from the census and SSDA903 lists and realistic timeliness."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from joinedup.casework import codes
from joinedup.casework.clocks import add_working_days, is_working_day, working_days_between
from joinedup.casework.lifecycle import CASEWORK_KINDS, Casework, fold
from joinedup.casework.state import CaseworkRecord
from joinedup_lab.simulate.agencies import CSC
from joinedup_lab.simulate.generate import Summary
from joinedup_lab.simulate.staff import JOINEDUP_WORKER

from .conftest import CASEWORK
from .helpers import truth

UTC = dt.UTC


def _when(rec: dict) -> dt.datetime:
    if rec.get("occurred_at"):
        return dt.datetime.fromisoformat(rec["occurred_at"].replace("Z", "+00:00"))
    return dt.datetime.combine(dt.date.fromisoformat(rec["occurred_on"]), dt.time(), tzinfo=UTC)


def casework_by_child(out: Path) -> dict[str, list[CaseworkRecord]]:
    """The current version of every casework record of children's services, per child (the subject's or
    unborn child's local person id), as the fold reads them."""
    current: dict[str, dict] = {}
    with (out / "agencies" / CSC / "records.jsonl").open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec["kind"] not in CASEWORK_KINDS:
                continue
            had = current.get(rec["source_record_id"])
            if had is None or rec["version"] > had["version"]:
                current[rec["source_record_id"]] = rec
    per_child: dict[str, list[CaseworkRecord]] = defaultdict(list)
    for rec in current.values():
        child = next(m for m in rec["mentions"] if m["role"] in ("subject", "unborn"))
        when = _when(rec)
        per_child[child["local_person_id"]].append(CaseworkRecord(
            key=f"{rec['agency_id']}:{rec['source_record_id']}", agency=rec["agency_id"],
            source_record_id=rec["source_record_id"], kind=rec["kind"], occurred_at=when, occurred_on=when.date(),
            recorded_at=dt.datetime.fromisoformat(rec["recorded_at"].replace("Z", "+00:00")),
            ended_on=dt.date.fromisoformat(rec["ended_on"]) if rec.get("ended_on") else None,
            detail=rec["detail"], version=rec["version"],
        ))
    return per_child


def _unknown_codes(r: CaseworkRecord) -> list[str]:
    """Codes a record carries that are not in the product's tables."""
    d = r.detail
    checks: list[tuple[object, dict]] = {
        "csc_contact": [(d.get("raised_by"), codes.RAISED_BY), (d.get("source_code"), codes.REFERRAL_SOURCES),
                        (d.get("rag"), codes.RAG_RATINGS), (d.get("decision"), codes.CONTACT_DECISIONS)],
        "referral": [(d.get("source_code"), codes.REFERRAL_SOURCES), (d.get("primary_need"), codes.PRIMARY_NEEDS),
                     (d.get("route"), dict.fromkeys(codes.REFERRAL_DECISIONS))],
        "assessment": [(f, codes.ASSESSMENT_FACTORS) for f in d.get("factors", [])]
        + [(d.get("outcome"), codes.ASSESSMENT_OUTCOMES)],
        "strategy_discussion": [(d.get("decision"), codes.STRATEGY_DECISIONS)],
        "section47_enquiry": [(d.get("outcome"), codes.SECTION47_OUTCOMES)],
        "conference": [(d.get("conference_type"), codes.CONFERENCE_TYPES), (d.get("outcome"), codes.CONFERENCE_OUTCOMES),
                       (d.get("category"), codes.CATEGORIES)],
        "cp_plan": [(d.get("category"), codes.CATEGORIES), (d.get("initial_category"), codes.CATEGORIES)],
        "cin_plan": [(d.get("primary_need"), codes.PRIMARY_NEEDS)],
        "looked_after_episode": [
            (d.get("legal_status"), codes.LEGAL_STATUSES), (d.get("reason_new_episode"), codes.REASONS_NEW_EPISODE),
            (d.get("placement_type"), codes.PLACEMENT_TYPES), (d.get("placement_provider"), codes.PLACEMENT_PROVIDERS),
            (d.get("reason_ended"), codes.REASONS_EPISODE_ENDED), (d.get("category_of_need"), codes.PRIMARY_NEEDS),
        ],
        "case_closure": [(d.get("reason"), codes.CLOSURE_REASONS)],
    }.get(r.kind, [])
    return [f"{r.kind} {value}" for value, table in checks if value not in (None, "") and value not in table]


def _fold_all(out: Path) -> list[Casework]:
    """Every child's casework, asserting that the fold placed every record and every code is known."""
    folded: list[Casework] = []
    issues, bad_codes = [], []
    for records in casework_by_child(out).values():
        work = fold(records)
        folded.append(work)
        issues += [(i.kind, i.occurred_on, i.sentence) for i in work.issues]
        for r in records:
            bad_codes += _unknown_codes(r)
            assert r.detail.get("case_id") or r.kind == "csc_contact", r.key
    assert not issues, issues[:5]
    assert not bad_codes, bad_codes[:5]
    return folded


def test_the_fold_places_every_record_of_the_shared_small_authority(small_run: tuple[Path, Summary]) -> None:
    out, _ = small_run
    assert len(_fold_all(out)) > 200


def test_every_casework_step_happens_and_is_placed(casework_run: Path) -> None:
    folded = _fold_all(casework_run)

    contacts = [c for w in folded for c in w.contacts]
    cases = [c for w in folded for c in w.cases]
    # the front door has work waiting at the period's end: what came in on its last two working days
    end = dt.date(CASEWORK.start.year + CASEWORK.years, CASEWORK.start.month, CASEWORK.start.day)
    cutoff = end - dt.timedelta(days=10)
    while add_working_days(cutoff, 2) < end:
        cutoff += dt.timedelta(days=1)
    assert any(c.is_open for c in contacts)
    assert all(c.is_open == (c.received_at.date() >= cutoff) for c in contacts)
    assert all(c.opened_on < cutoff for c in cases if c.source_code != "5A")
    decided = [c for c in contacts if not c.is_open]
    late = [c for c in decided for k in c.clocks if k.kind == "contact_decision" and k.met_late()]
    assert 0.03 < len(late) / len(decided) < 0.25
    rag = Counter(c.rag for c in contacts)
    assert 0.08 < rag["red"] / len(contacts) < 0.25 and 0.3 < rag["amber"] / len(contacts) < 0.6
    assert {c.decision for c in decided} == set(codes.CONTACT_DECISIONS)
    assert all(c.decided_at >= c.received_at and c.rag_at > c.received_at for c in decided if c.rag)
    assert all(c.raised_by_name for c in decided if c.raised_by == "agency")
    assert not any(c.raised_by_name for c in contacts if c.raised_by != "agency")

    assert any(c.nfa and c.closure_reason == "RC8" for c in cases)
    assert any(c.need_plans for c in cases)
    assert any(c.route == "strategy_discussion" for c in cases) and any(c.route == "assessment" for c in cases)
    late_assessment = [c for c in cases for a in c.assessments[:1]
                       if a.authorised_on and working_days_between(c.opened_on, a.authorised_on) > 45]
    assert late_assessment
    plans = [p for c in cases for p in c.protection_plans]
    assert any(len({ch.category for ch in p.categories}) > 1 for p in plans)
    assert all(p.core_groups for p in plans if p.ended_on and p.started_on >= dt.date(2023, 4, 1))
    initial = [(c, conf) for c in cases for conf in c.conferences if conf.conference_type == "initial"]
    assert initial and all(is_working_day(conf.held_on) for _, conf in initial)
    assert any(working_days_between(c.strategies[0].held_on, conf.held_on) > 15 for c, conf in initial)
    episodes = [c.episodes for c in cases if c.episodes]
    assert any(len(eps) >= 2 and eps[0].reason_ended == "X1" and eps[1].reason_new_episode == "P" for eps in episodes)
    for eps in episodes:
        assert eps[0].reason_new_episode == "S"
        for a, b in itertools.pairwise(eps):
            assert a.ended_on == b.started_on and a.reason_ended == "X1" and b.reason_new_episode != "S"
    closed = [c for c in cases if c.closed_on]
    assert {c.closure_reason for c in closed} >= {"RC7", "RC8", "RC9"}
    assert any(c.closed_on and c.referral_key and c.source_code == "5A" for c in cases)  # a pre-birth episode


# --- practice in the feed: visits and supervision ------------------------------------------------------------

VISIT_TYPES = {"statutory", "unannounced", "joint_police", "joint_health"}
ACTION = re.compile(r"^\d{4}-\d{2}-\d{2} \| [^|]+ \| [^|]+$")


def _csc_versions(out: Path, kind: str) -> dict[str, list[dict]]:
    """Every version of every record of one kind children's services sent, by record id, in version order."""
    by_id: dict[str, list[dict]] = defaultdict(list)
    with (out / "agencies" / CSC / "records.jsonl").open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec["kind"] == kind:
                by_id[rec["source_record_id"]].append(rec)
    return {k: sorted(v, key=lambda r: r["version"]) for k, v in by_id.items()}


def test_visits_carry_the_practice_keys(casework_run: Path) -> None:
    visits = [v[-1] for v in _csc_versions(casework_run, "visit").values()]
    assert len(visits) > 1000
    for rec in visits:
        d = rec["detail"]
        assert d["visit_type"] in VISIT_TYPES and d["location"] and isinstance(d["present"], list), d
        assert d["case_id"] and d["text"] and isinstance(d["accompanied"], bool), d
        assert isinstance(d["child_seen"], bool) and isinstance(d["seen_alone_required"], bool), d
        assert ("seen_alone" in d) == d["child_seen"], d  # the format: seen_alone only when the child was seen
        assert isinstance(d.get("seen_alone", False), bool), d
        assert ("not_seen_reason" in d) == (not d["child_seen"]), d
        if not d["child_seen"]:
            assert "child_words" not in d, d
        if "not_seen_alone_reason" in d:
            assert d["child_seen"] and not d["seen_alone"] and d["seen_alone_required"], d
        [child] = [m for m in rec["mentions"] if m["role"] == "subject"]
        assert child["local_person_id"]
    assert {v["detail"]["visit_type"] for v in visits} == VISIT_TYPES
    assert any("child_words" in v["detail"] for v in visits)
    assert any(v["detail"]["accompanied"] for v in visits)
    seen = [v for v in visits if v["detail"]["child_seen"]]
    assert 0.75 < len(seen) / len(visits) < 0.97


def test_visit_clocks_are_mostly_met_and_children_not_seen_are_revisited(casework_run: Path) -> None:
    start = dt.datetime.combine(CASEWORK.start, dt.time(), tzinfo=UTC)
    outcome: Counter[tuple[str, str]] = Counter()
    required_off_plan = 0
    for records in casework_by_child(casework_run).values():
        for case in fold(records).cases:
            for v in case.visits:
                on_plan = any(p.started_on <= v.on and (p.ended_on is None or v.on < p.ended_on)
                              for p in case.protection_plans)
                required_off_plan += v.seen_alone_required and not on_plan
            for k in case.clocks:
                if k.kind in ("visit", "revisit") and k.started_at >= start:
                    state = "open" if k.is_open() else "stopped" if k.met_at is None else "late" if k.met_late() \
                        else "on time"
                    outcome[(k.kind, state)] += 1
    assert required_off_plan == 0  # seen alone is required on a child protection plan only
    for kind, low in (("visit", 0.8), ("revisit", 0.65)):
        met = outcome[(kind, "on time")] + outcome[(kind, "late")]
        assert met > 50, outcome
        assert low < outcome[(kind, "on time")] / met < 0.99, (kind, outcome)  # mostly, but not always, on time


def test_children_are_more_often_not_seen_during_harm(mid_run) -> None:
    out, _ = mid_run
    evidence = {r["source_record_id"] for r in truth(out, "harm_evidence.csv") if r["agency_id"] == CSC}
    rates: dict[bool, list[bool]] = {True: [], False: []}
    for versions in _csc_versions(out, "visit").values():
        rec = versions[-1]
        if not rec["detail"]["accompanied"]:
            rates[rec["source_record_id"] in evidence].append(rec["detail"]["child_seen"])
    assert len(rates[True]) >= 10
    not_seen = {k: 1 - sum(v) / len(v) for k, v in rates.items()}
    assert not_seen[True] > 2 * not_seen[False], not_seen


def test_supervision_records_carry_decisions_and_actions_done_some_late(casework_run: Path) -> None:
    end = dt.date(CASEWORK.start.year + CASEWORK.years, CASEWORK.start.month, CASEWORK.start.day)
    records = _csc_versions(casework_run, "supervision")
    assert len(records) > 300
    done_on_time = done_late = never = 0
    sessions: dict[str, set[str]] = defaultdict(set)
    for versions in records.values():
        first = versions[0]["detail"]
        assert first["session_id"] and first["decision"] and first["case_id"] and first["supervisor_role"]
        assert first["actions"] and all(ACTION.match(a) for a in first["actions"]), first
        assert "actions_done" not in first
        assert len([m for m in versions[0]["mentions"] if m["role"] == "subject"]) == 1
        sessions[first["session_id"]].add(first["case_id"])
        done_before: list[str] = []
        for v in versions[1:]:
            now_done = v["detail"]["actions_done"]
            assert set(now_done) <= set(first["actions"]) and now_done[: len(done_before)] == done_before
            for action in now_done[len(done_before):]:
                due = dt.date.fromisoformat(action[:10])
                if dt.date.fromisoformat(v["amended_at"][:10]) > due:
                    done_late += 1
                else:
                    done_on_time += 1
            done_before = now_done
        never += sum(1 for a in first["actions"] if a not in done_before and dt.date.fromisoformat(a[:10]) < end)
    total = done_on_time + done_late + never
    assert done_on_time / total > 0.6 and done_late > 0 and never > 0, (done_on_time, done_late, never)
    assert any(len(cases) > 3 for cases in sessions.values())  # one session discusses several children
    assert not any(s.startswith(f"SV-{JOINEDUP_WORKER}-") and s[-8:] >= _cut(casework_run) for s in sessions)


def _cut(out: Path) -> str:
    """The first day of the practice file's window, as YYYYMMDD."""
    return json.loads((out / "manifest.json").read_text())["practice"]["from"].replace("-", "")
