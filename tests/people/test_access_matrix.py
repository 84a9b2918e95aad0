"""The access matrix (issue 15), generated from the written policy: every person page × role × relationship →
allowed or 404, as `joinedup.access.policy` (RELATIONSHIPS, PERSON_PAGES) says; a non-existent id is 404 for all;
what a viewer can find equals what the policy lets them see; a record outside their scope changes nothing they see.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from joinedup.access import claims, policy
from joinedup.access.relationships import relationships_to, scope_of
from joinedup.accounts.models import Agency, AgencyKind, Role
from joinedup.alerts.models import Alert
from joinedup.casework.models import Allocation, CaseClock, Contact
from joinedup.casework.services import allocation_set, contact_record
from joinedup.ingest.services import records_ingest
from joinedup.people.models import MentionLink, Person
from joinedup.people.selectors import persons_visible_to
from joinedup.people.services import linkage_run
from tests.conftest import sign_in

from .conftest import SYSTEM
from .test_households_online import CSC, GP, HOSPITAL, POLICE, _family_records, _m, _record

pytestmark = pytest.mark.django_db  # the policy, not the database: the main (PostgreSQL) pass only

# How each relationship is made for a user of any role (the policy decides whether it gives them anything).
SETUPS = ("none", "allocation", "team", "household", "agency_record", "contact", "self_claim", "break_glass",
          "commission")
ROLES_AT = {
    Role.SOCIAL_WORKER: CSC, Role.TEAM_MANAGER: CSC, Role.FRONT_DOOR: CSC, Role.HEAD_OF_SERVICE: CSC,
    Role.PARTNER_PRACTITIONER: POLICE, Role.CASE_REVIEWER: CSC, Role.DATA_PROTECTION_OFFICER: CSC,
    Role.PARTNERSHIP_MEMBER: CSC, Role.SYSTEM_ADMINISTRATOR: CSC,
}


def _person(agency, local):
    return MentionLink.objects.get(mention__agency__code=agency, mention__local_person_id=local).person


@pytest.fixture
def world(model_only, make_user, make_team):
    records_ingest(actor=SYSTEM, records=_family_records(), via="file")
    linkage_run(actor=SYSTEM, progress=lambda _line: None)
    kayden, darren = _person(CSC, "CSC-T1"), _person(GP, "GP-T1")
    head = make_user(role=Role.HEAD_OF_SERVICE, agency=Agency.objects.get(code=CSC))

    def make_case(role, setup):
        """A user of `role` whose only relationship to the target is the one `setup` makes (allocations made for
        earlier cases are ended first: a child has one allocated worker at a time)."""
        Allocation.objects.filter(ended_at__isnull=True).update(ended_at=claims.utc_now())
        CaseClock.objects.filter(contact__isnull=False).delete()  # an earlier case's contact (projection rows)
        Contact.objects.all().delete()  # would give duty and oversight to every later case
        code = ROLES_AT[role]
        agency = Agency.objects.get(code=code)
        # The agency holds a record on Kayden only in the "agency_record" setup: others sit at an agency of the same
        # kind that holds nothing on him (the front door and heads of service have their duty at his authority).
        if setup != "agency_record" and code == POLICE:
            agency = Agency.objects.get_or_create(code="elsewhere-police", defaults={
                "name": "Elsewhere Police", "kind": AgencyKind.POLICE})[0]
        if setup not in ("agency_record", "contact") and code == CSC:
            agency = Agency.objects.get_or_create(code="elsewhere-csc", defaults={
                "name": "Elsewhere Children's Services", "kind": AgencyKind.CHILDRENS_SOCIAL_CARE})[0]
        team = make_team(agency)
        user = make_user(role=role, agency=agency, team=team)
        target = darren if setup == "household" else kayden
        if setup in ("allocation", "household") and role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER):
            allocation_set(actor_user=head, person=kayden, worker=user)
        elif setup == "team" and role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER):
            colleague = make_user(role=Role.SOCIAL_WORKER, agency=agency, team=team)
            allocation_set(actor_user=head, person=kayden, worker=colleague)
        elif setup == "contact":  # a contact about him at the authority's front door, taken by a colleague there
            csc = Agency.objects.get(code=CSC)
            taker = make_user(role=Role.FRONT_DOOR, agency=csc, team=make_team(csc))
            contact_record(user=taker, person=target, raised_by="neighbour", text="The access matrix asks")
        elif setup in ("self_claim", "break_glass"):
            with contextlib.suppress(claims.ClaimError):  # a role the policy refuses: then 404 everywhere
                claims.claim_start(user=user, person_id=target.pk, kind=setup, reason_code="other",
                                   reason_text="The access matrix asks")
        elif setup == "commission":
            with contextlib.suppress(claims.ClaimError):
                claims.commission_create(user=head, reviewer=user, person_id=target.pk, reference="Matrix",
                                         starts_on=dt.date.today(), ends_on=dt.date.today())
        return user, target

    cases = [(role, setup) for role in ROLES_AT for setup in SETUPS]
    return {"kayden": kayden, "darren": darren, "cases": cases, "make_case": make_case}


def _expected_scope(user, setup, target) -> str | None:
    """The scope the written policy gives for the relationship this setup made (computed from the table alone)."""
    kinds = {"allocation": [policy.Relation.ALLOCATION], "team": [policy.Relation.TEAM],
             "household": [policy.Relation.HOUSEHOLD], "agency_record": [policy.Relation.AGENCY_RECORD],
             "self_claim": [policy.Relation.SELF_CLAIM], "break_glass": [policy.Relation.BREAK_GLASS],
             "commission": [policy.Relation.REVIEW_COMMISSION], "contact": [], "none": []}[setup]
    if user.role == Role.SOCIAL_WORKER and setup == "team":
        kinds = []  # a social worker is not a team manager: the colleague's allocation gives them nothing
    if user.role == Role.TEAM_MANAGER and setup == "allocation":
        kinds = [policy.Relation.TEAM]  # a manager allocated a child works it as the team's manager
    if user.role == Role.TEAM_MANAGER and setup == "household":
        kinds = [policy.Relation.HOUSEHOLD]
    if setup == "household" and user.role not in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER):
        kinds = []  # the household setup allocates the child to social workers and managers only
    if user.role == Role.FRONT_DOOR and setup == "contact":  # duty comes from a contact, not the role alone
        kinds = [*kinds, policy.Relation.FRONT_DOOR_DUTY]
    if user.role == Role.HEAD_OF_SERVICE and (setup == "contact" or Alert.objects.filter(
            person=target, agency_id=user.agency_id).exists()):  # a child known to the service: a contact, an alert
        kinds = [*kinds, policy.Relation.SERVICE_OVERSIGHT]
    if user.role in policy.CSC_WORKING_ROLES and setup in ("agency_record", "contact"):  # at his authority
        kinds = [*kinds, policy.Relation.AGENCY_RECORD]
    return policy.widest_scope(policy.relationship_scope(user, k) for k in kinds)


def test_every_person_page_answers_as_the_written_policy_says(world):
    mismatches = []
    checked = 0
    for role, setup in world["cases"]:
        user, target = world["make_case"](role, setup)
        expected = _expected_scope(user, setup, target)
        assert scope_of(user, target.pk) == expected, (role, setup, relationships_to(user, target.pk))
        client = sign_in(Client(), user)
        for url_name in policy.PERSON_PAGES:
            allowed = policy.person_page_allowed(user, url_name, expected)
            status = client.get(reverse(url_name, args=[target.pk])).status_code
            nowhere = client.get(reverse(url_name, args=[uuid.uuid4()])).status_code
            checked += 2
            if status != (200 if allowed else 404) or nowhere != 404:
                mismatches.append((role, setup, url_name, status, nowhere, allowed))
    assert mismatches == []
    assert checked >= 2 * len(ROLES_AT) * len(SETUPS) * len(policy.PERSON_PAGES)


def test_what_a_viewer_can_find_is_what_the_policy_lets_them_see(world):
    sample = list(Person.objects.filter(merged_into__isnull=True).order_by("id")[:40])
    sample += [world["kayden"], world["darren"]]
    for role, setup in world["cases"][:: 3]:
        user, _target = world["make_case"](role, setup)
        found = set(persons_visible_to(viewer=user).filter(pk__in=[p.pk for p in sample]))
        allowed = {p for p in sample if any(
            policy.relationship_scope(user, r.kind) in (policy.Scope.FULL, policy.Scope.AGENCY)
            and r.kind not in policy.NOT_SEARCHABLE for r in relationships_to(user, p.pk))}
        assert found == allowed, (role, setup)


def _main(html: str) -> str:
    """The page's content without tokens that change on every request."""
    main = html[html.index('<main'):html.index('</main>')]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", main)


def test_a_record_outside_the_viewers_scope_changes_nothing_they_see(world):
    police, _target = world["make_case"](Role.PARTNER_PRACTITIONER, "agency_record")
    client = sign_in(Client(), police)
    kayden = world["kayden"]
    before = _main(client.get(f"/people/{kayden.pk}/").content.decode())
    visible_before = set(persons_visible_to(viewer=police).values_list("pk", flat=True))
    records_ingest(actor=SYSTEM, records=[_record(HOSPITAL, "T-HOSP-NEW", "ed_attendance", "2024-09-01", [
        _m("m1", "patient", "Kayden", "Stonebridge", "2021-05-04", "HOSP-T9")])], via="file")
    linkage_run(actor=SYSTEM, progress=lambda _line: None)
    assert MentionLink.objects.filter(mention__agency__code=HOSPITAL, mention__local_person_id="HOSP-T9",
                                      person=kayden).exists()  # the new record is about the same child
    after = _main(client.get(f"/people/{kayden.pk}/").content.decode())
    assert after == before
    assert set(persons_visible_to(viewer=police).values_list("pk", flat=True)) == visible_before
