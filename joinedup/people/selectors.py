"""Reads about people, always for a viewer: who may see whom, a person's identities, and their household."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Floor, Least
from django.utils import timezone

from joinedup.access import relationships as access
from joinedup.access.policy import CONTACT_RECORDING_ROLES, Scope, may_look_up_people, may_review_matches
from joinedup.access.sealing import sealed_person_ids
from joinedup.accounts.models import AgencyKind
from joinedup.ingest.models import Mention
from joinedup.people.linkage.cluster import (
    REASON_AMBIGUOUS,
    REASON_CANNOT,
    REASON_DOB,
    REASON_DOB_LINKED,
    REASON_ESTIMATE,
    REASON_MULTIPLE_BIRTH,
    REASON_NHS,
    REASON_NHS_KEYING,
    REASON_NHS_LINKED,
    REASON_TWINS,
    REASON_UNCERTAIN,
    REASON_UPN,
    REASON_UPN_LINKED,
)
from joinedup.people.models import (
    LinkMethod,
    MentionLink,
    Person,
    ResidenceEpisode,
    ReviewItem,
    ReviewStatus,
    UnidentifiedSighting,
)
from joinedup.people.residence import CO_RESIDENCE_MARGIN_DAYS
from joinedup.people.search import search_terms

ADULT_AGE = 18


def persons_visible_to(*, viewer) -> QuerySet[Person]:
    """People the viewer may find: those they have a legitimate relationship to that shows them the person
    (joinedup.access.relationships) — everyone for the front door and heads of service; for a partner, the people
    their agency holds records on, has referred, or met about, and any they have claimed."""
    if not may_look_up_people(viewer):
        return Person.objects.none()
    q = access.person_q(viewer, scopes=(Scope.FULL, Scope.AGENCY))
    if q is None:
        return Person.objects.none()
    return Person.objects.filter(merged_into__isnull=True).filter(q)


def person_search(*, viewer, name: str = "", dob: dt.date | None = None, nhs_number: str = "",
                  everyone: bool = False) -> QuerySet[Person]:
    """Search by any part of any name an agency wrote (earlier surnames too), date of birth and NHS number.

    `everyone`: search beyond the viewer's relationships — only to record a self-claim or break-glass, or to take a
    new contact (the caller audits it as such); the results never open a page until the claim or contact is made."""
    people = Person.objects.filter(merged_into__isnull=True) if everyone else persons_visible_to(viewer=viewer)
    if everyone:  # sealed people are never found (joinedup.access.sealing); persons_visible_to leaves them out too
        people = people.exclude(pk__in=sealed_person_ids(viewer))
    if nhs_number:
        people = people.filter(search_text__contains=f" {nhs_number} ")
    if dob:
        people = people.filter(search_text__contains=f" {dob.isoformat()} ")
    terms = search_terms(name)  # accents, case and apostrophes aside (joinedup.people.search)
    if name.strip() and not terms:  # only apostrophes: nobody's name, not everybody's
        return Person.objects.none()
    for term in terms:
        people = people.filter(search_text__contains=term)
    return people.order_by("family_name", "given_name", "dob", "id")


def _follow_merges(person_id) -> tuple[Person | None, Person | None]:
    person = Person.objects.filter(pk=person_id).first()
    merged_from = None
    hops = 0
    while person is not None and person.merged_into_id is not None and hops < 20:
        merged_from = merged_from or person
        person = Person.objects.filter(pk=person.merged_into_id).first()
        hops += 1
    if person is not None and person.merged_into_id is not None:
        return None, None
    return person, merged_from


def person_in_scope(*, viewer, person_id) -> tuple[Person | None, Person | None, str | None]:
    """The person (following merges), the record they were merged from, and the widest scope the viewer's
    relationships give them — (None, None, None) when the viewer has none (callers answer 404). Within
    `access.relationships.remembered()` (a page that only reads) the answer is kept for the rest of the page."""
    def answer() -> tuple[Person | None, Person | None, str | None]:
        person, merged_from = _follow_merges(person_id)
        scope = access.scope_of(viewer, person.pk) if person is not None else None
        return (person, merged_from, scope) if scope is not None else (None, None, None)

    return access.kept(("people.person_in_scope", getattr(viewer, "pk", None), str(person_id)), answer)


def person_for_viewer(*, viewer, person_id) -> tuple[Person | None, Person | None]:
    """The person if the viewer may see them by name (the whole picture or their agency's part), following merges;
    returns (person, merged_from)."""
    person, merged_from, scope = person_in_scope(viewer=viewer, person_id=person_id)
    if scope not in (Scope.FULL, Scope.AGENCY):
        return None, None
    return person, merged_from


def person_for_new_contact(*, viewer, person_id) -> Person | None:
    """The child a new contact is about, for those who take contacts (children's social care staff in
    policy.CONTACT_RECORDING_ROLES): anyone not sealed for them, following merges — the contact form shows the name
    and date of birth only, and the contact then starts front-door duty. None otherwise (callers answer 404)."""
    if (not getattr(viewer, "is_active", False) or viewer.role not in CONTACT_RECORDING_ROLES
            or viewer.agency_id is None or viewer.agency.kind != AgencyKind.CHILDRENS_SOCIAL_CARE):
        return None
    person, _merged_from = _follow_merges(person_id)
    if person is None or person.pk in sealed_person_ids(viewer):
        return None
    return person


def persons_named_in(*, record_pks) -> set:
    """Everyone the given records name (their mentions' people): what an audit row of a chronology names."""
    pks = [pk for pk in set(record_pks) if pk is not None]
    found: set = set()
    for i in range(0, len(pks), 500):
        found.update(MentionLink.objects.filter(mention__record_id__in=pks[i:i + 500], person__isnull=False)
                     .values_list("person_id", flat=True).distinct())
    return found


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

    @property
    def match_text(self) -> str:
        """How the identity was matched, in one sentence whose likelihood and reason agree: a percentage only for the
        model's own matches, a reason only where it adds to the method."""
        if self.method in (LinkMethod.MODEL, LinkMethod.ONLINE) and self.match_probability is not None:
            return f"{self.method_label}: {_percent(self.match_probability)}% likely the same person"
        why = _LINK_REASONS.get(self.reason, self.reason)
        return f"{self.method_label} ({why})" if why and self.method != LinkMethod.REVIEW else self.method_label


# What a link's stored reason adds to its method, in words ("" adds nothing); any other reason is a sentence already.
_LINK_REASONS = {
    "review": "a possible match is waiting for review", "no match": "", "match": "",
    REASON_AMBIGUOUS: "it matches more than one person, who are waiting for review",
    "relationship_only": "named only by their relationship", "first_name_only": "only a first name recorded",
}


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
    sighting_mention_id: int | None = None  # an unidentified adult a worker may identify (`sighting_for`)

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
    # Everyone seen at any of the person's addresses in any of their spells, and the unidentified sightings there,
    # each read once for all the spells (a query per spell had made this the chronology page's dearest part);
    # each spell then keeps those overlapping it.
    keys = sorted({ep.address_key for ep in episodes})
    others_at: dict[str, list[ResidenceEpisode]] = defaultdict(list)
    sightings_at: dict[str, list[UnidentifiedSighting]] = defaultdict(list)
    if episodes:
        earliest = min(ep.first_seen_on for ep in episodes) - margin
        latest = max(ep.presumed_until for ep in episodes) + margin
        for other in (ResidenceEpisode.objects.filter(address_key__in=keys, first_seen_on__lte=latest,
                                                      presumed_until__gte=earliest)
                      .exclude(person=person).select_related("person").order_by("id")):
            others_at[other.address_key].append(other)
        for sighting in (UnidentifiedSighting.objects.filter(address_key__in=keys, seen_on__gte=earliest,
                                                             seen_on__lte=latest)
                         .select_related("mention__agency").order_by("mention_id")):
            sightings_at[sighting.address_key].append(sighting)
    mates_of: list[dict[object, Housemate]] = []
    for ep in episodes:
        merged: dict[object, Housemate] = {}
        for other in others_at[ep.address_key]:
            if not (other.first_seen_on <= ep.presumed_until + margin
                    and other.presumed_until >= ep.first_seen_on - margin):
                continue
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
        mates_of.append(merged)
    everyone = sorted({pid for merged in mates_of for pid in merged}, key=str)
    known = _known_to_csc(everyone)
    spells = []
    for ep, merged in zip(episodes, mates_of, strict=True):
        for pid, mate in merged.items():
            mate.known_to_csc = pid in known
        mates = list(merged.values())
        for sighting in sightings_at[ep.address_key]:
            if not ep.first_seen_on - margin <= sighting.seen_on <= ep.presumed_until + margin:
                continue
            mates.append(Housemate(
                person=None,
                label=f"Unidentified: “{sighting.label}”",
                is_adult=True,
                first_seen_on=sighting.seen_on,
                last_seen_on=sighting.seen_on,
                agency_names=[sighting.mention.agency.name],
                sighting_mention_id=sighting.mention_id,
            ))
        mates.sort(key=lambda m: (not m.unknown_to_csc_household, m.first_seen_on, m.label))
        spells.append(HouseholdSpell(
            episode=ep, agency_names=sorted({agency_names.get(c, c) for c in ep.agency_codes}), housemates=mates
        ))
    return spells


# Roles in which someone is recorded *with* a child: the adults around them, whatever address was written.
AROUND_CHILD_ROLES = frozenset({
    "carer", "parent", "partner", "friend", "accompanying_adult", "present", "household_member", "occupant",
    "next_of_kin", "emergency_contact", "tenant", "joint_tenant", "suspect", "offender", "arrested_person", "applicant",
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
    records = records_naming(person.pk)
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
    known = _known_to_csc(list(people))
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


def records_naming(person_id) -> list:
    """The ids of the records whose current version names the person (once each). Within
    `access.relationships.remembered()` (a read) the answer is kept for the rest of it: the person's events, the
    records left out of their housemates' events and the adults around them all start from these."""
    return list(access.kept(("people.records_naming", str(person_id)), lambda: tuple(
        MentionLink.objects.filter(person_id=person_id, mention__withdrawn=False)
        .values_list("mention__record_id", flat=True).distinct())))


def remember_records_naming(person_id, record_ids: Iterable[int]) -> None:
    """Within a read, keep what a caller who read the person's current mentions already found (`records_naming`)."""
    access.keep(("people.records_naming", str(person_id)), tuple(sorted(set(record_ids))))


def _known_to_csc(person_ids: list) -> set:
    """Which of these people any children's social care record names (within a read, each person's answer is kept
    for the rest of it: a child's household and the adults around them often share people).

    Asked person by person (a semi-join from each person's links): the join the other way round, from every mention of
    children's social care, is the plan PostgreSQL chose when it misjudged how many those are (100 ms against 2 ms for
    a household of five, on an authority of 2,000 children).
    """
    def ask(ids: list) -> dict:
        csc = MentionLink.objects.filter(person=OuterRef("pk"), mention__agency__kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
        yes = set(Person.objects.filter(pk__in=ids).filter(Exists(csc)).order_by().values_list("pk", flat=True))
        return {pid: pid in yes for pid in ids}

    known = access.kept_each("people.known_to_csc", person_ids, ask)
    return {pid for pid, is_known in known.items() if is_known}


def _csc_household_person_ids(person: Person) -> list:
    """People named in any children's social care record that also names this person (kept for the rest of a page
    that only reads: its household and the adults around the person both ask)."""
    return list(access.kept(("people.csc_household", str(person.pk)), lambda: tuple(_csc_household_of(person))))


def _csc_household_of(person: Person) -> list:
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


# --- the review queue ---------------------------------------------------------------------------------
#
# Order (docs/linkage.md, "Review queue"): pairs that would change a child's picture first (either side
# under 18 today, or unborn, by the dates on its mentions or the person it is linked to); then strength of
# evidence: the model's probability in whole percentage points, and at equal percentage the reasons that
# are checkable keying slips (conflicting NHS numbers) beside and before uncertain pairs, other conflicts
# after; then the longest waiting. The people app may not import alerts or casework (pyproject's layers),
# so "child" is all it knows of a child's situation.


@dataclass(frozen=True)
class ReviewReason:
    """Why a pair is in the queue, in plain English, with its place among pairs of equal probability."""

    key: str
    label: str
    rank: int


_REVIEW_REASONS = {
    REASON_NHS: ReviewReason("nhs-numbers", "Different NHS numbers", 0),
    REASON_UNCERTAIN: ReviewReason("uncertain", "The model is not sure", 1),
    "": ReviewReason("not-recorded", "No reason recorded", 1),
    REASON_DOB: ReviewReason("dates-of-birth", "Different dates of birth", 2),
    REASON_UPN: ReviewReason("pupil-numbers", "Different unique pupil numbers", 2),
    REASON_CANNOT: ReviewReason("decided-apart", "Would join people someone said are different", 2),
    REASON_NHS_KEYING: ReviewReason("nhs-keying", "NHS number of someone else, perhaps mistyped", 0),
    REASON_ESTIMATE: ReviewReason("estimated-age", "An estimated date of birth or age that does not fit", 2),
    REASON_AMBIGUOUS: ReviewReason("more-than-one", "Matches more than one person", 3),
    REASON_MULTIPLE_BIRTH: ReviewReason("multiple-birth", "No first name: could be any child of a multiple birth", 3),
    REASON_TWINS: ReviewReason("twins", "Could be twins or a multiple birth", 3),
    REASON_NHS_LINKED: ReviewReason("nhs-numbers-linked", "Different NHS numbers on records already joined to each", 0),
    REASON_UPN_LINKED: ReviewReason("pupil-numbers-linked",
                                    "Different unique pupil numbers on records already joined to each", 2),
    REASON_DOB_LINKED: ReviewReason("dates-of-birth-linked",
                                    "Different dates of birth on records already joined to each", 2),
}
# Queued for a conflict, not a score: the stored probability is a placeholder, never shown as a likelihood.
UNSCORED_REASONS = frozenset({REASON_NHS_KEYING})
# A reason the linkage engine adds later: one naming NHS numbers or a keying slip ranks with conflicting NHS numbers.
_KEYING_WORDS = ("nhs", "keying", "keyed", "typo", "mistyped")
_OTHER_RANK = 2
REVIEW_FILTER_KEYS = ("reason", "children", "agencies")


def review_reason(raw: str) -> ReviewReason:
    """The plain-English reason for a stored one, also for reasons added after this list was written."""
    known = _REVIEW_REASONS.get(raw or "")
    if known is not None:
        return known
    text = raw.strip()
    key = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")[:60] or "other"
    rank = 0 if any(w in text.lower() for w in _KEYING_WORDS) else _OTHER_RANK
    return ReviewReason(key, text[:1].upper() + text[1:], rank)


def _reason_rank() -> Case:
    keying = Q()
    for word in _KEYING_WORDS:
        keying |= Q(reason__icontains=word)
    return Case(
        *(When(reason=raw, then=Value(r.rank)) for raw, r in _REVIEW_REASONS.items()),
        When(keying, then=Value(0)),
        default=Value(_OTHER_RANK),
        output_field=IntegerField(),
    )


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _child_cutoff(today: dt.date | None = None) -> dt.date:
    """Born after this day: under 18 today (as the alerts app counts a child)."""
    return _years_before(today or timezone.localdate(), ADULT_AGE)


def _side_is_child(field_name: str, cutoff: dt.date) -> Exists:
    return Exists(
        Mention.objects.filter(source_identity=OuterRef(field_name), withdrawn=False).filter(
            Q(dob__gt=cutoff) | Q(link__person__dob__gt=cutoff) | Q(dob__isnull=True, expected_due_on__gt=cutoff)
        )
    )


def _percent(probability: float | None) -> int:
    """Whole percentage points, as shown; the epsilon keeps 0.29 at 29 (float arithmetic gives 28.99…). A
    probability below 1 is never shown as 100% (0.999999 reads 99%): the model is never certain."""
    points = math.floor((probability or 0) * 100 + 1e-6)
    return min(points, 99) if (probability or 0) < 1 else points


def _evidence() -> Case:
    """`_percent` in SQL, for the queue's order (the row shows the very number it is ordered by)."""
    points = Floor(F("match_probability") * 100 + 1e-6)
    return Case(When(match_probability__lt=1, then=Least(points, Value(99.0))), default=points)


def _child_rank(today: dt.date | None) -> Case:
    """0 when either side is a child today, else 1."""
    cutoff = _child_cutoff(today)
    return Case(
        When(_side_is_child("left_source_identity", cutoff) | _side_is_child("right_source_identity", cutoff),
             then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


def _prioritised(items: QuerySet[ReviewItem], today: dt.date | None = None) -> QuerySet[ReviewItem]:
    return items.annotate(
        child_rank=_child_rank(today),
        evidence=_evidence(),
        reason_rank=_reason_rank(),
    ).order_by("child_rank", "-evidence", "reason_rank", "created_at", "id")


def _agency_pair_key(a: str, b: str) -> str:
    return ",".join(sorted((a, b)))


def review_queue_for(*, viewer, reason: str = "", children_only: bool = False, agencies: str = "",
                     today: dt.date | None = None) -> QuerySet[ReviewItem]:
    """Open uncertain matches in priority order, for those who decide them; nobody else sees any.

    Filters: `reason`, a `ReviewReason.key`; `children_only`; `agencies`, two agency codes joined by a comma
    (either way round). Each item carries `child_rank` (0: about a child), `evidence` (the probability in
    whole percent) and `reason_rank`.
    """
    if not may_review_matches(viewer):
        return ReviewItem.objects.none()
    items = ReviewItem.objects.filter(status=ReviewStatus.OPEN)
    if reason:
        raws = [r for r in items.values_list("reason", flat=True).distinct() if review_reason(r).key == reason]
        items = items.filter(reason__in=raws)
    if agencies:
        a, _, b = agencies.partition(",")
        items = items.filter(
            Q(left_mention__agency__code=a, right_mention__agency__code=b)
            | Q(left_mention__agency__code=b, right_mention__agency__code=a)
        )
    items = _prioritised(items, today)
    if children_only:
        items = items.filter(child_rank=0)
    return items.select_related(
        "left_mention__agency", "right_mention__agency", "left_mention__record", "right_mention__record"
    )


def review_item_for(*, viewer, item_id) -> ReviewItem | None:
    if not may_review_matches(viewer):
        return None
    return ReviewItem.objects.filter(pk=item_id).select_related(
        "left_mention__agency", "right_mention__agency", "left_mention__record", "right_mention__record"
    ).first()


@dataclass
class ReviewPlace:
    """Where an item stands in a (filtered) queue: its position, the queue's length and the item after it."""

    position: int | None
    total: int
    next_id: object | None


def review_place_of(*, viewer, item_id, reason: str = "", children_only: bool = False, agencies: str = "",
                    today: dt.date | None = None) -> ReviewPlace:
    """The item after this one in the same order and filter (wrapping round to the first); ids only."""
    ids = list(review_queue_for(viewer=viewer, reason=reason, children_only=children_only, agencies=agencies,
                                today=today).values_list("pk", flat=True))
    if item_id in ids:
        at = ids.index(item_id)
        after = ids[at + 1:] + ids[:at]
        return ReviewPlace(at + 1, len(ids), after[0] if after else None)
    return ReviewPlace(None, len(ids), ids[0] if ids else None)


@dataclass
class ReviewRow:
    """One open item as the queue shows it: why it is where it is, in words."""

    item: ReviewItem
    child: str  # "Child, 3 years", "Unborn child", or "" when neither side is a child
    reason: ReviewReason
    percent: int
    waiting_days: int
    scored: bool = True  # False: queued for a conflict, with no model score (`percent` is not a likelihood)

    @property
    def likelihood(self) -> str:
        """The model's score in words, or why there is none: "87% likely the same person"."""
        if not self.scored:
            return "Not scored by the model: here for the conflict"
        return f"{self.percent}% likely the same person"


def _age_words(dob: dt.date, today: dt.date) -> str:
    years = _age_on(dob, today)
    if years >= 1:
        return f"{years} year{'s' if years != 1 else ''}"
    months = (today.year - dob.year) * 12 + today.month - dob.month - (today.day < dob.day)
    if months >= 1:
        return f"{months} month{'s' if months != 1 else ''}"
    return "under a month"


def review_rows_for(*, viewer, items, today: dt.date | None = None) -> list[ReviewRow]:
    """The facts behind each item's place: the youngest child either side names, the reason and probability."""
    if not may_review_matches(viewer):
        return []
    items = list(items)
    today = today or timezone.localdate()
    cutoff = _child_cutoff(today)
    sources = {s for i in items for s in (i.left_source_identity, i.right_source_identity)}
    youngest: dict[str, dt.date] = {}
    unborn: set[str] = set()
    for source, dob, due, person_dob in Mention.objects.filter(source_identity__in=sources, withdrawn=False).values_list(
        "source_identity", "dob", "expected_due_on", "link__person__dob"
    ):
        for day in (dob, person_dob):
            if day is not None and cutoff < day <= today and day > youngest.get(source, cutoff):
                youngest[source] = day
        if dob is None and due is not None and due > cutoff:
            unborn.add(source)
    rows = []
    for item in items:
        sides = (item.left_source_identity, item.right_source_identity)
        dobs = [youngest[s] for s in sides if s in youngest]
        if dobs:
            child = f"Child, {_age_words(max(dobs), today)}"
        elif any(s in unborn for s in sides):
            child = "Unborn child"
        else:
            child = ""
        waiting = (today - timezone.localtime(item.created_at).date()).days
        rows.append(ReviewRow(item, child, review_reason(item.reason), _percent(item.match_probability),
                              max(waiting, 0), scored=item.reason not in UNSCORED_REASONS))
    return rows


@dataclass
class ReviewQueueSummary:
    """How many wait, how many about children, and by reason and agency pair (the filters' choices)."""

    total: int
    children: int
    by_reason: list[tuple[ReviewReason, int]]
    by_agencies: list[tuple[str, str, int]]  # (key "code-a,code-b", "Agency A and Agency B", count)


def review_queue_summary(*, viewer, today: dt.date | None = None) -> ReviewQueueSummary:
    """Counts over the whole open queue; empty for those who may not review matches."""
    if not may_review_matches(viewer):
        return ReviewQueueSummary(0, 0, [], [])
    items = ReviewItem.objects.filter(status=ReviewStatus.OPEN).annotate(child_rank=_child_rank(today)).order_by()
    reasons: dict[str, list] = {}
    total = children = 0
    for raw, n, c in items.values("reason").annotate(n=Count("id"), c=Count("id", filter=Q(child_rank=0))).values_list(
        "reason", "n", "c"
    ):
        reason = review_reason(raw)
        reasons.setdefault(reason.key, [reason, 0])[1] += n
        total += n
        children += c
    by_reason = sorted(((r, n) for r, n in reasons.values()), key=lambda rn: (rn[0].rank, -rn[1], rn[0].label))
    pairs: dict[str, list] = {}
    for a, a_name, b, b_name, n in (
        ReviewItem.objects.filter(status=ReviewStatus.OPEN)
        .values("left_mention__agency__code", "left_mention__agency__name", "right_mention__agency__code",
                "right_mention__agency__name")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("left_mention__agency__code", "left_mention__agency__name", "right_mention__agency__code",
                     "right_mention__agency__name", "n")
    ):
        key = _agency_pair_key(a, b)
        names = " and ".join(sorted({a_name, b_name})) if a != b else f"Within {a_name}"
        pairs.setdefault(key, [key, names, 0])[2] += n
    by_agencies = sorted((tuple(p) for p in pairs.values()), key=lambda p: (-p[2], p[1]))
    return ReviewQueueSummary(total, children, by_reason, by_agencies)


_LINKED_IDENTIFIERS = {
    REASON_NHS_LINKED: ("nhs_number", "NHS numbers"),
    REASON_UPN_LINKED: ("upn", "Unique pupil numbers"),
    REASON_DOB_LINKED: ("dob", "Dates of birth"),
}


def review_fields(*, item: ReviewItem) -> list[tuple[str, str]]:
    """The model's field-by-field comparison of the pair, as the page lists it (field, level). A pair queued because
    one record holds another person's NHS number was compared without that number (the keying slip): its NHS
    number is shown as the same number, perhaps keyed in error, never as "not on both records"."""
    fields = dict(item.fields or {})
    if item.reason == REASON_NHS_KEYING and "nhs_number" in fields:
        fields["nhs_number"] = "keyed"
    return sorted(fields.items())


def review_conflict(*, item: ReviewItem) -> tuple[str, list[str], list[str]] | None:
    """For a pair held back because records already joined to each side disagree (the pair's own records need not
    hold that identifier): the identifier's values on the records of the person each side is joined to now, as a
    row of the side-by-side table (label, left values, right values). None for any other reason."""
    spec = _LINKED_IDENTIFIERS.get(item.reason)
    if spec is None:
        return None
    field_name, label = spec

    def values(source_identity: str) -> list[str]:
        person_id = (MentionLink.objects.filter(mention__source_identity=source_identity, person__isnull=False)
                     .values_list("person_id", flat=True).first())
        if person_id is None:
            return []
        found = (Mention.objects.filter(link__person_id=person_id, withdrawn=False, **{f"{field_name}__isnull": False})
                 .values_list(field_name, flat=True).distinct())
        return sorted({v.strftime("%-d %B %Y") if isinstance(v, dt.date) else str(v) for v in found if v})

    return (f"{label} on the records joined to each", values(item.left_source_identity),
            values(item.right_source_identity))


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


# --- unidentified adults ----------------------------------------------------------------------------------


@dataclass
class SightingCandidate:
    """A known person seen at the sighting's address around its day: who the unidentified adult might be."""

    person: Person
    label: str
    age: int | None
    first_seen_on: dt.date
    last_seen_on: dt.date


@dataclass
class SightingDetail:
    """An unidentified adult ("Steve", "Mum's boyfriend"): where and when, who recorded it, and who it might be."""

    mention_id: int
    label: str
    seen_on: dt.date
    agency_name: str
    record_kind: str
    postcode: str
    named_with: list[Person]  # the people the same record names (the child, the tenant)
    candidates: list[SightingCandidate]


def sighting_for(*, viewer, mention_id: int) -> SightingDetail | None:
    """An unidentified sighting the viewer may identify, or None (no such sighting, or not theirs to see).

    The viewer must be allowed to identify sightings and see the whole picture of a person the record names. The
    candidates are the people (not merged away) whose residence at the sighting's address overlaps its day,
    adults first; whoever else the worker knows it to be is found through the person search.
    """
    from joinedup.access.policy import may_identify_sightings

    if not may_identify_sightings(viewer):
        return None
    sighting = UnidentifiedSighting.objects.filter(mention_id=mention_id).select_related(
        "mention__agency", "mention__record").first()
    if sighting is None:
        return None
    mention = sighting.mention
    named_ids = set(MentionLink.objects.filter(mention__record_id=mention.record_id, person__isnull=False)
                    .exclude(mention_id=mention_id).values_list("person_id", flat=True))
    # Only for someone who sees the whole picture of a person the record names (the child they work with): the
    # candidates are that person's household, which their page shows anyway.
    named_with = [p for p in Person.objects.filter(pk__in=named_ids, merged_into__isnull=True)
                  .order_by("family_name", "given_name", "pk") if access.scope_of(viewer, p.pk) == Scope.FULL]
    if not named_with:
        return None
    margin = dt.timedelta(days=CO_RESIDENCE_MARGIN_DAYS)
    seen: dict[object, SightingCandidate] = {}
    for ep in (ResidenceEpisode.objects.filter(address_key=sighting.address_key,
                                               first_seen_on__lte=sighting.seen_on + margin,
                                               presumed_until__gte=sighting.seen_on - margin)
               .select_related("person").order_by("first_seen_on", "person_id")):
        if ep.person.merged_into_id is not None:
            continue
        known = seen.get(ep.person_id)
        if known is None:
            seen[ep.person_id] = SightingCandidate(ep.person, ep.person.display_name or "Unnamed person",
                                                   _age_on(ep.person.dob, sighting.seen_on), ep.first_seen_on,
                                                   ep.last_seen_on)
        else:
            known.first_seen_on = min(known.first_seen_on, ep.first_seen_on)
            known.last_seen_on = max(known.last_seen_on, ep.last_seen_on)
    candidates = sorted(seen.values(), key=lambda c: (c.age is not None and c.age < 16, c.label, str(c.person.pk)))
    return SightingDetail(
        mention_id=mention_id, label=sighting.label, seen_on=sighting.seen_on, agency_name=mention.agency.name,
        record_kind=mention.record.kind, postcode=mention.postcode or "", named_with=named_with, candidates=candidates,
    )
