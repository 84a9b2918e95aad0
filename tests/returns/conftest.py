"""The hand-made authority (tests/returns/authority.py) ingested and linked, for the Annex A and page tests."""

from __future__ import annotations

import pytest

from joinedup.accounts.models import AgencyKind, Role
from joinedup.accounts.services import agency_create
from joinedup.ingest.models import Mention
from joinedup.ingest.services import records_ingest
from joinedup.people.recorded import mentions_link_recorded
from tests.conftest import SYSTEM
from tests.returns.authority import CSC, LA_GSS, LA_NUMBER, authority_records

CHILDREN = ("CP1", "CP2", "LA1", "LA2", "NF1")


def ingest_records(records):
    result = records_ingest(actor=SYSTEM, records=records, via="file")
    refused = [o for o in result.outcomes if o.status == "refused"]
    assert not refused, refused


@pytest.fixture
def richmond(db, make_user, settings, tmp_path):
    """The authority's agency, a social worker who linked the children, and each child's person."""
    settings.JOINEDUP_RETURNS = {**settings.JOINEDUP_RETURNS, "la_number": LA_NUMBER, "la_gss": LA_GSS,
                                 "output_dir": str(tmp_path / "returns")}
    csc = agency_create(actor=SYSTEM, code=CSC, name="Richmond Children's Services",
                        kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    worker = make_user(role=Role.SOCIAL_WORKER, agency=csc)
    ingest_records(authority_records())
    people = {}
    for child in CHILDREN:
        ids = list(Mention.objects.filter(local_person_id=child).values_list("pk", flat=True))
        people[child] = mentions_link_recorded(mention_ids=ids, person=None, user=worker, actor=SYSTEM)
    return {"agency": csc, "worker": worker, "people": people}
