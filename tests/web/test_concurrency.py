"""Twenty people acting on the same thing at once (issue 18): twenty front-door workers close the same alert, then
mark (and unmark) the same chronology entry, each from their own signed-in session and the same page, released
together. One of them wins; the others get 409 and a page saying who did it first; nothing is closed or marked twice,
no change is lost and nothing answers 500. Real PostgreSQL, one connection a worker (as the web server's threads).

Alerts and marks are decided on the screens (joinedup.web.views.alerts, joinedup.web.views.chronology): the API has
no operation for either."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import Counter
from types import SimpleNamespace

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from joinedup.accounts.models import AgencyKind, Role
from joinedup.alerts.models import Alert, AlertStatus, AlertStep, StepKind
from joinedup.alerts.rules.base import SUSPECT, Finding, Rule
from joinedup.alerts.services import alerts_evaluate_for_person
from joinedup.audit.models import AuditEvent
from joinedup.casework.relationships import may_mark_significant
from joinedup.casework.services import NewPerson, contact_record
from joinedup.chronology.models import SignificantMark
from tests.conftest import sign_in

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

CLIENTS = 20


def _contact_seen(ctx, at, params):
    contacts = [e for e in ctx.events if e.kind == "csc_contact"]
    return Finding("TC", "A contact was received about the child.", (contacts[0].key,)) if contacts else None


CONTACT_SEEN = Rule("TC", "Contact received", "Any contact received.", "Test rule", SUSPECT, {}, _contact_seen)


@pytest.fixture
def front_door(make_agency, make_team, make_user):
    """A front door of twenty workers, and a child they took a contact about (their front-door duty: each of them
    sees the team's alerts about the child and may mark the child's chronology)."""
    csc = make_agency(AgencyKind.CHILDRENS_SOCIAL_CARE)
    team = make_team(csc, is_front_door=True)
    workers = [make_user(Role.FRONT_DOOR, agency=csc, team=team) for _ in range(CLIENTS)]
    taken = contact_record(user=workers[0], person=None, raised_by="neighbour", text="A neighbour is worried.",
                           new_person=NewPerson(given_name="Ada", family_name="Quill", dob=dt.date(2019, 5, 4)))
    clients = [sign_in(Client(raise_request_exception=False), w) for w in workers]
    return SimpleNamespace(team=team, workers=workers, child=taken.person, record_pk=taken.record_pk,
                           clients=clients)


def all_at_once(clients, send) -> list:
    """`send(client, n)` from every client in its own thread (its own database connection), released together by a
    barrier; returns the responses in the clients' order. A request that raised is reported, not swallowed."""
    barrier = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            responses[n] = send(clients[n], n)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [] and all(r is not None for r in responses), errors
    return responses


def one_winner(responses) -> int:
    """Exactly one request changed it (302 to the page); every other one was told of a conflict (409); none failed."""
    codes = Counter(r.status_code for r in responses)
    assert codes == {302: 1, 409: CLIENTS - 1}, codes
    return next(n for n, r in enumerate(responses) if r.status_code == 302)


def problem(response) -> str:
    """The page's error summary (GOV.UK "There is a problem"), as text."""
    html = response.content.decode()
    found = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.DOTALL)
    assert "There is a problem" in html and found, html[:2000]
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_twenty_close_the_same_alert_one_wins_the_rest_get_409(front_door):
    alerts_evaluate_for_person(person=front_door.child, rules=[CONTACT_SEEN])
    alert = Alert.objects.get(person=front_door.child, rule_id="TC")
    assert (alert.status, alert.team, alert.routed_to) == (AlertStatus.NEW, front_door.team, None)  # the team's
    url = reverse("web:alert", args=[alert.pk])
    for client in front_door.clients:  # everyone has the open alert in front of them
        page = client.get(url)
        assert page.status_code == 200 and 'name="dismiss-reason"' in page.content.decode()

    def close(client, n):  # half say what they did, half dismiss it
        if n % 2:
            return client.post(url, {"do": "dismiss", "dismiss-reason": f"Not needed ({n})."})
        return client.post(url, {"do": "act", "act-action": f"Called the school ({n}).", "act-link": ""})

    responses = all_at_once(front_door.clients, close)
    won = one_winner(responses)
    winner = front_door.workers[won]
    alert.refresh_from_db()
    assert alert.status == (AlertStatus.DISMISSED if won % 2 else AlertStatus.ACTED)
    assert alert.closed_by == winner and f"({won})" in alert.outcome  # the winner's words, nobody else's
    closing = AlertStep.objects.filter(alert=alert, kind__in=[StepKind.ACTED, StepKind.DISMISSED])
    assert closing.count() == 1 and closing.get().actor_id == winner.pk
    audited = AuditEvent.objects.filter(action__in=["alert.act", "alert.dismiss"], object_id=str(alert.pk))
    assert [e.actor_id for e in audited] == [winner.pk]
    name = winner.get_full_name()
    for n, response in enumerate(responses):
        if n == won:
            continue
        said = problem(response)
        assert "already closed" in said and name in said, said  # who closed it first
        assert 'name="dismiss-reason"' not in response.content.decode()  # the page shows it closed, not its form
    # Every page that showed the alert was audited: the twenty before, the nineteen 409s (the winner was redirected).
    assert AuditEvent.objects.filter(action="alert.view", object_id=str(alert.pk)).count() == 2 * CLIENTS - 1


def test_twenty_mark_the_same_entry_then_unmark_it_one_wins_each_time(front_door):
    child, record_pk = front_door.child, front_door.record_pk
    assert all(may_mark_significant(w, child) for w in front_door.workers)
    url = reverse("web:chronology", args=[child.pk])
    pages = [client.get(url) for client in front_door.clients]  # everyone has the entry, not marked, in front of them
    for flag, action in ((1, "event.mark"), (0, "event.unmark")):
        for page in pages:  # the same state for all: the button to flip it
            assert page.status_code in (200, 409) and f'name="mark" value="{record_pk}:{flag}:' in page.content.decode()

        responses = all_at_once(front_door.clients, lambda client, n, flag=flag: client.post(
            url, {"mark": f"{record_pk}:{flag}:entry", "query": "", "note": f"worker {n}"}))
        won = one_winner(responses)
        winner = front_door.workers[won]
        marks = list(SignificantMark.objects.filter(record_id=record_pk).order_by("id"))
        assert [m.significant for m in marks] == [True, False][: 2 - flag]  # one row a change: none lost, none twice
        assert marks[-1].marked_by_id == winner.pk and marks[-1].note == f"worker {won}"
        audited = AuditEvent.objects.filter(action=action, object_id=str(record_pk))
        assert [e.actor_id for e in audited] == [winner.pk]
        done = "marked this entry as significant" if flag else "unmarked this entry"
        for n, response in enumerate(responses):
            if n != won:
                said = problem(response)
                assert done in said and winner.get_full_name() in said, said
        # What each now has in front of them: the losers, the 409 page (the entry as it is now); the winner, the page
        # the redirect took them to. Next, they all flip it back at once.
        pages = [front_door.clients[n].get(r["Location"]) if n == won else r for n, r in enumerate(responses)]
