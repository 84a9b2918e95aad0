"""Reads about people, always for a viewer: who may see whom, a person's identities, and their household."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from joinedup.access.policy import may_look_up_people, may_review_matches, sees_every_person
from joinedup.accounts.models import AgencyKind
from joinedup.ingest.models import Mention
from joinedup.people.models import (
    MentionLink,
    Person,
    ResidenceEpisode,
    ReviewItem,
    ReviewStatus,
    UnidentifiedSighting,
)
from joinedup.people.residence import CO_RESIDENCE_MARGIN_DAYS

ADULT_AGE = 18


def persons_visible_to(*, viewer) -> QuerySet[Person]:
    """People the viewer may see: everyone for children's social care, else those their agency holds records on."""
    if not may_look_up_people(viewer):
        return Person.objects.none()
    people = Person.objects.filter(merged_into__isnull=True)
    if sees_every_person(viewer):
        return people
    return people.filter(mention_links__mention__agency_id=viewer.agency_id).distinct()


def person_search(*, viewer, name: str = "", dob: dt.date | None = None, nhs_number: str = "") -> QuerySet[Person]:
    """Search by any part of any name an agency wrote (earlier surnames too), date of birth and NHS number."""
    people = persons_visible_to(viewer=viewer)
    if nhs_number:
        people = people.filter(search_text__contains=f" {nhs_number} ")
    if dob:
        people = people.filter(search_text__contains=f" {dob.isoformat()} ")
    for word in name.lower().split():
        people = people.filter(search_text__contains=word)
    return people.order_by("family_name", "given_name", "dob", "id")


def person_for_viewer(*, viewer, person_id) -> tuple[Person | None, Person | None]:
    """The person if the viewer may see them, following merges; returns (person, merged_from)."""
    person = Person.objects.filter(pk=person_id).first()
    merged_from = None
    hops = 0
    while person is not None and person.merged_into_id is not None and hops < 20:
        merged_from = merged_from or person
        person = Person.objects.filter(pk=person.merged_into_id).first()
        hops += 1
    if person is None or not persons_visible_to(viewer=viewer).filter(pk=person.pk).exists():
        return None, None
    return person, merged_from


@dataclass
class Identity:
    """One agency's way of identifying the person, with the records behind it and how strongly it matched."""

    source_identity: str
    agency_name: str
    agency_code: str
    local_person_id: str
    names: list[str]
    dobs: list[dt.date]
    nhs_numbers: list[str]
    method: str
    method_label: str
    match_probability: float | None
    fields: dict[str, str]
    reason: str = ""
    records: list[dict] = field(default_factory=list)


def person_identities(*, person: Person) -> list[Identity]:
    """The person's identities across agencies, strongest evidence first, each with its source records."""
    links = (
        MentionLink.objects.filter(person=person)
        .select_related("mention", "mention__agency", "mention__record")
        .order_by("mention__source_identity", "-mention__occurred_on", "mention_id")
    )
    by_identity: dict[str, Identity] = {}
    for link in links:
        m = link.mention
        ident = by_identity.get(m.source_identity)
        if ident is None:
            ident = by_identity[m.source_identity] = Identity(
                source_identity=m.source_identity,
                agency_name=m.agency.name,
                agency_code=m.agency.code,
                local_person_id=m.local_person_id,
                names=[],
                dobs=[],
                nhs_numbers=[],
                method=link.method,
                method_label=link.get_method_display(),
                match_probability=link.match_probability,
                fields=link.fields or {},
                reason=link.reason,
            )
        name = " ".join(p for p in (m.given_name, m.family_name) if p) or m.relationship_label
        if name and name not in ident.names:
            ident.names.append(name)
        if m.dob and m.dob not in ident.dobs:
            ident.dobs.append(m.dob)
        if m.nhs_number and m.nhs_number not in ident.nhs_numbers:
            ident.nhs_numbers.append(m.nhs_number)
        if _stronger(link, ident):
            ident.method, ident.method_label = link.method, link.get_method_display()
            ident.match_probability, ident.fields = link.match_probability, link.fields or {}
            ident.reason = link.reason
        ident.records.append({
            "occurred_on": m.occurred_on,
            "kind": m.record.kind,
            "source_record_id": m.record.source_record_id,
            "role": m.role,
            "name": name,
        })
    return sorted(by_identity.values(), key=lambda i: (-len(i.records), i.agency_name, i.source_identity))


def _stronger(link: MentionLink, ident: Identity) -> bool:
    """A model match with agreeing fields explains an identity better than 'same id' alone."""
    if ident.method in ("model", "online", "review", "context"):
        return False
    return link.method in ("model", "online", "review")


@dataclass
class Housemate:
    """Someone seen at the same address as the person, overlapping in time."""

    person: Person | None
    label: str
    is_adult: bool | None
    first_seen_on: dt.date
    last_seen_on: dt.date
    agency_names: list[str]
    known_to_csc: bool = False
    in_csc_household_record: bool = False
    presumed_until: dt.date | None = None  # until seen elsewhere, or about 18 months after the last sighting

    @property
    def unknown_to_csc_household(self) -> bool:
        """The 'man in the house nobody knew about': an adult at the address missing from CSC's household record."""
        return bool(self.is_adult) and not self.in_csc_household_record


@dataclass
class HouseholdSpell:
    """One address the person lived at, and everyone seen there during that time."""

    episode: ResidenceEpisode
    agency_names: list[str]
    housemates: list[Housemate]


def _age_on(dob: dt.date | None, on: dt.date) -> int | None:
    if dob is None:
        return None
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def person_household(*, person: Person) -> list[HouseholdSpell]:
    """For each address the person was seen at: who else lived there and when, from every agency.

    Adults are marked when children's social care's records of this person do not name them (the
    household as CSC recorded it), and when no CSC record names them at all.
    """
    from joinedup.accounts.models import Agency

    agency_names = dict(Agency.objects.values_list("code", "name"))
    episodes = list(ResidenceEpisode.objects.filter(person=person).order_by("-last_seen_on", "address_key"))
    csc_household = set(_csc_household_person_ids(person))
    margin = dt.timedelta(days=CO_RESIDENCE_MARGIN_DAYS)
    spells = []
    for ep in episodes:
        others = (
            ResidenceEpisode.objects.filter(
                address_key=ep.address_key,
                first_seen_on__lte=ep.presumed_until + margin,
                presumed_until__gte=ep.first_seen_on - margin,
            )
            .exclude(person=person)
            .select_related("person")
        )
        merged: dict[object, Housemate] = {}
        for other in others:
            if other.person.merged_into_id is not None:
                continue
            mate = merged.get(other.person_id)
            age = _age_on(other.person.dob, min(other.last_seen_on, ep.last_seen_on))
            if mate is None:
                merged[other.person_id] = Housemate(
                    person=other.person,
                    label=other.person.display_name,
                    is_adult=None if age is None else age >= ADULT_AGE,
                    first_seen_on=other.first_seen_on,
                    last_seen_on=other.last_seen_on,
                    agency_names=sorted({agency_names.get(c, c) for c in other.agency_codes}),
                    in_csc_household_record=other.person_id in csc_household,
                    presumed_until=other.presumed_until,
                )
            else:
                mate.first_seen_on = min(mate.first_seen_on, other.first_seen_on)
                mate.last_seen_on = max(mate.last_seen_on, other.last_seen_on)
                mate.presumed_until = max(mate.presumed_until or other.presumed_until, other.presumed_until)
                mate.agency_names = sorted(set(mate.agency_names) | {agency_names.get(c, c) for c in other.agency_codes})
        if merged:
            known = set(
                MentionLink.objects.filter(
                    person_id__in=list(merged), mention__agency__kind=AgencyKind.CHILDRENS_SOCIAL_CARE
                ).values_list("person_id", flat=True)
            )
            for pid, mate in merged.items():
                mate.known_to_csc = pid in known
        mates = list(merged.values())
        for sighting in UnidentifiedSighting.objects.filter(
            address_key=ep.address_key,
            seen_on__gte=ep.first_seen_on - margin,
            seen_on__lte=ep.presumed_until + margin,
        ).select_related("mention__agency"):
            mates.append(Housemate(
                person=None,
                label=f"Unidentified: “{sighting.label}”",
                is_adult=True,
                first_seen_on=sighting.seen_on,
                last_seen_on=sighting.seen_on,
                agency_names=[sighting.mention.agency.name],
            ))
        mates.sort(key=lambda m: (not m.unknown_to_csc_household, m.first_seen_on, m.label))
        spells.append(HouseholdSpell(
            episode=ep, agency_names=sorted({agency_names.get(c, c) for c in ep.agency_codes}), housemates=mates
        ))
    return spells


# Roles in which someone is recorded *with* a child: the adults around them, whatever address was written.
AROUND_CHILD_ROLES = frozenset({
    "carer", "parent", "partner", "friend", "accompanying_adult", "present", "household_member", "occupant",
    "next_of_kin", "emergency_contact", "tenant", "joint_tenant", "suspect", "offender",
})


@dataclass
class Companion:
    """An adult recorded alongside the person (bringing a child to A&E, present at an incident)."""

    person: Person
    roles: list[str]
    agency_names: list[str]
    first_on: dt.date
    last_on: dt.date
    records: int
    known_to_csc: bool = False
    in_csc_household_record: bool = False

    @property
    def unknown_to_csc_household(self) -> bool:
        return not self.in_csc_household_record


def person_companions(*, person: Person) -> list[Companion]:
    """Adults other agencies recorded with this person in the same record, in a caring or present role.

    Catches the adult who brings a child to hospital or is present at an incident while living
    somewhere else on paper. Those missing from children's social care's household record come first.
    """
    records = list(
        MentionLink.objects.filter(person=person, mention__withdrawn=False)
        .values_list("mention__record_id", flat=True).distinct()
    )
    rows = (
        MentionLink.objects.filter(mention__record_id__in=records, person__isnull=False,
                                   mention__role__in=AROUND_CHILD_ROLES, mention__withdrawn=False)
        .exclude(person=person)
        .values_list("person_id", "mention__role", "mention__agency__name", "mention__occurred_on",
                     "mention__record_id")
    )
    found: dict = {}
    for pid, role, agency, day, record_id in rows:
        c = found.get(pid)
        if c is None:
            c = found[pid] = {"roles": set(), "agencies": set(), "first": day, "last": day, "records": set()}
        c["roles"].add(role.replace("_", " "))
        c["agencies"].add(agency)
        c["first"], c["last"] = min(c["first"], day), max(c["last"], day)
        c["records"].add(record_id)
    if not found:
        return []
    people = {p.pk: p for p in Person.objects.filter(pk__in=list(found), merged_into__isnull=True)}
    csc_household = set(_csc_household_person_ids(person))
    known = set(
        MentionLink.objects.filter(person_id__in=list(people), mention__agency__kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
        .values_list("person_id", flat=True)
    )
    out = []
    for pid, c in found.items():
        p = people.get(pid)
        if p is None:
            continue
        age = _age_on(p.dob, c["last"])
        if age is not None and age < ADULT_AGE:
            continue
        out.append(Companion(p, sorted(c["roles"]), sorted(c["agencies"]), c["first"], c["last"], len(c["records"]),
                             known_to_csc=pid in known, in_csc_household_record=pid in csc_household))
    out.sort(key=lambda c: (c.in_csc_household_record, -c.records, c.person.display_name))
    return out


def _csc_household_person_ids(person: Person) -> list:
    """People named in any children's social care record that also names this person."""
    # Materialised first: a correlated subquery here gets a poor plan on PostgreSQL before ANALYZE.
    records = list(
        MentionLink.objects.filter(person=person, mention__agency__kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
        .values_list("mention__record_id", flat=True).distinct()
    )
    if not records:
        return []
    return list(
        MentionLink.objects.filter(mention__record_id__in=records, person__isnull=False)
        .exclude(person=person)
        .values_list("person_id", flat=True)
        .distinct()
    )


def review_queue_for(*, viewer) -> QuerySet[ReviewItem]:
    """Open uncertain matches, most likely first, for those who decide them; nobody else sees any."""
    if not may_review_matches(viewer):
        return ReviewItem.objects.none()
    return ReviewItem.objects.filter(status=ReviewStatus.OPEN).select_related(
        "left_mention__agency", "right_mention__agency", "left_mention__record", "right_mention__record"
    )


def review_item_for(*, viewer, item_id) -> ReviewItem | None:
    if not may_review_matches(viewer):
        return None
    return ReviewItem.objects.filter(pk=item_id).select_related(
        "left_mention__agency", "right_mention__agency", "left_mention__record", "right_mention__record"
    ).first()


def identity_summary(*, source_identity: str) -> dict:
    """Everything one source identity says about the person, for side-by-side review."""
    mentions = list(
        Mention.objects.filter(source_identity=source_identity, withdrawn=False)
        .select_related("agency", "record")
        .order_by("-occurred_on")[:50]
    )
    values: dict[str, list] = defaultdict(list)
    for m in mentions:
        for label, value in (
            ("Name", " ".join(p for p in (m.given_name, m.family_name) if p)),
            ("Date of birth", m.dob.strftime("%-d %B %Y") if m.dob else ""),
            ("Sex", m.sex),
            ("NHS number", m.nhs_number),
            ("Unique pupil number", m.upn),
            ("Address", ", ".join([*m.address_lines, m.postcode]) if not m.address_protected else "Protected address"),
            ("Described as", m.relationship_label),
        ):
            if value and value not in values[label]:
                values[label].append(value)
    first = mentions[0] if mentions else None
    return {
        "agency": first.agency.name if first else "",
        "local_person_id": first.local_person_id if first else "",
        "values": dict(values),
        "records": [
            {"occurred_on": m.occurred_on, "kind": m.record.kind, "role": m.role} for m in mentions[:10]
        ],
        "record_count": len(mentions),
    }
