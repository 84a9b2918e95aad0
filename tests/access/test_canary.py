"""The protected-address canary (security promise 2).

A refuge's street and postcode arrive with `protected: true` on a hospital's record of Ruby (and her mother), and
Ruby's looked-after placement carries a placement postcode. Every page and API operation the URL configuration has,
with every id the authority holds filled in, and every same-site link those pages offer (exports, CSV downloads,
household views, other pages of a list), is fetched as every member of staff; the chronology export is made as each.
Every logger is captured at DEBUG from before the records arrive, and e-mails and the audit trail are read too.
The refuge must appear nowhere; the placement postcode only where the policy allows it (the child's case page, to
the allocated social worker and their team manager) — and it must appear there, so that this test can fail.
Searching by the refuge's street or postcode finds nobody.
"""

from __future__ import annotations

import contextlib
import html
import io
import itertools
import logging
import re

import pytest
from django.core import mail
from django.db.models import Q
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from joinedup.access.models import AccessClaim
from joinedup.alerts.models import Alert
from joinedup.audit.models import AuditEvent
from joinedup.casework.models import Case
from joinedup.core.logging import SafeFormatter
from joinedup.ingest.models import Mention, SourceRecord
from joinedup.people.models import ReviewItem
from tests.access.conftest import PLACEMENT_POSTCODE, REFUGE_POSTCODE, REFUGE_STREET
from tests.conftest import sign_in

REFUGE = (REFUGE_STREET.lower(), REFUGE_POSTCODE.lower(), REFUGE_POSTCODE.replace(" ", "").lower())
PLACEMENT = (PLACEMENT_POSTCODE.lower(), PLACEMENT_POSTCODE.replace(" ", "").lower())
NOT_FETCHED = {"sign-out", "sign-in", "sign-in-code", "sign-in-set-up", "sign-in-organisation",
               "sign-in-organisation-callback", "account-authenticator", "account-recovery-codes", "schema"}
PAGES_PER_USER = 600


@contextlib.contextmanager
def _every_log_line():
    """Every logger at DEBUG, and the deployment's own log handlers (`config.settings`: `joinedup.core.logging`, its
    formatter and filters) writing into one buffer instead of the console: what a server would have logged. pytest's
    own capture is taken off meanwhile (it would format every DEBUG line a second time)."""
    buffer = io.StringIO()
    root = logging.getLogger()
    loggers = [root, *(logging.getLogger(n) for n in list(logging.root.manager.loggerDict))]
    saved = [(lg, lg.level, lg.disabled) for lg in loggers]
    ours = [h for lg in loggers for h in lg.handlers
            if isinstance(h, logging.StreamHandler) and isinstance(h.formatter, SafeFormatter)]
    assert ours, "the deployment's log handler was not found: the capture would be empty"
    streams = [(h, h.setStream(buffer)) for h in ours]
    pytest_handlers = [h for h in root.handlers if type(h).__module__.startswith("_pytest")]
    for h in pytest_handlers:
        root.removeHandler(h)
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.disabled = False
    try:
        yield buffer
    finally:
        for lg, level, disabled in saved:
            lg.setLevel(level)
            lg.disabled = disabled
        for h, stream in streams:
            h.setStream(stream)
        for h in pytest_handlers:
            root.addHandler(h)


@pytest.fixture
def every_log():
    """Every log line from before the fixture's records arrive (see `_every_log_line`)."""
    with _every_log_line() as buffer:
        yield buffer


def _patterns(resolvers=None, prefix=""):
    for p in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.name


_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def _values(world) -> dict[str, list]:
    """Every id the authority holds, by the URL parameter that takes it."""
    from joinedup.practice.models import Concern, Meeting, SupervisionSession

    # The records that carry a canary (the refuge's, the placement's), the contact that opened the case, and one
    # sensitive record: every page that takes a record is fetched with each (the others' pages are alike).
    records = list(SourceRecord.objects.filter(
        Q(source_record_id__in=["A-ED-1", "A-POL-2"]) | Q(kind__in=["looked_after_episode", "csc_contact"]))
        .values_list("pk", flat=True))
    steps = ["assessment_complete", "looked_after_change", "looked_after_end", "close", "strategy_discussion"]
    return {
        "person_id": [world.child.pk, world.mother.pk, world.partner.pk],
        "record_pk": records, "record_id": records,
        "case_id": list(Case.objects.values_list("pk", flat=True)),
        "alert_id": list(Alert.objects.values_list("pk", flat=True)),
        "mention_id": list(Mention.objects.filter(record__source_record_id="A-ED-1").values_list("pk", flat=True)),
        "item_id": list(ReviewItem.objects.values_list("pk", flat=True)),
        "user_id": [world.worker.pk, world.head.pk],
        "session_id": list(SupervisionSession.objects.values_list("pk", flat=True)),
        "meeting_id": list(Meeting.objects.values_list("pk", flat=True)),
        "concern_id": list(Concern.objects.values_list("pk", flat=True)),
        "claim_id": list(AccessClaim.objects.values_list("pk", flat=True)),
        "step": steps, "number": [1],
    }


def _seed_urls(values) -> tuple[list[str], set[str]]:
    """Every URL pattern with every combination of ids; and the names of patterns no id could fill."""
    urls, unfilled = [], set()
    for route, name in _patterns():
        if name in NOT_FETCHED:
            continue
        params = [m.group("name") for m in _PARAM.finditer(route)]
        if any(not values.get(p) for p in params):
            unfilled.add(name)
            continue
        pools = [values["person_id"][:1] if p == "person_id" and len(params) > 1 else values[p] for p in params]
        for combo in itertools.product(*pools):  # a person's record, case…: the child's (each record's page is hers)
            filled = dict(zip(params, combo, strict=True))
            urls.append("/" + _PARAM.sub(lambda m, f=filled: str(f[m.group("name")]), route))
    return urls, unfilled


_HREF = re.compile(r'href="([/?][^"#]*)"')


def _links(body: str, here: str) -> list[str]:
    """Same-site links of a page: paths, and query strings relative to the page (`?format=csv&figure=…`)."""
    out = []
    for raw in _HREF.findall(body):
        url = html.unescape(raw)
        if url.startswith("?"):
            url = here.split("?", 1)[0] + url
        if url.startswith(("/static/", "//")):
            continue
        try:
            match = resolve(url.split("?", 1)[0])
        except Resolver404:
            continue
        if match.url_name not in NOT_FETCHED:
            out.append(url)
    return out


def _crawl(client: Client, seeds: list[str]) -> dict[str, tuple[int, str]]:
    """Fetch the seeds and every same-site link they offer (breadth first), once each."""
    seen: dict[str, tuple[int, str]] = {}
    queue = list(dict.fromkeys(seeds))
    while queue and len(seen) < PAGES_PER_USER:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        raw = b"".join(response.streaming_content) if response.streaming else response.content  # CSV downloads
        body = raw.decode("utf-8", "replace")
        seen[url] = (response.status_code, body)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            queue.extend(u for u in _links(body, url) if u not in seen)
    return seen


def _found(text: str, canaries) -> list[str]:
    low = text.lower()
    return [c for c in canaries if c in low]


def _quiet_pytest() -> None:
    """pytest adds its capturing handler again for each phase of a test: take it off for the crawl."""
    root = logging.getLogger()
    for h in [h for h in root.handlers if type(h).__module__.startswith("_pytest")]:
        root.removeHandler(h)


def test_a_protected_address_reaches_nobody(every_log, world):
    _quiet_pytest()
    staff = [world.front_door, world.worker, world.other_worker, world.manager, world.head, world.dpo, world.reviewer,
             world.partnership, world.admin, world.gp_doctor, world.nurse, world.officer]
    entitled = {world.worker.pk, world.manager.pk}  # to the placement postcode: the allocated worker and manager
    values = _values(world)
    seeds, unfilled = _seed_urls(values)
    assert not {"person", "chronology", "record", "case", "alert", "chronology-export"} & unfilled, unfilled
    leaks, fetched, clients, every_url = [], 0, {}, set()
    placement_seen_by = set()
    for user in staff:
        client = clients[user.pk] = Client(raise_request_exception=False)  # a server error is a page too
        sign_in(client, user)
        pages = _crawl(client, seeds)
        fetched += len(pages)
        every_url.update(u for u, (status, _b) in pages.items() if status == 200)
        for person in values["person_id"]:  # the pseudonymised export, as CSV (the PDF holds the same rows)
            response = client.post(f"/people/{person}/chronology/export/", {
                "format": "csv", "shift_dates": "no", "replace_agencies": "no", "household": "yes"})
            pages[f"POST export {person}"] = (response.status_code, response.content.decode("utf-8", "replace"))
        for url, (status, body) in pages.items():
            leaks += [(user.username, url, status, c) for c in _found(body, REFUGE)]
            if user.pk in entitled:
                if _found(body, PLACEMENT):
                    placement_seen_by.add(user.pk)
            else:
                leaks += [(user.username, url, status, c) for c in _found(body, PLACEMENT)]
        assert [url for url, (status, _b) in pages.items() if status == 200], f"{user.username}: the crawl is broken"
    assert fetched > 500, fetched  # the crawl reached the site: pages, the API, downloads, the household view
    assert {"/api/v1/me/", f"/cases/{world.case_id}/", f"/api/v1/cases/{world.case_id}/"} <= every_url
    assert [u for u in every_url if u.startswith("/dashboard/?") and "format=csv" in u]
    assert [u for u in every_url if "household=on" in u]
    assert not leaks, leaks[:20]
    # the policy's one place for the placement postcode: the case page, for the allocated worker and manager
    assert placement_seen_by == entitled
    for user in (world.worker, world.manager):
        assert PLACEMENT_POSTCODE in clients[user.pk].get(f"/cases/{world.case_id}/").content.decode()

    # Searching by the refuge's street or postcode finds nobody (the page shows the words typed, nothing more).
    for user in staff:
        for term in (REFUGE_STREET, REFUGE_POSTCODE, "Quillfeather"):
            for url in ("/people/", "/access/claim/"):
                response = clients[user.pk].post(url, {"name": term, "kind": "self_claim", "reason_code": "other",
                                                       "reason_text": "Checking the canary search."})
                body = response.content.decode("utf-8", "replace")
                assert response.status_code in (200, 404), (user.username, url, response.status_code)
                assert not [p for p in values["person_id"] if f"/{p}/" in body], (user.username, url, term)

    logs = every_log.getvalue()
    assert "GET /people/" in logs or "chronology" in logs or len(logs) > 1000, "the log capture caught nothing"
    assert not _found(logs, REFUGE + PLACEMENT)
    assert not [m for m in mail.outbox if _found(f"{m.subject} {m.body}", REFUGE + PLACEMENT)]
    # The audit trail never holds the protected values (a search's own words are kept as typed: left out here).
    searches = ("person.search", "access.claim_search")
    audit = " ".join(f"{r.reason} {r.detail}" for r in AuditEvent.objects.exclude(action__in=searches))
    assert not _found(audit, REFUGE + PLACEMENT)
