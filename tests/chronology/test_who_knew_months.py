"""Who knew what over the latest months of a record (issue 19: a child known for years made a grid thousands of
pixels wide): the months end with the record's newest event, not today; the events before them are counted."""

from __future__ import annotations

import pytest

from joinedup.chronology.summaries import who_knew_what
from tests.chronology.test_summaries import ED, GP, SCHOOL, ev


def _events():
    return [
        ev(GP, "G1", "consultation", "2021-11-03"),
        ev(SCHOOL, "S1", "school_concern", "2022-12-01"),
        ev(GP, "G2", "consultation", "2023-01-15"),
        ev(ED, "E1", "ed_attendance", "2023-05-31", explanation="fell"),
        ev(GP, "G3", "consultation", "2023-06-01"),
    ]


def test_the_latest_months_end_with_the_newest_record_and_count_the_earlier_ones():
    grid = who_knew_what(_events(), months=6)
    assert [c.label for c in grid.columns] == ["January 2023", "February 2023", "March 2023", "April 2023",
                                               "May 2023", "June 2023"]
    assert grid.columns[0].show_year and grid.period_label == "January 2023 to June 2023"
    assert grid.months_in_all == 20 and grid.earlier == 2  # November 2021 to June 2023; G1 and S1 before
    assert [r.agency_code for r in grid.rows] == [GP, ED]  # the school recorded nothing in these months
    assert grid.total.contacts == 3 and grid.total.injuries == 1
    assert [c.contacts for c in grid.totals] == [1, 0, 0, 0, 1, 1]


def test_a_period_as_long_as_the_record_or_longer_is_all_of_it():
    everything = who_knew_what(_events())
    for months in (20, 24):
        grid = who_knew_what(_events(), months=months)
        assert [c.label for c in grid.columns] == [c.label for c in everything.columns]
        assert grid.earlier == 0 and grid.total.contacts == everything.total.contacts == 5
    one = who_knew_what(_events(), months=1)
    assert [c.label for c in one.columns] == ["June 2023"] and one.earlier == 4
    assert who_knew_what([], months=6).is_empty


def test_a_period_of_no_months_is_refused():
    with pytest.raises(ValueError, match="months"):
        who_knew_what(_events(), months=0)
