"""Mentions whose person the writer chose: records written in joinedup's own screens and casework API.

A worker recording a contact or a conference picks the child (or says it is somebody new); the record's
mention of the child is then linked to that person at once, with method `recorded`, whether or not a
linkage model has been trained. So that a later batch run (`joinedup link`) keeps it there, the agency
identity it was written under is pinned to the person's existing identity by a `same` link decision.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count

from joinedup.core.actor import ActorRef
from joinedup.core.time import utc_now
from joinedup.ingest.models import Mention
from joinedup.people import engine
from joinedup.people.models import BlockingKey, Decision, IdentityRow, LinkDecision, LinkMethod, MentionLink, Person
from joinedup.people.services import _mention_dict, _pair, persons_refresh, residence_rebuild
from joinedup.people.signals import persons_linked

PIN_REASON = "Recorded in joinedup about this person"


def agency_person_id(*, person: Person, agency_code: str) -> str:
    """The id the agency already holds this person under (their most used), or one made from the person's id."""
    held = (
        MentionLink.objects.filter(person=person, mention__agency__code=agency_code, mention__withdrawn=False)
        .exclude(mention__local_person_id="")
        .values("mention__local_person_id").annotate(n=Count("mention_id")).order_by("-n", "mention__local_person_id")
        .values_list("mention__local_person_id", flat=True).first()
    )
    return held or f"JU{person.pk.hex[:16].upper()}"


@transaction.atomic
def mentions_link_recorded(*, mention_ids: list[int], person: Person | None, user, actor: ActorRef) -> Person:
    """Link a joinedup-written record's mentions of one person to `person` (None: a new person), pin the
    identity they were written under to the person's other identities (a `same` decision by `user`, who
    chose the person), and tell the layers above."""
    mentions = [_mention_dict(r) for r in Mention.objects.filter(pk__in=mention_ids).order_by("id").values(
        "id", "record_id", "source_identity", "agency__code", "role", "local_person_id", "given_name", "family_name",
        "relationship_label", "relationship_to_subject", "dob", "expected_due_on", "sex", "nhs_number", "upn",
        "postcode", "postcode_norm", "address_key", "address_lines", "address_protected", "occurred_on",
        "record__kind", "dob_estimated", "age", "other_names",
    )]
    if person is None:
        person = Person.objects.create()
    now = utc_now()
    rows, row_of, _ = engine.prepare_rows(mentions)
    sources = {m["source_identity"] for m in mentions}
    for i, m in enumerate(mentions):
        uid = row_of[i] or ""
        if uid and not IdentityRow.objects.filter(uid=uid).exists():
            row = rows[uid]
            IdentityRow.objects.create(uid=uid, person=person, source_identity=row["source_identity"],
                                       agency_code=row.get("agency") or "", attrs=row)
            BlockingKey.objects.bulk_create([BlockingKey(key=k, identity_id=uid) for k in engine.keys_for(row)])
        MentionLink.objects.update_or_create(mention_id=m["id"], defaults={
            "person": person, "identity_uid": uid, "match_probability": 1.0, "method": LinkMethod.RECORDED,
            "fields": {}, "matched_identity_uid": "", "reason": "", "linked_at": now,
        })
    if mentions:
        _pin(person, sources, user, now)
        persons_refresh([person.pk])
        residence_rebuild([person.pk])
    # Judged now, all rules included: a worker recording a concern already past its deadline should see the
    # alert at once, not at the next scheduled run (a late feed's back-dated arrival is judged at its own day).
    persons_linked.send(sender=Person, person_ids=[person.pk], via="api", actor=actor, progress=None)
    return person


def _pin(person: Person, sources: set[str], user, now) -> None:
    """A `same` decision between each written identity and the person's largest other identity."""
    other = (
        MentionLink.objects.filter(person=person, mention__withdrawn=False).exclude(mention__source_identity__in=sources)
        .values("mention__source_identity").annotate(n=Count("mention_id")).order_by("-n", "mention__source_identity")
        .values_list("mention__source_identity", flat=True).first()
    )
    if other is None:
        return
    for source in sources:
        a, b = _pair(source, other)
        if not LinkDecision.objects.filter(source_identity_a=a, source_identity_b=b, decision=Decision.SAME).exists():
            LinkDecision.objects.create(source_identity_a=a, source_identity_b=b, decision=Decision.SAME,
                                        reason=PIN_REASON, decided_by=user, decided_at=now)
