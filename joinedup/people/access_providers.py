"""The people app's legitimate relationship: the viewer's agency holds a record naming the person."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from joinedup.access.policy import Relation
from joinedup.access.relationships import Provider, Relationship, register
from joinedup.people.models import MentionLink


def _agency_record(viewer, person_id):
    if viewer.agency_id is None:
        return []
    first = (MentionLink.objects.filter(person_id=person_id, mention__agency_id=viewer.agency_id)
             .order_by("mention__occurred_on").values_list("mention__occurred_on", flat=True).first())
    if first is None:
        return []
    return [Relationship(Relation.AGENCY_RECORD, f"{viewer.agency.name} holds records naming them", first)]


def _agency_record_q(viewer):
    """Asked of each person a search or list considers (a semi-join through their links), not as the set of everyone the
    agency's records name: that set is most of the authority for children's social care, and reading it took most of a
    search (a name search of an authority of 2,000 children: 24-35 ms against 68-166 ms)."""
    if viewer.agency_id is None:
        return None
    return Q(Exists(MentionLink.objects.filter(person=OuterRef("pk"), mention__agency_id=viewer.agency_id)))


def register_providers() -> None:
    register(Provider("people.agency_record", (Relation.AGENCY_RECORD,), _agency_record, _agency_record_q))
