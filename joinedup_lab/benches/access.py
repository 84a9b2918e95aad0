"""`joinedup bench access`: generated access attempts against every person page, export and the API — leaks and
audit coverage.

A made-up authority is built here (no simulator): `families` households, each a child, a parent, another adult and
sometimes a sibling at one address, every person with a name nobody else has. Each family is recorded by a few of
five agencies (children's social care, police, a GP, a hospital, a school); records are stored with
`ingest.services.records_ingest` and linked as the chronology bench does (each agency names each person with one
local id, so the link is certain), then the household is rebuilt. Users of every role are made; social workers are
allocated families; partner practitioners sit at each agency; one partner breaks the glass on one child; a case
reviewer is commissioned for one child; one child is sealed (adoption); one family lives at a protected address
(a refuge: its street and postcode are a canary that must never appear in any answer).

**The oracle is the bench's own ground truth**, not the code under test: from what it generated it knows which
agency recorded whom, whom each worker is allocated, which families live together, who broke the glass and who is
commissioned, which children the front door took contacts about (and which the rules raised alerts about), and
applies the written policy to those facts: the whole picture (the person, and the family shown with them) through
allocation, the allocated team, front-door duty (a contact at the front door), service oversight (a child known to
the authority: a contact, an allocation or an alert), the household of a child one works with, or break-glass; the agency's own part (the person alone) where the viewer's agency recorded them; the
pseudonymised chronology (nobody named) for a commissioned reviewer; nothing otherwise, and nothing of a sealed
person for anyone.

Then `attempts` requests are drawn at random across roles, agencies, pages (person, chronology, who knew what,
export choices and the exported file, allocation, a record page), API operations (a case, a contact), and id kinds
(in scope, existing but out of scope, non-existent, sealed, protected). A **leak** is a 200 where the oracle says
404, a 200 for a non-existent id, any person named on a page whom the oracle does not allow on it, or the canary
anywhere in an answer. For every successful read of personal data the audit rows the request wrote must name
every person the page showed: `audit_complete_share` is the share that do.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, TextIO

from joinedup_lab.benchkit import on_each_database, static_from_apps
from joinedup_lab.benchkit import say as _say

SCHEMA = "joinedup.agency-record/1"
AGENCIES = [  # code, name, kind, record kind, role of the person in it
    ("acc-csc", "Access Bench Children's Services", "childrens_social_care", "assessment", "subject"),
    ("acc-police", "Access Bench Police", "police", "police_incident", "victim"),
    ("acc-gp", "Access Bench Surgery", "gp_practice", "consultation", "patient"),
    ("acc-hospital", "Access Bench Hospital", "acute_hospital", "ed_attendance", "patient"),
    ("acc-school", "Access Bench School", "school", "school_concern", "pupil"),
]
CANARY_STREET = "Canaryfield Refuge Walk"
CANARY_POSTCODE = "ZZ9 9ZZ"
_SYLLABLES = ["bra", "ven", "tor", "quil", "mar", "des", "ho", "lin", "cav", "ret", "pol", "zan", "fer", "gud", "wix",
              "yel", "ost", "rum", "sab", "tev", "ula", "nim", "kor", "jas"]
_GIVEN = ["Ambrin", "Belorn", "Cadrix", "Delphy", "Eskel", "Faunor", "Gilvey", "Hestra", "Ivorn", "Jessamy", "Kolvin",
          "Lunet", "Morwyn", "Nivard", "Orsel", "Pellam", "Quenby", "Rosalin", "Sorrel", "Tamsin"]


@dataclass
class Family:
    surname: str
    members: list[tuple[str, str, dt.date, str]]  # (given, family, dob, role in family: child/parent/adult/sibling)
    agencies: list[str]
    protected: bool = False
    ids: dict[str, uuid.UUID] = field(default_factory=dict)  # given name -> person id

    @property
    def child(self) -> str:
        return self.members[0][0]


def _surname(rnd: random.Random, used: set[str]) -> str:
    while True:
        name = "".join(rnd.choice(_SYLLABLES) for _ in range(3)).capitalize()
        if name not in used:
            used.add(name)
            return name


def families_for(n: int, seed: int) -> list[Family]:
    rnd = random.Random(seed)
    used: set[str] = set()
    out = []
    for i in range(n):
        surname = _surname(rnd, used)
        given = rnd.sample(_GIVEN, 4)
        members = [(given[0], surname, dt.date(2016 + rnd.randrange(7), 1 + rnd.randrange(12), 1 + rnd.randrange(28)),
                    "child"),
                   (given[1], surname, dt.date(1985 + rnd.randrange(10), 1 + rnd.randrange(12), 1 + rnd.randrange(28)),
                    "parent"),
                   (given[2], _surname(rnd, used), dt.date(1980 + rnd.randrange(15), 1 + rnd.randrange(12), 1 +
                                                           rnd.randrange(28)), "adult")]
        if rnd.random() < 0.5:
            members.append((given[3], surname, dt.date(2012 + rnd.randrange(10), 1 + rnd.randrange(12),
                                                       1 + rnd.randrange(28)), "sibling"))
        agencies = ["acc-csc"] if i % 2 == 0 else []
        agencies += rnd.sample([a[0] for a in AGENCIES[1:]], rnd.randrange(1, 4))
        out.append(Family(surname, members, agencies, protected=(i == 1)))
    return out


def _records(families: list[Family]) -> list[dict[str, Any]]:
    records = []
    kinds = {code: (kind, role) for code, _n, _k, kind, role in AGENCIES}
    for fi, fam in enumerate(families):
        if fam.protected:
            address = {"lines": [f"1 {CANARY_STREET}", "Benchley"], "postcode": CANARY_POSTCODE, "protected": True}
        else:
            address = {"lines": [f"{fi + 1} {fam.surname} Road", "Benchley"], "postcode": f"BX{fi % 90 + 1} 1AA"}
        for ai, code in enumerate(fam.agencies):
            kind, role = kinds[code]
            for k in range(2):
                day = dt.date(2024, 1 + (fi + ai + k) % 12, 1 + (fi * 7 + k) % 27)
                mentions = [{"mention_id": "m1", "role": role, "given_name": fam.members[0][0],
                             "family_name": fam.members[0][1], "dob": fam.members[0][2].isoformat(),
                             "local_person_id": f"{code}-{fi}-0", "address": address}]
                for mi, (given, family, dob, _r) in enumerate(fam.members[1:], start=1):
                    mentions.append({"mention_id": f"m{mi + 1}", "role": "carer" if _r == "parent" else
                                     "household_member",
                                     "given_name": given, "family_name": family, "dob": dob.isoformat(),
                                     "local_person_id": f"{code}-{fi}-{mi}", "address": address})
                records.append({
                    "schema": SCHEMA, "agency_id": code, "source_system": "access-bench",
                    "source_record_id": f"{code}-{fi}-{k}", "version": 1, "kind": kind,
                    "occurred_on": day.isoformat(), "recorded_at": f"{day.isoformat()}T12:00:00Z",
                    "mentions": mentions, "detail": {"code": kind, "text": f"Seen with {fam.members[1][0]}."},
                })
    return records


@dataclass
class World:
    families: list[Family]
    users: dict[str, list]  # label -> users
    tokens: dict[Any, str]
    full: dict[Any, set]  # user pk -> person ids with the whole picture
    agency: dict[Any, set]  # user pk -> person ids with the agency's part
    pseudo: dict[Any, set]  # user pk -> person ids with the pseudonymised chronology
    family_of: dict[uuid.UUID, Family]
    sealed: set[uuid.UUID]
    protected: set[uuid.UUID]
    names: dict[str, uuid.UUID]  # "Given Family" -> person id
    records_of: dict[uuid.UUID, list[int]]  # person id -> record pks naming them
    build_seconds: float = 0.0


def build(*, families: int, seed: int, out: TextIO) -> World:
    """Register the agencies and users, ingest and link the records, make the relationships; the ground truth."""
    from joinedup.access import claims, sealing
    from joinedup.accounts.models import Role
    from joinedup.accounts.services import agency_get_or_create, api_token_create, team_create, user_create
    from joinedup.alerts.models import Alert
    from joinedup.casework.services import allocation_set, contact_record
    from joinedup.core.actor import ActorRef
    from joinedup.core.time import utc_now
    from joinedup.ingest.services import records_ingest
    from joinedup.people.models import MentionLink, Person
    from joinedup.people.services import mentions_link_by_name_and_dob

    started = time.perf_counter()
    actor = ActorRef.system("bench")
    fams = families_for(families, seed)
    agencies = {code: agency_get_or_create(actor=actor, code=code, name=name, kind=kind)[0]
                for code, name, kind, _k, _r in AGENCIES}
    records = _records(fams)
    _say(out, f"  ingesting {len(records):,} records about {sum(len(f.members) for f in fams):,} people…")
    result = records_ingest(actor=actor, records=records, via="file")
    refused = [o for o in result.outcomes if o.status == "refused"]
    if refused:
        raise RuntimeError(f"records refused: {refused[:3]}")
    person_of = mentions_link_by_name_and_dob(reason="benchmark: same person id")
    now = utc_now()
    family_of, names, protected = {}, {}, set()
    for fam in fams:
        for given, family, dob, _r in fam.members:
            pid = person_of[(given, family, dob)]
            fam.ids[given] = pid
            family_of[pid] = fam
            names[f"{given} {family}"] = pid
            if fam.protected:
                protected.add(pid)
    records_of: dict[uuid.UUID, list[int]] = defaultdict(list)
    for pid, record_pk in MentionLink.objects.values_list("person_id", "mention__record_id"):
        records_of[pid].append(record_pk)

    # Users: children's social care's roles at its agency, a partner at every other agency, the rest.
    csc = agencies["acc-csc"]
    team_a = team_create(actor=actor, agency=csc, code="acc-team-a", name="Access Team A")
    team_b = team_create(actor=actor, agency=csc, code="acc-team-b", name="Access Team B")
    team_create(actor=actor, agency=csc, code="acc-front", name="Access Front Door", is_front_door=True)
    users: dict[str, list] = defaultdict(list)

    def make(label, role, agency, team=None):
        n = sum(len(v) for v in users.values())
        user = user_create(actor=actor, username=f"acc-{label}-{n}", password=uuid.uuid4().hex, agency=agency,
                           role=role, first_name="Bench", last_name=f"User{n}")
        if team is not None:
            type(user).objects.filter(pk=user.pk).update(team=team)
            user.team = team
        users[label].append(user)
        return user

    workers = [make("social_worker", Role.SOCIAL_WORKER, csc, team_a if i % 2 == 0 else team_b) for i in range(4)]
    managers = [make("team_manager", Role.TEAM_MANAGER, csc, team) for team in (team_a, team_b)]
    make("front_door", Role.FRONT_DOOR, csc)
    head = make("head_of_service", Role.HEAD_OF_SERVICE, csc)
    for code in ("acc-police", "acc-gp", "acc-hospital", "acc-school"):
        make("partner_practitioner", Role.PARTNER_PRACTITIONER, agencies[code])
    reviewer = make("case_reviewer", Role.CASE_REVIEWER, csc)
    make("data_protection_officer", Role.DATA_PROTECTION_OFFICER, csc)
    make("system_administrator", Role.SYSTEM_ADMINISTRATOR, csc)
    make("partnership_member", Role.PARTNERSHIP_MEMBER, csc)
    tokens = {u.pk: api_token_create(actor=actor, user=u, name="bench")[1] for us in users.values() for u in us}

    # Ground truth, from the facts made here.
    full: dict[Any, set] = defaultdict(set)
    agency_part: dict[Any, set] = defaultdict(set)
    pseudo: dict[Any, set] = defaultdict(set)
    allocated = min(len(workers) * 2, len(fams) // 2)
    for fi, fam in enumerate(fams[:allocated]):
        worker = workers[fi % len(workers)]
        allocation_set(actor_user=head, person=Person.objects.get(pk=fam.ids[fam.child]), worker=worker)
        manager = managers[0] if worker.team_id == team_a.pk else managers[1]
        for u in (worker, manager):
            full[u.pk] |= set(fam.ids.values())  # the child, and their household
    # Front-door duty: contacts the front door takes about some families not allocated (the child, and the people
    # around them); service oversight: every child known to the authority (a contact, an allocation or an alert).
    front_door = users["front_door"][0]
    contacted = fams[allocated:allocated + max(1, len(fams) // 5)]
    for fam in contacted:
        contact_record(user=front_door, person=Person.objects.get(pk=fam.ids[fam.child]), raised_by="neighbour",
                       text="Access bench: a neighbour is worried")
        full[front_door.pk] |= set(fam.ids.values())
        for u in users["social_worker"] + users["team_manager"] + users["head_of_service"]:
            agency_part[u.pk].add(fam.ids[fam.child])  # the contact is children's social care's record naming the child
    alerted = set(Alert.objects.filter(agency=csc).values_list("person_id", flat=True))
    for fam in [*fams[:allocated], *contacted]:  # the child, and the people around them
        full[head.pk] |= set(fam.ids.values())
    full[head.pk] |= alerted & set(family_of)  # a child with an alert (the alert's child alone)
    for us in users.values():
        for u in us:
            if u.agency_id is None:
                continue
            code = u.agency.code
            if u.role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FRONT_DOOR, Role.HEAD_OF_SERVICE,
                          Role.PARTNER_PRACTITIONER):
                agency_part[u.pk] |= {pid for fam in fams if code in fam.agencies for pid in fam.ids.values()}
    glass = users["partner_practitioner"][0]
    glass_family = next((f for f in fams[allocated:-2] if "acc-police" not in f.agencies), fams[allocated])
    claims.claim_start(user=glass, person_id=glass_family.ids[glass_family.child], kind="break_glass",
                       reason_code="emergency", reason_text="Access bench: a child brought in unconscious")
    full[glass.pk].add(glass_family.ids[glass_family.child])
    review_family = fams[-1]
    claims.commission_create(user=head, reviewer=reviewer, person_id=review_family.ids[review_family.child],
                             reference="Access bench review", starts_on=now.date(), ends_on=now.date())
    pseudo[reviewer.pk].add(review_family.ids[review_family.child])
    sealed_family = fams[-2]
    sealed_id = sealed_family.ids[sealed_family.child]
    sealing.person_seal(user=head, person_id=sealed_id, reason="Access bench: adoption order made")
    return World(fams, dict(users), tokens, full, agency_part, pseudo, family_of, {sealed_id}, protected, names,
                 dict(records_of), build_seconds=time.perf_counter() - started)


PAGES = ["web:person", "web:chronology", "web:who-knew", "web:chronology-export", "web:allocate"]
KINDS = ["in_scope", "out_of_scope", "non_existent", "sealed", "protected"]


def _allowed_scope(world: World, user, pid) -> str | None:
    if pid in world.sealed:
        return None
    if pid in world.full.get(user.pk, ()):
        return "full"
    if pid in world.agency.get(user.pk, ()):
        return "agency"
    if pid in world.pseudo.get(user.pk, ()):
        return "pseudonymised"
    return None


def _may_name(world: World, scope: str | None, pid) -> set:
    """Who a page about `pid` seen with `scope` may name: the family with the whole picture, the person alone with
    the agency's part, nobody pseudonymised; never a sealed person."""
    if scope == "full":
        allowed = set(world.family_of[pid].ids.values()) if pid in world.family_of else {pid}
    elif scope == "agency":
        allowed = {pid}
    else:
        allowed = set()
    return allowed - world.sealed


_NAME_RE = re.compile(r"[A-Z][a-z]+ [A-Z][a-z]+")


def _named_on(world: World, html: str) -> set:
    return {world.names[m] for m in set(_NAME_RE.findall(html)) if m in world.names}


def measure(*, world: World, attempts: int, seed: int, out: TextIO) -> dict[str, Any]:
    from django.test import Client
    from django.urls import reverse

    from joinedup.access import policy
    from joinedup.audit.models import AuditEvent, AuditEventPerson

    rnd = random.Random(seed + 1)
    clients = {}
    all_users = [u for us in world.users.values() for u in us]
    for u in all_users:
        c = Client(HTTP_HOST="localhost")
        c.force_login(u)
        _verify_session(c, u)
        clients[u.pk] = c
    people = list(world.family_of)
    leaks: list[dict] = []
    by_kind, by_page, statuses = Counter(), Counter(), Counter()
    reads = complete = wrongly_refused = 0
    started = time.perf_counter()
    for n in range(attempts):
        user = rnd.choice(all_users)
        kind = rnd.choice(KINDS)
        mine = [p for p in people if _allowed_scope(world, user, p)]
        if kind == "in_scope" and mine:
            pid = rnd.choice(mine)
        elif kind == "out_of_scope":
            others = [p for p in people if not _allowed_scope(world, user, p)]
            pid = rnd.choice(others) if others else uuid.uuid4()
        elif kind == "sealed":
            pid = rnd.choice(sorted(world.sealed))
        elif kind == "protected":
            pid = rnd.choice(sorted(world.protected))
        else:
            kind, pid = "non_existent", uuid.uuid4()
        surface = rnd.random()
        client = clients[user.pk]
        last_audit = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        if surface < 0.7:
            page = rnd.choice(PAGES)
            url = reverse(page, args=[pid])
            response = client.get(url)
        elif surface < 0.8:
            page = "web:chronology-export (file)"
            url = reverse("web:chronology-export", args=[pid])
            response = client.post(url, {"format": "csv", "shift_dates": "yes", "replace_agencies": "no",
                                         "household": "yes"})
        elif surface < 0.9:
            page = "web:record"
            record_pk = rnd.choice(world.records_of.get(pid, [0]) or [0])
            url = reverse("web:record", args=[pid, record_pk])
            response = client.get(url)
        else:
            page = "api:case"
            url = f"/api/v1/cases/{pid}/"
            response = Client(HTTP_HOST="localhost").get(url, HTTP_AUTHORIZATION=f"Bearer {world.tokens[user.pk]}")
        by_kind[kind] += 1
        by_page[page] += 1
        statuses[response.status_code] += 1
        body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
        text = body.decode("utf-8", "replace")
        scope = _allowed_scope(world, user, pid)
        url_name = page.split(" ")[0]
        if url_name == "web:record":
            allowed = scope == "full"
        elif url_name == "api:case":
            allowed = False  # the bench's authority has no cases: every case id is unknown
        else:
            allowed = policy.person_page_allowed(user, url_name, scope)
        problem = ""
        if CANARY_STREET in text or CANARY_POSTCODE in text:
            problem = "canary"
        elif response.status_code == 200 and (kind == "non_existent" or not allowed):
            problem = "200 where the policy says 404"
        elif response.status_code == 200:
            shown = _named_on(world, text)
            extra = shown - _may_name(world, scope, pid)
            if extra:
                problem = f"named {len(extra)} person(s) the viewer may not see"
        elif response.status_code == 404 and allowed and kind == "in_scope":
            wrongly_refused += 1
        if problem:
            leaks.append({"user": user.username, "role": user.role, "kind": kind, "page": page,
                          "status": response.status_code, "problem": problem})
        if response.status_code == 200 and url_name.startswith("web:") and kind != "non_existent":
            reads += 1
            rows = list(AuditEvent.objects.filter(id__gt=last_audit, actor_id=user.pk).values_list(
                "id", "subject_person_id"))
            named = {s for _i, s in rows if s} | set(AuditEventPerson.objects.filter(
                event_id__in=[i for i, _s in rows]).values_list("person_id", flat=True))
            if rows and _named_on(world, text) <= named:
                complete += 1
        if (n + 1) % 1000 == 0:
            _say(out, f"  {n + 1:,} attempts, {len(leaks)} leaks, {reads:,} reads")
    seconds = time.perf_counter() - started
    return {
        "attempts": attempts, "leaks": len(leaks), "leak_examples": leaks[:10],
        "reads": reads, "audit_complete": complete,
        "audit_complete_share": round(complete / reads, 4) if reads else None,
        "wrongly_refused": wrongly_refused, "by_id_kind": dict(by_kind), "by_surface": dict(by_page),
        "statuses": {str(k): v for k, v in sorted(statuses.items())}, "seconds": round(seconds, 1),
        "roles": sorted({u.role for u in all_users}),
    }


def _verify_session(client, user) -> None:
    """Complete the second sign-in step for a test-client session as django-otp's login does: a confirmed
    authenticator device of the user's, named in the session."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from joinedup.accounts.mfa import TOTP_DEVICE_NAME

    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def run_here(*, families: int, attempts: int, seed: int, out: TextIO) -> dict[str, Any]:
    from django.db import connection

    from joinedup.ingest.models import SourceRecord

    if SourceRecord.objects.exists():
        raise RuntimeError("bench access --here needs an empty database (it adds made-up records)")
    world = build(families=families, seed=seed, out=out)
    _say(out, f"  built in {world.build_seconds:.1f} s; {attempts:,} attempts…")
    with static_from_apps():
        figures = measure(world=world, attempts=attempts, seed=seed, out=out)
    return {"database": connection.vendor, "families": families, "people": len(world.family_of),
            "users": sum(len(v) for v in world.users.values()), "build_seconds": round(world.build_seconds, 1),
            **figures}


def run(*, families: int = 60, attempts: int = 10_000, seed: int = 1, postgres_url: str | None = None,
        postgresql: bool = False, out: TextIO) -> dict[str, Any]:
    """On a fresh SQLite file (and PostgreSQL with --postgresql); leaks summed at the top level."""
    args = ["--families", str(families), "--attempts", str(attempts), "--seed", str(seed)]
    results = on_each_database("access", args, out, postgres_url=postgres_url, postgresql=postgresql)
    measured = list(results.values())
    return {"attempts": sum(r["attempts"] for r in measured), "leaks": sum(r["leaks"] for r in measured),
            "audit_complete_share": min(r["audit_complete_share"] or 0 for r in measured), **results}
