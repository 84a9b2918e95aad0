"""Caseloads and the managers' dashboard (issue 13): on a small hand-made authority every figure equals a count
made here from what was made (contacts per week, decisions and visits on time or late against their clocks,
children not seen, supervision overdue, unanswered concerns); caseloads are weighted by stage against the
worker's limit (their own wins); allocating past the limit asks first; each CSV equals its table; every chart
has a text alternative; only team managers and heads of service see a dashboard, a team manager only their
team's; every read is audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import uuid
from dataclasses import dataclass, field
from html import unescape
from zoneinfo import ZoneInfo

import pytest

from joinedup.accounts.models import Role
from joinedup.accounts.services import team_create
from joinedup.audit.models import AuditEvent
from joinedup.casework.models import Allocation, Case, CaseClock, Contact
from joinedup.ingest.models import SourceRecord
from joinedup.people.models import Person
from joinedup.practice.caseloads import allocation_check, caseload_of, weigh
from joinedup.practice.models import Concern, SupervisionSession
from joinedup.practice.selectors.dashboard import dashboard_for
from joinedup.practice.settings import PracticeSettings
from tests.casework.conftest import csc, front_door, front_door_team, hospital, manager, nurse  # noqa: F401
from tests.conftest import SYSTEM

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]

LONDON = ZoneInfo("Europe/London")
_n = itertools.count(1)


def week_starts(now: dt.datetime) -> list[dt.date]:
    """The 13 Mondays (England's time) of the dashboard's weeks, oldest first, counted here, not by the code."""
    today = now.astimezone(LONDON).date()
    monday = today - dt.timedelta(days=today.weekday())
    return [monday - dt.timedelta(weeks=12 - i) for i in range(13)]


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON).astimezone(dt.UTC)


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=LONDON).astimezone(dt.UTC)


@dataclass
class Authority:
    now: dt.datetime
    weeks: list[dt.date]
    csc: object
    team_a: object
    team_b: object
    hos: object
    tm_a: object
    tm_b: object
    a1: object
    a2: object
    b1: object
    b2: object
    children: dict[str, Person] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)


def _person(name: str) -> Person:
    given, family = name.split()
    return Person.objects.create(given_name=given, family_name=family, dob=dt.date(2018, 3, 1))


def _contact(a: Authority, child: str, received: dt.datetime, *, met: dt.datetime | None = None,
             due: dt.datetime | None = None) -> Contact:
    n = next(_n)
    record = SourceRecord.objects.create(agency=a.csc, source_record_id=f"CT-{n}", kind="csc_contact",
                                         occurred_at=received, occurred_on=received.date(), recorded_at=received,
                                         first_received_at=received)
    due = due or received + dt.timedelta(days=1)
    contact = Contact.objects.create(record=record, agency=a.csc, person=a.children[child], received_at=received,
                                     decision="advice" if met else "", decided_at=met, decision_due_at=due,
                                     is_open=met is None, revision=1)
    CaseClock.objects.create(agency=a.csc, person=a.children[child], contact=contact, kind="contact_decision",
                             label="Contact decision", source_key=f"c:{n}", started_at=received, due_at=due, met_at=met)
    return contact


def _case(a: Authority, child: str, stage: str, opened_on: dt.date, *, last_seen_on=None, is_open=True) -> Case:
    case = Case.objects.create(id=uuid.uuid4(), agency=a.csc, person=a.children[child], case_ref=f"EP-{next(_n)}",
                               opened_on=opened_on, stage=stage, is_open=is_open, last_seen_on=last_seen_on,
                               closed_on=None if is_open else opened_on, revision=1)
    a.cases[child] = case
    return case


def _clock(a: Authority, child: str, kind: str, due_on: dt.date, *, started_on: dt.date | None = None,
           met: dt.datetime | None = None, stopped: dt.datetime | None = None) -> CaseClock:
    started_on = started_on or due_on - dt.timedelta(days=10)
    return CaseClock.objects.create(
        agency=a.csc, person=a.children[child], case=a.cases[child], kind=kind, label=kind, source_key=f"k:{next(_n)}",
        started_at=dt.datetime.combine(started_on, dt.time(12), tzinfo=dt.UTC), due_at=end_of(due_on), due_on=due_on,
        met_at=met, stopped_at=stopped)


def _with(user, **fields):
    """A worker's own supervision or caseload settings (set by an administrator, not at creation)."""
    for name, value in fields.items():
        setattr(user, name, value)
    user.save(update_fields=list(fields))
    return user


def _allocate(child: Person, worker) -> None:
    Allocation.objects.create(person=child, worker=worker, team=worker.team, started_at=dt.datetime.now(dt.UTC))


@pytest.fixture
def authority(csc, front_door_team, make_user) -> Authority:  # noqa: F811
    """Two teams and the front door. Team A: a1 (p1 on a plan, p2 looked after, p3 child in need, p7 whose case
    closed) and a2, newly qualified (p4 on a plan, never seen); team B: b1 (p5 looked after), b2. p6 is allocated
    to nobody (the front door's)."""
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(LONDON).date()
    team_a = team_create(actor=SYSTEM, agency=csc, code="cin-a", name="Children in Need A")
    team_b = team_create(actor=SYSTEM, agency=csc, code="cin-b", name="Children in Need B")
    a = Authority(
        now=now, weeks=week_starts(now), csc=csc, team_a=team_a, team_b=team_b,
        hos=make_user(role=Role.HEAD_OF_SERVICE, agency=csc),
        tm_a=make_user(role=Role.TEAM_MANAGER, agency=csc, team=team_a),
        tm_b=make_user(role=Role.TEAM_MANAGER, agency=csc, team=team_b),
        a1=make_user(agency=csc, team=team_a, first_name="Anna", last_name="Able"),
        a2=_with(make_user(agency=csc, team=team_a, first_name="Nia", last_name="New"), newly_qualified=True),
        b1=make_user(agency=csc, team=team_b, first_name="Ben", last_name="Busy"),
        b2=_with(make_user(agency=csc, team=team_b, first_name="Bea", last_name="Own"), supervision_every_days=60),
    )
    names = {"p1": "Poppy Plan", "p2": "Lola Looked", "p3": "Cian Need", "p4": "Ned Never", "p5": "Lara Away",
             "p6": "Fred Front", "p7": "Cole Closed"}
    a.children = {key: _person(name) for key, name in names.items()}
    for key, worker in (("p1", a.a1), ("p2", a.a1), ("p3", a.a1), ("p7", a.a1), ("p4", a.a2), ("p5", a.b1)):
        _allocate(a.children[key], worker)
    w = a.weeks

    # Referrals: cases opened (p2's before these weeks; p7's closed).
    _case(a, "p1", "Child protection plan", w[2] + dt.timedelta(days=2), last_seen_on=today - dt.timedelta(days=40))
    _case(a, "p2", "Looked after", w[0] - dt.timedelta(days=30), last_seen_on=today - dt.timedelta(days=3))
    _case(a, "p3", "Child in need plan", w[5] + dt.timedelta(days=1))
    _case(a, "p4", "Child protection plan", w[5] + dt.timedelta(days=3))
    _case(a, "p5", "Looked after", w[11] + dt.timedelta(days=1))
    _case(a, "p6", "Referral", today)
    _case(a, "p7", "Closed", w[1], is_open=False)

    # Contacts, each with its decision clock (due a day after it came in).
    wed = [at(d + dt.timedelta(days=2)) for d in w]
    _contact(a, "p1", wed[11], met=wed[11] + dt.timedelta(hours=3))  # on time
    _contact(a, "p1", wed[11] + dt.timedelta(hours=1), met=wed[11] + dt.timedelta(days=1, hours=5))  # late
    _contact(a, "p5", wed[11], met=wed[11] + dt.timedelta(hours=1))  # on time
    _contact(a, "p4", wed[8], met=wed[8] + dt.timedelta(hours=2))  # on time
    _contact(a, "p6", wed[8])  # never decided: late, and past due now
    _contact(a, "p2", wed[0], met=wed[0] + dt.timedelta(hours=4))  # on time
    _contact(a, "p1", wed[0] - dt.timedelta(weeks=2), met=wed[0] - dt.timedelta(weeks=2))  # before the weeks

    # Assessments: on time, late, open past due, stopped before due (not counted), due later (not counted).
    d = [x + dt.timedelta(days=2) for x in w]
    _clock(a, "p3", "assessment", d[6], met=at(d[6] - dt.timedelta(days=1)))
    _clock(a, "p4", "assessment", d[6], met=at(d[6] + dt.timedelta(days=2)))
    _clock(a, "p1", "assessment", d[9])
    _clock(a, "p5", "assessment", d[9], stopped=at(d[9] - dt.timedelta(days=1)))
    _clock(a, "p6", "assessment", today + dt.timedelta(days=30))
    # Visits: p1 on time, late, then open past due; p4 open past due from 30 days ago; p2 on time.
    _clock(a, "p1", "visit", d[8], met=at(d[8] - dt.timedelta(days=2)))
    _clock(a, "p1", "visit", d[10], met=at(d[10] + dt.timedelta(days=2)))
    _clock(a, "p1", "visit", d[11])
    _clock(a, "p4", "visit", today - dt.timedelta(days=16), started_on=today - dt.timedelta(days=30))
    _clock(a, "p2", "visit", d[11], met=at(d[11] - dt.timedelta(days=1)))
    _clock(a, "p5", "visit", today + dt.timedelta(days=4), started_on=today - dt.timedelta(days=10))

    # Supervision: a1 10 days ago (every 28: on time); a2 20 days ago (newly qualified, every 14: overdue);
    # b1 40 days ago (overdue); b2 40 days ago (their own 60 days: on time); the managers never (just joined).
    for worker, days in ((a.a1, 10), (a.a2, 20), (a.b1, 40), (a.b2, 40)):
        SupervisionSession.objects.create(agency=csc, worker=worker, manager=a.tm_a, recorded_by=a.tm_a,
                                          held_on=today - dt.timedelta(days=days), recorded_at=now)
    # Concerns: c1 (a1 answers) and c3 (about p4, team A's) unanswered past due; c2 (about p5) answered late;
    # c4 not due yet; c5 answered on time.
    def concern(responder, due_days: int, *, answered_days: int | None = None, about=()) -> Concern:
        c = Concern.objects.create(
            agency=csc, received_at=now - dt.timedelta(days=due_days + 5), raised_by="relative", summary="Worried.",
            responder=responder, response_due_at=now - dt.timedelta(days=due_days),
            responded_at=None if answered_days is None else now - dt.timedelta(days=answered_days),
            response="Visited." if answered_days is not None else "", recorded_at=now, recorded_by=a.hos)
        c.children.set([a.children[k] for k in about])
        return c

    concern(a.a1, 1)
    concern(a.b1, 3, answered_days=1, about=["p5"])
    concern(a.hos, 2, about=["p4"])
    concern(a.a2, -1)
    concern(a.b1, 8, answered_days=9)
    return a


# --- the figures, counted independently ---------------------------------------------------------------------


def test_the_service_figures_equal_the_counts_of_what_was_made(authority):
    a = authority
    d = dashboard_for(viewer=a.hos, now=a.now)
    assert [w.start for w in d.weeks] == a.weeks
    expected_contacts = [0] * 13
    expected_contacts[11], expected_contacts[8], expected_contacts[0] = 3, 2, 1
    assert d.contacts == expected_contacts
    referrals = [0] * 13
    referrals[1], referrals[2], referrals[5], referrals[11], referrals[12] = 1, 1, 2, 1, 1  # p7 closed since
    assert d.referrals == referrals

    decisions = {i: (t.on_time, t.late) for i, t in enumerate(d.timeliness["contact_decision"]) if t.total}
    assert decisions == {11: (2, 1), 8: (1, 1), 0: (1, 0)}
    assessments = {i: (t.on_time, t.late) for i, t in enumerate(d.timeliness["assessment"]) if t.total}
    assert assessments == {6: (1, 1), 9: (0, 1)}
    visits = {i: (t.on_time, t.late) for i, t in enumerate(d.timeliness["visit"]) if t.total}
    p4_due = a.now.astimezone(LONDON).date() - dt.timedelta(days=16)
    p4_week = (p4_due - a.weeks[0]).days // 7
    expected_visits = {8: [1, 0], 10: [0, 1], 11: [1, 1]}
    expected_visits.setdefault(p4_week, [0, 0])[1] += 1
    assert visits == {k: tuple(v) for k, v in expected_visits.items()}
    assert d.overdue_by_kind["contact_decision"] == 1 and d.overdue_by_kind["assessment"] == 1
    assert d.overdue_by_kind["visit"] == 2 and d.overdue_total == 4

    assert {r.name for r in d.not_seen} == {"Poppy Plan", "Ned Never"}
    never = next(r for r in d.not_seen if r.name == "Ned Never")
    assert never.last_seen_on is None and never.days == 30 and never.worker == a.a2.get_full_name()
    assert next(r for r in d.not_seen if r.name == "Poppy Plan").days == 40

    overdue = {s.name for s in d.supervision_overdue}
    assert overdue == {a.a2.get_full_name(), a.b1.get_full_name()}  # incl. the newly qualified worker at 20 days
    nq = next(s for s in d.supervision if s.worker_id == a.a2.pk)
    assert nq.every_days == 14 and nq.days_overdue == 6
    assert next(s for s in d.supervision if s.worker_id == a.b2.pk).every_days == 60  # their own setting wins
    held = [0] * 13
    for days in (10, 20, 40, 40):
        held[((a.now.astimezone(LONDON).date() - dt.timedelta(days=days)) - a.weeks[0]).days // 7] += 1
    assert d.supervision_held == held

    assert sorted(c.responder for c in d.concerns_overdue) == sorted([a.a1.get_full_name(), a.hos.get_full_name()])
    answered = d.timeliness["concern"]
    assert sum(t.on_time for t in answered) == 1 and sum(t.late for t in answered) == 3


def test_a_team_managers_figures_are_their_teams_children_and_workers(authority):
    a = authority
    d = dashboard_for(viewer=a.tm_a, now=a.now)
    assert d.scope.team == a.team_a
    contacts = [0] * 13
    contacts[11], contacts[8], contacts[0] = 2, 1, 1  # p1 twice, p4, p2 (p5's is team B's, p6's the front door's)
    assert d.contacts == contacts
    assert d.overdue_by_kind["contact_decision"] == 0 and d.overdue_by_kind["visit"] == 2
    assert {r.name for r in d.not_seen} == {"Poppy Plan", "Ned Never"}
    assert {s.worker_id for s in d.supervision} == {a.tm_a.pk, a.a1.pk, a.a2.pk}
    assert {s.worker_id for s in d.supervision_overdue} == {a.a2.pk}
    assert len(d.concerns_overdue) == 2  # a1 answers one; the other is about p4, team A's child

    b = dashboard_for(viewer=a.tm_b, now=a.now)
    assert sum(b.contacts) == 1 and b.not_seen == [] and b.concerns_overdue == []
    assert {s.worker_id for s in b.supervision_overdue} == {a.b1.pk}


def test_the_front_door_team_holds_the_children_allocated_to_nobody(authority, manager):  # noqa: F811
    d = dashboard_for(viewer=manager, now=authority.now)  # the front door's team manager
    assert sum(d.contacts) == 1 and d.overdue_by_kind["contact_decision"] == 1  # p6's
    assert d.referrals[12] == 1


def test_a_head_of_service_may_look_at_one_team_and_a_team_manager_only_at_their_own(authority):
    a = authority
    assert dashboard_for(viewer=a.hos, team_id=a.team_b.pk, now=a.now).scope.team == a.team_b
    assert dashboard_for(viewer=a.tm_a, team_id=a.team_b.pk) is None
    assert dashboard_for(viewer=a.a1) is None


# --- caseloads ----------------------------------------------------------------------------------------------


def test_caseloads_are_weighted_by_stage_and_a_workers_own_limit_wins():
    policy = PracticeSettings.from_mapping({"caseload_limit": 5, "caseload_weights": {"Referral": 0.25}})
    assert weigh({"Child protection plan": 2, "Referral": 2, "Something new": 1}, policy) == 3 + 0.5 + 1

    class Worker:
        caseload_limit = None

    own = Worker()
    own.caseload_limit = 3
    assert caseload_of(Worker(), {"Looked after": 3}, policy).limit == 5
    load = caseload_of(own, {"Looked after": 3}, policy)
    assert (load.weighted, load.limit, load.own_limit, load.over_limit) == (4.5, 3, True, True)
    at_limit = caseload_of(Worker(), {"Child in need plan": 5}, policy)
    assert not at_limit.over_limit  # at the limit is full, not past it
    assert allocation_check(at_limit, "Referral", policy, already_theirs=False).passes_limit
    assert not allocation_check(at_limit, None, policy, already_theirs=False).passes_limit  # no open case: 0
    assert not allocation_check(at_limit, "Referral", policy, already_theirs=True).passes_limit


def test_the_caseloads_in_the_dashboard_count_allocated_children_with_an_open_case(authority):
    a = authority
    a.b1.caseload_limit = 1
    a.b1.save()
    loads = {c.worker.pk: c for c in dashboard_for(viewer=a.hos, now=a.now).caseloads}
    assert loads[a.a1.pk].by_stage == {"Child protection plan": 1, "Looked after": 1, "Child in need plan": 1}
    assert loads[a.a1.pk].weighted == 4.0 and not loads[a.a1.pk].over_limit  # p7's closed case is not counted
    assert loads[a.b1.pk].weighted == 1.5 and loads[a.b1.pk].limit == 1 and loads[a.b1.pk].over_limit
    assert loads[a.b2.pk].weighted == 0


# --- the pages ----------------------------------------------------------------------------------------------


def tables(page: str) -> dict[str, list[list[str]]]:
    """Every figure's table on the page: header and cells as text."""
    out = {}
    for key, body in re.findall(r'<table class="govuk-table" data-figure="([^"]+)">(.*?)</table>', page, re.S):
        rows = []
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            rows.append([unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
        out[key] = rows
    return out


def test_the_dashboard_page_shows_the_figures_each_csv_equals_its_table_and_each_chart_has_words(
        authority, signed_in):
    a = authority
    client = signed_in(a.hos)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    page = response.content.decode()
    found = tables(page)
    demand = found["demand"]
    assert demand[0] == ["Week starting", "ISO week", "Contacts received", "Referrals (cases opened)"]
    assert [int(r[2]) for r in demand[1:]] == dashboard_for(viewer=a.hos).contacts
    assert int(demand[12][2]) == 3
    assert [r[0] for r in found["not-seen"][1:]] == ["Poppy Plan", "Ned Never"]
    assert {"on-time-contact-decision", "on-time-visit", "on-time-assessment", "overdue-now", "supervision",
            "concerns", "supervision-held"} <= set(found)
    for key, table in found.items():
        download = client.get("/dashboard/", {"format": "csv", "figure": key})
        assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
        assert list(csv.reader(io.StringIO(download.content.decode()))) == table, key
    # Every chart: an image with a title and a description in words.
    svgs = re.findall(r"<svg xmlns[^>]*>.*?</svg>", page, re.S)
    assert len(svgs) >= 5
    for svg in svgs:
        assert 'role="img"' in svg
        title = re.search(r'<title id="([^"]+)">([^<]+)</title>', svg)
        desc = re.search(r'<desc id="([^"]+)">([^<]{20,})</desc>', svg)
        assert title and desc and f'aria-describedby="{desc.group(1)}"' in svg
    assert "Contacts received and referrals (cases opened) in each of the 13 weeks" in unescape(page)
    assert "Nia New" in page and "Overdue by 6 days" in page  # the newly qualified worker


def test_the_team_manager_sees_only_their_team_and_others_get_404(authority, signed_in, client, make_user, nurse):  # noqa: F811
    a = authority

    def as_(user):
        client.logout()
        return signed_in(user)

    page = as_(a.tm_b).get("/dashboard/").content.decode()
    assert "Poppy Plan" not in page and "Ned Never" not in page and "Children in Need B" in page
    assert client.get("/dashboard/", {"team": str(a.team_a.pk)}).status_code == 404
    assert as_(a.hos).get("/dashboard/", {"team": str(a.team_b.pk)}).status_code == 200
    assert client.get("/dashboard/", {"team": "not-a-team"}).status_code == 404
    for user in (a.a1, make_user(role=Role.FRONT_DOOR, agency=a.csc), nurse):
        c = as_(user)
        assert c.get("/dashboard/").status_code == 404
        assert c.get("/caseloads/").status_code == 404
        assert c.get("/dashboard/", {"format": "csv", "figure": "demand"}).status_code == 404
    assert client.get("/my-cases/").status_code == 404  # the nurse


def test_reads_and_downloads_are_audited(authority, signed_in):
    a = authority
    client = signed_in(a.tm_a)
    client.get("/dashboard/")
    view = AuditEvent.objects.get(action="dashboard.view", actor_username=a.tm_a.username)
    assert set(view.detail["object_ids"]) == {str(a.children["p1"].pk), str(a.children["p4"].pk)}
    client.get("/dashboard/", {"format": "csv", "figure": "not-seen"})
    export = AuditEvent.objects.get(action="dashboard.export")
    assert export.detail["figure"] == "not-seen" and len(export.detail["object_ids"]) == 2
    client.get("/caseloads/")
    assert AuditEvent.objects.filter(action="caseload.view", object_type="caseload").count() == 1
    client.logout()
    signed_in(a.a1).get("/my-cases/")
    mine = AuditEvent.objects.get(action="caseload.view", object_type="person")
    assert len(mine.detail["object_ids"]) == 4


def test_a_workers_caseload_page_lists_their_children_and_their_load(authority, signed_in):
    a = authority
    page = unescape(signed_in(a.a1).get("/my-cases/").content.decode())
    for name in ("Poppy Plan", "Lola Looked", "Cian Need", "Cole Closed"):
        assert name in page
    assert "No open case (not counted)" in page
    assert re.search(r"4 of 18", page)


def test_the_caseloads_page_and_its_csv(authority, signed_in):
    a = authority
    client = signed_in(a.hos)
    page = client.get("/caseloads/").content.decode()
    table = tables(page)["caseloads"]
    assert table[1][:4] == ["Anna Able", "Children in Need A", "3", "4"]
    download = client.get("/caseloads/", {"format": "csv"})
    assert list(csv.reader(io.StringIO(download.content.decode()))) == table


@pytest.fixture
def tight_limit(settings):
    settings.JOINEDUP_PRACTICE = {"caseload_limit": 5}


def test_allocating_past_the_limit_asks_first_then_allocates_anyway(authority, tight_limit, front_door, signed_in):  # noqa: F811
    a = authority
    child = a.children["p6"]
    Case.objects.filter(pk=a.cases["p6"].pk).update(stage="Child protection plan")  # weighs 1.5: 4 + 1.5 > 5
    client = signed_in(front_door)
    form = client.get(f"/people/{child.pk}/allocate/").content.decode()
    assert "caseload 4 of 5" in unescape(form)
    response = client.post(f"/people/{child.pk}/allocate/", {"worker": str(a.a1.pk)})
    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert "would be 5.5, over their limit of 5" in page and "Allocate anyway" in page
    assert not Allocation.objects.filter(person=child, ended_at__isnull=True).exists()
    response = client.post(f"/people/{child.pk}/allocate/", {"worker": str(a.a1.pk), "allocate_anyway": "yes"})
    assert response.status_code == 302
    assert Allocation.objects.get(person=child, ended_at__isnull=True).worker == a.a1
    # Within the limit there is nothing to confirm.
    other = a.children["p5"]
    assert client.post(f"/people/{other.pk}/allocate/", {"worker": str(a.b2.pk)}).status_code == 302


# --- through the real casework path ---------------------------------------------------------------------------


def test_a_contact_recorded_and_decided_in_joinedup_is_counted_this_week(front_door, make_user, csc):  # noqa: F811
    from joinedup.casework.services import contact_decide
    from tests.casework.conftest import new_child_contact

    hos = make_user(role=Role.HEAD_OF_SERVICE, agency=csc)
    made = new_child_contact(front_door)
    contact_decide(user=front_door, person=made.person, record_pk=made.record_pk, decision="assessment",
                   primary_need="N1", revision=made.contact.revision)
    d = dashboard_for(viewer=hos)
    assert d.contacts[-1] == Contact.objects.count() == 1
    assert d.referrals[-1] == Case.objects.count() == 1
    contact = Contact.objects.get()
    due_this_week = contact.decision_due_at.astimezone(LONDON).date() >= week_starts(d.now)[-1] and \
        contact.decision_due_at.astimezone(LONDON).date() < week_starts(d.now)[-1] + dt.timedelta(days=7)
    assert d.timeliness["contact_decision"][-1].on_time == (1 if due_this_week else 0)
    assert d.timeliness["contact_decision"][-1].late == 0


