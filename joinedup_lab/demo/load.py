"""Loading the demo authority idempotently: what exists is kept, what is missing is added."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import string
from collections.abc import Callable
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from joinedup.accounts.mfa import key_hex_from_base32, secret_base32, totp_device_of
from joinedup.accounts.models import Agency, AgencyKind, Role, Team, User
from joinedup.accounts.services import agency_get_or_create, team_create, user_create, user_set_password
from joinedup.accounts.services.mfa import totp_device_provision
from joinedup.core.actor import ActorRef
from joinedup.people.models import Person
from joinedup_lab.demo.fixture import (
    AGENCIES,
    COLLEAGUES,
    DEMO_ALLOCATIONS,
    PREFERRED_ALLOCATIONS,
    TEAM_PHONES,
    USERS,
    DemoUser,
)

DEMO_ACTOR = ActorRef.system("demo-loader")


def demo_password() -> str:
    """A random password that passes the password rules (shown to the person running the demo)."""
    alphabet = string.ascii_letters + string.digits
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


def read_credentials(credentials_path: Path) -> dict[str, dict[str, str]]:
    """The demo users' sign-in details: {username: {"password": …, "totp_secret": …}} (an older file held only
    passwords, {username: password}; it is read as such)."""
    if not credentials_path.exists():
        return {}
    raw = json.loads(credentials_path.read_text())
    return {name: dict(value) if isinstance(value, dict) else {"password": value} for name, value in raw.items()}


def demo_authenticator(user: User, secret: str | None) -> str:
    """The demo user's authenticator key (base 32, as an app takes it): the one they have, or one given to them
    (the key kept in the credentials file, else a new random one)."""
    device = totp_device_of(user)
    if device is None:
        device = totp_device_provision(actor=DEMO_ACTOR, user=user,
                                       key_hex=key_hex_from_base32(secret) if secret else None)
    return secret_base32(device)


def sign_in_details(credentials_path: Path) -> list[str]:
    """The lines that tell the person running the demo how to sign in: each demo user's username, password, role
    and agency (from `credentials_path` and the database), then the second step. Raises ValueError naming what is
    missing when the demo users are not loaded."""
    credentials = read_credentials(credentials_path)
    loaded = {u.username: u for u in User.objects.filter(username__in=[spec.username for spec in USERS])
              .select_related("agency")}
    missing = [spec.username for spec in USERS if spec.username not in loaded or spec.username not in credentials]
    if missing:
        raise ValueError(f"{credentials_path}: the demo users are not all loaded ({', '.join(missing)} missing); "
                         "run `joinedup demo` first")
    width = max(len(spec.username) for spec in USERS)
    lines = ["Demo users (synthetic data only) — sign in at http://127.0.0.1:8000/sign-in/"]
    for spec in USERS:
        user = loaded[spec.username]
        lines.append(f"  {spec.username:<{width}}  {credentials[spec.username]['password']}  "
                     f"{user.get_role_display()}, {user.agency.name if user.agency_id else spec.agency}")
    lines += ["", f"Passwords and authenticator keys are kept in {credentials_path}.",
              second_factor_instructions(credentials_path)]
    return lines


def second_factor_instructions(credentials_path: Path) -> str:
    """How to pass the second sign-in step as a demo user (printed by `joinedup demo` and `make demo`)."""
    return (
        "Every sign-in then asks for the 6-digit code of the user's authenticator app. Either add the user's key\n"
        f'("totp_secret" in {credentials_path}) to an authenticator app, or print the current code with\n'
        "  .venv/bin/joinedup demo-code USERNAME\n"
        "(each code works once, for 30 seconds either side of the clock)."
    )


def load_demo(
    credentials_path: Path, progress: Callable[[str], None] = lambda message: None
) -> list[tuple[DemoUser, str]]:
    """Create the demo agencies, teams and users that are missing, each with an authenticator key; return each
    user with their password. Passwords and keys are kept in `credentials_path`."""
    credentials = read_credentials(credentials_path)
    with transaction.atomic():
        for spec in AGENCIES:
            agency, created = agency_get_or_create(actor=DEMO_ACTOR, code=spec.code, name=spec.name, kind=spec.kind)
            progress(f"{'Added' if created else 'Kept'} agency {agency.name}")
            for code, name, is_front_door in spec.teams:
                if not Team.objects.filter(agency=agency, code=code).exists():
                    team_create(actor=DEMO_ACTOR, agency=agency, code=code, name=name, is_front_door=is_front_door)
        for spec in USERS:
            entry = credentials.setdefault(spec.username, {})
            password = entry.get("password") or demo_password()
            existing = User.objects.filter(username=spec.username).first()
            if existing is None:
                agency = Agency.objects.get(code=spec.agency)
                team = Team.objects.get(agency=agency, code=spec.team) if spec.team else None
                existing = user_create(
                    actor=DEMO_ACTOR, username=spec.username, password=password, agency=agency, role=spec.role,
                    first_name=spec.first_name, last_name=spec.last_name, team=team, job_title=spec.job_title,
                    email=f"{spec.username}@{spec.agency}.example",
                )
                progress(f"Added user {spec.username}")
            elif "password" not in entry:
                user_set_password(actor=DEMO_ACTOR, user=existing, password=password)
            entry["password"] = password
            entry["totp_secret"] = demo_authenticator(existing, entry.get("totp_secret"))
            if spec.phone:
                User.objects.filter(username=spec.username, phone="").update(phone=spec.phone)
        for spec in COLLEAGUES:  # they hold the other children on plans; no password: they do not sign in
            if not User.objects.filter(username=spec.username).exists():
                agency = Agency.objects.get(code=spec.agency)
                user_create(
                    actor=DEMO_ACTOR, username=spec.username, password=None, agency=agency, role=spec.role,
                    first_name=spec.first_name, last_name=spec.last_name, job_title=spec.job_title,
                    team=Team.objects.get(agency=agency, code=spec.team), email=f"{spec.username}@{spec.agency}.example",
                )
                progress(f"Added colleague {spec.username}")
        for (agency_code, team_code), phone in TEAM_PHONES.items():
            Team.objects.filter(agency__code=agency_code, code=team_code, phone="").update(phone=phone)
    credentials_path.parent.mkdir(parents=True, exist_ok=True)
    credentials_path.write_text(json.dumps(credentials, indent=2, sort_keys=True))
    credentials_path.chmod(0o600)
    return [(spec, credentials[spec.username]["password"]) for spec in USERS]


def register_simulated_agencies(manifest: list[dict[str, str]]) -> int:
    """Register the agencies of a simulated authority (its agencies.json); return how many were new."""
    added = 0
    with transaction.atomic():
        for entry in manifest:
            _, created = agency_get_or_create(actor=DEMO_ACTOR, code=entry["id"], name=entry["name"], kind=entry["kind"])
            added += created
    return added


def allocate_open_cases(limit: int = DEMO_ALLOCATIONS, prefer: list | tuple = ()) -> list:
    """Allocate the demo social worker's caseload (once: children already allocated are kept): the children in
    `prefer` (the simulated worker's open cases, from the practice file; at most `PREFERRED_ALLOCATIONS`), then
    children with an open child protection plan or care episode up to `limit` in all. Returns the children
    allocated now."""
    from joinedup.casework.models import Allocation
    from joinedup.casework.services import allocation_set
    from joinedup.ingest.models import Mention

    worker = User.objects.filter(username="sam.okafor").first()
    manager = User.objects.filter(username="tara.lindqvist").first() or worker
    if worker is None or Allocation.objects.exists():
        return []
    preferred = [p.pk for p in prefer][:PREFERRED_ALLOCATIONS]
    person_ids = preferred + list(dict.fromkeys(
        Mention.objects.filter(
            record__kind__in=["cp_plan", "looked_after_episode"], record__ended_on__isnull=True, role="subject",
            withdrawn=False, link__person__merged_into__isnull=True, link__person__isnull=False,
        ).order_by("-record__occurred_on", "record_id").values_list("link__person_id", flat=True)[: limit * 3]
    ))
    person_ids = list(dict.fromkeys(person_ids))[: max(limit, len(preferred))]
    allocated = []
    with transaction.atomic():
        for person in Person.objects.filter(pk__in=person_ids).order_by("family_name", "given_name"):
            allocation_set(actor_user=manager, person=person, worker=worker)
            allocated.append(person)
    return allocated


# What the demo front door has just been told (synthetic wording): (agency kind of the record that prompted it,
# census source, what was said, RAG).
DEMO_CONTACTS = (
    ("acute_hospital", "3E", "Attended A&E with bruising; the account of how it happened changed during the visit.",
     "red"),
    ("police", "6", "Police called to a domestic incident overnight; children in the house, one woke and saw it.",
     "red"),
    ("school", "2A", "Arrived hungry and in the same clothes for the third day; says nobody was home last night.",
     "amber"),
    ("community_health", "3B", "Health visitor could not see the baby at the planned visit; curtains drawn.", "amber"),
    ("gp_practice", "3A", "Missed two appointments for a chest infection; not brought.", "green"),
    ("housing_association", "4", "Neighbours report shouting and a child crying late at night.", "green"),
    ("school", "2A", "Disclosed that mum's new partner shouts at her and her brother.", ""),
)


PLAN_KINDS = ("cp_plan", "cin_plan", "looked_after_episode")


def children_on_plans(on: dt.date) -> set:
    """The children on a child protection or child in need plan, or looked after, on the day: children's social
    care's plan records open that day naming them as the child."""
    from joinedup.casework.projection import CHILD_ROLES
    from joinedup.ingest.models import Mention

    return set(
        Mention.objects.filter(
            record__kind__in=PLAN_KINDS, record__agency__kind=AgencyKind.CHILDRENS_SOCIAL_CARE, role__in=CHILD_ROLES,
            withdrawn=False, record__occurred_on__lte=on, link__person__isnull=False,
            link__person__merged_into__isnull=True,
        ).filter(Q(record__ended_on__isnull=True) | Q(record__ended_on__gt=on))
        .values_list("link__person_id", flat=True)
    )


def allocate_children_on_plans(on: dt.date | None = None) -> int:
    """Every child on a plan or looked after with no allocated worker is allocated to one of the demo's colleagues
    (a child on a plan always has a social worker): a family's children (their cases' episode) to one worker, each
    family to the social worker with the lightest weighted caseload, by their team manager. Children already
    allocated keep their worker, so a second run allocates only children whose plan began since. Returns how many
    were allocated now."""
    from joinedup.casework.models import Allocation, Case
    from joinedup.casework.services import allocation_set
    from joinedup.practice.settings import practice_settings

    on = on or dt.date.today()
    allocated = set(Allocation.objects.filter(ended_at__isnull=True).values_list("person_id", flat=True))
    waiting = children_on_plans(on) - allocated
    workers = list(User.objects.filter(username__in=[c.username for c in COLLEAGUES], role=Role.SOCIAL_WORKER,
                                       is_active=True).select_related("team").order_by("username"))
    if not waiting or not workers:
        return 0
    managers = {u.team_id: u for u in User.objects.filter(role=Role.TEAM_MANAGER, is_active=True,
                                                          team__in=[w.team_id for w in workers])}
    policy = practice_settings()
    open_cases = {}
    for person_id, stage, ref in Case.objects.filter(is_open=True).order_by("opened_on").values_list(
            "person_id", "stage", "case_ref"):
        open_cases[person_id] = (stage, ref)
    load = dict.fromkeys((w.pk for w in workers), 0.0)
    for worker_id, person_id in Allocation.objects.filter(ended_at__isnull=True, worker__in=workers).values_list(
            "worker_id", "person_id"):
        if person_id in open_cases:
            load[worker_id] += policy.weight(open_cases[person_id][0])
    families: dict[str, list] = {}
    for person_id in waiting:  # the family's episode: "EP000341" of its children's cases "EP000341-1", "EP000341-2"
        case = open_cases.get(person_id)
        families.setdefault(case[1].rsplit("-", 1)[0] if case else f"child {person_id}", []).append(person_id)
    people = {p.pk: p for p in Person.objects.filter(pk__in=waiting)}
    done = 0
    with transaction.atomic():
        for family in sorted(families, key=lambda f: (-len(families[f]), f)):  # the largest families first
            worker = min(workers, key=lambda w: (load[w.pk], w.username))
            for person_id in sorted(families[family], key=str):
                allocation_set(actor_user=managers.get(worker.team_id, worker), person=people[person_id],
                               worker=worker)
                load[worker.pk] += policy.weight(open_cases.get(person_id, ("",))[0])
                done += 1
    return done


def record_demo_contacts() -> int:
    """Once: the front door takes a few contacts about children other agencies know now, and a partner makes a
    referral, through the casework services (so the queue has live clocks). Returns how many were recorded."""
    from joinedup.casework.models import Case, Contact
    from joinedup.casework.services import contact_record
    from joinedup.ingest.models import Mention

    front_door = User.objects.filter(username="femi.adeyemi").first()
    nurse = User.objects.filter(username="priya.shah").first()
    if front_door is None or Contact.objects.filter(record__current__received_via="joinedup").exists():
        return 0
    today = dt.date.today()
    busy = set(Case.objects.filter(is_open=True).values_list("person_id", flat=True))
    now = dt.datetime.now(dt.UTC)
    recorded = 0
    with transaction.atomic():
        for i, (kind, source, text, rag) in enumerate(DEMO_CONTACTS):
            candidates = (
                Mention.objects.filter(agency__kind=kind, withdrawn=False, role__in=("patient", "pupil", "subject",
                                                                                   "victim", "present"),
                                       link__person__merged_into__isnull=True,
                                       link__person__dob__gt=today.replace(year=today.year - 16))
                .order_by("-occurred_on", "id").values_list("link__person_id", flat=True)[:200]
            )
            person_id = next((p for p in candidates if p not in busy), None)
            if person_id is None:
                continue
            busy.add(person_id)
            person = Person.objects.get(pk=person_id)
            if i == 0 and nurse is not None:  # a partner's referral: the A&E nurse raises it herself
                from joinedup.casework.services import NewPerson

                described = NewPerson(given_name=person.given_name, family_name=person.family_name, dob=person.dob)
                contact_record(user=nurse, person=person, new_person=described, raised_by="agency", text=text)
            else:
                contact_record(user=front_door, person=person, raised_by="agency", source_code=source, text=text,
                               rag=rag, received_at=now - dt.timedelta(minutes=40 * i + 5))
            recorded += 1
    return recorded
