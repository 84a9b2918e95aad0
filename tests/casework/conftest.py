"""Casework fixtures: an authority's children's social care with a front door, a partner hospital, and the
people who work in them; a helper that takes a new child's contact to a case."""

from __future__ import annotations

import datetime as dt

import pytest

from joinedup.accounts.models import AgencyKind, Role
from joinedup.accounts.services import agency_create, team_create
from joinedup.casework.services import NewPerson, contact_decide, contact_record
from tests.conftest import SYSTEM

CSC_CODE = "northbrook-childrens-services"


@pytest.fixture
def csc(db):
    return agency_create(actor=SYSTEM, code=CSC_CODE, name="Northbrook Children's Services",
                         kind=AgencyKind.CHILDRENS_SOCIAL_CARE)


@pytest.fixture
def hospital(db):
    return agency_create(actor=SYSTEM, code="st-aldrics-hospital", name="St Aldric's Hospital",
                         kind=AgencyKind.ACUTE_HOSPITAL)


@pytest.fixture
def front_door_team(csc):
    return team_create(actor=SYSTEM, agency=csc, code="front-door", name="Front Door", is_front_door=True)


@pytest.fixture
def front_door(make_user, csc, front_door_team):
    return make_user(role=Role.FRONT_DOOR, agency=csc, team=front_door_team)


@pytest.fixture
def manager(make_user, csc, front_door_team):
    return make_user(role=Role.TEAM_MANAGER, agency=csc, team=front_door_team)


@pytest.fixture
def nurse(make_user, hospital):
    return make_user(role=Role.PARTNER_PRACTITIONER, agency=hospital, job_title="Emergency department nurse")


def new_child_contact(user, *, given="Ruby", family="Calloway", dob=dt.date(2023, 5, 4), text="Bruise on cheek.",
                      **kwargs):
    kwargs.setdefault("raised_by", "agency")
    kwargs.setdefault("source_code", "3E")
    return contact_record(user=user, person=None, new_person=NewPerson(given_name=given, family_name=family, dob=dob),
                          text=text, **kwargs)


@pytest.fixture
def case_at_strategy(front_door):
    """A new child's contact decided 'strategy discussion': an open case; returns (result of the decision)."""
    made = new_child_contact(front_door, rag="red")
    return contact_decide(user=front_door, person=made.person, record_pk=made.record_pk,
                          decision="strategy_discussion", primary_need="N1", revision=made.contact.revision)
