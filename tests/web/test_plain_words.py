"""Pages are for people, not developers (issue 19): in a seeded authority whose records carry raw codes, keys and
ISO-8601 timestamps, every page each role is offered — its home page, the pages its menu and home page link to, and
the pages those link to (one of each kind: a person, a chronology, a record, an alert, a match to review…) — shows
none of them in its visible text: no snake_case code or key (`accompanying_adult`, `author_role`, `Family_name`), no
dotted audit action (`account.sign_in`), no ISO-8601 date or timestamp (`2024-02-03`, `2024-02-03T10:00:00Z`), no
Python `None`. The labels come from one place, `joinedup.core.labels` (templates: `{% load labels %}`).

Visible text is what a browser shows or reads out: text nodes (the visually hidden ones too), the title, options,
and the `alt`, `aria-label` and `title` attributes; not scripts, styles, form field values or URLs."""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from joinedup.access.claims import commission_create
from joinedup.accounts.models import Role
from joinedup.audit.actions import AuditAction
from joinedup.casework.services import partner_lookup_record
from joinedup.ingest.models import Mention
from joinedup.ingest.services import records_ingest
from joinedup.people.linkage.cluster import REASON_UNCERTAIN, REASON_UPN_LINKED
from joinedup.people.models import ReviewItem
from tests.access.conftest import (
    CSC,
    HOME,
    JADE,
    RUBY,
    _link,
    m,
    rec,
    world,  # noqa: F401 - the seeded authority: every role, a child with a case
)
from tests.conftest import SYSTEM, sign_in

pytestmark = pytest.mark.django_db

SNAKE = re.compile(r"\b[A-Za-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?\b")
ACTION = re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(a) for a in sorted(AuditAction.values, key=len, reverse=True))
                    + r")(?![\w.])")
NONE = re.compile(r"\bNone\b(?! [a-z])")  # Python's None; "None yet", "None recorded" are English
NOT_PAGES = {"web:sign-out", "web:signed-out"}
SKIP = ("format=", "/export", "/download", "/api/", "/static/", "/media/")


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "template"):
            self._hidden += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in ("alt", "aria-label", "title"):
            if attrs.get(name):
                self.parts.append(attrs[name])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(" ".join(data.split()))


def raw_values(text: str) -> list[str]:
    """What a page should never show: snake_case codes, audit actions, ISO-8601 dates, Python's None."""
    return [*SNAKE.findall(text), *ACTION.findall(text), *ISO.findall(text), *NONE.findall(text)]


def test_the_checker_finds_what_it_is_for():
    assert raw_values("Family_name: agree; author_role: social_worker") == ["Family_name", "author_role",
                                                                            "social_worker"]
    assert raw_values("account.sign_in at 2024-02-03T10:00:00Z") == ["sign_in", "account.sign_in",
                                                                    "2024-02-03T10:00:00Z"]
    assert raw_values("Team: None") == ["None"]
    assert raw_values("Signed in on 3 February 2024 10:00 by sam.okafor. None yet. Front Door (MASH)") == []


def _seed(world):  # noqa: F811
    """Records whose details are raw: ISO timestamps, census codes, snake_case codes and keys; two matches to review;
    a partner's look-up; a case review commissioned."""
    ruby = world.child
    result = records_ingest(actor=SYSTEM, via="file", records=[
        rec(CSC, "P-CSC-1", "csc_contact", [m("m1", "subject", RUBY, "CSC-P1")], on="2024-03-04", detail={
            "code": "contact", "rag": "amber", "rag_at": "2024-03-04T13:30:00Z", "raised_by": "agency",
            "source_code": "3E", "decided_at": "2024-03-05T09:15:00Z", "decided_by_role": "Front door team manager",
            "author_role": "social_worker", "visit_type": "joint_health", "neglect_signs": ["poor_hygiene"],
            "primary_need": "N3", "factors": ["16A", "4B"], "authorised_on": "2024-03-06",
            "actions": ["2024-03-11 | Sam Okafor (sam.okafor) | See the child at school"]}),
        rec(CSC, "P-CSC-2", "cin_plan", [m("m1", "subject", RUBY, "CSC-P1"),
                                         m("m2", "carer", JADE, "CSC-P2", address={**HOME, "postcode": None},
                                           relationship_to_subject="mothers_partner")],
            on="2024-03-10", detail={"code": "cin_plan", "category": "physical_abuse", "child_seen": True}),
    ])
    assert {o.status for o in result.outcomes} == {"created"}, result.outcomes
    _link("P-CSC-1", "m1", ruby, world.head)
    _link("P-CSC-2", "m1", ruby, world.head)
    _link("P-CSC-2", "m2", world.mother, world.head)
    now = timezone.now()
    for left, right, probability, reason, fields in (
        ("A-GP-2", "A-POL-1", 0.62, REASON_UNCERTAIN, {"given_name": "agree", "family_name": "close", "dob": "agree"}),
        ("A-ED-1", "A-GP-1", 0.97, REASON_UPN_LINKED, {"upn": "missing", "nhs_number": "missing", "sex": "agree"}),
    ):
        a = Mention.objects.filter(record__source_record_id=left).order_by("mention_id").first()
        b = Mention.objects.filter(record__source_record_id=right).order_by("mention_id").first()
        ReviewItem.objects.create(left_uid=f"{left}-u", right_uid=f"{right}-u", left_source_identity=a.source_identity,
                                  right_source_identity=b.source_identity, left_mention=a, right_mention=b,
                                  match_probability=probability, fields=fields, reason=reason, created_at=now)
    partner_lookup_record(viewer=world.nurse, person=ruby, reason="Seen in A&E", responsible_agency_id=world.csc.pk)
    today = dt.date.today()
    commission_create(user=world.head, reviewer=world.reviewer, person_id=ruby.pk, reference="Review 2026/9",
                      starts_on=today - dt.timedelta(days=1), ends_on=today + dt.timedelta(days=30))


def _walk(client: Client) -> dict[str, str]:
    """Every page reachable from the home page by links, one of each kind (URL name): URL → visible text."""
    seen_names: set[str] = set()
    pages: dict[str, str] = {}
    queue, queued = deque(["/"]), {"/"}
    while queue:
        url = queue.popleft()
        try:
            name = resolve(urlsplit(url).path).view_name
        except Resolver404:
            continue
        if name in seen_names or name in NOT_PAGES:
            continue
        seen_names.add(name)
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = VisibleText()
        parser.feed(response.content.decode())
        pages[url] = "\n".join(parser.parts)
        for href in parser.links:
            link = href.split("#", 1)[0]
            if link.startswith("/") and not any(s in link for s in SKIP) and link not in queued:
                queued.add(link)
                queue.append(link)
    return pages


def test_no_page_any_role_is_offered_shows_raw_codes_keys_or_timestamps(world, make_user):  # noqa: F811
    _seed(world)
    staff = {Role.SOCIAL_WORKER: world.worker, Role.TEAM_MANAGER: world.manager, Role.FRONT_DOOR: world.front_door,
             Role.PARTNER_PRACTITIONER: world.nurse, Role.PARTNERSHIP_MEMBER: world.partnership,
             Role.DATA_PROTECTION_OFFICER: world.dpo, Role.HEAD_OF_SERVICE: world.head,
             Role.CASE_REVIEWER: world.reviewer, Role.SYSTEM_ADMINISTRATOR: world.admin,
             Role.PERFORMANCE: make_user(Role.PERFORMANCE, agency=world.csc)}
    assert set(staff) == set(Role.values)  # a new role is walked the day it is added
    failures, walked = [], {}
    for role, user in staff.items():
        pages = _walk(sign_in(Client(), user))
        walked[role] = set(pages)
        for url, text in pages.items():
            for line in text.splitlines():
                found = raw_values(line)
                if found:
                    failures.append(f"{role} {url}: {found} in {line[:120]!r}")
    # The walk reaches the pages that showed raw values before (it is only as strong as the pages it opens).
    reached = {resolve(urlsplit(u).path).view_name for urls in walked.values() for u in urls}
    assert {"web:person", "web:chronology", "web:record", "web:review-item", "web:review-queue",
            "web:audit-trail", "web:account"} <= reached, sorted(reached)
    assert failures == [], "\n".join(failures)
