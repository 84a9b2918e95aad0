"""No personal data in the server's log over a whole browser journey (issue 18; security promises 2 and 8).

First a hospital's system posts an injury to a child on a plan through the API (`requests`, a bearer token), naming
her mother, their address and NHS numbers: the matching and the judging of the child's alerts it queues run as the
worker would (the test settings run a task at once, in the request), so their lines are in the log too. Then Chromium
(Debian's, through Playwright) against the live server: the child's social worker signs in (both steps), finds her by
name, opens her chronology and its household view, opens the alert the record raised and decides on it
(acknowledged, then dismissed with a reason that names the child and her mother), records a visit (what they saw,
naming the child again) and signs out.

Every line the server process writes through its log handler is captured, with every logger at DEBUG and every
database connection logging its SQL (as `DEBUG = True` would). Each line must be one JSON object carrying a request
id; and no line may hold any name, date of birth, NHS number, local person id, address or postcode of the test data —
collected, when the journey is over, from what the database holds (every mention, person and user), not from a list
written here. The same grep finds a name logged on purpose, so a leak would fail the test."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

import pytest
import requests
from playwright.sync_api import Page, expect

from joinedup.accounts.models import AgencyKind, Role, User
from joinedup.accounts.services import actor_for, agency_create, api_token_create, user_create
from joinedup.alerts.models import Alert
from joinedup.core.logging import JsonFormatter
from joinedup.ingest.models import Mention
from joinedup.people.models import Person
from joinedup_lab.benches import visit_time
from tests.alerts.conftest import own_rules  # noqa: F401 - fixture: the injury rule T1 raises an alert on arrival
from tests.browser.helpers import sign_in
from tests.conftest import PASSWORD, SYSTEM
from tests.logcapture import console_handler, console_log_at_debug

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSPITAL = "wrenfield-general-hospital"
MOTHER = {"given_name": "Cressida", "family_name": "Thornfield", "dob": "1989-05-04", "nhs_number": "9990041814"}
ADDRESS = {"lines": ["12 Wrenfield Mews", "Northbrook"], "postcode": "NB9 7TW"}
CHILD_NHS_NUMBER = "9990041725"


# --- what counts as personal data, and the grep ------------------------------------------------------------------


def _date_forms(day: dt.date) -> set[str]:
    return {day.isoformat(), f"{day:%d/%m/%Y}", f"{day.day}/{day.month}/{day.year}", f"{day.day} {day:%B %Y}",
            f"{day:%d %B %Y}", f"{day.day} {day:%b %Y}", f"{day:%Y%m%d}"}


def _postcode_forms(postcode: str) -> set[str]:
    outward, _, inward = postcode.strip().upper().partition(" ")
    return {postcode.strip(), outward + inward, f"{outward}+{inward}", f"{outward}%20{inward}"} if inward else {postcode}


def _address_forms(line: str) -> set[str]:
    """An address line that says where someone lives (a house number and a street): the line, and the street."""
    if not any(c.isdigit() for c in line):
        return set()  # "Northbrook": the town alone is also the authority's and its agencies' name
    street = re.sub(r"^[\d\s,/-]+[a-z]?\s+", "", line.strip(), flags=re.I)
    return {line.strip(), street} if len(street) >= 4 else {line.strip()}


def personal_data() -> set[str]:
    """Every name, date of birth, NHS number, local person id, address and postcode the database holds: of each
    mention (what every agency's record said of each person), each person, and each user; in the forms a line could
    carry them."""
    found: set[str] = set()
    for m in Mention.objects.values("given_name", "family_name", "other_names", "dob", "nhs_number", "upn",
                                    "local_person_id", "postcode", "address_lines"):
        found |= {m["given_name"], m["family_name"], m["local_person_id"], m["upn"]}
        for other in m["other_names"] or ():
            found |= {other.get("given_name", ""), other.get("family_name", "")}
        if m["dob"]:
            found |= _date_forms(m["dob"])
        if m["nhs_number"]:
            n = m["nhs_number"]
            found |= {n, f"{n[:3]} {n[3:6]} {n[6:]}"}
        if m["postcode"]:
            found |= _postcode_forms(m["postcode"])
        for line in m["address_lines"] or ():
            found |= _address_forms(line)
    for p in Person.objects.values("given_name", "family_name", "dob", "nhs_number"):
        found |= {p["given_name"], p["family_name"], p["nhs_number"]}
        if p["dob"]:
            found |= _date_forms(p["dob"])
    for u in User.objects.values("first_name", "last_name", "email"):
        found |= {u["first_name"], u["last_name"], u["email"]}
    return {v.strip() for v in found if v and len(v.strip()) >= 3}


class Grep:
    """Finds any of `values` in a line, case-insensitively, as a whole word or number ("Ava", not "available";
    "NB9 7TW" and "2017-09-12" as written)."""

    def __init__(self, values: set[str]):
        self.values = values
        alternatives = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
        self.pattern = re.compile(rf"(?<![0-9A-Za-z])(?:{alternatives})(?![0-9A-Za-z])", re.IGNORECASE)

    def hits(self, text: str) -> list[tuple[str, str]]:
        """(value found, its line) for each line holding one."""
        return [(match.group(0), line) for line in text.splitlines() if (match := self.pattern.search(line))]


# --- the server's log --------------------------------------------------------------------------------------------


@pytest.fixture
def server_log():
    """The console handler (its real JSON formatter and filters) writing into a buffer; every logger at DEBUG; every
    database connection opened meanwhile (the live server's, one per request) logging each statement."""
    assert isinstance(console_handler().formatter, JsonFormatter), "the log is JSON lines"
    with console_log_at_debug(new_connections=True) as out:
        yield out


def _injury(child_name: str, child_dob: dt.date, local: str) -> dict:
    given, family = child_name.split(" ", 1)
    now = dt.datetime.now(dt.UTC)
    return {
        "schema": "joinedup.agency-record/1", "agency_id": HOSPITAL, "source_system": "ed",
        "source_record_id": "ED-LOG-1", "version": 1, "kind": "ed_attendance",
        "occurred_at": (now - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "recorded_at": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mentions": [
            {"mention_id": "m1", "role": "patient", "local_person_id": local, "given_name": given,
             "family_name": family, "dob": child_dob.isoformat(), "nhs_number": CHILD_NHS_NUMBER, "address": ADDRESS},
            {"mention_id": "m2", "role": "accompanying_adult", "local_person_id": "WGH-M55107", **MOTHER,
             "relationship_to_subject": "mother", "address": ADDRESS},
        ],
        "detail": {"code": "injury", "author_role": "Emergency department nurse",
                   "injury": {"site": "upper arm", "description": "bruising", "explanation_given": "fell"}},
    }


def test_a_browser_journey_and_an_api_post_log_json_lines_with_no_personal_data(page: Page, live_server, own_rules,  # noqa: F811
                                                                               server_log):
    seeded = visit_time.seed(password=PASSWORD)  # a child on a plan, allocated to a social worker
    child = Person.objects.get(pk=seeded.child_id)
    hospital = agency_create(actor=SYSTEM, code=HOSPITAL, name="Wrenfield General Hospital",
                             kind=AgencyKind.ACUTE_HOSPITAL)
    feed = user_create(actor=SYSTEM, username="wgh.ed.feed", password=PASSWORD, agency=hospital,
                       role=Role.PARTNER_PRACTITIONER, first_name="Ottoline", last_name="Feedwright",
                       email="ed-feed@wrenfield.example.invalid")
    _, token = api_token_create(actor=actor_for(feed), user=feed, name="ED feed")

    # The hospital's system posts an injury to the child, with her mother, their address and NHS numbers.
    posted = requests.post(f"{live_server.url}/api/v1/records/", json=_injury(seeded.child_name, child.dob, "WGH-C88231"),
                           headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert posted.status_code == 201, posted.text
    alert = Alert.objects.get(rule_id="T1")  # matched to the child and judged, as the worker would
    assert alert.person_id == child.pk and alert.routed_to.username == seeded.username

    # The social worker: sign in, find the child by name, her chronology and household, the alert, a visit.
    sign_in(page, live_server, seeded.username, password=PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    page.goto(f"{live_server.url}/people/")
    page.get_by_label("Name").fill(seeded.child_name)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=seeded.child_name).first.click()
    page.get_by_role("link", name="Chronology: every agency's events in time order").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(seeded.child_name)
    page.get_by_role("link", name=re.compile(r"^Add the events of the people living with")).click()
    expect(page.locator("table.app-events")).to_contain_text("A&E")

    page.goto(f"{live_server.url}/alerts/")
    page.get_by_role("link", name="T1: Injury recorded").click()
    expect(page.get_by_role("heading", name="Your decision")).to_be_visible()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    page.get_by_label("Or dismiss it: why is no action needed?").fill(
        f"{seeded.child_name} fell at nursery; her mother {MOTHER['given_name']} told the GP the same day.")
    page.get_by_role("button", name=re.compile(r"^(Dismiss alert|Propose dismissing)")).click()
    expect(page.get_by_role("alert").first).to_be_visible()

    page.goto(f"{live_server.url}/cases/{seeded.case_id}/visits/new/")
    page.get_by_role("group", name=f"Did you see {seeded.child_name}?").get_by_role("radio", name="Yes",
                                                                                    exact=True).check()
    page.get_by_role("group", name="Did you see them alone?").get_by_role("radio", name="Yes", exact=True).check()
    page.get_by_label("What you saw").fill(f"{seeded.child_name.split()[0]} showed me the bruise on her upper arm.")
    page.get_by_role("button", name="Record the visit").click()
    expect(page.get_by_role("heading", name="Visit recorded")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")

    written = server_log.getvalue()
    lines = [json.loads(line) for line in written.splitlines()]  # every line is one JSON object
    assert all({"time", "level", "logger", "request_id", "message"} <= set(line) for line in lines)
    requests_logged = [line for line in lines if line["logger"] == "joinedup.request"]
    ids = {r["request_id"] for r in requests_logged}
    assert all(len(i) == 32 for i in ids) and len(ids) == len(requests_logged)
    assert posted.headers["X-Request-ID"] in ids
    routes = {(r["method"], r["route"], r["status"]) for r in requests_logged}
    visited = {("POST", "v1:record-ingest", 201), ("POST", "web:sign-in", 302),
               ("POST", "web:person-search", 200), ("GET", "web:chronology", 200), ("GET", "web:alert", 200),
               ("POST", "web:alert", 302), ("POST", "web:visit-new", 302), ("POST", "web:sign-out", 302)}
    assert visited <= routes, (visited - routes, routes)
    assert {("POST", "web:sign-in-set-up")} <= {r[:2] for r in routes}, routes  # the second step: setting up the app
    # The capture is real: the server's SQL (withheld) and the matching task's lines, in the API post's request.
    assert "SQL statement; its text and parameters are withheld" in written
    in_post = [line["message"] for line in lines if line["request_id"] == posted.headers["X-Request-ID"]]
    for task in ("joinedup.people.tasks.match_mentions", "joinedup.alerts.tasks.evaluate_mentions"):
        assert any(f"path={task} state=SUCCESSFUL" in m for m in in_post), in_post[-5:]

    data = personal_data()
    assert {"Ava", "Thornfield", "Cressida", "WGH-C88231", CHILD_NHS_NUMBER, "999 004 1725", "NB9 7TW", "NB97TW",
            "Wrenfield Mews", "2017-09-12", "12/09/2017", "1989-05-04"} <= data  # the grep looks for what is there
    grep = Grep(data)
    assert grep.hits(written) == [], grep.hits(written)[:5]

    # The grep is not blind: a name logged by mistake, through the same handler, is found.
    logging.getLogger("joinedup.people").warning("matched %s", seeded.child_name)
    [(found, line)] = grep.hits(server_log.getvalue())
    assert found in seeded.child_name.split() and json.loads(line)["message"] == f"matched {seeded.child_name}"


def test_the_grep_finds_each_kind_of_personal_data_and_nothing_else():
    grep = Grep({"Ava", "Thornfield", "9990041725", "999 004 1725", "NB9 7TW", "NB97TW", "12/09/2017", "WGH-C88231",
                 "Wrenfield Mews"})
    lines = ['{"message": "matched ava thornfield"}', '{"message": "nhs_number=999 004 1725"}',
             '{"path": "/people/?postcode=NB97TW"}', '{"message": "born 12/09/2017"}', '{"message": "WGH-C88231"}',
             '{"message": "12 Wrenfield Mews"}',
             '{"message": "available: Avalon, 19990041725, /static/thornfields.css, NB9 7TWX"}']
    hits = grep.hits("\n".join(lines))
    assert [line for _found, line in hits] == lines[:6]
    assert _date_forms(dt.date(2017, 9, 12)) >= {"2017-09-12", "12/09/2017", "12 September 2017"}
    assert _postcode_forms("NB9 7TW") == {"NB9 7TW", "NB97TW", "NB9+7TW", "NB9%207TW"}
    assert _address_forms("12 Wrenfield Mews") == {"12 Wrenfield Mews", "Wrenfield Mews"}
    assert _address_forms("Northbrook") == set()
