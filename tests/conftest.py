"""Shared fixtures. Tests run on real databases: PostgreSQL in the main pass, SQLite in its own pass."""

from __future__ import annotations

import itertools

import pytest
from django.conf import settings

from joinedup.accounts.mfa import next_code, totp_device_of
from joinedup.accounts.models import Agency, AgencyKind, Role, Team, User
from joinedup.accounts.services import agency_create, team_create, user_create
from joinedup.accounts.services.mfa import totp_device_provision
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


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`pytest -n N`: whole modules to a worker, the costliest first (tests/parallel.py)."""
    if config.getvalue("dist") in ("load", "loadscope", "loadfile"):
        from tests.parallel import ModuleScheduling

        return ModuleScheduling(config, log)
    return None


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
             mfa: bool = True, **fields) -> User:
        """`mfa`: give the user an authenticator app (a real TOTP device) as if they had set one up; without it
        their first sign-in asks them to set one up."""
        n = next(_counter)
        agency = agency or make_agency()
        fields.setdefault("first_name", f"Given{n}")
        fields.setdefault("last_name", f"Family{n}")
        fields.setdefault("email", f"user{n}@example.invalid")
        user = user_create(actor=SYSTEM, username=f"user{n}", password=PASSWORD, agency=agency, role=role,
                           team=team, **fields)
        if mfa:
            totp_device_provision(actor=SYSTEM, user=user)
        return user

    return make


@pytest.fixture
def make_team(db):
    def make(agency: Agency, is_front_door: bool = False) -> Team:
        n = next(_counter)
        return team_create(actor=SYSTEM, agency=agency, code=f"team-{n}", name=f"Team {n}", is_front_door=is_front_door)

    return make


def totp_code(user: User) -> str:
    """The code the user's authenticator app gives for signing in now (computed from their real TOTP device)."""
    device = totp_device_of(user)
    assert device is not None, f"{user.username} has no authenticator app: make_user(mfa=True) gives one"
    return next_code(device)


def _csrf(client) -> dict:
    if not client.handler.enforce_csrf_checks:
        return {}
    if "csrftoken" not in client.cookies:
        client.get("/sign-in/")
    return {"csrfmiddlewaretoken": client.cookies["csrftoken"].value}


def sign_in(client, user: User, password: str = PASSWORD):
    """Sign `user` in through both real steps: the password form, then the code of their authenticator app."""
    response = client.post("/sign-in/", {"username": user.username, "password": password, **_csrf(client)})
    assert response.status_code == 302, response.content[:500]
    if not response["Location"].startswith("/sign-in/"):
        return client  # this client is signed in already (the sign-in page sends it on, as it always has)
    assert response["Location"].startswith("/sign-in/code/"), response["Location"]
    response = client.post("/sign-in/code/", {"code": totp_code(user), **_csrf(client)})
    assert response.status_code == 302, response.content[:1000]
    assert not response["Location"].startswith("/sign-in/"), response["Location"]
    return client


@pytest.fixture
def signed_in(client):
    """Sign a user in through the real sign-in forms (password, then authenticator code); returns the client."""

    def sign_in_as(user: User):
        return sign_in(client, user)

    return sign_in_as


def on_duty(front_door_user: User, person) -> User:
    """Give a front-door worker duty for a child as the product does: a contact about the child taken at their front
    door (front-door duty is a relationship, not the role alone: joinedup.access.policy)."""
    from joinedup.casework.services import contact_record

    contact_record(user=front_door_user, person=person, raised_by="neighbour", text="A neighbour is worried")
    return front_door_user
