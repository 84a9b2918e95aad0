"""Shared fixtures. Tests run on real databases: PostgreSQL in the main pass, SQLite in its own pass."""

from __future__ import annotations

import itertools

import pytest
from django.conf import settings

from joinedup.accounts.models import Agency, AgencyKind, Role, Team, User
from joinedup.accounts.services import agency_create, team_create, user_create
from joinedup.core.actor import ActorRef

PASSWORD = "correct-horse-battery-staple-42"
SYSTEM = ActorRef.system("test")
_counter = itertools.count(1)


def database_vendor() -> str:
    engine = settings.DATABASES["default"]["ENGINE"]
    return "sqlite" if engine.endswith("sqlite3") else "postgresql"


def pytest_collection_modifyitems(config, items):
    """In the PostgreSQL pass skip SQLite-only tests; in the SQLite pass skip PostgreSQL-only tests."""
    vendor = database_vendor()
    for item in items:
        if vendor == "postgresql" and item.get_closest_marker("sqlite"):
            item.add_marker(pytest.mark.skip(reason="SQLite-only: runs in the SQLite pass"))
        if vendor == "sqlite" and item.get_closest_marker("postgresql"):
            item.add_marker(pytest.mark.skip(reason="PostgreSQL-only"))


@pytest.fixture
def make_agency(db):
    """Build an agency (through the service, so it is audited like any other)."""

    def make(kind: str = AgencyKind.CHILDRENS_SOCIAL_CARE, name: str | None = None) -> Agency:
        n = next(_counter)
        return agency_create(actor=SYSTEM, code=f"agency-{n}", name=name or f"Test Agency {n}", kind=kind)

    return make


@pytest.fixture
def make_user(db, make_agency):
    """Build an active user in an agency and role; a new agency unless one is given."""

    def make(role: str = Role.SOCIAL_WORKER, agency: Agency | None = None, team: Team | None = None,
             **fields) -> User:
        n = next(_counter)
        agency = agency or make_agency()
        fields.setdefault("first_name", f"Given{n}")
        fields.setdefault("last_name", f"Family{n}")
        fields.setdefault("email", f"user{n}@example.invalid")
        return user_create(actor=SYSTEM, username=f"user{n}", password=PASSWORD, agency=agency, role=role,
                           team=team, **fields)

    return make


@pytest.fixture
def make_team(db):
    def make(agency: Agency, is_front_door: bool = False) -> Team:
        n = next(_counter)
        return team_create(actor=SYSTEM, agency=agency, code=f"team-{n}", name=f"Team {n}", is_front_door=is_front_door)

    return make


@pytest.fixture
def signed_in(client):
    """Sign a user in through the real sign-in form; returns the client."""

    def sign_in(user: User):
        response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.content[:500]
        return client

    return sign_in
