"""The match review queue as a tool: children first, filters, decisions in batches, the next match in order.

The queue is built from real records: each identity is one agency record ingested through the ingest
service, linked to a person, and pairs of identities are put to the queue as the linkage run would.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from joinedup.accounts.models import Agency, AgencyKind, Role
from joinedup.accounts.services import agency_get_or_create
from joinedup.audit.models import AuditEvent
from joinedup.core.actor import ActorRef
from joinedup.ingest.models import Mention
from joinedup.ingest.services import records_ingest
from joinedup.people import selectors
from joinedup.people.linkage.cluster import REASON_NHS_KEYING
from joinedup.people.models import LinkDecision, LinkMethod, MentionLink, Person, ReviewItem, ReviewStatus
from joinedup.people.services import (
    ALREADY_DECIDED,
    ALREADY_SETTLED,
    NOT_IN_QUEUE,
    persons_refresh,
    review_decide,
    review_decide_many,
)
from tests.conftest import sign_in

pytestmark = pytest.mark.both_databases

SYSTEM = ActorRef.system("test")
CSC, POLICE, GP = "rq-childrens-services", "rq-police", "rq-surgery"
TODAY = timezone.localdate()


def _years_ago(years: int, days: int = 10) -> str:
    return (TODAY.replace(year=TODAY.year - years) - dt.timedelta(days=days)).isoformat()


def _record(agency: str, local: str, given: str, family: str, dob: str | None) -> dict:
    kind = {CSC: "assessment", POLICE: "police_incident", GP: "person_registration"}[agency]
    mention = {"mention_id": "m1", "role": "subject" if agency == CSC else "patient" if agency == GP else "present",
               "given_name": given, "family_name": family, "local_person_id": local}
    if dob:
        mention["dob"] = dob
    return {
        "schema": "joinedup.agency-record/1", "agency_id": agency, "source_system": "test-system",
        "source_record_id": f"R-{local}", "version": 1, "kind": kind, "occurred_on": "2025-03-01",
        "recorded_at": "2025-03-01T12:00:00Z", "mentions": [mention], "detail": {"code": kind},
    }


# (agency, local id, given, family, date of birth, person key): identities with one person key are one person.
IDENTITIES = [
    (POLICE, "A1", "Ava", "Marsh", _years_ago(3), "ava"),
    (GP, "A2", "Eva", "Marsh", _years_ago(3), "ava2"),
    (CSC, "B1", "Ben", "Holt", _years_ago(10), "ben"),
    (POLICE, "B2", "Benjamin", "Holt", _years_ago(10), "ben2"),
    (POLICE, "C1", "Carl", "Dunn", "1980-04-02", "carl"),
    (GP, "C2", "Carl", "Dunn", "1980-04-02", "carl2"),
    (CSC, "D1", "Dawn", "Reed", "1975-09-09", "dawn"),
    (GP, "D2", "Dawn", "Reid", "1975-09-09", "dawn2"),
    (POLICE, "E1", "Evie", "Lake", _years_ago(5), "evie"),  # the person's date of birth comes from here…
    (GP, "E2", "Evie", "Lake", None, "evie"),  # …so this identity, with none of its own, is a child's
    (CSC, "E3", "E", "Lake", None, "evie3"),
]


def _source(agency: str, local: str) -> str:
    return f"{agency}:{local}"


def _item(a: str, b: str, probability: float, reason: str, days_waiting: int = 1) -> ReviewItem:
    (left, lm), (right, rm) = sorted(
        [(a, Mention.objects.get(source_identity=a)), (b, Mention.objects.get(source_identity=b))], key=lambda t: t[0])
    return ReviewItem.objects.create(
        left_uid=f"uid-{left}", right_uid=f"uid-{right}", left_source_identity=left, right_source_identity=right,
        left_mention=lm, right_mention=rm, match_probability=probability, fields={"given_name": "close"},
        reason=reason, created_at=timezone.now() - dt.timedelta(days=days_waiting),
    )


@pytest.fixture
def queue(db):
    """Five open pairs: three about children (one only through the person it is linked to), two about adults."""
    for code, name, kind in ((CSC, "Riverside Children's Services", AgencyKind.CHILDRENS_SOCIAL_CARE),
                             (POLICE, "Riverside Police", AgencyKind.POLICE),
                             (GP, "Riverside Surgery", AgencyKind.GP_PRACTICE)):
        agency_get_or_create(actor=SYSTEM, code=code, name=name, kind=kind)
    result = records_ingest(actor=SYSTEM, records=[_record(*i[:5]) for i in IDENTITIES], via="file")
    assert {o.status for o in result.outcomes} == {"created"}
    people: dict[str, Person] = {}
    for agency, local, *_rest, key in IDENTITIES:
        person = people.setdefault(key, Person.objects.create())
        source = _source(agency, local)
        for mention in Mention.objects.filter(source_identity=source):
            MentionLink.objects.create(mention=mention, person=person, identity_uid=f"uid-{source}",
                                       method=LinkMethod.MODEL, match_probability=0.99, linked_at=timezone.now())
    persons_refresh([p.pk for p in people.values()])
    return {
        "ava": _item(_source(POLICE, "A1"), _source(GP, "A2"), 0.62, "uncertain", days_waiting=3),
        "ben": _item(_source(CSC, "B1"), _source(POLICE, "B2"), 0.81, "uncertain", days_waiting=1),
        "carl": _item(_source(POLICE, "C1"), _source(GP, "C2"), 0.97, "conflicting NHS numbers", days_waiting=9),
        "dawn": _item(_source(CSC, "D1"), _source(GP, "D2"), 0.70, "matches more than one person", days_waiting=2),
        "evie": _item(_source(GP, "E2"), _source(CSC, "E3"), 0.55, "uncertain", days_waiting=4),
    }


def _reviewer(make_user, role=Role.FRONT_DOOR):
    return make_user(role=role, agency=Agency.objects.get(code=CSC))


def _names(items) -> list[str]:
    by_pk = {}
    return [by_pk.setdefault(i.pk, i.left_mention.family_name) for i in items]


# --- ordering ------------------------------------------------------------------------------------------


def test_children_come_first_then_the_stronger_evidence_then_the_longest_waiting(queue, make_user):
    viewer = _reviewer(make_user)
    order = list(selectors.review_queue_for(viewer=viewer))
    # Carl (97%) is the strongest match but about an adult: every child's pair comes before it; among the
    # children the higher probability first; Evie is a child only through the person her record is linked to.
    assert [i.pk for i in order] == [queue[k].pk for k in ("ben", "ava", "evie", "carl", "dawn")]
    rows = {r.item.pk: r for r in selectors.review_rows_for(viewer=viewer, items=order)}
    assert rows[queue["ava"].pk].child == "Child, 3 years"
    assert rows[queue["ben"].pk].child == "Child, 10 years"
    assert rows[queue["evie"].pk].child == "Child, 5 years"
    assert rows[queue["carl"].pk].child == ""
    assert (rows[queue["ava"].pk].percent, rows[queue["ava"].pk].reason.label) == (62, "The model is not sure")
    assert rows[queue["carl"].pk].reason.label == "Different NHS numbers"
    assert rows[queue["dawn"].pk].reason.label == "Matches more than one person"
    assert rows[queue["carl"].pk].waiting_days == 9


def test_at_the_same_percentage_conflicting_nhs_numbers_come_before_uncertain_then_the_oldest(queue, make_user):
    viewer = _reviewer(make_user)
    ReviewItem.objects.filter(pk__in=[i.pk for i in queue.values()]).update(status=ReviewStatus.SUPERSEDED)
    newer_nhs = _item(_source(POLICE, "C1"), _source(GP, "D2"), 0.871, "conflicting NHS numbers", days_waiting=1)
    older_uncertain = _item(_source(CSC, "D1"), _source(POLICE, "C1"), 0.879, "uncertain", days_waiting=5)
    oldest_uncertain = _item(_source(CSC, "D1"), _source(GP, "C2"), 0.874, "uncertain", days_waiting=8)
    keying = _item(_source(GP, "C2"), _source(GP, "D2"), 0.87, REASON_NHS_KEYING, days_waiting=2)
    stronger = _item(_source(CSC, "D1"), _source(GP, "D2"), 0.88, "uncertain", days_waiting=0)
    order = [i.pk for i in selectors.review_queue_for(viewer=viewer)]
    assert order == [stronger.pk, keying.pk, newer_nhs.pk, oldest_uncertain.pk, older_uncertain.pk]
    assert selectors.review_reason(keying.reason).label == "NHS number of someone else, perhaps mistyped"
    # A reason added to the engine after this list was written is still worded, and ranked by what it names.
    later = selectors.review_reason("a keying slip in the UPN")
    assert (later.label, later.rank) == ("A keying slip in the UPN", 0)
    assert selectors.review_reason("something new").rank == 2


def test_a_child_on_the_day_is_under_18_that_day(queue, make_user):
    viewer = _reviewer(make_user)
    ava = [i.pk for i in selectors.review_queue_for(viewer=viewer, children_only=True)]
    assert queue["ava"].pk in ava
    # Nineteen years on, nobody in the queue is a child any more.
    later = TODAY.replace(year=TODAY.year + 19)
    assert not selectors.review_queue_for(viewer=viewer, children_only=True, today=later).exists()


# --- filters and the summary -----------------------------------------------------------------------------


def test_filters_by_reason_children_and_agency_pair(queue, make_user):
    viewer = _reviewer(make_user)

    def keys(**filters):
        pks = [i.pk for i in selectors.review_queue_for(viewer=viewer, **filters)]
        return [next(k for k, item in queue.items() if item.pk == pk) for pk in pks]

    assert keys(reason="nhs-numbers") == ["carl"]
    assert keys(reason="more-than-one") == ["dawn"]
    assert keys(reason="uncertain") == ["ben", "ava", "evie"]
    assert keys(children_only=True) == ["ben", "ava", "evie"]
    assert keys(agencies=f"{POLICE},{GP}") == ["ava", "carl"] == keys(agencies=f"{GP},{POLICE}")
    assert keys(agencies=f"{CSC},{GP}", children_only=True) == ["evie"]
    assert keys(reason="no-such-reason") == []


def test_summary_counts_by_reason_and_children_and_heads_the_page(queue, make_user, signed_in):
    viewer = _reviewer(make_user)
    summary = selectors.review_queue_summary(viewer=viewer)
    assert (summary.total, summary.children) == (5, 3)
    assert [(r.key, n) for r, n in summary.by_reason] == [("nhs-numbers", 1), ("uncertain", 3), ("more-than-one", 1)]
    assert {key: n for key, _names, n in summary.by_agencies} == {
        ",".join(sorted((POLICE, GP))): 2, ",".join(sorted((CSC, POLICE))): 1, ",".join(sorted((CSC, GP))): 2}
    html = signed_in(viewer).get("/review/").content.decode()
    assert "5 waiting: 3 about children." in html
    assert "Child, 3 years" in html and "62% likely the same person" in html and "Different NHS numbers" in html
    assert "conflicting NHS numbers" not in html  # no raw codes
    assert selectors.review_queue_summary(viewer=make_user(role=Role.SOCIAL_WORKER)).total == 0


def test_the_page_filters_and_audits_what_it_showed(queue, make_user, signed_in):
    viewer = _reviewer(make_user)
    client = signed_in(viewer)
    html = client.get("/review/", {"children": "on"}).content.decode()
    assert "Holt" in html and "Marsh" in html and "Lake" in html
    assert "Dunn" not in html and "Reed" not in html
    assert f"/review/{queue['ava'].pk}/?children=on" in html  # each match opens with the same filter
    event = AuditEvent.objects.filter(action="review.list", actor_id=viewer.pk).latest("id")
    assert set(event.detail["object_ids"]) == {str(queue[k].pk) for k in ("ben", "ava", "evie")}
    assert event.reason == "filters: children=on"
    html = client.get("/review/", {"agencies": f"{POLICE},{GP}", "reason": "nhs-numbers"}).content.decode()
    assert "Dunn" in html and "Marsh" not in html


# --- batch decisions -------------------------------------------------------------------------------------


def test_batch_decides_each_item_with_its_decision_and_audit_row(queue, make_user, signed_in):
    viewer = _reviewer(make_user)
    client = signed_in(viewer)
    chosen = [queue["ben"], queue["dawn"]]
    response = client.post("/review/?children=on", {"items": [str(i.pk) for i in chosen], "decision": "different",
                                                     "reason": "Checked with the school: different children."})
    assert response.status_code == 302 and response["Location"] == "/review/?children=on"
    for item in chosen:
        item.refresh_from_db()
        assert item.status == ReviewStatus.REJECTED and item.decided_by == viewer
        decision = LinkDecision.objects.get(review_item=item)
        assert decision.decision == "different" and decision.reason == "Checked with the school: different children."
        assert AuditEvent.objects.filter(action="match.decide", object_id=str(item.pk), actor_id=viewer.pk).count() == 1
    open_now = set(selectors.review_queue_for(viewer=viewer).values_list("pk", flat=True))
    assert not open_now & {i.pk for i in chosen}
    html = client.get(response["Location"]).content.decode()
    assert "2 decided as different people." in html
    assert client.get("/review/").content.decode().count("decided as") == 0  # said once


def test_an_item_someone_else_decided_is_reported_and_the_others_still_decided(queue, make_user, signed_in):
    viewer, colleague = _reviewer(make_user), _reviewer(make_user, Role.TEAM_MANAGER)
    review_decide(item=ReviewItem.objects.get(pk=queue["carl"].pk), user=colleague, decision="different")
    client = signed_in(viewer)
    response = client.post("/review/", {"items": [str(queue["carl"].pk), str(queue["ava"].pk)], "decision": "same",
                                        "reason": ""})
    assert response.status_code == 302
    ava = ReviewItem.objects.get(pk=queue["ava"].pk)
    assert ava.status == ReviewStatus.CONFIRMED
    persons = set(MentionLink.objects.filter(mention__source_identity__in=[ava.left_source_identity,
                                                                            ava.right_source_identity])
                  .values_list("person_id", flat=True))
    assert len(persons) == 1  # joined now
    carl = ReviewItem.objects.get(pk=queue["carl"].pk)
    assert carl.status == ReviewStatus.REJECTED and carl.decided_by == colleague
    assert LinkDecision.objects.filter(review_item=carl).count() == 1
    html = client.get("/review/").content.decode()
    assert "1 decided as the same person, 1 could not be." in html
    assert ALREADY_DECIDED in html


def test_the_service_reports_each_failure_and_keeps_the_rest(queue, make_user):
    viewer = _reviewer(make_user)
    ReviewItem.objects.filter(pk=queue["dawn"].pk).update(status=ReviewStatus.SUPERSEDED)
    stale = ReviewItem.objects.get(pk=queue["ben"].pk)
    review_decide(item=ReviewItem.objects.get(pk=queue["ben"].pk), user=viewer, decision="same")
    with pytest.raises(ValueError, match="already been decided"):  # a stale copy cannot decide it twice
        review_decide(item=stale, user=viewer, decision="different")
    import uuid

    missing = uuid.uuid4()
    outcome = review_decide_many(item_ids=[queue["dawn"].pk, missing, queue["evie"].pk, queue["evie"].pk],
                                 user=viewer, decision="different", reason="")
    assert outcome.decided == [queue["evie"].pk]  # once, however often it was ticked
    assert dict(outcome.failed) == {queue["dawn"].pk: ALREADY_SETTLED, missing: NOT_IN_QUEUE}
    assert LinkDecision.objects.filter(review_item_id=queue["ben"].pk).count() == 1
    with pytest.raises(Exception, match="may not review"):
        review_decide_many(item_ids=[queue["ava"].pk], user=make_user(role=Role.SOCIAL_WORKER), decision="same")


# --- permission, CSRF and form errors --------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.PARTNER_PRACTITIONER])
def test_without_review_permission_every_review_page_is_not_found(queue, make_user, signed_in, role):
    client = signed_in(make_user(role=role, agency=Agency.objects.get(code=POLICE)))
    item = queue["ava"]
    assert client.get("/review/").status_code == 404
    assert client.post("/review/", {"items": [str(item.pk)], "decision": "same"}).status_code == 404
    assert client.get(f"/review/{item.pk}/").status_code == 404
    assert client.post(f"/review/{item.pk}/", {"decision": "same"}).status_code == 404
    item.refresh_from_db()
    assert item.status == ReviewStatus.OPEN and not LinkDecision.objects.exists()


def test_a_batch_post_without_the_csrf_token_is_refused(queue, make_user):
    client = sign_in(Client(enforce_csrf_checks=True), _reviewer(make_user))  # both steps, with their tokens
    assert client.get("/review/").status_code == 200  # signed in
    assert client.post("/review/", {"items": [str(queue["ava"].pk)], "decision": "same"}).status_code == 403
    assert ReviewItem.objects.get(pk=queue["ava"].pk).status == ReviewStatus.OPEN


def test_batch_form_errors_keep_the_selection_and_the_reason(queue, make_user, signed_in):
    client = signed_in(_reviewer(make_user))
    ticked = [str(queue["ava"].pk), str(queue["ben"].pk)]
    response = client.post("/review/", {"items": ticked, "decision": "same", "reason": "x" * 2001})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and "Keep the reason to 2,000 characters or fewer" in html
    assert "govuk-form-group--error" in html and 'id="id_reason-error"' in html
    for pk in ticked:
        assert f'value="{pk}" checked' in html
    assert f'value="{queue["carl"].pk}" checked' not in html
    assert "x" * 2001 in html

    html = client.post("/review/", {"decision": "different", "reason": "Different mothers."}).content.decode()
    assert "Select at least one match to decide" in html and 'id="items-error"' in html
    assert "Different mothers." in html

    html = client.post("/review/", {"items": ticked[:1], "reason": "Pressed Enter"}).content.decode()
    assert "Choose ‘The same person’ or ‘Different people’" in html
    assert f'value="{ticked[0]}" checked' in html and "Pressed Enter" in html
    assert not LinkDecision.objects.exists()


def test_single_review_form_errors_keep_the_answer(queue, make_user, signed_in):
    client = signed_in(_reviewer(make_user))
    url = f"/review/{queue['ava'].pk}/"
    html = client.post(url, {"reason": "Same GP confirmed"}).content.decode()
    assert "Select whether these records are about the same person" in html and "Same GP confirmed" in html
    html = client.post(url, {"decision": "same", "reason": "y" * 2001}).content.decode()
    assert "Keep the reason to 2,000 characters or fewer" in html
    assert 'value="same" checked' in html
    assert ReviewItem.objects.get(pk=queue["ava"].pk).status == ReviewStatus.OPEN


# --- the next match, in the same order and filter ------------------------------------------------------------


def test_after_a_decision_the_next_match_in_the_same_order_and_filter_opens(queue, make_user, signed_in):
    viewer = _reviewer(make_user)
    client = signed_in(viewer)
    page = client.get(f"/review/{queue['ava'].pk}/", {"children": "on"}).content.decode()
    assert "Match 2 of 3 (filtered)" in page and "Child, 3 years" in page
    assert f'href="/review/{queue["evie"].pk}/?children=on">Skip to the next match' in page
    response = client.post(f"/review/{queue['ava'].pk}/?children=on", {"decision": "different"})
    assert response["Location"] == f"/review/{queue['evie'].pk}/?children=on"  # not the queue's first (Ben)
    response = client.post(f"/review/{queue['evie'].pk}/?children=on", {"decision": "different"})
    assert response["Location"] == f"/review/{queue['ben'].pk}/?children=on"  # wraps round to what was skipped
    response = client.post(f"/review/{queue['ben'].pk}/?children=on", {"decision": "different"})
    assert response["Location"] == "/review/?children=on"  # no child's pair is left
    response = client.post(f"/review/{queue['carl'].pk}/", {"decision": "different"})
    assert response["Location"] == f"/review/{queue['dawn'].pk}/"
    decided = client.get(f"/review/{queue['carl'].pk}/").content.decode()
    assert "This match is no longer waiting" in decided and "Record decision" not in decided
