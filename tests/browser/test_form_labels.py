"""Every form a role is offered can be operated by its labels, as a person using a screen reader or voice control
would: each field (text box, text area, list, radio, check box) is found by `get_by_label` with its label's text,
and clicking a radio's or box's label chooses it. (The export form's radios once all had `id="None"`: their labels
chose nothing.)

The forms are found, not listed: for each role, the pages reachable from its home page by links (through the
Django test client, quickly) that hold a form in the page's main content; the browser then opens each of them.
One browser, one sign-in per role."""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page

from joinedup.accounts.models import AgencyKind, Role
from joinedup.accounts.services import agency_create, team_create
from joinedup.casework.services import allocation_set, contact_decide
from tests.browser.helpers import sign_in as browser_sign_in
from tests.casework.conftest import new_child_contact
from tests.conftest import SYSTEM, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLES = {"number": "12", "email": "someone@example.invalid", "date": "2026-03-27", "tel": "01632 960000"}
MAX_PAGES = 60  # per role: the crawl of a small world stops well before
NOT_PAGES = ("/static/", "/api/", "/sign-out", "/signed-out", "/sign-in")
FILES = re.compile(r"\.(csv|pdf|zip|xml|xlsx|json)$|/download", re.IGNORECASE)
HREF = re.compile(r'href="(/[^"#]*)')
MAIN = re.compile(r"<main\b.*?</main>", re.DOTALL)
FIELD = re.compile(r"<form\b(?:(?!</form>).)*<(?:input(?![^>]*type=\"(?:hidden|submit)\")|select|textarea)\b",
                   re.DOTALL)
ID = re.compile(r"/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+)(?=/|$)")

# Every control of every form in the page's main content: how a person would name it (its labels, or aria-label).
CONTROLS_JS = """() => [...document.querySelectorAll("main form")].flatMap((form, f) =>
  [...form.elements].filter(e => ["INPUT", "SELECT", "TEXTAREA"].includes(e.tagName)
      && !["hidden", "submit", "button", "reset", "image"].includes(e.type))
    .map(e => ({form: f, tag: e.tagName.toLowerCase(), type: e.type, id: e.id, name: e.name,
                labels: [...(e.labels || [])].map(l => l.textContent.replace(/\\s+/g, " ").trim()),
                aria: e.getAttribute("aria-label") || "",
                visible: !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length)
                         && !e.closest("details:not([open])") && !e.closest(".govuk-radios__conditional--hidden"),
                options: e.tagName === "SELECT" ? e.options.length : 0, max: e.maxLength || -1})))"""


@pytest.fixture
def world(make_user):
    """A small authority: a children's services front door and social work team, a hospital; a child whose contact
    became a case allocated to the social worker; another child's contact waiting at the front door; one user of
    every role."""
    csc = agency_create(actor=SYSTEM, code="northbrook-csc", name="Northbrook Children's Services",
                        kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    hospital = agency_create(actor=SYSTEM, code="st-aldrics", name="St Aldric's Hospital",
                             kind=AgencyKind.ACUTE_HOSPITAL)
    front_door_team = team_create(actor=SYSTEM, agency=csc, code="front-door", name="Front Door", is_front_door=True)
    team = team_create(actor=SYSTEM, agency=csc, code="east", name="East Team")
    teams = {Role.FRONT_DOOR: front_door_team, Role.SOCIAL_WORKER: team, Role.TEAM_MANAGER: team}
    users = {role: make_user(role=role, agency=hospital if role == Role.PARTNER_PRACTITIONER else csc,
                             team=teams.get(role)) for role in Role.values}
    made = new_child_contact(users[Role.FRONT_DOOR], rag="red")
    contact_decide(user=users[Role.FRONT_DOOR], person=made.person, record_pk=made.record_pk,
                   decision="strategy_discussion", primary_need="N1", revision=made.contact.revision)
    allocation_set(actor_user=users[Role.TEAM_MANAGER], person=made.person, worker=users[Role.SOCIAL_WORKER])
    new_child_contact(users[Role.FRONT_DOOR], given="Ada", family="Quill", dob=dt.date(2021, 2, 3), text="Left alone.")
    return users


def _shape(path: str) -> str:
    """A page's kind: its path with the ids taken out (every person's page is one kind of page)."""
    return ID.sub("/<id>", path)


def _form_pages(user, shown: set[str]) -> list[str]:
    """The pages reachable by links from the user's home page that hold a form with a field, one of each kind, in
    the order found; kinds already in `shown` (another role's) are passed over and the new ones added to it."""
    client = sign_in(Client(), user)
    seen, found, queue = set(), [], deque(["/"])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        path = urlsplit(url).path
        if _shape(path) in seen or path.startswith(NOT_PAGES) or FILES.search(path):
            continue
        seen.add(_shape(path))
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        main = MAIN.search(html)
        if main and FIELD.search(main.group(0)) and _shape(path) not in shown:
            shown.add(_shape(path))
            found.append(url)
        queue.extend(href.replace("&amp;", "&") for href in HREF.findall(html))
    return found


def field_visible(locator) -> bool:
    return locator.is_visible() or locator.evaluate("e => ['radio', 'checkbox'].includes(e.type)")


def _problems(page: Page, url: str) -> list[str]:
    """What is wrong with operating the page's forms by their labels (nothing, if all is well)."""
    out = []
    controls = page.evaluate(CONTROLS_JS)
    ids = [c["id"] for c in controls if c["id"]]
    for c in controls:
        where = f"{url} form {c['form'] + 1}: {c['tag']} {c['type']} name={c['name']!r}"
        label = c["labels"][0] if c["labels"] else c["aria"]
        if not label:
            out.append(f"{where} has no label")
            continue
        if not c["id"] or ids.count(c["id"]) > 1:
            out.append(f"{where} has id {c['id']!r}, {'used more than once' if c['id'] else 'none'}")
            continue
        found = page.get_by_label(label, exact=True)
        index = found.evaluate_all("(els, id) => els.findIndex(e => e.id === id)", c["id"])
        if index < 0:
            out.append(f"{where}: get_by_label({label!r}) does not find it")
            continue
        if not c["visible"] or not field_visible(found.nth(index)):
            continue  # labelled; closed away (a details element, a hidden reveal) until a person opens it
        field = found.nth(index)
        if c["type"] in ("radio", "checkbox"):
            before = field.is_checked()
            # the label clicked (as a person clicks the words, or the box drawn in the label)
            page.locator(f'label[for="{c["id"]}"]').first.dispatch_event("click")
            if field.is_checked() == before and not (c["type"] == "radio" and before):
                out.append(f"{where}: clicking its label {label!r} does not choose it")
        elif c["tag"] == "select":
            if c["options"] > 1:
                field.select_option(index=c["options"] - 1)
                if field.evaluate("e => e.selectedIndex") != c["options"] - 1:
                    out.append(f"{where}: {label!r} cannot be chosen from")
        else:
            typed = SAMPLES.get(c["type"], "Test 1")[:c["max"]] if c["max"] > 0 else SAMPLES.get(c["type"], "Test 1")
            field.fill(typed)
            if field.input_value() != typed:
                out.append(f"{where}: {label!r} cannot be typed into")
    return out


def test_every_form_a_role_is_offered_is_operated_by_its_labels(browser: Browser, live_server, world):
    problems, forms, shown = [], {}, set()
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/sign-in/")
    problems += _problems(page, "/sign-in/")  # the one form before signing in
    context.close()
    for role, user in world.items():
        forms[role] = _form_pages(user, shown)
        if not forms[role]:
            continue
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(5000)
        browser_sign_in(page, live_server, user)
        for url in forms[role]:
            page.goto(f"{live_server.url}{url}")
            problems += [f"{role}: {p}" for p in _problems(page, url)]
        context.close()
    # the crawl found the forms of the work (not vacuous): the export form among them
    every = {urlsplit(u).path for urls in forms.values() for u in urls}
    assert any(p.endswith("/export/") for p in every), sorted(every)
    assert len(every) >= 15, sorted(every)
    assert problems == [], "\n".join(problems)


BROKEN = """<main><form>
<fieldset><legend>Shift every date by a fixed offset?</legend>
<input type="radio" id="None" name="shift_dates" value="yes"><label for="None">Yes</label>
<input type="radio" id="None" name="shift_dates" value="no"><label for="None">No</label></fieldset>
<fieldset><legend>Include the household's events?</legend>
<input type="radio" id="None" name="household" value="yes"><label for="None">Yes</label>
<input type="radio" id="None" name="household" value="no"><label for="None">No</label></fieldset>
<label for="why">Why</label><input type="text" id="reason" name="reason">
</form></main>"""


def test_the_check_finds_what_was_wrong_with_the_export_form(page: Page):
    """The check itself, on the markup the export form had: radios sharing id="None", a label tied to nothing."""
    page.set_content(BROKEN)
    problems = _problems(page, "/export/")
    assert sum("input radio" in p and ("used more than once" in p or "no label" in p) for p in problems) == 4
    assert any("name='reason' has no label" in p for p in problems)
    fixed = BROKEN.replace('for="why"', 'for="reason"')
    for n, value in enumerate(("shift_dates\" value=\"yes", "shift_dates\" value=\"no", "household\" value=\"yes",
                               "household\" value=\"no")):
        fixed = fixed.replace(f'id="None" name="{value}"><label for="None"',
                              f'id="r{n}" name="{value}"><label for="r{n}"')
    page.set_content(fixed)
    assert _problems(page, "/export/") == []  # and once each radio has its own id and label, nothing
