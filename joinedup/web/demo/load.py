"""Loading the demo authority idempotently: what exists is kept, what is missing is added."""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from joinedup.accounts.models import Agency, Team, User
from joinedup.accounts.services import agency_get_or_create, team_create, user_create, user_set_password
from joinedup.core.actor import ActorRef
from joinedup.web.demo.fixture import AGENCIES, DEMO_ALLOCATIONS, TEAM_PHONES, USERS, DemoUser

DEMO_ACTOR = ActorRef.system("demo-loader")


def demo_password() -> str:
    """A random password that passes the password rules (shown to the person running the demo)."""
    alphabet = string.ascii_letters + string.digits
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


def load_demo(
    credentials_path: Path, progress: Callable[[str], None] = lambda message: None
) -> list[tuple[DemoUser, str]]:
    """Create the demo agencies, teams and users that are missing; return each user with their password."""
    credentials: dict[str, str] = {}
    if credentials_path.exists():
        credentials = json.loads(credentials_path.read_text())
    with transaction.atomic():
        for spec in AGENCIES:
            agency, created = agency_get_or_create(actor=DEMO_ACTOR, code=spec.code, name=spec.name, kind=spec.kind)
            progress(f"{'Added' if created else 'Kept'} agency {agency.name}")
            for code, name, is_front_door in spec.teams:
                if not Team.objects.filter(agency=agency, code=code).exists():
                    team_create(actor=DEMO_ACTOR, agency=agency, code=code, name=name, is_front_door=is_front_door)
        for spec in USERS:
            password = credentials.get(spec.username) or demo_password()
            existing = User.objects.filter(username=spec.username).first()
            if existing is None:
                agency = Agency.objects.get(code=spec.agency)
                team = Team.objects.get(agency=agency, code=spec.team) if spec.team else None
                user_create(
                    actor=DEMO_ACTOR, username=spec.username, password=password, agency=agency, role=spec.role,
                    first_name=spec.first_name, last_name=spec.last_name, team=team, job_title=spec.job_title,
                    email=f"{spec.username}@{spec.agency}.example",
                )
                progress(f"Added user {spec.username}")
            elif spec.username not in credentials:
                user_set_password(actor=DEMO_ACTOR, user=existing, password=password)
            credentials[spec.username] = password
            if spec.phone:
                User.objects.filter(username=spec.username, phone="").update(phone=spec.phone)
        for (agency_code, team_code), phone in TEAM_PHONES.items():
            Team.objects.filter(agency__code=agency_code, code=team_code, phone="").update(phone=phone)
    credentials_path.parent.mkdir(parents=True, exist_ok=True)
    credentials_path.write_text(json.dumps(credentials, indent=2, sort_keys=True))
    credentials_path.chmod(0o600)
    return [(spec, credentials[spec.username]) for spec in USERS]


def register_simulated_agencies(manifest: list[dict[str, str]]) -> int:
    """Register the agencies of a simulated authority (its agencies.json); return how many were new."""
    added = 0
    with transaction.atomic():
        for entry in manifest:
            _, created = agency_get_or_create(actor=DEMO_ACTOR, code=entry["id"], name=entry["name"], kind=entry["kind"])
            added += created
    return added


def allocate_open_cases(limit: int = DEMO_ALLOCATIONS) -> list:
    """Allocate up to `limit` children with an open child protection plan or care episode to the demo social
    worker (once: children already allocated are kept). Returns the children allocated now."""
    from joinedup.casework.models import Allocation
    from joinedup.casework.services import allocation_set
    from joinedup.ingest.models import Mention
    from joinedup.people.models import Person

    worker = User.objects.filter(username="sam.okafor").first()
    manager = User.objects.filter(username="tara.lindqvist").first() or worker
    if worker is None or Allocation.objects.exists():
        return []
    person_ids = list(dict.fromkeys(
        Mention.objects.filter(
            record__kind__in=["cp_plan", "looked_after_episode"], record__ended_on__isnull=True, role="subject",
            withdrawn=False, link__person__merged_into__isnull=True, link__person__isnull=False,
        ).order_by("-record__occurred_on", "record_id").values_list("link__person_id", flat=True)[: limit * 3]
    ))[:limit]
    allocated = []
    with transaction.atomic():
        for person in Person.objects.filter(pk__in=person_ids).order_by("family_name", "given_name"):
            allocation_set(actor_user=manager, person=person, worker=worker)
            allocated.append(person)
    return allocated
