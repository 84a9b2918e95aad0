"""Match review: the likelihood and the reason a page shows agree (issue 19).

- A conflict the guard found between the records already joined to each side is said to be that, never a conflict
  of the pair's own records ("conflicting UPNs" when neither record has one), in the batch run and online; the review
  page then lists the identifier on the records joined to each side.
- An open item is brought up to date by every linkage run: its probability, reason and comparison are always from
  the same run (a stale "uncertain" beside a score the model now gives 97% cannot be shown).
- A pair queued for a keying slip has no model score: no percentage is shown for it, and its NHS numbers read as the
  same number perhaps keyed in error. A probability below 1 never reads as 100%.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from joinedup.accounts.models import Agency, Role
from joinedup.ingest.models import Mention
from joinedup.ingest.services import records_ingest
from joinedup.people import selectors
from joinedup.people.linkage.cluster import (
    REASON_NHS,
    REASON_NHS_KEYING,
    REASON_NHS_LINKED,
    REASON_UNCERTAIN,
    REASON_UPN,
    REASON_UPN_LINKED,
    ReviewPair,
    cluster,
)
from joinedup.people.linkage.online import match_person
from joinedup.people.models import LinkMethod, MentionLink, ReviewItem, ReviewStatus
from joinedup.people.services import _refresh_review_items
from tests.conftest import SYSTEM
from tests.web.test_review_queue_tool import CSC, GP, POLICE, _record, _source, queue  # noqa: F401

pytestmark = pytest.mark.both_databases

DOB = "2016-05-09"
AMY = {"given": "amy", "family": "saunders", "dob": DOB}


# --- the reason names whose identifiers conflict -------------------------------------------------------------


def test_a_upn_conflict_between_records_already_joined_is_not_called_the_pairs_own():
    rows = {"a": {**AMY, "upn": "A123456789012"}, "b": {**AMY}, "c": {**AMY, "upn": "B123456789012"}}
    # b (no UPN) joins a first; c's edge is to b, whose person already holds another UPN
    linked = cluster("abc", [("a", "b", 0.99), ("b", "c", 0.95)], accept=0.9, review_low=0.5, rows=rows)
    assert [(r.a, r.b, r.reason) for r in linked.review] == [("b", "c", REASON_UPN_LINKED)]
    # the pair's own records hold the two UPNs: that is the pair's conflict
    own = cluster("abc", [("a", "b", 0.99), ("a", "c", 0.95)], accept=0.9, review_low=0.5, rows=rows)
    assert [(r.a, r.b, r.reason) for r in own.review] == [("a", "c", REASON_UPN)]


def test_an_nhs_conflict_between_records_already_joined_is_said_to_be_so():
    rows = {"a": {**AMY, "nhs": "9990000018"}, "b": {**AMY}, "d": {**AMY, "nhs": "9994567891"}}
    result = cluster("abd", [("a", "b", 0.99), ("b", "d", 0.96)], accept=0.9, review_low=0.5, rows=rows)
    assert [(r.a, r.b, r.reason) for r in result.review] == [("b", "d", REASON_NHS_LINKED)]
    result = cluster("abd", [("a", "b", 0.99), ("a", "d", 0.96)], accept=0.9, review_low=0.5, rows=rows)
    assert [r.reason for r in result.review] == [REASON_NHS]


def test_online_the_reason_is_about_the_row_the_new_record_matched():
    class Scores:  # the new row scores best against the person's row without a UPN, or the one with
        def __init__(self, best):
            self.best = best

        def score(self, a, b):
            return (0.97 if b.get("unique_id") == self.best else 0.6), 0.0, {}

    person = [{**AMY, "upn": "A123456789012", "unique_id": "p1"}, {**AMY, "unique_id": "p2"}]
    new = {**AMY, "upn": "B123456789012", "unique_id": "n"}
    linked = match_person(new, {"P": person}, Scores("p2"), accept=0.9, review_low=0.5)
    assert linked.person is None and linked.review == [("P", 0.97, REASON_UPN_LINKED)]
    own = match_person(new, {"P": person}, Scores("p1"), accept=0.9, review_low=0.5)
    assert own.review == [("P", 0.97, REASON_UPN)]


# --- an open item says what the latest run found ---------------------------------------------------------------


class _Fields:
    def score(self, a, b):
        return 0.0, 0.0, {"upn": "missing", "given_name": "agree"}


def test_each_run_brings_an_open_item_up_to_date(queue, make_user):  # noqa: F811
    ava = queue["ava"]  # "uncertain", 62%
    left, right = ava.left_source_identity, ava.right_source_identity
    rows = {ava.left_uid: {"source_identity": left}, ava.right_uid: {"source_identity": right}}
    first = {ava.left_uid: ava.left_mention_id, ava.right_uid: ava.right_mention_id}
    waiting = ReviewItem.objects.filter(status=ReviewStatus.OPEN).count()
    _refresh_review_items([ReviewPair(ava.left_uid, ava.right_uid, 0.97, REASON_UPN_LINKED)], rows, first, _Fields(),
                          {}, timezone.now())
    ava.refresh_from_db()
    assert (ava.status, ava.match_probability, ava.reason) == (ReviewStatus.OPEN, 0.97, REASON_UPN_LINKED)
    assert ava.fields == {"upn": "missing", "given_name": "agree"}
    assert ReviewItem.objects.filter(status=ReviewStatus.OPEN).count() == 1 <= waiting  # the others: no longer wanted
    row = selectors.review_rows_for(viewer=_reviewer(make_user), items=[ava])[0]
    assert (row.reason.label, row.likelihood) == (
        "Different unique pupil numbers on records already joined to each", "97% likely the same person")



# --- what the pages say -----------------------------------------------------------------------------------------


def _reviewer(make_user):
    return make_user(role=Role.FRONT_DOOR, agency=Agency.objects.get(code=CSC))


def _page(client, item) -> str:
    response = client.get(f"/review/{item.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_review_page_lists_the_conflicting_identifier_of_the_records_joined_to_each(queue, make_user,  # noqa: F811
                                                                                        signed_in):
    ava = queue["ava"]
    # a school record of the person the police identity is joined to holds a UPN; the GP's person's record another
    records_ingest(actor=SYSTEM, via="file", records=[
        {**_record(POLICE, "A7", "Ava", "Marsh", None), "source_record_id": "R-A7"},
        {**_record(GP, "A8", "Eva", "Marsh", None), "source_record_id": "R-A8"},
    ])
    for local, upn, joined_to in (("A7", "A111111111111", ava.left_source_identity),
                                  ("A8", "B222222222222", ava.right_source_identity)):
        person = MentionLink.objects.filter(mention__source_identity=joined_to).first().person
        mention = Mention.objects.get(source_identity=_source(POLICE if local == "A7" else GP, local))
        Mention.objects.filter(pk=mention.pk).update(upn=upn)
        MentionLink.objects.create(mention=mention, person=person, identity_uid=f"uid-{local}",
                                   method=LinkMethod.MODEL, match_probability=0.99, linked_at=timezone.now())
    ReviewItem.objects.filter(pk=ava.pk).update(reason=REASON_UPN_LINKED, match_probability=0.93,
                                                fields={"upn": "missing"})
    client = signed_in(_reviewer(make_user))
    body = _page(client, ava)
    assert "Why it is here: Different unique pupil numbers on records already joined to each." in body
    assert "Unique pupil numbers on the records joined to each" in body
    assert "A111111111111" in body and "B222222222222" in body
    assert "93% likely the same person" in body and "UPN (unique pupil number): not on both records" in body


def test_a_keying_slip_has_no_percentage_and_its_number_reads_as_the_same(queue, make_user, signed_in):  # noqa: F811
    item = queue["dawn"]
    ReviewItem.objects.filter(pk=item.pk).update(reason=REASON_NHS_KEYING, match_probability=0.5,
                                                 fields={"nhs_number": "missing", "given_name": "disagree"})
    client = signed_in(_reviewer(make_user))
    body = _page(client, item)
    assert "Not scored by the model: here for the conflict" in body and "50% likely" not in body
    assert "NHS number: the same number, perhaps keyed in error" in body and "not on both records" not in body
    assert "50% likely" not in client.get("/review/").content.decode()


def test_a_probability_below_one_never_reads_as_certain(queue, make_user, signed_in):  # noqa: F811
    ReviewItem.objects.filter(pk=queue["carl"].pk).update(match_probability=0.9999999)
    client = signed_in(_reviewer(make_user))
    body = _page(client, queue["carl"])
    assert "99% likely the same person" in body and "100%" not in body
    queue_page = client.get("/review/").content.decode()
    assert "100%" not in queue_page
    # …and the queue's order uses the very number the row shows (99, not 100: "carl" stays behind nobody at 99)
    reviewer = _reviewer(make_user)
    ordered = list(selectors.review_queue_for(viewer=reviewer))
    assert {i.evidence for i in ordered if i.pk == queue["carl"].pk} == {99}
    uncertain = [r for r in selectors.review_rows_for(viewer=reviewer, items=ordered)
                 if r.item.reason == REASON_UNCERTAIN]
    assert uncertain and all(r.percent < 90 for r in uncertain)



def test_a_persons_identity_says_how_it_matched_in_words():
    def identity(method, probability=None, reason=""):
        return selectors.Identity(source_identity="gp:1", agency_name="GP", agency_code="gp", local_person_id="1",
                                  names=[], dobs=[], nhs_numbers=[], method=method,
                                  method_label=LinkMethod(method).label, match_probability=probability, fields={},
                                  reason=reason)

    assert identity(LinkMethod.MODEL, 0.9999999).match_text == "Probabilistic match: 99% likely the same person"
    assert identity(LinkMethod.ONLINE, 0.93).match_text == "Matched on arrival: 93% likely the same person"
    assert identity(LinkMethod.REVIEW, 1.0, "joined by a person's decision").match_text == "Confirmed by a person"
    assert identity(LinkMethod.SAME_SOURCE_ID, 1.0).match_text == "Same person id in the agency's system"
    assert identity(LinkMethod.NEW, None, "review").match_text == (
        "No match: a new person (a possible match is waiting for review)")
    assert identity(LinkMethod.CONTEXT, None, "mother of the record's subject").match_text == (
        "Placed by the record's context (mother of the record's subject)")
