"""`joinedup demo --simulated DIR` loads the simulated authority's practice file through the practice services:
the demo team manager supervises the demo social worker about his own children, minutes are approved with their
dissents (some escalated), concerns are answered or left open — each written to the children's files — and a
second run loads nothing twice."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from joinedup.casework.models import Allocation
from joinedup.chronology.selectors import child_status
from joinedup.ingest.models import SourceRecord
from joinedup.people.models import MentionLink, Person
from joinedup.practice.models import (
    Concern,
    DissentEscalation,
    Meeting,
    MeetingPosition,
    MinutesStatus,
    SupervisionAction,
    SupervisionSession,
)
from joinedup_lab.demo.load import children_on_plans, register_simulated_agencies
from joinedup_lab.demo.practice import PRACTICE_FILE, load_practice
from joinedup_lab.simulate.agencies import CSC
from joinedup_lab.simulate.generate import SimulationConfig, generate

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> Path:
    """A year of a small authority ending this month, so its last six months are within the services' limits."""
    today = dt.date.today()
    start = dt.date(today.year - 1, today.month, 1)
    out = tmp_path_factory.mktemp("sim")
    generate(SimulationConfig(children=1500, years=1, seed=5, start=start), out, progress=False)
    return out


def _demo(simulated: Path, credentials: Path) -> str:
    out = io.StringIO()
    call_command("demo_load", "--credentials", str(credentials), "--simulated", str(simulated), stdout=out)
    return out.getvalue()


def _practice(simulated: Path) -> list[dict]:
    return [json.loads(line) for line in (simulated / PRACTICE_FILE).read_text().splitlines()]


def test_the_demo_loads_the_practice_once_through_the_services(simulated, tmp_path):
    # Children's services only: the practice names children by the case system's person id.
    register_simulated_agencies(json.loads((simulated / "agencies.json").read_text()))
    call_command("ingest", str(simulated / "agencies" / CSC / "records.jsonl"), "--no-progress", "--workers", "0",
                 stdout=io.StringIO(), stderr=io.StringIO())
    call_command("link", charts=str(tmp_path / "charts"), stdout=io.StringIO(), stderr=io.StringIO())  # not var/
    said = _demo(simulated, tmp_path / "c.json")
    line = next(x for x in said.splitlines() if x.startswith("Practice:"))
    assert "supervision sessions of sam.okafor by tara.lindqvist" in line and "/supervision/" in line

    # Coherent: every child on a plan or looked after has a social worker; nobody is both looked after and on a child
    # in need plan; a parent named on their child's plan is not on it themselves.
    today = dt.date.today()
    on_plans = children_on_plans(today)
    workers = dict(Allocation.objects.filter(ended_at__isnull=True).values_list("person_id", "worker__role"))
    assert on_plans and all(workers.get(p) in ("social_worker", "team_manager") for p in on_plans)
    statuses = [child_status(person=p, on=today) for p in Person.objects.filter(pk__in=on_plans)]
    assert not any(s.looked_after and s.child_in_need for s in statuses)
    plan_kinds = ["cp_plan", "cin_plan", "looked_after_episode"]
    carers = set(MentionLink.objects.filter(mention__role="carer", mention__record__kind__in=plan_kinds)
                 .values_list("person_id", flat=True)) - on_plans
    assert carers and not any(s.on_cp_plan or s.looked_after or s.child_in_need
                              for s in (child_status(person=p, on=today) for p in Person.objects.filter(pk__in=carers)))

    sessions = list(SupervisionSession.objects.select_related("worker", "manager"))
    assert sessions and {(s.worker.username, s.manager.username) for s in sessions} == {
        ("sam.okafor", "tara.lindqvist")}
    discussed = {d.person_id for s in sessions for d in s.discussions.all()}
    allocated = set(Allocation.objects.filter(worker__username="sam.okafor", ended_at__isnull=True)
                    .values_list("person_id", flat=True))
    assert discussed and discussed <= allocated  # his own children are discussed
    actions = list(SupervisionAction.objects.all())
    assert any(a.done_at for a in actions)
    assert any(a.done_at and a.done_at.date() > a.due_on for a in actions)  # some done late, on the day they were
    assert all(a.done_at is None or a.done_at <= dt.datetime.now(dt.UTC) for a in actions)
    supervision = SourceRecord.objects.filter(kind="supervision", current__payload__source_system="joinedup")
    assert supervision.count() == sum(s.discussions.count() for s in sessions)

    meetings = list(Meeting.objects.all())
    assert any(m.status == MinutesStatus.APPROVED for m in meetings)
    assert MeetingPosition.objects.filter(stance="dissented").exclude(reason="").exists()
    assert SourceRecord.objects.filter(kind="meeting_minutes").exists()
    escalated = {e["id"] for e in _practice(simulated) if e["type"] == "meeting"
                 and any("escalation" in d for i in e["items"] for d in i["decisions"])}
    assert not escalated or DissentEscalation.objects.exists()

    concerns = list(Concern.objects.all())
    assert concerns and any(c.responded_at for c in concerns)
    assert all(c.raiser_name == "" for c in concerns if c.raised_by == "anonymous")
    records = SourceRecord.objects.filter(kind="concern")
    assert records.exists() and not any(c.raiser_name and c.raiser_name in json.dumps(r.current.payload)
                                        for r in records for c in concerns)

    counts = (SupervisionSession.objects.count(), SupervisionAction.objects.filter(done_at__isnull=False).count(),
              Meeting.objects.count(), Concern.objects.count(), SourceRecord.objects.count())
    again = _demo(simulated, tmp_path / "c.json")
    assert "Practice: nothing new loaded" in again
    assert counts == (SupervisionSession.objects.count(),
                      SupervisionAction.objects.filter(done_at__isnull=False).count(), Meeting.objects.count(),
                      Concern.objects.count(), SourceRecord.objects.count())


def test_without_a_practice_file_or_people_nothing_breaks(simulated, tmp_path):
    assert "does not exist" in load_practice(tmp_path)  # type: ignore[operator]
    said = _demo(simulated, tmp_path / "c.json")  # records not ingested: only the partnership's own meetings
    assert "Practice:" in said
    assert not SupervisionSession.objects.exists() and not Concern.objects.exists()
    assert set(Meeting.objects.values_list("kind", flat=True)) <= {"partnership"}
