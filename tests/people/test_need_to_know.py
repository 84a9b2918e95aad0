"""Need to know (issue 15): a person is seen only through a legitimate relationship, and only as much as it gives.

The family: Kayden (a child known to children's social care and the police), his mother Leanne, and Darren, known to
the police and the GP and recorded with Kayden at an incident but absent from children's social care's records.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from joinedup.access import claims
from joinedup.access.policy import Relation, Scope
from joinedup.access.relationships import relationships_to, scope_of
from joinedup.accounts.models import Agency, Role
from joinedup.audit.models import AuditEvent
from joinedup.casework.services import allocation_set
from joinedup.ingest.services import records_ingest
from joinedup.people.models import MentionLink
from joinedup.people.services import linkage_run
from tests.conftest import sign_in

from .conftest import SYSTEM
from .test_households_online import CSC, GP, POLICE, _family_records

pytestmark = pytest.mark.both_databases


def _person(agency, local):
    return MentionLink.objects.get(mention__agency__code=agency, mention__local_person_id=local).person


@pytest.fixture
def family(model_only):
    records_ingest(actor=SYSTEM, records=_family_records(), via="file")
    linkage_run(actor=SYSTEM, progress=lambda _line: None)
    return {"kayden": _person(CSC, "CSC-T1"), "darren": _person(GP, "GP-T1"), "leanne": _person(CSC, "CSC-T2")}


def _user(make_user, role, code, **kw):
    return make_user(role=role, agency=Agency.objects.get(code=code), **kw)


def _names_on(response) -> str:
    return response.content.decode()


def test_a_partner_sees_only_their_own_agencys_part_and_nothing_of_the_household(family, make_user, signed_in):
    gp = _user(make_user, Role.PARTNER_PRACTITIONER, GP)
    darren = family["darren"]
    assert scope_of(gp, darren.pk) == Scope.AGENCY
    assert [r.kind for r in relationships_to(gp, darren.pk)] == [Relation.AGENCY_RECORD]
    client = signed_in(gp)
    html = _names_on(client.get(f"/people/{darren.pk}/"))
    assert "Elm Tree Surgery" in html and "Your agency's records" in html
    assert "Northbrook Police" not in html  # another agency's records and identity are not shown
    assert "Kayden" not in html and "Household over time" not in html and "Adults recorded with" not in html
    event = AuditEvent.objects.filter(action="person.view", actor_id=gp.pk).latest("id")
    assert event.subject_person_id == darren.pk and event.detail["scope"] == Scope.AGENCY
    # Kayden: the GP holds nothing on him — 404, and the refusal is audited naming what was asked for.
    assert client.get(f"/people/{family['kayden'].pk}/").status_code == 404
    refused = AuditEvent.objects.filter(action="access.refused", actor_id=gp.pk).latest("id")
    assert refused.subject_person_id == family["kayden"].pk


def test_search_finds_only_people_within_the_viewers_relationships(family, make_user):
    from joinedup.people.selectors import person_search

    police = _user(make_user, Role.PARTNER_PRACTITIONER, POLICE)
    gp = _user(make_user, Role.PARTNER_PRACTITIONER, GP)
    front_door = _user(make_user, Role.FRONT_DOOR, CSC)
    assert family["kayden"] in set(person_search(viewer=police, name="stonebridge"))
    assert list(person_search(viewer=gp, name="stonebridge")) == []  # the GP holds nothing on Kayden
    assert family["kayden"] in set(person_search(viewer=front_door, name="stonebridge"))  # duty to enquire
    reviewer = _user(make_user, Role.CASE_REVIEWER, CSC)
    assert list(person_search(viewer=reviewer, name="stonebridge")) == []


def test_allocation_gives_the_whole_picture_and_the_households_adults_too(family, make_user, make_team, signed_in):
    csc = Agency.objects.get(code=CSC)
    team = make_team(csc)
    worker = _user(make_user, Role.SOCIAL_WORKER, CSC, team=team)
    manager = _user(make_user, Role.TEAM_MANAGER, CSC, team=team)
    other_worker = _user(make_user, Role.SOCIAL_WORKER, CSC)
    kayden, darren = family["kayden"], family["darren"]
    # Before allocation: a social worker sees only children's social care's own records of Kayden.
    assert scope_of(worker, kayden.pk) == Scope.AGENCY
    assert scope_of(worker, darren.pk) is None  # CSC holds nothing on Darren
    allocation_set(actor_user=manager, person=kayden, worker=worker)
    assert scope_of(worker, kayden.pk) == Scope.FULL
    assert scope_of(manager, kayden.pk) == Scope.FULL  # the allocated team's manager
    assert scope_of(worker, darren.pk) == Scope.FULL  # recorded with the child the worker works with
    assert [r.kind for r in relationships_to(worker, darren.pk)] == [Relation.HOUSEHOLD]
    assert scope_of(other_worker, kayden.pk) == Scope.AGENCY
    html = _names_on(signed_in(worker).get(f"/people/{kayden.pk}/"))
    assert "Darren Pikesley" in html and "Northbrook Police" in html
    event = AuditEvent.objects.filter(action="person.view", actor_id=worker.pk).latest("id")
    named = set(event.people.values_list("person_id", flat=True))
    assert {kayden.pk, darren.pk, family["leanne"].pk} <= named  # the row names everyone the page showed


def test_a_case_reviewer_sees_only_commissioned_children_and_only_pseudonymised(family, make_user, signed_in):
    reviewer = _user(make_user, Role.CASE_REVIEWER, CSC)
    head = _user(make_user, Role.HEAD_OF_SERVICE, CSC)
    kayden = family["kayden"]
    client = signed_in(reviewer)
    for url in (f"/people/{kayden.pk}/chronology/", f"/people/{kayden.pk}/chronology/export/",
                f"/people/{kayden.pk}/who-knew/", f"/people/{kayden.pk}/"):
        assert client.get(url).status_code == 404, url
    today = dt.date.today()
    claims.commission_create(user=head, reviewer=reviewer, person_id=kayden.pk, reference="Review 2026/1",
                             starts_on=today - dt.timedelta(days=1), ends_on=today + dt.timedelta(days=30))
    chronology = client.get(f"/people/{kayden.pk}/chronology/")
    assert chronology.status_code == 200
    html = chronology.content.decode()
    assert "pseudonymised" in html
    for real in ("Kayden", "Stonebridge", "Leanne", "Darren", "Pikesley"):
        assert real not in html, real
    assert client.get(f"/people/{kayden.pk}/chronology/export/").status_code == 200
    assert "Stonebridge" not in client.get(f"/people/{kayden.pk}/chronology/export/").content.decode()
    assert client.get(f"/people/{kayden.pk}/").status_code == 404  # never the named person page
    assert client.get(f"/people/{kayden.pk}/who-knew/").status_code == 404
    assert client.get(f"/people/{family['darren'].pk}/chronology/export/").status_code == 404  # not commissioned


def test_break_glass_is_time_limited_shown_on_every_page_and_reviewed_by_the_dpo(family, make_user, signed_in):
    gp = _user(make_user, Role.PARTNER_PRACTITIONER, GP)
    dpo = _user(make_user, Role.DATA_PROTECTION_OFFICER, CSC)
    kayden = family["kayden"]
    client = signed_in(gp)
    assert client.get(f"/people/{kayden.pk}/").status_code == 404
    # The reason is required, and named.
    bad = client.post("/access/claim/", {"kind": "break_glass", "reason_code": "", "reason_text": "x",
                                         "name": "stonebridge"})
    assert "Select a reason" in bad.content.decode() and "at least 10 characters" in bad.content.decode()
    found = client.post("/access/claim/", {"kind": "break_glass", "reason_code": "emergency",
                                           "reason_text": "Child brought in unconscious", "name": "stonebridge"})
    assert found.status_code == 200 and str(kayden.pk) in found.content.decode()
    opened = client.post("/access/claim/", {"kind": "break_glass", "reason_code": "emergency",
                                            "reason_text": "Child brought in unconscious", "name": "stonebridge",
                                            "person": str(kayden.pk)})
    assert opened.status_code == 302 and opened["Location"] == f"/people/{kayden.pk}/"
    assert scope_of(gp, kayden.pk) == Scope.FULL
    page = client.get(f"/people/{kayden.pk}/").content.decode()
    assert "Break-glass (emergency) access in force" in page and "Household over time" in page
    assert "Break-glass (emergency) access in force" in client.get("/").content.decode()  # every page
    claim = claims.active_claims(user=gp).get()
    assert claim.expires_at - claim.started_at == dt.timedelta(hours=8)
    # The DPO sees it at once, with the reason, and records a finding.
    dpo_client = sign_in(Client(), dpo)
    home = dpo_client.get("/").content.decode()
    assert "1 self-claim and break-glass to review (1 break-glass)" in home
    queue = dpo_client.get("/access/claims/").content.decode()
    assert "Child brought in unconscious" in queue
    missing_note = dpo_client.post("/access/claims/", {"claim": str(claim.pk), "outcome": "inappropriate"})
    assert "at least 10 characters" in missing_note.content.decode()
    dpo_client.post("/access/claims/", {"claim": str(claim.pk), "outcome": "appropriate"})
    claim.refresh_from_db()
    assert claim.outcome == "appropriate" and claim.reviewed_by_id == dpo.pk
    # Expired: access ends by itself.
    later = claim.expires_at + dt.timedelta(seconds=1)
    assert not claims.active_claims(user=gp, now=later).exists()


def test_overdue_reviews_are_counted(family, make_user):
    gp = _user(make_user, Role.PARTNER_PRACTITIONER, GP)
    dpo = _user(make_user, Role.DATA_PROTECTION_OFFICER, CSC)
    long_ago = claims.utc_now() - dt.timedelta(days=claims.claim_review_days() + 1)
    claims.claim_start(user=gp, person_id=family["kayden"].pk, kind="self_claim", reason_code="treating_now",
                       reason_text="New patient registering today", now=long_ago)
    summary = claims.claims_review_summary(viewer=dpo)
    assert summary == {"waiting": 1, "overdue": 1, "break_glass": 0}
    assert claims.claims_review_summary(viewer=gp) == {"waiting": 0, "overdue": 0, "break_glass": 0}
    # A self-claim gives a partner their agency's view, not the whole picture; it has expired by now anyway.
    assert scope_of(gp, family["kayden"].pk) is None


def test_the_dpo_is_emailed_each_claim_once_committed_naming_nobody_whose_record_it_is(
        family, make_user, mailoutbox, django_capture_on_commit_callbacks):
    gp = _user(make_user, Role.PARTNER_PRACTITIONER, GP)
    dpo = _user(make_user, Role.DATA_PROTECTION_OFFICER, CSC)
    type(dpo).objects.filter(pk=dpo.pk).update(email="dpo@northbrook.example")
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        claims.claim_start(user=gp, person_id=family["kayden"].pk, kind="break_glass", reason_code="emergency",
                           reason_text="Brought in unconscious, no adult with him")
    assert mailoutbox == []  # nothing is sent before the claim is committed
    for callback in waiting:
        callback()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["dpo@northbrook.example"] and "Break-glass" in mail.subject
    assert "Emergency: a risk to life or of serious harm" in mail.body and "/access/claims/" in mail.body
    kayden = family["kayden"]
    assert kayden.family_name not in mail.body and str(kayden.pk) not in mail.body
    assert "unconscious" not in mail.body  # the free text may name people: it stays in joinedup


def test_roles_that_may_not_claim_are_refused(family, make_user):
    for role in (Role.CASE_REVIEWER, Role.DATA_PROTECTION_OFFICER, Role.SYSTEM_ADMINISTRATOR):
        user = _user(make_user, role, CSC)
        with pytest.raises(claims.ClaimError):
            claims.claim_start(user=user, person_id=family["kayden"].pk, kind="break_glass",
                               reason_code="emergency", reason_text="Trying to look at a child")


def test_a_failing_provider_fails_closed(family, make_user, monkeypatch):
    from joinedup.access import relationships

    police = _user(make_user, Role.PARTNER_PRACTITIONER, POLICE)
    assert scope_of(police, family["kayden"].pk) == Scope.AGENCY

    def broken(viewer, person_id):
        raise RuntimeError("database gone")

    provider = relationships._PROVIDERS["people.agency_record"]
    monkeypatch.setitem(relationships._PROVIDERS, "people.agency_record",
                        relationships.Provider(provider.name, provider.kinds, broken, provider.person_q))
    assert scope_of(police, family["kayden"].pk) is None


def test_a_head_of_service_commissions_a_review_from_the_childs_page(family, make_user, signed_in):
    head = _user(make_user, Role.HEAD_OF_SERVICE, CSC)
    reviewer = make_user(role=Role.CASE_REVIEWER)  # an independent reviewer, from any agency
    kayden = family["kayden"]
    client = signed_in(head)
    assert "Commission a case review" in client.get(f"/people/{kayden.pk}/").content.decode()
    form = client.get(f"/people/{kayden.pk}/commission/")
    assert form.status_code == 200 and str(reviewer) in form.content.decode()
    bad = client.post(f"/people/{kayden.pk}/commission/", {"reviewer": str(reviewer.pk), "reference": "",
                                                           "starts_on": "1/12/2026", "ends_on": "1/11/2026"})
    assert "Name the review" in bad.content.decode()
    done = client.post(f"/people/{kayden.pk}/commission/", {"reviewer": str(reviewer.pk), "reference": "CSPR 2026/3",
                                                            "starts_on": dt.date.today().strftime("%d/%m/%Y"),
                                                            "ends_on": (dt.date.today() + dt.timedelta(days=9))
                                                            .strftime("%d/%m/%Y")})
    assert done.status_code == 302
    assert scope_of(reviewer, kayden.pk) == Scope.PSEUDONYMISED
    # A social worker cannot commission; the form is 404 to them.
    worker = _user(make_user, Role.SOCIAL_WORKER, CSC)
    assert sign_in(Client(), worker).get(f"/people/{kayden.pk}/commission/").status_code == 404
