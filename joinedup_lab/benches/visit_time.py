"""`joinedup bench visit-time`: how much a social worker has to do to record a visit on a phone, and whether a
draft survives losing the connection.

A browser script (Playwright driving Debian's Chromium, as a phone: a 375×812 viewport, touch, mobile) does
what a social worker does after a home visit: opens "Record a visit" for the child, says the child was seen and
seen alone, writes what they saw, and records it. It reports:

- `required_fields` (and `required`): the distinct fields marked required (`required` or
  `aria-required="true"`) in the visit form — target ≤ 3;
- `keystrokes`: characters typed plus keys pressed (Space, Enter), from opening the form to the confirmation;
  `keystrokes_besides_the_observations`; `clicks`: the times the script put the focus somewhere (a tap);
- `seconds`: the script's wall time from opening the form to the confirmation, page loads included (the server
  is local); `practitioner_seconds`: the same with a person's hands — the script's time plus 0.4 s a keystroke
  (typing on a phone, about 30 words a minute) and 1.5 s a tap (`KEY_SECONDS`, `TAP_SECONDS`) — target ≤ 60;
- `fits_phone`: the form page needs no sideways scrolling at 375 px; `targets`: the size of what is touched
  (the required radios' smallest side, GOV.UK's 44 px; the button's height and width, full width on a phone);
- `visit_recorded`: whether the visit is in the database afterwards (`run` only; the test checks it itself).

Then the draft (`check_draft`): fill the form, go offline (`context.set_offline(True)`), send — it is held back
and the draft kept; come back online and open the form again — the draft is restored; send into a server
error (the response replaced by a 500) — the draft is still there; send for real — the confirmation clears it.

`run` makes a fresh SQLite database under var/ (a temporary directory), migrates it in a subprocess, and in a
second subprocess adds a children's social care agency (a front door, a safeguarding team with a social worker
and their manager) and a child on a child protection plan allocated to the worker (`seed`), serves joinedup from
a thread and runs the script (`measure`, `check_draft`). The test suite calls `seed`, `measure` and
`check_draft` against its own live server.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any, TextIO

from joinedup_lab.benches.contact_time import CHROMIUM, CHROMIUM_ARGS, _Hands, required_fields, serving
from joinedup_lab.benchkit import module_main, module_on_fresh_sqlite
from joinedup_lab.benchkit import say as _say

CSC_CODE = "bench-visits-childrens-services"
CHILD = ("Ava", "Thornfield", dt.date(2017, 9, 12))
OBSERVATIONS = "Ava showed me her room and her drawings. Calm, clean, fed; the kitchen was stocked."
DRAFT_TEXT = "Ava was at home with her mother; she talked about school."
DRAFT_WORDS = "I like my teacher."
KEY_SECONDS = 0.4  # a keystroke on a phone's keyboard (about 30 words a minute)
TAP_SECONDS = 1.5  # finding and tapping a control
PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DRAFT_KEY = "joinedup:visit-draft:"


@dataclass(frozen=True)
class Seeded:
    username: str
    password: str
    manager_username: str
    child_name: str
    child_id: uuid.UUID
    case_id: uuid.UUID


def seed(*, password: str | None = None) -> Seeded:
    """An authority's children's social care (a front door; a safeguarding team with a social worker and their
    manager) and one child on a child protection plan that started ten days ago, allocated to the worker."""
    from joinedup.accounts.models import AgencyKind, Role, Team
    from joinedup.accounts.services import agency_get_or_create, team_create, user_create
    from joinedup.casework.services import (
        NewPerson,
        allocation_set,
        case_step_record,
        contact_decide,
        contact_record,
    )
    from joinedup.casework.services.recording import today
    from joinedup.core.actor import ActorRef

    actor = ActorRef.system("bench")
    password = password or f"{uuid.uuid4().hex}Aa1!"
    tag = uuid.uuid4().hex[:6]
    csc, _ = agency_get_or_create(actor=actor, code=CSC_CODE, name="Bench Children's Services",
                                  kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    front = Team.objects.filter(agency=csc, is_front_door=True).first() or team_create(
        actor=actor, agency=csc, code="front-door", name="Front Door (MASH)", is_front_door=True)
    team = team_create(actor=actor, agency=csc, code=f"safeguarding-{tag}", name="Safeguarding Team North")

    def person(role, first, last, **kw):
        return user_create(actor=actor, username=f"bench.{role}.{tag}", password=password, agency=csc, role=role,
                           first_name=first, last_name=last, email=f"bench.{role}.{tag}@example.invalid", **kw)

    duty = person(Role.FRONT_DOOR, "Femi", "Bench", team=front)
    worker = person(Role.SOCIAL_WORKER, "Sam", "Okafor", team=team, job_title="Social worker")
    manager = person(Role.TEAM_MANAGER, "Tess", "Manning", team=team, job_title="Team manager")

    given, family, dob = CHILD
    now = dt.datetime.now(dt.UTC)
    t = today()
    made = contact_record(user=duty, person=None, new_person=NewPerson(given_name=given, family_name=family, dob=dob),
                          raised_by="agency", source_code="5A", rag="red", received_at=now - dt.timedelta(days=20),
                          text="School: Ava arrived with a mark on her cheek and said she was scared to go home.")
    decided = contact_decide(user=duty, person=made.person, record_pk=made.record_pk, decision="strategy_discussion",
                             primary_need="N1", revision=made.contact.revision)
    steps = [
        ("strategy_discussion", {"held_at": now - dt.timedelta(days=19), "decision": "section_47",
                                 "attendees": "Police: detective constable\nSchool: designated safeguarding lead"}),
        ("section47_start", {"started_on": t - dt.timedelta(days=19)}),
        ("section47_complete", {"completed_on": t - dt.timedelta(days=12), "outcome": "substantiated",
                                "conference_needed": True}),
        ("initial_conference", {"held_on": t - dt.timedelta(days=10), "outcome": "plan", "category": "neglect"}),
    ]
    for step, data in steps:
        case_step_record(user=duty, case_id=decided.case_id, step=step, data=data, revision=None)
    allocation_set(actor_user=manager, person=made.person, worker=worker)
    return Seeded(worker.username, password, manager.username, f"{given} {family}", made.person.pk, decided.case_id)


def sign_in(page, base_url: str, *, username: str, password: str) -> None:
    from joinedup_lab.browser_sign_in import sign_in_through_the_forms

    sign_in_through_the_forms(page, base_url, username=username, password=password)  # sets up its authenticator
    page.wait_for_url(f"{base_url}/")


def _question(page, legend: str):
    return page.get_by_role("group", name=legend)


def _targets(page) -> dict[str, float]:
    """The size, in CSS pixels, of what the script touches: the smallest side of the required radios, the
    button's height and width."""
    return page.evaluate("""() => {
      const box = s => document.querySelector(s).getBoundingClientRect();
      const radios = ['#visit-child_seen', '#visit-child_seen-no', '#visit-seen_alone', '#visit-seen_alone-no']
        .map(box).flatMap(r => [r.width, r.height]);
      const button = box('#visit-form button[type=submit]');
      return {radio_px: Math.round(Math.min(...radios)), button_height_px: Math.round(button.height),
              button_width_px: Math.round(button.width)};
    }""")


def measure(page, base_url: str, *, username: str, password: str, child_name: str, case_id) -> dict[str, Any]:
    """Sign in (not counted), then record a visit in which the child was seen, and seen alone, with what the
    worker saw — on a phone-sized screen, tapping and typing as a practitioner would."""
    sign_in(page, base_url, username=username, password=password)
    hands = _Hands(page)
    started = time.perf_counter()
    page.goto(f"{base_url}/cases/{case_id}/visits/new/")
    form = page.locator("form#visit-form")
    form.wait_for()
    required = required_fields(form)
    fits = bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))
    targets = _targets(page)
    hands.focus(_question(page, f"Did you see {child_name}?").get_by_role("radio", name="Yes"))
    hands.press("Space")
    hands.focus(_question(page, "Did you see them alone?").get_by_role("radio", name="Yes"))
    hands.press("Space")
    hands.type(page.get_by_label("What you saw"), OBSERVATIONS)
    hands.focus(page.get_by_role("button", name="Record the visit"))
    hands.press("Enter")
    page.get_by_role("heading", name="Visit recorded").wait_for()
    seconds = time.perf_counter() - started
    record_pk = int(page.url.rstrip("/").rsplit("/", 1)[1])
    return {
        "required_fields": len(required),
        "required": sorted(required),
        "keystrokes": hands.keystrokes,
        "keystrokes_besides_the_observations": hands.keystrokes - len(OBSERVATIONS),
        "clicks": hands.clicks,
        "seconds": round(seconds, 2),
        "practitioner_seconds": round(seconds + hands.keystrokes * KEY_SECONDS + hands.clicks * TAP_SECONDS, 1),
        "viewport_width": page.viewport_size["width"],
        "fits_phone": fits,
        "targets": targets,
        "record_pk": record_pk,
        "ended_at": page.url.removeprefix(base_url),
    }


def _visible(locator, timeout: float = 3000) -> bool:
    from playwright.sync_api import TimeoutError as NotShown

    try:
        locator.wait_for(state="visible", timeout=timeout)
    except NotShown:
        return False
    return True


def _draft(page, case_id) -> dict | None:
    value = page.evaluate("key => window.localStorage.getItem(key)", f"{DRAFT_KEY}{case_id}")
    return json.loads(value) if value else None


def _fill_draft(page, child_name: str) -> None:
    _question(page, f"Did you see {child_name}?").get_by_role("radio", name="Yes").check()
    _question(page, "Did you see them alone?").get_by_role("radio", name="Yes").check()
    page.get_by_label("What you saw").fill(DRAFT_TEXT)
    page.get_by_label("What the child said, in their own words").fill(DRAFT_WORDS)


def _restored(page, child_name: str) -> bool:
    return (page.get_by_label("What you saw").input_value() == DRAFT_TEXT
            and page.get_by_label("What the child said, in their own words").input_value() == DRAFT_WORDS
            and _question(page, f"Did you see {child_name}?").get_by_role("radio", name="Yes").is_checked()
            and _visible(page.get_by_text("Draft kept on this device — not sent yet")))


def check_draft(page, base_url: str, *, child_name: str, case_id) -> dict[str, Any]:
    """With the worker signed in: a draft kept through going offline and a server error, cleared once sent."""
    form_url = f"{base_url}/cases/{case_id}/visits/new/"
    context = page.context
    page.goto(form_url)
    _fill_draft(page, child_name)
    shown = _visible(page.get_by_text("Draft kept on this device — not sent yet"))
    saved = _draft(page, case_id)
    key_has_no_name = all(part not in f"{DRAFT_KEY}{case_id}" for part in child_name.split())

    context.set_offline(True)
    page.get_by_role("button", name="Record the visit").click()
    held = _visible(page.get_by_text("Not sent: no connection"))
    still_here = page.url == form_url
    context.set_offline(False)
    page.goto(form_url)  # opening the form again once back online (a reload, without re-sending)
    restored_after_offline = _restored(page, child_name)

    def server_error(route):
        if route.request.method == "POST":
            route.fulfill(status=500, content_type="text/html", body="<h1>Sorry, there is a problem</h1>")
        else:
            route.continue_()

    page.route(form_url, server_error)
    page.get_by_role("button", name="Record the visit").click()
    page.get_by_text("Sorry, there is a problem").wait_for()
    page.unroute(form_url, server_error)
    page.goto(form_url)
    restored_after_server_error = _restored(page, child_name)

    page.get_by_role("button", name="Record the visit").click()
    page.get_by_role("heading", name="Visit recorded").wait_for()
    cleared = _draft(page, case_id) is None
    page.goto(form_url)
    fresh = (page.get_by_label("What you saw").input_value() == ""
             and not page.get_by_text("Draft kept on this device — not sent yet").is_visible())
    return {
        "draft_shown": shown,
        "draft_saved": bool(saved and saved["fields"].get("text") == DRAFT_TEXT),
        "draft_key_has_no_name": key_has_no_name,
        "offline_send_held": held and still_here,
        "restored_after_offline": restored_after_offline,
        "restored_after_server_error": restored_after_server_error,
        "cleared_after_sent": cleared and fresh,
    }


def run_here(*, out: TextIO) -> dict[str, Any]:
    """Seed the current (migrated, empty) database, serve it from a thread and run the script in Chromium."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM is used next to Playwright's loop
    from playwright.sync_api import sync_playwright

    from joinedup.ingest.models import SourceRecord

    seeded = seed()
    _say(out, f"  seeded: a social worker and {seeded.child_name}, on a child protection plan, allocated to them")
    with serving() as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_context(**PHONE).new_page()
            _say(out, "  recording a visit on a 375 px screen in Chromium…")
            figures = measure(page, base, username=seeded.username, password=seeded.password,
                              child_name=seeded.child_name, case_id=seeded.case_id)
            _say(out, "  a draft through going offline and a server error…")
            figures["draft"] = check_draft(page, base, child_name=seeded.child_name, case_id=seeded.case_id)
        finally:
            browser.close()
    visit = SourceRecord.objects.filter(pk=figures["record_pk"], kind="visit").select_related("current").first()
    detail = visit.current.payload["detail"] if visit is not None else {}
    figures["visit_recorded"] = bool(detail.get("child_seen") is True and detail.get("seen_alone") is True
                                     and detail.get("text") == OBSERVATIONS)
    figures["visits_recorded"] = SourceRecord.objects.filter(kind="visit").count()
    _say(out, f"  {figures['required_fields']} required fields; {figures['keystrokes']} keystrokes "
              f"({figures['keystrokes_besides_the_observations']} besides the observations), {figures['clicks']} "
              f"taps, {figures['seconds']} s ({figures['practitioner_seconds']} s with a person's hands); draft kept offline and through a server error: "
              f"{figures['draft']['restored_after_offline'] and figures['draft']['restored_after_server_error']}, "
              f"cleared once sent: {figures['draft']['cleared_after_sent']}")
    return figures


def run(*, out: TextIO) -> dict[str, Any]:
    """On a fresh SQLite file: migrate, then seed, serve and measure in a subprocess (its JSON line is returned)."""
    return module_on_fresh_sqlite("visit-time", "joinedup_lab.benches.visit_time", out)


def main() -> int:
    return module_main(run_here)


if __name__ == "__main__":
    sys.exit(main())
