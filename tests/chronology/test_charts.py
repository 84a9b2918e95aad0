"""The timeline picture: a lane per agency, linked injury marks, plan bands, household arrivals, and its size."""

from __future__ import annotations

import datetime as dt
import re
import uuid
import xml.etree.ElementTree as ET
from types import SimpleNamespace

from joinedup.chronology.events import event_from_payload, plan_periods
from joinedup.chronology.selectors import Chronology, Movement
from joinedup.web.chronology_charts import MARK_BUDGET, event_anchor, timeline_svg
from joinedup_lab.benches.chronology import synthetic_records

CHILD = SimpleNamespace(pk=uuid.UUID(int=7), display_name="Milo Ashgrove")
NAMES = {"csc": "Northbrook Children's Services", "ed": "St Aldric's Hospital", "gp": "Elm Tree Surgery",
         "police": "Northbrook Police"}


def ev(agency, sid, kind, on, *, pk, person=None, ended_on=None, **detail):
    payload = {
        "schema": "joinedup.agency-record/1", "agency_id": agency, "source_system": "t", "source_record_id": sid,
        "version": 1, "kind": kind, "occurred_on": on, "recorded_at": f"{on}T18:00:00Z",
        "mentions": [{"mention_id": "m1", "role": "subject", "given_name": "Milo"}],
        "detail": {"code": kind, **detail},
    }
    if ended_on:
        payload["ended_on"] = ended_on
    return event_from_payload(payload, mention_ids={"m1"}, agency_name=NAMES.get(agency, agency), record_pk=pk,
                              person_id=person or str(CHILD.pk), person_label="Milo Ashgrove")


def chronology(events, *, listed=None, movements=(), household=False, person=CHILD):
    events = sorted(events, key=lambda e: e.sort_key)
    agencies = {}
    for e in events:
        agencies.setdefault(e.agency_code, (e.agency_code, e.agency_name, ""))
    own = [e for e in events if e.person_id == str(person.pk)]
    return Chronology(person=person, events=events if listed is None else listed, all_events=events,
                      plans=plan_periods(own), agencies=list(agencies.values()), movements=list(movements),
                      household=household)


def family_events():
    return [
        ev("csc", "R1", "referral", "2024-01-10", pk=1),
        ev("ed", "E1", "ed_attendance", "2024-02-03", pk=2,
           injury={"site": "ear", "description": "bruising", "explanation_given": "fell against the cot"}),
        ev("ed", "E2", "ed_attendance", "2024-02-20", pk=3),
        ev("gp", "G1", "consultation", "2024-02-03", pk=4),
        ev("police", "P1", "police_incident", "2024-04-05", pk=5),
        ev("csc", "CP1", "cp_plan", "2024-03-01", pk=6, ended_on="2024-09-01", category="physical_abuse"),
    ]


def svg_of(markup: str) -> ET.Element:
    """The picture's SVG, parsed (so it is well-formed XML)."""
    return ET.fromstring(re.search(r"<svg .*?</svg>", markup, re.S).group(0))  # noqa: S314 (our own markup)


def test_one_lane_per_agency_with_linked_marks_plans_and_household_moves():
    events = family_events()
    craig = Movement(dt.date(2024, 4, 1), True, "Craig Wedderburn", True, str(uuid.uuid4()), True)
    gone = Movement(dt.date(2024, 6, 20), False, "Craig Wedderburn", True, craig.person_id, True)
    markup = timeline_svg(chronology(events, movements=[craig, gone]))
    svg = svg_of(markup)
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.get("role") == "group" and svg.find(f"{ns}title").text.startswith("Timeline of Milo Ashgrove")
    texts = [t.text for t in svg.iter(f"{ns}text")]
    for name in NAMES.values():
        assert name in texts  # a lane label per agency
    assert "Household" in texts and "Plans" in texts and "CP plan" in texts
    # The injury is a keyboard-reachable link to its entry in the list, with words for its mark.
    injury = events[1]
    links = {a.get("href"): a.find(f"{ns}title").text for a in svg.iter(f"{ns}a")}
    assert links[f"#{event_anchor(injury)}"] == "3 Feb 2024, St Aldric's Hospital: A&E attendance, bruising to ear"
    assert f"#{event_anchor(events[2])}" in links  # a hospital attendance
    assert f"#{event_anchor(events[4])}" in links  # a concern (police incident)
    assert f"#{event_anchor(events[3])}" not in links  # a plain consultation is a tick, not a link
    # The plan is a hatched band across the lanes; the household's arrival and departure are marked.
    assert 'fill="url(#tl-cp)"' in markup
    titles = [t.text for t in svg.iter(f"{ns}title")]
    assert any(t.startswith("Craig Wedderburn (adult) arrived, 1 Apr 2024") and "not in children" in t for t in titles)
    assert any(t.startswith("Craig Wedderburn (adult) left, 20 Jun 2024") for t in titles)
    desc = svg.find(f"{ns}desc").text
    assert "6 events from 4 agencies" in desc and "1 injury" in desc and "2 hospital attendances" in desc
    assert "Child protection plan (physical abuse) from 1 Mar 2024 to 1 Sep 2024" in desc
    assert "Craig Wedderburn (adult) arrived in the household on 1 Apr 2024" in desc
    # A legend names every shape (colour is never the only cue).
    for words in ("Injury", "Hospital attendance", "Concern raised", "Other contact", "Child protection plan",
                  "Arrived in / left the household"):
        assert words in markup
    assert "style=" not in markup and "<script" not in markup  # nothing the content security policy refuses


def test_marks_of_events_filtered_out_of_the_list_are_not_links():
    events = family_events()
    markup = timeline_svg(chronology(events, listed=[e for e in events if e.agency_code == "gp"]))
    assert "<a " not in markup and "not in the filtered list" in markup


def test_anchors_are_unique_and_a_household_members_events_are_hollow():
    mother = str(uuid.uuid4())
    events = [*family_events(), ev("ed", "E9", "ed_attendance", "2024-05-01", pk=9, person=mother),
              ev("ed", "E9", "ed_attendance", "2024-05-01", pk=9, person=str(uuid.uuid4()))]
    assert len({event_anchor(e) for e in events}) == len(events)
    assert re.fullmatch(r"event-[a-z0-9-]+", event_anchor(events[0]))
    markup = timeline_svg(chronology(events, household=True))
    assert 'fill="#ffffff"' in markup and "household members" in markup


def test_nothing_to_draw():
    assert "no events" in timeline_svg(chronology([]))


def test_a_thousand_events_stay_small():
    agencies, records = synthetic_records(events=1000, agencies=12, household=1, seed=3)
    names = {code: name for code, name, _kind in agencies}
    events = [event_from_payload(r, mention_ids={"m1"}, agency_name=names[r["agency_id"]], record_pk=i,
                                 person_id=str(CHILD.pk)) for i, r in enumerate(records)]
    assert len(events) == 1000
    markup = timeline_svg(chronology(events))
    svg = svg_of(markup)
    assert len(markup.encode()) < 80 * 1024, len(markup.encode())
    links = list(svg.iter("{http://www.w3.org/2000/svg}a"))
    assert 0 < len(links) <= MARK_BUDGET
    lanes = [t for t in svg.iter("{http://www.w3.org/2000/svg}text") if t.get("text-anchor") == "end"]
    assert len([t for t in lanes if "".join(t.itertext()).startswith(tuple(n[:25] for n in names.values()))]) == 12
    # Merged marks say how many events they stand for.
    assert any(re.search(r": \d+ (injuries|concerns|hospital attendances)", a.findtext(
        "{http://www.w3.org/2000/svg}title")) for a in links)
