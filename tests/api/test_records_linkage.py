"""POST /api/v1/records/ says how each stored record's mentions were linked to people, or that they were not
and why (docs/formats/README.md, "How the records were linked")."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from joinedup.accounts.models import Agency, Role
from joinedup.accounts.services import actor_for, api_token_create
from joinedup.audit.models import AuditEvent
from joinedup.ingest.models import Mention
from joinedup.people import engine
from joinedup.people import services as people_services
from joinedup.people.models import LinkageModel, MentionLink
from tests.chronology.conftest import model_only  # noqa: F401 - fixture
from tests.chronology.family import HOSPITAL, JADE, MILO, m, rec
from tests.people.conftest import authority, authority_records, trained_model  # noqa: F401 - fixtures

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]

URL = "/api/v1/records/"


def _client(user) -> Client:
    _, secret = api_token_create(actor=actor_for(user), user=user, name="ED feed")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _attendance(source_id, on="2024-04-02", local="SAH-K1"):
    return rec(HOSPITAL, source_id, "ed_attendance", [m("m1", "patient", MILO, local),
                                                      m("m2", "accompanying_adult", JADE, "SAH-K2")], on=on,
               detail={"code": "injury", "injury": {"site": "forearm", "description": "bruising",
                                                    "explanation_given": "fell"}})


def _post(client, body):
    response = client.post(URL, data=json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_on_a_fresh_system_records_are_linked_with_the_default_model_and_the_response_says_so(make_user, hospital):
    assert not LinkageModel.objects.exists()  # nobody has run `joinedup link`
    nurse = make_user(role=Role.PARTNER_PRACTITIONER, agency=hospital)
    client = _client(nurse)
    status, body = _post(client, _attendance("L-ED-1"))
    assert status == 201 and body["status"] == "created"
    first = body["linkage"]
    assert (first["status"], first["model"], first["reason"]) == ("linked", "default", "")
    assert [(x["mention_id"], x["method"]) for x in first["mentions"]] == [("m1", "new"), ("m2", "new")]

    # The same child under another hospital number: matched by the default model's weights, online.
    status, body = _post(client, _attendance("L-ED-2", on="2024-05-01", local="SAH-K9"))
    second = {x["mention_id"]: x for x in body["linkage"]["mentions"]}
    assert second["m1"]["method"] == "online" and second["m1"]["person_id"] == first["mentions"][0]["person_id"]
    link = MentionLink.objects.get(mention__record__source_record_id="L-ED-2", mention__mention_id="m1")
    assert str(link.person_id) == second["m1"]["person_id"] and link.method == "online"
    assert AuditEvent.objects.filter(action="linkage.online", detail__model="default").exists()


def test_with_no_model_at_all_the_response_says_the_records_were_not_linked_and_why(make_user, hospital,
                                                                                    monkeypatch):
    monkeypatch.setattr(people_services, "default_model", lambda: None)  # a build without the default model
    nurse = make_user(role=Role.PARTNER_PRACTITIONER, agency=hospital)
    status, body = _post(_client(nurse), _attendance("L-ED-1"))
    assert status == 201 and body["status"] == "created"
    linkage = body["linkage"]
    assert (linkage["status"], linkage["model"]) == ("not_linked", "")
    assert "no trained linkage model" in linkage["reason"] and "`joinedup link`" in linkage["reason"]
    assert [(x["mention_id"], x["person_id"], x["method"]) for x in linkage["mentions"]] == [
        ("m1", None, None), ("m2", None, None)]
    assert not MentionLink.objects.exists()  # nothing was linked, and the response said so

    # Sending it again (unchanged, 200) says the same.
    status, body = _post(_client(nurse), _attendance("L-ED-1"))
    assert status == 200 and body["status"] == "unchanged" and body["linkage"]["status"] == "not_linked"


def test_the_shipped_default_model_fits_this_versions_comparisons():
    """Regenerate it (docs/formats/README.md, "The default model") when the linkage profile's comparisons change."""
    model = people_services.default_model()
    assert model is not None and "_joinedup" not in model
    engine.scorer(model)  # raises when the model and the profile disagree


def test_with_a_model_the_response_names_each_mentions_person_and_method(make_user, model_only):  # noqa: F811
    nurse = make_user(role=Role.PARTNER_PRACTITIONER, agency=Agency.objects.get(code=HOSPITAL))
    client = _client(nurse)
    status, body = _post(client, _attendance("L-ED-1"))
    assert status == 201
    linkage = body["linkage"]
    assert (linkage["status"], linkage["model"], linkage["reason"]) == ("linked", "trained", "")
    links = {x["mention_id"]: x for x in linkage["mentions"]}
    for mid in ("m1", "m2"):
        link = MentionLink.objects.get(mention__record__source_record_id="L-ED-1", mention__mention_id=mid)
        assert links[mid]["person_id"] == str(link.person_id) and links[mid]["method"] == link.method == "new"

    # The same child again under the hospital's own person id joins the same person.
    status, body = _post(client, {"records": [_attendance("L-ED-2", on="2024-05-01"),
                                              {**_attendance("L-ED-3"), "kind": "not-a-kind"}]})
    assert status == 200
    second, refused = body["outcomes"]
    assert refused["status"] == "refused" and refused["linkage"] is None
    again = {x["mention_id"]: x for x in second["linkage"]["mentions"]}
    assert again["m1"]["person_id"] == links["m1"]["person_id"] and again["m1"]["method"] == "same_source_id"
    assert Mention.objects.filter(record__source_record_id="L-ED-2").count() == 2
