"""Marking a chronology entry significant is casework: only those who work the child's case (the allocated worker,
their team manager, the front door) mark or unmark; a head of service reads the chronology without the buttons, and
a case reviewer or anyone else gets 404 for the mark (`casework.relationships.may_mark_significant`)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from joinedup.accounts.models import Agency, Role
from joinedup.audit.models import AuditEvent
from joinedup.casework.relationships import may_mark_significant
from joinedup.casework.services import allocation_set
from joinedup.chronology.models import SignificantMark
from joinedup.ingest.models import SourceRecord
from tests.conftest import on_duty

from .family import CSC

pytestmark = pytest.mark.both_databases


@pytest.fixture
def case(family, make_user, make_team):
    """Milo allocated to a worker in an assessment team with its manager; the front door; others around."""
    csc = Agency.objects.get(code=CSC)
    team, other_team, front = make_team(csc), make_team(csc), make_team(csc, is_front_door=True)
    people = {
        "worker": make_user(role=Role.SOCIAL_WORKER, agency=csc, team=team),
        "manager": make_user(role=Role.TEAM_MANAGER, agency=csc, team=team),
        "front_door": make_user(role=Role.FRONT_DOOR, agency=csc, team=front),
        "other_worker": make_user(role=Role.SOCIAL_WORKER, agency=csc, team=team),
        "other_manager": make_user(role=Role.TEAM_MANAGER, agency=csc, team=other_team),
        "head": make_user(role=Role.HEAD_OF_SERVICE, agency=csc),
        "reviewer": make_user(role=Role.CASE_REVIEWER, agency=csc),
        "dpo": make_user(role=Role.DATA_PROTECTION_OFFICER, agency=csc),
    }
    on_duty(people["front_door"], family)
    allocation_set(actor_user=people["front_door"], person=family, worker=people["worker"])
    return family, people


def _mark(client, person, record, flag=1):
    return client.post(reverse("web:chronology", args=[person.pk]), {"mark": f"{record.pk}:{flag}:x", "query": ""})


def test_only_those_working_the_case_may_mark(case):
    child, people = case
    allowed = {name for name, user in people.items() if may_mark_significant(user, child)}
    assert allowed == {"worker", "manager", "front_door"}
    assert not may_mark_significant(None, child)


@pytest.mark.parametrize("who", ["worker", "manager", "front_door"])
def test_the_caseworkers_mark_and_unmark(case, who, signed_in):
    child, people = case
    client = signed_in(people[who])
    record = SourceRecord.objects.get(source_record_id="K-ED-1")
    page = client.get(reverse("web:chronology", args=[child.pk])).content.decode()
    assert f'name="mark" value="{record.pk}:1:' in page
    assert _mark(client, child, record).status_code == 302
    assert _mark(client, child, record, flag=0).status_code == 302
    assert list(SignificantMark.objects.filter(record=record).order_by("id").values_list("significant", flat=True)) \
        == [True, False]
    assert AuditEvent.objects.filter(action="event.mark", actor_id=people[who].pk).exists()


@pytest.mark.parametrize("who", ["head", "reviewer", "dpo", "other_worker", "other_manager"])
def test_anyone_else_gets_404_and_nothing_is_marked(case, who, signed_in):
    child, people = case
    record = SourceRecord.objects.get(source_record_id="K-ED-1")
    _mark(signed_in(people["worker"]), child, record).client.post("/sign-out/")  # marked: others see that it is
    client = signed_in(people[who])
    before = SignificantMark.objects.count()
    assert _mark(client, child, record, flag=0).status_code == 404
    assert _mark(client, child, record, flag=1).status_code == 404
    assert SignificantMark.objects.count() == before
    assert not AuditEvent.objects.filter(action__in=["event.mark", "event.unmark"], actor_id=people[who].pk).exists()


def test_a_head_of_service_reads_the_marks_without_the_buttons(case, signed_in):
    child, people = case
    record = SourceRecord.objects.get(source_record_id="K-ED-1")
    _mark(signed_in(people["worker"]), child, record).client.post("/sign-out/")
    client = signed_in(people["head"])
    page = client.get(reverse("web:chronology", args=[child.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="mark"' not in html
    assert "<td>Significant</td>" in html
