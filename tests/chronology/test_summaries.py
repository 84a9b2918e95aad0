"""Who knew what, when (agencies × months) and the explanations given for injuries, from hand-made events."""

from __future__ import annotations

import datetime as dt

from joinedup.chronology.events import event_from_payload
from joinedup.chronology.summaries import injury_explanations, who_knew_what

GP, ED, SCHOOL = "elm-tree-surgery", "st-aldrics-hospital", "millfield-primary-school"
NAMES = {GP: "Elm Tree Surgery", ED: "St Aldric's Hospital", SCHOOL: "Millfield Primary School"}


def ev(agency, sid, kind, on, *, explanation=None, site="ear", by="m2", person="child", author="", **detail):
    payload = {
        "schema": "joinedup.agency-record/1", "agency_id": agency, "source_system": "t", "source_record_id": sid,
        "version": 1, "kind": kind, "occurred_on": on, "recorded_at": f"{on}T18:00:00Z",
        "mentions": [{"mention_id": "m1", "role": "patient", "given_name": "Milo"},
                     {"mention_id": "m2", "role": "accompanying_adult", "given_name": "Jade",
                      "relationship_to_subject": "mother"}],
        "detail": {"code": kind, **({"author_role": author} if author else {}), **detail},
    }
    if explanation is not None:
        payload["detail"]["injury"] = {"site": site, "description": "bruising", "explanation_given": explanation,
                                       "explained_by": by}
    return event_from_payload(payload, mention_ids={"m1"}, agency_name=NAMES[agency], person_id=person,
                              person_label=person.title())


def test_the_grid_counts_contacts_injuries_and_concerns_per_agency_and_month():
    events = [
        ev(ED, "E1", "ed_attendance", "2024-01-05", explanation="fell"),
        ev(GP, "G1", "consultation", "2024-01-20"),
        ev(GP, "G2", "consultation", "2024-01-21"),
        ev(SCHOOL, "S1", "school_concern", "2024-03-02"),
        ev(GP, "G3", "consultation", "2024-03-30", concern=True),
        ev(ED, "E2", "ed_attendance", "2024-03-31", explanation="fell"),
    ]
    grid = who_knew_what(reversed(events))  # any order in, time order out
    assert [c.label for c in grid.columns] == ["January 2024", "February 2024", "March 2024"]  # empty month kept
    assert [c.show_year for c in grid.columns] == [True, False, False]
    assert grid.period_label == "January 2024 to March 2024"
    assert [r.agency_code for r in grid.rows] == [ED, GP, SCHOOL]  # first seen first
    ed, gp, school = grid.rows
    assert [(c.contacts, c.injuries, c.concerns) for c in ed.cells] == [(1, 1, 0), (0, 0, 0), (1, 1, 0)]
    assert [(c.contacts, c.concerns) for c in gp.cells] == [(2, 0), (0, 0), (1, 1)]
    assert (school.cells[2].contacts, school.cells[2].concerns) == (1, 1)
    assert ed.cells[0].hospital == 1 and gp.total.contacts == 3
    assert [(c.contacts, c.injuries, c.concerns) for c in grid.totals] == [(3, 1, 0), (0, 0, 0), (3, 1, 2)]
    assert (grid.total.contacts, grid.total.injuries, grid.total.concerns) == (6, 2, 2)
    assert gp.cells[0].description == "2 contacts" and grid.totals[2].description == "3 contacts, 1 injury, 2 concerns"
    assert gp.cells[1].description == "" and gp.cells[1].level == 0
    assert [c.level for c in (gp.cells[2], gp.cells[0], grid.totals[0])] == [1, 2, 2]


def test_an_empty_chronology_makes_an_empty_grid():
    grid = who_knew_what([])
    assert grid.is_empty and grid.columns == [] and grid.total.contacts == 0


def test_an_explanation_that_differs_from_earlier_ones_within_six_months_is_flagged():
    events = [
        ev(ED, "E1", "ed_attendance", "2024-01-05", explanation="Fell against the cot.", author="ED nurse"),
        ev(GP, "G1", "consultation", "2024-01-07", explanation="fell against the cot"),  # same words: consistent
        ev(GP, "G2", "consultation", "2024-02-10", explanation="sibling pushed him", site="arm"),
        ev(ED, "E2", "ed_attendance", "2024-12-01", explanation="fell off the sofa"),  # > 6 months after
        ev(ED, "E3", "ed_attendance", "2024-12-20", explanation="", site="cheek"),
        ev(GP, "G4", "consultation", "2024-12-21"),  # no injury: not listed
    ]
    rows = injury_explanations(events)
    assert [r.key for r in rows] == [f"{ED}:E1", f"{GP}:G1", f"{GP}:G2", f"{ED}:E2", f"{ED}:E3"]
    first, second, third, fourth, fifth = rows
    assert (first.agency_name, first.author_role, first.site, first.description) == (
        "St Aldric's Hospital", "ED nurse", "ear", "bruising")
    assert first.explained_by == "mother" and first.explanation == "Fell against the cot."
    assert not first.differs and not second.differs
    # The earlier explanation (given twice, in the same words) is listed once, at its latest telling.
    assert third.differs and [(p.occurred_on, p.agency_name, p.explanation, p.same_site) for p in third.earlier] == [
        (dt.date(2024, 1, 7), "Elm Tree Surgery", "fell against the cot", False)]
    assert not fourth.differs  # the earlier ones are more than six months before
    assert fifth.unexplained and not fifth.differs


def test_explanations_are_compared_only_with_the_same_persons_injuries():
    events = [
        ev(ED, "E1", "ed_attendance", "2024-01-05", explanation="fell against the cot", person="child"),
        ev(ED, "E2", "ed_attendance", "2024-01-09", explanation="fell off a ladder", person="mother"),
        ev(GP, "G1", "consultation", "2024-02-01", explanation="fell against the cot", person="child"),
        ev(GP, "G2", "consultation", "2024-02-02", explanation="burnt on the oven", person="child", site="ear"),
    ]
    rows = {r.key: r for r in injury_explanations(events)}
    assert not rows[f"{ED}:E2"].differs and not rows[f"{GP}:G1"].differs
    # The same different explanation given twice before is listed once, at its latest telling.
    assert [(p.occurred_on, p.explanation, p.same_site) for p in rows[f"{GP}:G2"].earlier] == [
        (dt.date(2024, 2, 1), "fell against the cot", True)]
    assert [p.occurred_on for p in injury_explanations(events, window_days=10)[3].earlier] == [dt.date(2024, 2, 1)]
