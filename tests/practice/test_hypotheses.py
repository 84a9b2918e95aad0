"""Working hypotheses and categories that can change (issue 13): competing hypotheses, each revised as a new version
with its evidence for and against (chronology entries) kept at every revision; categories of concern changed with
a reason and their full history; conflicts; 404s; audit; and the pages."""

from __future__ import annotations

import re

import pytest

from joinedup.accounts.models import Role
from joinedup.audit.models import AuditEvent
from joinedup.casework.services import Conflict, StepInvalid, allocation_set, case_step_record
from joinedup.casework.services.recording import now
from joinedup.chronology.selectors import chronology_for
from joinedup.ingest.models import SourceRecord, SourceRecordVersion
from joinedup.practice.selectors.hypotheses import (
    categories_for,
    child_hypotheses,
    evidence_choices,
    hypothesis_for,
)
from joinedup.practice.services.hypotheses import categories_set, hypothesis_revise, hypothesis_write
from tests.casework.conftest import new_child_contact
from tests.practice.test_concerns_fixtures import (  # noqa: F401 - fixtures
    case_at_strategy_fixture,
    csc_fixture,
    front_door_fixture,
    front_door_team_fixture,
    manager_fixture,
)

pytestmark = pytest.mark.django_db


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def child(front_door, case_at_strategy):
    """A child with a case: a contact, a referral and a strategy discussion in their chronology."""
    case_step_record(user=front_door, case_id=case_at_strategy.case_id, step="strategy_discussion",
                     data={"held_at": now(), "decision": "section_47", "attendees": "Police: DC"}, revision=None)
    return case_at_strategy.person


def keys(person) -> list[str]:
    """The child's chronology entries, oldest first."""
    return [e.key for e in chronology_for(viewer=None, person=person).events]


# --- hypotheses ---------------------------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_competing_hypotheses_keep_every_revision_with_its_evidence(front_door, child):
    contact, *rest = keys(child)
    strategy = rest[-1]
    first = hypothesis_write(user=front_door, person=child, statement="The bruise is from rough play at nursery.",
                             evidence_for=[contact], why="Mother's account.")
    second = hypothesis_write(user=front_door, person=child, statement="The bruise was inflicted at home.",
                              evidence_for=[strategy], evidence_against=[contact])
    assert first.version == 1 and second.version == 1 and first.record_pk != second.record_pk
    revised = hypothesis_revise(user=front_door, person=child, record_pk=first.record_pk,
                                statement="The bruise is from rough play at nursery.", status="refuted",
                                evidence_for=[], evidence_against=[strategy, contact], why="Nursery saw no fall.",
                                revision=1)
    assert revised.version == 2 and revised.record_pk == first.record_pk
    practice = child_hypotheses(viewer=front_door, person=child)
    assert [h.record_pk for h in practice.active] == [second.record_pk]
    assert [h.record_pk for h in practice.set_aside] == [first.record_pk]
    view = hypothesis_for(viewer=front_door, person=child, record_pk=first.record_pk)
    now_, then = view.revisions
    assert (now_.version, now_.status, now_.why) == (2, "refuted", "Nursery saw no fall.")
    assert [e.key for e in now_.evidence_against] == [contact, strategy] and now_.evidence_for == []
    assert (then.version, then.status, then.why) == (1, "open", "Mother's account.")
    assert [e.key for e in then.evidence_for] == [contact] and then.evidence_against == []
    entry = then.evidence_for[0]
    assert entry.found and entry.kind == "csc_contact" and entry.agency_name == "Northbrook Children's Services"
    assert entry.occurred_at is not None and "Bruise on cheek" in entry.summary
    # Each hypothesis is a chronology entry of the child, its versions kept.
    events = [e for e in chronology_for(viewer=None, person=child).events if e.kind == "hypothesis"]
    assert len(events) == 2
    assert SourceRecordVersion.objects.filter(record_id=first.record_pk).count() == 2
    audits = AuditEvent.objects.filter(action="hypothesis.record").order_by("occurred_at")
    assert [a.detail["revised"] for a in audits] == [False, False, True]
    assert {a.subject_person_id for a in audits} == {child.pk}


def test_evidence_comes_from_the_childs_chronology_and_is_for_or_against(front_door, child):
    other = new_child_contact(front_door, given="Ada", family="Other").person
    theirs = keys(other)[0]
    mine = keys(child)[0]
    with pytest.raises(StepInvalid) as refused:
        hypothesis_write(user=front_door, person=child, statement="x", evidence_for=[theirs])
    assert "this child's chronology" in refused.value.errors["evidence_for"]
    with pytest.raises(StepInvalid) as refused:
        hypothesis_write(user=front_door, person=child, statement="", status="maybe", evidence_for=[mine],
                         evidence_against=[mine])
    assert set(refused.value.errors) == {"statement", "status", "evidence_against"}
    # A hypothesis is not evidence for another.
    made = hypothesis_write(user=front_door, person=child, statement="One")
    hyp_key = SourceRecord.objects.get(pk=made.record_pk).source_record_id
    with pytest.raises(StepInvalid):
        hypothesis_write(user=front_door, person=child, statement="Two", evidence_for=[f"{child.pk}:{hyp_key}"])
    offered = evidence_choices(viewer=front_door, person=child)
    kinds = {e.kind for e in offered.entries}
    assert {"csc_contact", "strategy_discussion"} <= kinds and "hypothesis" not in kinds
    assert offered.entries[0].kind == "strategy_discussion"  # newest first
    assert evidence_choices(viewer=front_door, person=child, kind="strategy_discussion").matching == 1
    assert evidence_choices(viewer=front_door, person=child, words="cheek").matching == 1
    strategy = offered.entries[0].key
    narrowed = evidence_choices(viewer=front_door, person=child, words="cheek", chosen=[strategy])
    assert {e.key for e in narrowed.entries} == {mine, strategy}  # the chosen ones are always offered


def test_a_revision_says_why_and_a_stale_one_is_a_conflict(front_door, manager, child):
    made = hypothesis_write(user=front_door, person=child, statement="Neglect of supervision.")
    with pytest.raises(StepInvalid) as refused:
        hypothesis_revise(user=front_door, person=child, record_pk=made.record_pk, statement="x", status="open",
                          why="", revision=1)
    assert refused.value.errors["why"] == "Say why you are revising it"
    hypothesis_revise(user=front_door, person=child, record_pk=made.record_pk, statement="Neglect, at night.",
                      status="supported", why="Neighbour's account.", revision=1)
    before = SourceRecordVersion.objects.count()
    with pytest.raises(Conflict) as conflict:
        hypothesis_revise(user=front_door, person=child, record_pk=made.record_pk, statement="Other.",
                          status="open", why="Mine.", revision=1)
    assert conflict.value.current_revision == 2 and SourceRecordVersion.objects.count() == before
    other = new_child_contact(front_door, given="Ada", family="Other").person
    with pytest.raises(PermissionError):  # not one of this child's hypotheses
        hypothesis_revise(user=front_door, person=other, record_pk=made.record_pk, statement="x", status="open",
                          why="y", revision=2)


def test_only_those_working_the_case_write_or_read(front_door, child, make_user, csc, manager):
    worker = make_user(role=Role.SOCIAL_WORKER, agency=csc, team=manager.team)
    assert child_hypotheses(viewer=worker, person=child) is None
    with pytest.raises(PermissionError):
        hypothesis_write(user=worker, person=child, statement="x")
    with pytest.raises(PermissionError):
        categories_set(user=worker, person=child, categories=["neglect"], why="x", revision=0)
    allocation_set(actor_user=manager, person=child, worker=worker)
    assert hypothesis_write(user=worker, person=child, statement="Allocated now.").version == 1


# --- categories ---------------------------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_categories_change_with_a_reason_and_keep_their_history(front_door, child):
    assert categories_for(viewer=front_door, person=child).current is None
    with pytest.raises(StepInvalid) as refused:
        categories_set(user=front_door, person=child, categories=[], why="", revision=0)
    assert set(refused.value.errors) == {"categories", "why"}
    with pytest.raises(StepInvalid):
        categories_set(user=front_door, person=child, categories=["witchcraft"], why="x", revision=0)
    first = categories_set(user=front_door, person=child, categories=["physical_abuse"], why="Bruise at nursery.",
                           revision=0)
    second = categories_set(user=front_door, person=child, categories=["neglect", "physical_abuse", "neglect"],
                            why="Left alone at night too.", revision=1)
    assert first.record_pk == second.record_pk and second.version == 2
    with pytest.raises(StepInvalid) as same:
        categories_set(user=front_door, person=child, categories=["physical_abuse", "neglect"], why="x", revision=2)
    assert "already recorded" in same.value.errors["categories"]
    with pytest.raises(Conflict) as conflict:
        categories_set(user=front_door, person=child, categories=["neglect"], why="x", revision=1)
    assert conflict.value.current_revision == 2
    third = categories_set(user=front_door, person=child, categories=[], why="The concerns were not borne out.",
                           revision=2)
    history = categories_for(viewer=front_door, person=child).history
    assert [(c.version, c.categories, c.why) for c in history] == [
        (3, [], "The concerns were not borne out."),
        (2, ["neglect", "physical_abuse"], "Left alone at night too."),
        (1, ["physical_abuse"], "Bruise at nursery."),
    ]
    assert third.version == 3 and history[0].at >= history[1].at >= history[2].at
    (event,) = [e for e in chronology_for(viewer=None, person=child).events if e.kind == "concern_category"]
    assert event.versions_received == 3
    assert AuditEvent.objects.filter(action="category.change", subject_person_id=child.pk).count() == 3


# --- the pages ----------------------------------------------------------------------------------------------------


def test_the_pages_write_revise_and_show_hypotheses_side_by_side(front_door, child, signed_in, case_at_strategy):
    client = signed_in(front_door)
    contact, *_rest, strategy = keys(child)
    assert "/hypotheses/" in html(client.get(f"/cases/{case_at_strategy.case_id}/"))
    assert f"/people/{child.pk}/hypotheses/" in html(client.get(f"/people/{child.pk}/chronology/"))
    empty = html(client.get(f"/people/{child.pk}/hypotheses/"))
    assert "No hypotheses are open" in empty and "Write a hypothesis" in empty
    form = html(client.get(f"/people/{child.pk}/hypotheses/new/"))
    assert form.count('name="evidence_for"') == len(keys(child)) and 'nonce="' in form
    filtered = html(client.post(f"/people/{child.pk}/hypotheses/new/", {
        "do": "filter", "statement": "Typed first", "ev_kind": "strategy_discussion", "evidence_for": [contact]}))
    assert "Typed first" in filtered and filtered.count('name="evidence_for"') == 2  # the match, and the chosen one
    missing = html(client.post(f"/people/{child.pk}/hypotheses/new/", {"do": "save", "status": "open"}))
    assert "Enter the hypothesis" in missing
    for statement, for_, against in (("Rough play at nursery.", contact, strategy),
                                     ("Inflicted at home.", strategy, contact)):
        saved = client.post(f"/people/{child.pk}/hypotheses/new/", {
            "do": "save", "statement": statement, "status": "open", "evidence_for": [for_],
            "evidence_against": [against]})
        assert saved.status_code == 302
    page = html(client.get(f"/people/{child.pk}/hypotheses/"))
    assert page.index("Rough play at nursery.") < page.index("Inflicted at home.")
    assert page.count('class="app-card"') == 2
    contact_pk = SourceRecord.objects.get(source_record_id=contact.split(":", 1)[1]).pk
    assert f'href="/people/{child.pk}/records/{contact_pk}/"' in page
    first = SourceRecord.objects.filter(kind="hypothesis").order_by("pk").first()
    stale = html(client.post(f"/people/{child.pk}/hypotheses/{first.pk}/", {
        "do": "save", "statement": "Rough play.", "status": "refuted", "why": "No fall seen.", "revision": "5"}))
    assert "Someone else revised this hypothesis" in stale
    revised = client.post(f"/people/{child.pk}/hypotheses/{first.pk}/", {
        "do": "save", "statement": "Rough play.", "status": "refuted", "why": "No fall seen.", "revision": "1",
        "evidence_against": [contact, strategy]})
    assert revised.status_code == 302
    history = html(client.get(f"/people/{child.pk}/hypotheses/{first.pk}/"))
    assert "Version 2 (current)" in history and "Version 1" in history and "No fall seen." in history
    page = html(client.get(f"/people/{child.pk}/hypotheses/"))
    assert "Set aside" in page and re.search(r"Refuted", page)
    assert AuditEvent.objects.filter(action="chronology.view", detail__view="hypotheses").exists()


def test_the_categories_page_changes_them_and_shows_the_history(front_door, child, signed_in):
    client = signed_in(front_door)
    missing = html(client.post(f"/people/{child.pk}/categories/", {"revision": "0"}))
    assert "Select at least one category of concern" in missing and "Say why" in missing
    assert client.post(f"/people/{child.pk}/categories/", {
        "categories": ["neglect"], "why": "Home conditions.", "revision": "0"}).status_code == 302
    stale = html(client.post(f"/people/{child.pk}/categories/", {
        "categories": ["emotional_abuse"], "why": "x", "revision": "0"}))
    assert "Someone else changed this child" in stale
    assert client.post(f"/people/{child.pk}/categories/", {
        "categories": ["emotional_abuse"], "why": "Not neglect: fear at home.", "revision": "1"}).status_code == 302
    page = html(client.get(f"/people/{child.pk}/hypotheses/"))
    assert "Emotional abuse" in page and "Earlier categories (1)" in page and "Home conditions." in page


def test_pages_answer_404_to_those_without_a_relationship(front_door, child, make_user, csc, signed_in, client):
    worker = make_user(role=Role.SOCIAL_WORKER, agency=csc)
    signed_in(worker)
    made = hypothesis_write(user=front_door, person=child, statement="x")
    for url in (f"/people/{child.pk}/hypotheses/", f"/people/{child.pk}/hypotheses/new/",
                f"/people/{child.pk}/hypotheses/{made.record_pk}/", f"/people/{child.pk}/categories/"):
        assert client.get(url).status_code == 404, url
    client.post("/sign-out/")
    signed_in(front_door)
    assert client.get("/people/00000000-0000-0000-0000-000000000000/hypotheses/").status_code == 404
    other = new_child_contact(front_door, given="Ada", family="Other").person
    assert client.get(f"/people/{other.pk}/hypotheses/{made.record_pk}/").status_code == 404
