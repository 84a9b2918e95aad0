"""Fixtures and helpers for the visits tests (no tests here): an authority's children's social care with a front
door and a safeguarding team (a social worker and their team manager), and a child on a child protection plan
allocated to that worker. A test module takes a fixture by importing its `…_fixture` name; pytest knows it by
its own name (`plan_case`, `safeguarding`, `csc`, …)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from joinedup.accounts.models import Role
from joinedup.casework.models import Case
from joinedup.casework.services import allocation_set, case_step_record, contact_decide
from joinedup.casework.services.recording import today
from tests.casework import conftest as casework
from tests.casework.conftest import new_child_contact


def _same_as(fixture, name: str):
    """The casework fixture of this name (the same function), for a module that imports it as `<name>_fixture`."""
    return pytest.fixture(name=name)(fixture.__wrapped__)


csc_fixture = _same_as(casework.csc, "csc")
front_door_team_fixture = _same_as(casework.front_door_team, "front_door_team")
front_door_fixture = _same_as(casework.front_door, "front_door")
hospital_fixture = _same_as(casework.hospital, "hospital")
nurse_fixture = _same_as(casework.nurse, "nurse")


@dataclass
class Team:
    team: object
    worker: object
    manager: object


@pytest.fixture(name="safeguarding")
def safeguarding_fixture(make_user, make_team, csc):
    """A safeguarding team: a social worker and the team's manager."""
    team = make_team(csc)
    worker = make_user(role=Role.SOCIAL_WORKER, agency=csc, team=team, first_name="Sam", last_name="Okafor",
                       job_title="Social worker")
    manager = make_user(role=Role.TEAM_MANAGER, agency=csc, team=team, first_name="Tess", last_name="Manning")
    return Team(team, worker, manager)


def case_on_plan(front_door, *, given="Ruby", family="Calloway", dob=dt.date(2018, 5, 4)) -> Case:
    """A new child's contact taken to a child protection plan that started 10 days ago."""
    t = today()
    now = dt.datetime.now(dt.UTC)
    made = new_child_contact(front_door, given=given, family=family, dob=dob, rag="red",
                             received_at=now - dt.timedelta(days=20))
    decided = contact_decide(user=front_door, person=made.person, record_pk=made.record_pk,
                             decision="strategy_discussion", primary_need="N1", revision=made.contact.revision)
    case_id = decided.case_id

    def step(name, **data):
        case_step_record(user=front_door, case_id=case_id, step=name, data=data, revision=None)

    step("strategy_discussion", held_at=now - dt.timedelta(days=19), decision="section_47",
         attendees="Police: detective constable")
    step("section47_start", started_on=t - dt.timedelta(days=19))
    step("section47_complete", completed_on=t - dt.timedelta(days=12), outcome="substantiated",
         conference_needed=True)
    step("initial_conference", held_on=t - dt.timedelta(days=10), outcome="plan", category="neglect")
    return Case.objects.select_related("person").get(pk=case_id)


def case_at_referral(front_door, *, given="Noah", family="Pell", dob=dt.date(2019, 2, 1)) -> Case:
    """A new child's contact decided 'assessment': an open case with no plan."""
    made = new_child_contact(front_door, given=given, family=family, dob=dob)
    decided = contact_decide(user=front_door, person=made.person, record_pk=made.record_pk, decision="assessment",
                             primary_need="N1", revision=made.contact.revision)
    return Case.objects.select_related("person").get(pk=decided.case_id)


@pytest.fixture(name="plan_case")
def plan_case_fixture(front_door, safeguarding):
    """Ruby, 8, on a child protection plan, allocated to the safeguarding team's social worker."""
    case = case_on_plan(front_door)
    allocation_set(actor_user=safeguarding.manager, person=case.person, worker=safeguarding.worker)
    return case


def revision_of(case) -> int:
    return Case.objects.get(pk=case.pk).revision
