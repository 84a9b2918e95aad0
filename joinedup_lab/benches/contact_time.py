"""`joinedup bench contact-time`: how much a front-door practitioner has to do to record a contact and decide it.

A browser script (Playwright driving Debian's Chromium) does what a practitioner does at the front door:
opens "Record a contact", searches for the child by name, picks them, says who raised the concern and what
it is, records it, then decides what happens next on the contact's page. It uses the keyboard as a
practitioner would (typing, Enter, Space, arrow keys, Tab) and reports:

- `contact_required_fields`: the distinct fields marked required (`required` or `aria-required="true"`) in
  the forms the practitioner submits to record the contact (choosing the child, then the contact);
- `decision_required_fields`: the same for the decision form;
- `keystrokes`: characters typed plus keys pressed (Enter, Space, Tab, arrows), from opening the page to the
  decision being saved; `clicks`: the times the script put the focus somewhere without the keyboard;
- `seconds`: wall time of the whole script, page loads included (the server is local);
- `decision_recorded`: whether the contact's decision is in the database afterwards.

`run` makes a fresh SQLite database under var/ (a temporary directory), migrates it in a subprocess with
DATABASE_URL pointing at it, and in a second subprocess adds a children's social care agency with a front
door team and worker, a hospital and a school, and one child both know (`seed`); serves joinedup from a
thread (Django's `LiveServerThread`, static files from the apps) and runs the script (`measure`). The test
suite calls `seed` and `measure` against its own live server.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from joinedup_lab.benchkit import STATIC_FROM_APPS, module_main, module_on_fresh_sqlite
from joinedup_lab.benchkit import say as _say

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
CSC_CODE = "bench-childrens-services"
CHILD = ("Milo", "Ashgrove", "2022-03-14", "9434765919")
CONCERN = "Police attended a domestic incident at home last night; Milo was present and upset."
AGENCY_KIND = "Police"  # typed into the agency select: its options jump to the first that matches


@dataclass(frozen=True)
class Seeded:
    username: str
    password: str
    child_name: str
    child_id: uuid.UUID


def seed(*, password: str | None = None) -> Seeded:
    """An authority's children's social care (front door team and a worker), a hospital and a school, and one
    child both have records of (linked to one person, as a linkage run would)."""
    from joinedup.accounts.models import AgencyKind, Role, Team
    from joinedup.accounts.services import agency_get_or_create, team_create, user_create
    from joinedup.core.actor import ActorRef
    from joinedup.core.time import utc_now
    from joinedup.ingest.models import Mention
    from joinedup.ingest.services import records_ingest
    from joinedup.people.models import LinkMethod, MentionLink, Person
    from joinedup.people.services import persons_refresh

    actor = ActorRef.system("bench")
    password = password or f"{uuid.uuid4().hex}Aa1!"
    csc, _ = agency_get_or_create(actor=actor, code=CSC_CODE, name="Bench Children's Services",
                               kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    agency_get_or_create(actor=actor, code="bench-hospital", name="Bench General Hospital",
                         kind=AgencyKind.ACUTE_HOSPITAL)
    agency_get_or_create(actor=actor, code="bench-school", name="Bench Primary School", kind=AgencyKind.SCHOOL)
    team = Team.objects.filter(agency=csc, is_front_door=True).first() or team_create(
        actor=actor, agency=csc, code="front-door", name="Front Door (MASH)", is_front_door=True)
    user = user_create(actor=actor, username=f"bench.frontdoor.{uuid.uuid4().hex[:6]}", password=password,
                       agency=csc, role=Role.FRONT_DOOR, team=team, first_name="Femi", last_name="Bench",
                       email="bench.frontdoor@example.invalid")
    given, family, dob, nhs = CHILD
    child = {"mention_id": "m1", "given_name": given, "family_name": family, "dob": dob, "nhs_number": nhs}

    def record(agency: str, srid: str, kind: str, role: str, local: str, day: str, detail: dict) -> dict:
        return {"schema": "joinedup.agency-record/1", "agency_id": agency, "source_system": "bench",
                "source_record_id": srid, "version": 1, "kind": kind, "recorded_at": f"{day}T18:00:00Z",
                "occurred_on": day, "mentions": [{**child, "role": role, "local_person_id": local}],
                "detail": detail}

    records = [
        record("bench-hospital", "BH-1", "ed_attendance", "patient", "BH-P1", "2025-11-02",
               {"code": "injury", "author_role": "Emergency department nurse",
                "injury": {"site": "arm", "description": "bruising", "explanation_given": "fell off the sofa"}}),
        record("bench-hospital", "BH-2", "ed_attendance", "patient", "BH-P1", "2026-01-20",
               {"code": "injury", "author_role": "Emergency department nurse",
                "injury": {"site": "ear", "description": "bruising", "explanation_given": "fell against the cot"}}),
        record("bench-school", "BS-1", "school_concern", "pupil", "BS-P1", "2026-02-11",
               {"code": "concern", "text": "Arrived hungry and tired.", "author_role": "Designated safeguarding lead"}),
    ]
    result = records_ingest(actor=actor, records=records, via="file")
    if any(o.status == "refused" for o in result.outcomes):
        raise RuntimeError(f"bench records refused: {result.outcomes}")
    person = Person.objects.create()
    now = utc_now()
    MentionLink.objects.bulk_create([
        MentionLink(mention_id=pk, person=person, method=LinkMethod.SAME_SOURCE_ID, match_probability=1.0,
                    reason="benchmark: same person id", linked_at=now)
        for pk in Mention.objects.filter(agency__code__in=["bench-hospital", "bench-school"]).values_list("pk", flat=True)
    ])
    persons_refresh([person.pk])
    return Seeded(user.username, password, f"{given} {family}", person.pk)


@dataclass
class _Hands:
    """The practitioner's hands: every key counted."""

    page: Any
    keystrokes: int = 0
    clicks: int = 0
    steps: list[str] = field(default_factory=list)

    def focus(self, locator) -> None:
        locator.focus()
        self.clicks += 1

    def type(self, locator, text: str) -> None:
        self.focus(locator)
        self.page.keyboard.type(text)
        self.keystrokes += len(text)

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)
        self.keystrokes += times


def required_fields(form) -> set[str]:
    """The distinct names of the form's controls marked required."""
    return set(form.evaluate(
        "f => Array.from(f.querySelectorAll('[required], [aria-required=\"true\"]'))"
        ".filter(e => !e.disabled && e.name).map(e => e.name)"))


def measure(page, base_url: str, *, username: str, password: str, child_name: str) -> dict[str, Any]:
    """Sign in (not counted), then record a contact about `child_name` and decide it, as a practitioner would."""
    from joinedup_lab.browser_sign_in import sign_in_through_the_forms

    sign_in_through_the_forms(page, base_url, username=username, password=password)  # sets up its authenticator
    page.wait_for_url(f"{base_url}/")

    hands = _Hands(page)
    started = time.perf_counter()
    page.goto(f"{base_url}/contacts/new/")
    hands.type(page.get_by_label("Name"), child_name)
    hands.press("Enter")  # search
    choose = page.locator("form").filter(has=page.get_by_role("button", name="Continue"))
    choose.wait_for()
    contact_fields = required_fields(choose)
    hands.focus(page.get_by_role("radio", name=child_name))
    hands.press("Space")  # pick the child
    hands.press("Tab")  # to Continue
    hands.press("Enter")
    contact_form = page.locator("form").filter(has=page.get_by_role("button", name="Record the contact"))
    contact_form.wait_for()
    contact_fields |= required_fields(contact_form)
    hands.focus(page.get_by_role("radio", name="A professional or agency"))
    hands.press("Space")
    hands.type(page.get_by_label("Which kind of agency?"), AGENCY_KIND)
    hands.type(page.get_by_label("What is the concern?"), CONCERN)
    hands.focus(page.get_by_role("button", name="Record the contact"))
    hands.press("Enter")
    decide_form = page.locator("form").filter(has=page.get_by_role("button", name="Record the decision"))
    decide_form.wait_for()
    record_pk = int(page.url.rstrip("/").rsplit("/", 1)[1])
    decision_fields = required_fields(decide_form)
    hands.focus(page.get_by_role("radio", name="No further action"))
    hands.press("ArrowDown", 3)  # arrows move through the radios, selecting as they go: to "Assessment"
    hands.focus(page.get_by_role("button", name="Record the decision"))
    hands.press("Enter")
    page.wait_for_url(lambda url: "/contacts/" not in url)
    seconds = time.perf_counter() - started
    return {
        "contact_required_fields": len(contact_fields),
        "contact_required": sorted(contact_fields),
        "decision_required_fields": len(decision_fields),
        "decision_required": sorted(decision_fields),
        "keystrokes": hands.keystrokes,
        "keystrokes_besides_the_concern": hands.keystrokes - len(CONCERN),
        "clicks": hands.clicks,
        "seconds": round(seconds, 2),
        "record_pk": record_pk,
        "ended_at": page.url.removeprefix(base_url),
    }


@contextlib.contextmanager
def serving() -> Iterator[str]:
    """joinedup served from a thread of this process (Django's live server, static files from the apps), for a
    browser script; yields its base URL."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread
    from django.test.utils import override_settings

    with override_settings(STORAGES=STATIC_FROM_APPS, ALLOWED_HOSTS=["localhost", "127.0.0.1"]):
        server = LiveServerThread("localhost", StaticFilesHandler)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        try:
            yield f"http://localhost:{server.port}"
        finally:
            server.terminate()


def run_here(*, out: TextIO) -> dict[str, Any]:
    """Seed the current (migrated, empty) database, serve it from a thread and run the script in Chromium."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used next to Playwright's loop
    from playwright.sync_api import sync_playwright

    from joinedup.casework.models import Contact

    seeded = seed()
    _say(out, f"  seeded: a front-door worker and {seeded.child_name}, known to a hospital and a school")
    with serving() as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            _say(out, "  recording a contact and its decision in Chromium…")
            figures = measure(page, base, username=seeded.username, password=seeded.password,
                              child_name=seeded.child_name)
        finally:
            browser.close()
    contact = Contact.objects.filter(record_id=figures["record_pk"]).first()
    figures["decision_recorded"] = bool(contact and contact.decision == "assessment")
    _say(out, f"  {figures['contact_required_fields']} required fields to record the contact, "
              f"{figures['decision_required_fields']} to decide it; {figures['keystrokes']} keystrokes, "
              f"{figures['clicks']} clicks, {figures['seconds']} s")
    return figures


def run(*, out: TextIO) -> dict[str, Any]:
    """On a fresh SQLite file: migrate, then seed, serve and measure in a subprocess (its JSON line is returned)."""
    return module_on_fresh_sqlite("contact-time", "joinedup_lab.benches.contact_time", out)




def main() -> int:
    return module_main(run_here)


if __name__ == "__main__":
    sys.exit(main())
