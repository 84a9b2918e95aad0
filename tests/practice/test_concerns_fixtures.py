"""Fixtures shared by the concerns and hypotheses tests: the casework authority (children's social care with a
front door, a partner hospital) and its people, named as tests/casework/conftest.py names them. Defined under
other function names so that importing them does not shadow the test arguments."""

from __future__ import annotations

import pytest

from joinedup.accounts.models import AgencyKind, Role
from joinedup.accounts.services import agency_create, team_create
from joinedup.casework.services import contact_decide
from tests.casework.conftest import CSC_CODE, new_child_contact
from tests.conftest import SYSTEM


@pytest.fixture(name="csc")
def csc_fixture(db):
    return agency_create(actor=SYSTEM, code=CSC_CODE, name="Northbrook Children's Services",
                         kind=AgencyKind.CHILDRENS_SOCIAL_CARE)


@pytest.fixture(name="hospital")
def hospital_fixture(db):
    return agency_create(actor=SYSTEM, code="st-aldrics-hospital", name="St Aldric's Hospital",
                         kind=AgencyKind.ACUTE_HOSPITAL)


@pytest.fixture(name="front_door_team")
def front_door_team_fixture(csc):
    return team_create(actor=SYSTEM, agency=csc, code="front-door", name="Front Door", is_front_door=True)


@pytest.fixture(name="front_door")
def front_door_fixture(make_user, csc, front_door_team):
    return make_user(role=Role.FRONT_DOOR, agency=csc, team=front_door_team)


@pytest.fixture(name="manager")
def manager_fixture(make_user, csc, front_door_team):
    return make_user(role=Role.TEAM_MANAGER, agency=csc, team=front_door_team)


@pytest.fixture(name="nurse")
def nurse_fixture(make_user, hospital):
    return make_user(role=Role.PARTNER_PRACTITIONER, agency=hospital, job_title="Emergency department nurse")


@pytest.fixture(name="head")
def head_fixture(make_user, csc):
    return make_user(role=Role.HEAD_OF_SERVICE, agency=csc)


@pytest.fixture(name="case_at_strategy")
def case_at_strategy_fixture(front_door):
    """A new child's contact decided 'strategy discussion': an open case."""
    made = new_child_contact(front_door, rag="red")
    return contact_decide(user=front_door, person=made.person, record_pk=made.record_pk,
                          decision="strategy_discussion", primary_need="N1", revision=made.contact.revision)
