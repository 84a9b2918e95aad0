"""Names, NHS numbers, dates of birth and postcodes never travel in a URL (security promise 8): the person search and
the partner look-up take them in a POST body, their pages of results are buttons that post the terms again, a GET
with them in the query string searches nothing, and no template has a GET form with such a field."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from joinedup.accounts.models import Role
from joinedup.audit.models import AuditEvent
from joinedup.casework.models import Allocation, PartnerLookup
from joinedup.people.models import Person

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]

TEMPLATES = Path(__file__).resolve().parents[2] / "joinedup" / "web" / "templates"
IDENTIFYING_FIELDS = ("name", "given_name", "family_name", "dob", "nhs_number", "postcode", "address")
URL_ATTRIBUTE = re.compile(r'(?:href|action|src)="([^"]*)"')


@pytest.fixture
def thirty_pagewoods(db):
    """30 people called Pagewood (the search pages 25 at a time)."""
    people = []
    for n in range(30):
        dob = dt.date(2019, 1, 1) + dt.timedelta(days=n)
        nhs = f"94347659{n:02d}"
        people.append(Person.objects.create(
            given_name=f"Ayla{n:02d}", family_name="Pagewood", dob=dob, nhs_number=nhs, mention_count=1,
            agency_count=1, search_text=f" ayla{n:02d} pagewood {dob.isoformat()} {nhs} "))
    return people


def _worker_of(people, make_user):
    """A social worker allocated every one of them (search finds only people the viewer has a relationship to)."""
    worker = make_user(role=Role.SOCIAL_WORKER)
    Allocation.objects.bulk_create([Allocation(person=p, worker=worker, started_at=timezone.now()) for p in people])
    return worker


def _urls(html: str) -> list[str]:
    return URL_ATTRIBUTE.findall(html)


def test_the_search_posts_its_terms_and_its_pages_post_them_again(thirty_pagewoods, make_user, signed_in):
    worker = _worker_of(thirty_pagewoods, make_user)
    client = signed_in(worker)
    url = reverse("web:person-search")
    form = client.get(url).content.decode()
    assert re.search(r'<form method="post" action="/people/"[^>]*>', form)

    first = client.post(url, {"name": "pagewood", "dob": "", "nhs_number": ""})
    html = first.content.decode()
    assert first.status_code == 200 and "30 people found" in html and "Page 1 of 2" in html
    shown = [p for p in thirty_pagewoods if f"/people/{p.pk}/" in html]
    assert len(shown) == 25
    assert '<input type="hidden" name="name" value="pagewood">' in html
    assert 'name="page" value="2"' in html
    for link in _urls(html):
        assert "pagewood" not in link.lower() and "page=" not in link, link

    second = client.post(url, {"name": "pagewood", "dob": "", "nhs_number": "", "page": "2"}).content.decode()
    rest = [p for p in thirty_pagewoods if f"/people/{p.pk}/" in second]
    assert len(rest) == 5 and not set(rest) & set(shown) and "Page 2 of 2" in second
    assert 'name="page" value="1"' in second

    # The same terms as a query string search nothing (an old bookmark shows the empty form).
    by_get = client.get(url, {"name": "pagewood", "nhs_number": "9434765900"}).content.decode()
    assert "found" not in by_get and not any(f"/people/{p.pk}/" in by_get for p in thirty_pagewoods)
    # Each search is audited with the people it showed.
    searches = AuditEvent.objects.filter(action="person.search", actor_id=worker.pk).order_by("id")
    assert [len(e.detail.get("object_ids", [])) for e in searches if e.detail.get("object_ids")] == [25, 5]


def test_a_search_by_nhs_number_and_date_of_birth_keeps_them_out_of_every_url(thirty_pagewoods, make_user,
                                                                               signed_in):
    client = signed_in(_worker_of(thirty_pagewoods, make_user))
    target = thirty_pagewoods[7]
    response = client.post(reverse("web:person-search"), {"name": "", "dob": target.dob.strftime("%d/%m/%Y"),
                                                          "nhs_number": target.nhs_number})
    html = response.content.decode()
    assert "1 person found" in html and f"/people/{target.pk}/" in html
    for link in _urls(html):
        assert target.nhs_number not in link and target.dob.isoformat() not in link, link
    assert response["Cache-Control"] == "no-store"


def test_the_look_up_takes_identifiers_only_in_a_post_body(thirty_pagewoods, make_user, make_agency, signed_in):
    nurse = make_user(role=Role.PARTNER_PRACTITIONER, agency=make_agency(kind="acute_hospital"))
    client = signed_in(nurse)
    url = reverse("web:lookup")
    target = thirty_pagewoods[3]
    by_get = client.get(url, {"nhs_number": target.nhs_number, "given_name": "Ayla03", "family_name": "Pagewood",
                              "dob": target.dob.isoformat()})
    assert by_get.status_code == 200 and "Look up a child" in by_get.content.decode()
    assert not PartnerLookup.objects.exists()  # nothing was looked up from the query string
    assert re.search(r'<form method="post" action="/lookup/"', by_get.content.decode())
    answer = client.post(url, {"nhs_number": target.nhs_number}).content.decode()
    assert "Ayla03 Pagewood" in answer
    assert PartnerLookup.objects.filter(person=target, looked_up_by=nurse).count() == 1
    for link in _urls(answer):
        assert target.nhs_number not in link, link


def test_no_template_has_a_get_form_with_an_identifying_field():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for form in re.findall(r"<form\b[^>]*>.*?</form>", text, flags=re.S | re.I):
            opening = form[:form.index(">") + 1].lower()
            if 'method="post"' in opening:
                continue  # a form without method="post" is a GET form
            fields = set(re.findall(r'name="([a-z_]+)"', form)) | set(re.findall(r"field=form\.([a-z_]+)", form))
            if fields & set(IDENTIFYING_FIELDS):
                offenders.append((str(template.relative_to(TEMPLATES)), sorted(fields & set(IDENTIFYING_FIELDS))))
    assert offenders == []
