"""The timeline's phone form (issue 19): month by month down the page, the same facts as the picture, its marks
links to the entries in the list, quiet months folded, newest first when the list is; small for 1,000 events."""

from __future__ import annotations

import datetime as dt
import re
import uuid
import xml.etree.ElementTree as ET

from joinedup.chronology.events import event_from_payload
from joinedup.chronology.selectors import Movement
from joinedup.web.chronology_charts import event_anchor, timeline_compact
from joinedup_lab.benches.chronology import synthetic_records
from tests.chronology.test_charts import CHILD, chronology, ev, family_events


def _list(markup: str) -> ET.Element:
    return ET.fromstring(re.search(r"<ol .*?</ol>", markup, re.S).group(0))  # noqa: S314 (our own markup)


def _months(markup: str) -> list[ET.Element]:
    return list(_list(markup))


def _text(item: ET.Element) -> str:
    """The words as a reader meets them (each element's text apart)."""
    return " ".join(" ".join(item.itertext()).split())


def test_month_by_month_with_plans_marks_counts_and_the_household():
    events = family_events()
    craig = Movement(dt.date(2024, 4, 1), True, "Craig Wedderburn", True, str(uuid.uuid4()), True)
    markup = timeline_compact(chronology(events, movements=[craig]))
    months = _months(markup)
    assert [_text(m).split(" 2024")[0] for m in months] == ["January", "February", "March", "April",
                                                             "Nothing recorded, May", "September"]
    january, february, march, april, quiet, september = months
    assert _text(quiet) == "Nothing recorded, May 2024 to August 2024 CP plan"  # nothing while on a plan: said
    assert "10 Jan, Northbrook Children's Services: Referral" in _text(january)  # a concern, linked
    assert "3 Feb, St Aldric's Hospital: A&E attendance, bruising to ear" in _text(february)
    assert "1 other contact: Elm Tree Surgery" in _text(february)  # the consultation, counted
    assert "Child protection plan (physical abuse) began 1 Mar 2024" in _text(march)
    assert "CP plan" in _text(april) and "app-tlc__month--cp" in april.get("class")  # the plan still in force
    assert "Craig Wedderburn (adult) arrived in the household, 1 Apr 2024" in _text(april)
    assert "Child protection plan ended 1 Sep 2024" in _text(september)
    links = {a.get("href"): _text(a) for a in _list(markup).iter("a")}
    assert set(links) == {f"#{event_anchor(e)}" for e in (events[0], events[1], events[2], events[4])}
    assert "style=" not in markup and "<script" not in markup and " id=" not in markup  # no ids to repeat the picture's


def test_quiet_months_are_one_line_and_newest_first_turns_the_months_round():
    events = [ev("gp", "G1", "consultation", "2023-01-05", pk=1), ev("gp", "G2", "consultation", "2023-06-05", pk=2)]
    oldest = [_text(m) for m in _months(timeline_compact(chronology(events)))]
    assert oldest == ["January 2023 1 other contact: Elm Tree Surgery", "Nothing recorded, February 2023 to May 2023",
                      "June 2023 1 other contact: Elm Tree Surgery"]
    newest = [_text(m) for m in _months(timeline_compact(chronology(events), newest_first=True))]
    assert newest == list(reversed(oldest))
    assert "newest first" in timeline_compact(chronology(events), newest_first=True)


def test_marks_not_in_the_filtered_list_are_not_links_and_href_of_gives_the_page():
    events = family_events()
    markup = timeline_compact(chronology(events, listed=[e for e in events if e.agency_code == "gp"]))
    assert "<a " not in markup and "not in the filtered list" in markup
    markup = timeline_compact(chronology(events), href_of=lambda anchor: f"?page=2#{anchor}")
    assert f'href="?page=2#{event_anchor(events[1])}"' in markup
    assert timeline_compact(chronology([])) == ""


def test_a_thousand_events_stay_small():
    agencies, records = synthetic_records(events=1000, agencies=12, household=1, seed=3)
    names = {code: name for code, name, _kind in agencies}
    events = [event_from_payload(r, mention_ids={"m1"}, agency_name=names[r["agency_id"]], record_pk=i,
                                 person_id=str(CHILD.pk)) for i, r in enumerate(records)]
    markup = timeline_compact(chronology(events))
    assert len(markup.encode()) < 60 * 1024, len(markup.encode())
    months = _months(markup)
    assert 70 <= len(months) <= 80  # six and a half years, month by month
    # A month with many injuries (or concerns) lists three and counts the rest.
    assert all(len(m.findall(".//a")) <= 9 for m in months)
