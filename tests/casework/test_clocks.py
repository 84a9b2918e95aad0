"""Working days and the casework clocks across Christmas, Easter and a leap day (England's bank holidays come
from the `holidays` library, not a table of ours)."""

from __future__ import annotations

import datetime as dt

import pytest

from joinedup.casework.clocks import (
    Clocks,
    add_working_days,
    describe_hours,
    end_of_day,
    is_working_day,
    working_days_between,
)

LONDON = Clocks().tz


def at(y, m, d, h=0, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=LONDON)


def test_christmas_2026_bank_holidays_and_substitute_day():
    # Christmas Day is a Friday; Boxing Day a Saturday, so Monday 28 December is its substitute.
    assert not is_working_day(dt.date(2026, 12, 25))
    assert not is_working_day(dt.date(2026, 12, 26))
    assert not is_working_day(dt.date(2026, 12, 28))
    assert is_working_day(dt.date(2026, 12, 24)) and is_working_day(dt.date(2026, 12, 29))
    assert add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 29)
    assert add_working_days(dt.date(2026, 12, 23), 3) == dt.date(2026, 12, 30)


def test_easter_2027():
    # Good Friday 26 March, Easter Monday 29 March 2027.
    assert not is_working_day(dt.date(2027, 3, 26)) and not is_working_day(dt.date(2027, 3, 29))
    assert add_working_days(dt.date(2027, 3, 25), 1) == dt.date(2027, 3, 30)
    assert working_days_between(dt.date(2027, 3, 22), dt.date(2027, 4, 2)) == 7


def test_leap_day_2028_is_a_working_day():
    assert is_working_day(dt.date(2028, 2, 29))  # a Tuesday
    assert add_working_days(dt.date(2028, 2, 28), 1) == dt.date(2028, 2, 29)
    assert add_working_days(dt.date(2028, 2, 28), 2) == dt.date(2028, 3, 1)


def test_working_days_between_is_the_inverse_of_adding():
    start = dt.date(2026, 12, 1)
    for n in (0, 1, 10, 15, 45, 90):
        assert working_days_between(start, add_working_days(start, n)) == n


@pytest.mark.parametrize(("received", "due"), [
    (at(2026, 12, 7, 10), at(2026, 12, 8, 10)),  # Monday 10:00 → Tuesday 10:00
    (at(2026, 12, 11, 16), at(2026, 12, 14, 16)),  # Friday 16:00 → Monday 16:00
    (at(2026, 12, 24, 16), at(2026, 12, 29, 16)),  # Christmas Eve → after the Boxing Day substitute
    (at(2026, 12, 12, 11), at(2026, 12, 14, 17)),  # Saturday → the whole of Monday
    (at(2026, 12, 7, 20), at(2026, 12, 8, 17)),  # after hours → the whole next working day
    (at(2027, 3, 25, 9, 30), at(2027, 3, 30, 9, 30)),  # Maundy Thursday → the Tuesday after Easter
])
def test_decision_due_one_working_day_later(received, due):
    assert Clocks().decision_due(received) == due


def test_working_hours_between_counts_only_working_time():
    c = Clocks()
    assert c.working_hours_between(at(2026, 12, 24, 16), at(2026, 12, 29, 10)) == pytest.approx(2.0)
    assert c.working_hours_between(at(2026, 12, 29, 10), at(2026, 12, 24, 16)) == pytest.approx(-2.0)


def test_statutory_day_clocks_and_reviews():
    c = Clocks()
    assert c.assessment_due(dt.date(2027, 2, 1)) == add_working_days(dt.date(2027, 2, 1), 45)
    assert c.icpc_due(dt.date(2026, 12, 14)) == dt.date(2027, 1, 7)  # 15 working days over Christmas
    assert c.core_group_due(dt.date(2028, 2, 21)) == dt.date(2028, 3, 6)
    assert c.review_due(dt.date(2027, 11, 30), None) == dt.date(2028, 2, 29)  # three months, to a leap day
    assert c.review_due(dt.date(2027, 11, 30), dt.date(2028, 2, 29)) == dt.date(2028, 8, 29)


def test_rag_clocks_are_elapsed_hours_and_settable():
    c = Clocks.from_mapping({"rag_hours": {"red": 2}})
    received = at(2026, 12, 12, 11)  # a Saturday: a red contact does not wait for Monday
    assert c.rag_due(received, "red") == received + dt.timedelta(hours=2)
    assert c.rag_due(received, "amber") == received + dt.timedelta(hours=24)
    with pytest.raises(ValueError, match="unknown setting"):
        Clocks.from_mapping({"rag_hour": 3})


def test_end_of_day_is_local_midnight_and_describe_hours():
    assert end_of_day(dt.date(2026, 7, 1), Clocks()) == dt.datetime(2026, 7, 1, 22, 59, 59, 999999, tzinfo=dt.UTC)
    assert describe_hours(3 + 20 / 60) == "3 h 20 min" and describe_hours(0.75) == "45 min"


def test_visit_clocks_by_plan():
    from joinedup.casework.lifecycle import fold
    from joinedup.casework.state import CaseworkRecord

    def rec(n, kind, day, detail=None, ended=None):
        at = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(10), tzinfo=dt.UTC)
        return CaseworkRecord(key=f"c:{n}", agency="c", source_record_id=str(n), kind=kind, occurred_at=at,
                              occurred_on=at.date(), recorded_at=at, detail=detail or {},
                              ended_on=dt.date.fromisoformat(ended) if ended else None)

    records = [
        rec(1, "referral", "2027-01-04"),
        rec(2, "cin_plan", "2027-01-11", ended="2027-03-15"),
        rec(3, "visit", "2027-02-01", {"child_seen": True, "seen_alone": True}),
        rec(4, "visit", "2027-02-20", {"child_seen": False, "seen_alone": False}),  # does not meet a visit clock
        rec(5, "looked_after_episode", "2027-03-15", {"reason_new_episode": "S"}),
        rec(6, "visit", "2027-03-19", {"child_seen": True, "seen_alone": True}),
        rec(7, "looked_after_episode", "2027-03-19", {"reason_new_episode": "L"}),  # legal status only
    ]
    # the first looked-after episode ends when the second starts (X1)
    records[4] = rec(5, "looked_after_episode", "2027-03-15", {"reason_new_episode": "S"}, ended="2027-03-19")
    (case,) = fold(records).cases
    visits = [(c.label.split("(")[1].split(",")[0].rstrip(")"), c.due_on, c.met_at and c.met_at.date())
              for c in case.clocks if c.kind == "visit"]
    assert visits[:2] == [("child in need plan", dt.date(2027, 2, 22), dt.date(2027, 2, 1)),
                          ("child in need plan", dt.date(2027, 3, 15), None)]  # stopped when the plan ended
    assert visits[2:] == [("looked after", dt.date(2027, 3, 22), dt.date(2027, 3, 19)),  # within a week
                          ("looked after", dt.date(2027, 4, 30), None)]  # then six weeks (one placement)
    (revisit,) = [c for c in case.clocks if c.kind == "revisit"]
    assert revisit.met_at.date() == dt.date(2027, 3, 19)  # only a visit that saw the child closes it
