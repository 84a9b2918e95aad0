"""Form errors in the project's own words, the field marked and the answer kept; text boxes say their limit; an
address too long, a form too large or a method a page does not answer gets a page of ours, never a bare one."""

from __future__ import annotations

import copy
import importlib
import os
import pkgutil
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django import forms
from django.test import Client

import joinedup.web
from joinedup.access import claims, policy
from joinedup.accounts.models import AgencyKind, Role
from joinedup.core.management.commands.serve import gunicorn_argv
from joinedup.people.models import Person
from joinedup.web.forms_base import FormMixin, word_errors
from joinedup.web.views.errors import MAX_URL_CHARACTERS
from tests.conftest import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]

DJANGO_WORDS = re.compile(r"This field is required|Ensure this value|Enter a valid|Select a valid choice|"
                          r"Enter a whole number|Enter a list of values")
TOO_LONG = "A reason that goes on. " * 100  # 2,300 characters: past every 2,000-character limit


def _web_forms() -> list[type]:
    for module in pkgutil.walk_packages(joinedup.web.__path__, "joinedup.web."):
        importlib.import_module(module.name)
    out, todo = [], [forms.BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("joinedup.web") and sub.__module__ != "joinedup.web.forms_base":
                out.append(sub)
    return out


def test_every_form_of_the_screens_has_our_words_for_every_error():
    found = _web_forms()
    assert len(found) >= 25  # the forms were found: the check is not vacuous
    for form_class in found:
        assert issubclass(form_class, FormMixin), f"{form_class.__module__}.{form_class.__name__}: derive from " \
                                                  "joinedup.web.forms_base.Form"
        for name, field in form_class.base_fields.items():
            field = copy.deepcopy(field)
            word_errors(field, name, form_class.error_subjects.get(name))
            for code, message in field.error_messages.items():
                assert not DJANGO_WORDS.search(str(message)), (form_class.__name__, name, code, message)


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _summary_links(html: str) -> list[str]:
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.DOTALL)
    assert summary, "no error summary"
    return re.findall(r'href="#([^"]+)"', summary.group(1))


def _assert_marked_and_kept(html: str, message: str, field_id: str, typed: str) -> None:
    """The message in the summary, linking to the field; the field marked, with the message beside it and the text
    as typed."""
    assert message in html
    assert field_id in _summary_links(html)
    assert f'id="{field_id}-error"' in html and "govuk-form-group--error" in html
    textarea = re.search(rf'<textarea[^>]*id="{field_id}"[^>]*>(.*?)</textarea>', html, re.DOTALL)
    assert textarea and textarea.group(1).strip() == typed.strip()


def test_a_reason_past_its_limit_is_shown_again_with_the_error_beside_it(make_user, signed_in):
    worker = make_user(role=Role.SOCIAL_WORKER)
    client = signed_in(worker)
    form = _page(client.get("/sealed/request/"))
    assert 'data-maxlength="2000"' in form and "govuk-character-count" in form  # the limit, before typing
    assert 'maxlength="32"' in form  # the seal's reference box
    html = _page(client.post("/sealed/request/", {"reference": "SEAL-1", "reason": TOO_LONG}))
    _assert_marked_and_kept(html, "The reason must be 2,000 characters or fewer", "id_reason", TOO_LONG)


def test_the_dpo_sees_a_too_long_note_again_on_the_claim_it_was_for(make_user, make_agency, signed_in):
    partner = make_user(role=Role.PARTNER_PRACTITIONER, agency=make_agency(AgencyKind.POLICE))
    child = Person.objects.create(given_name="Ada", family_name="Quill", search_text=" ada quill ")
    claim = claims.claim_start(user=partner, person_id=child.pk, kind=policy.Relation.SELF_CLAIM,
                               reason_code=next(iter(claims.REASON_LABELS)), reason_text="I am her school nurse.")
    client = signed_in(make_user(role=Role.DATA_PROTECTION_OFFICER, agency=partner.agency))
    html = _page(client.post("/access/claims/", {"claim": str(claim.pk), "outcome": "appropriate", "note": TOO_LONG}))
    _assert_marked_and_kept(html, "What you found and what happens next must be 2,000 characters or fewer", "id_note",
                            TOO_LONG)
    claim.refresh_from_db()
    assert claim.reviewed_at is None  # nothing was recorded


def test_search_boxes_say_their_limit_and_a_longer_name_is_an_error_not_a_crash(make_user, signed_in):
    client = signed_in(make_user(role=Role.FRONT_DOOR))
    form = _page(client.get("/people/"))
    assert re.search(r'<input[^>]*id="id_name"[^>]*maxlength="200"', form)
    html = _page(client.post("/people/", {"name": "Ada " * 1250}))  # 5,000 characters
    assert "Name must be 200 characters or fewer" in html and "id_name" in _summary_links(html)
    dpo = sign_in(Client(), make_user(role=Role.DATA_PROTECTION_OFFICER))
    audit = _page(dpo.get("/audit/", {"actor": "x" * 500}))
    assert "Username must be 150 characters or fewer" in audit  # a form sent in the address (GET) too


def test_an_address_too_long_gets_our_page_and_the_api_its_error_shape(make_user, signed_in):
    long_query = "?name=" + "a" * (MAX_URL_CHARACTERS + 1)
    response = Client().get("/sign-in/" + long_query)
    assert response.status_code == 414
    html = response.content.decode()
    assert "The web address is too long" in html and "govuk-template" in html  # the site's own page and style
    api = Client().get("/api/v1/people/" + long_query)
    assert api.status_code == 414 and api.json()["errors"][0]["problem"].startswith("The address is longer")
    signed = signed_in(make_user(role=Role.FRONT_DOOR))
    assert signed.get("/people/" + long_query).status_code == 414


def test_a_form_too_large_and_a_method_a_page_does_not_answer_get_our_pages(make_user, signed_in):
    client = signed_in(make_user(role=Role.FRONT_DOOR))
    fields = {f"f{n}": "x" for n in range(1100)}  # more fields than Django takes (DATA_UPLOAD_MAX_NUMBER_FIELDS)
    too_large = client.post("/people/", fields)
    assert too_large.status_code == 413 and "What you sent was too large" in too_large.content.decode()
    not_allowed = client.get("/sign-out/")
    assert not_allowed.status_code == 405 and "This page cannot do that" in not_allowed.content.decode()
    assert "POST" in not_allowed["Allow"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.postgresql  # once is enough: no database is touched
def test_gunicorn_as_joinedup_serve_runs_it_passes_a_long_address_to_our_page():
    port = _free_port()
    root = Path(__file__).resolve().parents[2]
    server = subprocess.Popen(gunicorn_argv(host="127.0.0.1", port=port, workers=1), cwd=root,
                              env={**os.environ, "PYTHONPATH": str(root)}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        search = "a" * 5000  # the 5,000-character search that once met gunicorn's bare page
        deadline = time.monotonic() + 90
        while True:  # until gunicorn answers (what this page needs touches no database)
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/people/?name={search}", timeout=30)
            except urllib.error.HTTPError as refused:
                assert refused.code == 414
                assert "The web address is too long" in refused.read().decode()
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=20)
