"""A record is judged at its own time (docs/alerts-operations.md, "A record's own time").

A back-dated record (an A&E attendance sent months late) arriving through the API or a file load and
`joinedup link` is judged by the rules that are not time-based at the end of its own day, with everything
received by now, as well as now; found only at its day, the alert says when it applied. A time-based rule is
not raised by a back-dated record's arrival at the wall clock: the schedule (`joinedup alerts run`) raises it,
at its time.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from joinedup.accounts.models import Role
from joinedup.accounts.services import api_token_create
from joinedup.alerts.models import Alert, AlertStatus
from joinedup.alerts.rules.base import PROCESS_FAILURE, SUSPECT, ChildContext, Finding, Rule
from joinedup.alerts.services import alerts_evaluate_for_person, alerts_run_scheduled

from .conftest import CSC, HOSPITAL, MILO, SYSTEM, family_records, ingest_and_link, injury, m, person_of, rec

pytestmark = [pytest.mark.both_databases]


def _recent_injury(ctx: ChildContext, at: dt.datetime, params):
    """Like R1: an injury in the 90 days up to `at`."""
    hurt = [e for e in ctx.events if e.is_injury and at.date() - dt.timedelta(days=90) <= e.occurred_on <= at.date()]
    if not hurt:
        return None
    return Finding("W1", f"{len(hurt)} injur{'y' if len(hurt) == 1 else 'ies'} in the 90 days to {at:%d %B %Y}.",
                   tuple(e.key for e in hurt))


def _not_told(ctx: ChildContext, at: dt.datetime, params):
    """Like R4: an injury to a child on a plan with no children's social care record within a day of it."""
    late = []
    for e in ctx.events:
        if not e.is_injury or e.occurred_at + dt.timedelta(days=1) > at or ctx.plan_on(e.occurred_on) is None:
            continue
        told = [x for x in ctx.events if x.agency_code == CSC and x is not e
                and e.occurred_on <= x.occurred_on <= e.occurred_on + dt.timedelta(days=1)]
        if not told:
            late.append(e)
    if not late:
        return None
    return Finding("W2", f"Injury on {late[-1].occurred_on:%d %B %Y}: social worker not told within a day.",
                   tuple(e.key for e in late), due_at=late[-1].occurred_at + dt.timedelta(days=1))


W1 = Rule("W1", "Recent injury", "An injury in the last 90 days.", "Test rule", SUSPECT, {}, _recent_injury)
W2 = Rule("W2", "Social worker not told", "An injury on a plan, nobody told.", "Test rule", PROCESS_FAILURE, {},
          _not_told, time_based=True)
RULES = [W1, W2]


@pytest.fixture
def windowed(settings):
    settings.JOINEDUP_ALERT_RULES = "tests.alerts.test_record_time.RULES"
    return RULES


@pytest.fixture
def api(staff):
    _token, secret = api_token_create(actor=SYSTEM, user=staff.nurse, name="ED feed")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def csc_api(staff, make_user):
    case_system = make_user(Role.SYSTEM_ADMINISTRATOR, agency=staff.agency)  # the authority's case system's account
    _token, secret = api_token_create(actor=SYSTEM, user=case_system, name="Case system")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _today(record):
    """Dated today, recorded a moment after midnight (UTC): not back-dated."""
    return {**record, "recorded_at": f"{dt.date.today().isoformat()}T00:00:01Z"}


def _post(api, record):
    response = api.post("/api/v1/records/", record, content_type="application/json")
    assert response.status_code == 201, response.content[:500]
    return response.json()


def _told(source_id, on):
    return rec(CSC, source_id, "strategy_discussion", [m("m1", "subject", MILO, "CSC-K1")], on=on,
               detail={"code": "strategy_discussion", "decision": "section_47"})


def _without_the_injury():
    return [r for r in family_records() if r["source_record_id"] != "A-ED-1"]


def test_a_back_dated_record_through_the_api_is_judged_at_its_own_day(staff, api, windowed):
    ingest_and_link(_without_the_injury())
    milo = person_of(CSC, "CSC-K1")
    assert not Alert.objects.filter(person=milo).exists()

    # Sent in December 2026 about an attendance on 2 April 2024: at the wall clock it is long out of the
    # 90-day window (the old behaviour raised nothing); at its own day it is an injury in the last 90 days.
    _post(api, injury("A-ED-1", "2024-04-02", local="SAH-K9"))
    alert = Alert.objects.get(person=milo, rule_id="W1")
    assert alert.status == AlertStatus.NEW and alert.evidence_keys == [f"{HOSPITAL}:A-ED-1"]
    assert alert.applies_at == dt.datetime(2024, 4, 2, 23, 59, 59, tzinfo=dt.UTC)
    assert alert.evaluated_at == alert.applies_at
    assert alert.sentence == ("1 injury in the 90 days to 02 April 2024. Found as things stood on 2 April 2024, "
                              "the day of a record received late.")
    assert alert.raised_at.date() > dt.date(2026, 1, 1)  # raised now, about then
    assert alert.steps.get(kind="raised").detail["applies_at"] == "2024-04-02T23:59:59+00:00"

    # A later arrival that does not reach back to April 2024 does not close it as "no longer applies".
    _post(api, _today(rec(HOSPITAL, "A-ED-9", "consultation", [m("m1", "patient", MILO, "SAH-K9")],
                          on=dt.date.today().isoformat(), detail={"code": "review", "author_role": "Nurse"})))
    alerts_evaluate_for_person(person=milo)  # nor does evaluating every rule by hand now
    alert.refresh_from_db()
    assert alert.status == AlertStatus.NEW and alert.applies_at is not None

    # A correction that removes the injury (and the adult) closes it: the rule no longer finds it at its day.
    first = injury("A-ED-1", "2024-04-02", local="SAH-K9")
    corrected = {**first, "version": 2, "amended_at": "2024-04-09T09:00:00Z", "mentions": first["mentions"][:1],
                 "detail": {"code": "cough", "author_role": "Emergency department nurse"}}
    _post(api, corrected)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED


def test_a_correction_of_the_detail_alone_is_judged_again(staff, api, windowed):
    ingest_and_link(_without_the_injury())
    milo = person_of(CSC, "CSC-K1")
    first = injury("A-ED-1", "2024-04-02", local="SAH-K9")
    _post(api, first)
    alert = Alert.objects.get(person=milo, rule_id="W1")
    assert alert.status == AlertStatus.NEW
    # the same people, unchanged; only the detail corrected (it was a cough, not an injury)
    corrected = {**first, "version": 2, "amended_at": "2024-04-09T09:00:00Z",
                 "detail": {"code": "cough", "author_role": "Emergency department nurse"}}
    _post(api, corrected)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED


def test_a_finding_that_applies_now_is_not_back_dated(staff, api, windowed):
    ingest_and_link(_without_the_injury())
    milo = person_of(CSC, "CSC-K1")
    _post(api, _today(injury("A-ED-7", dt.date.today().isoformat(), local="SAH-K9")))
    alert = Alert.objects.get(person=milo, rule_id="W1")
    assert alert.applies_at is None and "Found as things stood" not in alert.sentence


def test_a_back_dated_record_does_not_raise_a_time_based_rule_at_the_wall_clock(staff, api, csc_api, windowed):
    ingest_and_link(_without_the_injury())
    milo = person_of(CSC, "CSC-K1")

    # The injury arrives first; the strategy discussion held the same day is sent a minute later. Judged at the
    # wall clock, the injury alone looked like "nobody told" (the old behaviour raised W2, then closed it).
    _post(api, injury("A-ED-1", "2024-04-02", local="SAH-K9"))
    assert not Alert.objects.filter(person=milo, rule_id="W2").exists()
    _post(csc_api, _told("A-CSC-9", "2024-04-02"))
    n, result = alerts_run_scheduled()
    assert n >= 1 and result.raised == 0
    assert not Alert.objects.filter(person=milo, rule_id="W2").exists()


def test_the_schedule_raises_what_a_back_dated_arrival_left_to_it(staff, api, windowed):
    ingest_and_link(_without_the_injury())
    milo = person_of(CSC, "CSC-K1")
    _post(api, injury("A-ED-1", "2024-04-02", local="SAH-K9"))
    assert not Alert.objects.filter(person=milo, rule_id="W2").exists()
    _n, result = alerts_run_scheduled()
    alert = Alert.objects.get(person=milo, rule_id="W2")
    assert result.raised == 1 and alert.applies_at is None and alert.evidence_keys == [f"{HOSPITAL}:A-ED-1"]


def test_a_file_load_and_link_judge_back_dated_records_at_their_own_day(staff, windowed):
    ingest_and_link(family_records())
    milo = person_of(CSC, "CSC-K1")
    hurt = Alert.objects.get(person=milo, rule_id="W1")
    assert hurt.applies_at is not None and hurt.applies_at.date() == dt.date(2024, 4, 5)  # the latest record's day
    assert not Alert.objects.filter(person=milo, rule_id="W2").exists()  # left to the schedule
    alerts_run_scheduled()
    assert Alert.objects.filter(person=milo, rule_id="W2", applies_at__isnull=True).exists()
