"""No personal data in any log line (security promises 2 and 8). Every logger at DEBUG, the database cursor in debug
mode (as with DEBUG = True, so every SQL statement is logged), and the app driven through an ingest naming people,
the person search, the look-up, a person page, refusals of bad input, 404s and an alert rule that fails with a
person's name and NHS number in its message: the names, NHS numbers, dates of birth and postcodes submitted appear
in no line. Then `joinedup serve` (gunicorn) is run for real and its access and error logs are read the same way."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.core.signals import request_started
from django.test import Client

from joinedup.accounts.models import AgencyKind, Role
from joinedup.accounts.services import actor_for, api_token_create
from joinedup.alerts.rules.base import SUSPECT, Rule
from joinedup.core.logging import EXCEPTION_MESSAGE_WITHHELD, SafeFormatter
from joinedup.people.models import Person
from tests.conftest import on_duty
from tests.logcapture import console_handler, console_log_at_debug

ROOT = Path(__file__).resolve().parents[2]

CHILD = {"given_name": "Zebedee", "family_name": "Quillfeather", "dob": "2019-03-27", "nhs_number": "9990041725"}
MOTHER = {"given_name": "Marisol", "family_name": "Quillfeather", "dob": "1990-08-14", "nhs_number": "9990041814"}
POSTCODE = "NB17 4XQ"
BAD_DOB = "2019-02-30"
# Every way these could be written into a line (compared case-insensitively).
SECRETS = ("Zebedee", "Quillfeather", "Marisol", "9990041725", "999 004 1725", "9990041814", "2019-03-27",
           "27/03/2019", "27 March 2019", "1990-08-14", "14/08/1990", "NB17 4XQ", "NB174XQ", "NB17+4XQ", "NB17%204XQ",
           BAD_DOB, "Southcote Quay")


def _failing_rule(ctx, at, params):
    # A faulty rule whose exception quotes the child (as a real bug's message might): the log must not.
    raise ValueError(f"cannot read the dob of {CHILD['given_name']} {CHILD['family_name']} ({CHILD['nhs_number']})")


RULES = [Rule("TZ", "Faulty", "Raises.", "Test rule", SUSPECT, {}, _failing_rule)]


def _secrets_in(text: str) -> list[str]:
    lowered = text.lower()
    return [s for s in SECRETS if s.lower() in lowered]


@pytest.fixture
def every_log_line(settings):
    """Every logger at DEBUG, the database cursors logging every statement; yields the configured console handler's
    output (its real formatter and filters) as it is written."""
    assert isinstance(console_handler().formatter, SafeFormatter)
    with console_log_at_debug() as out:
        yield out


def _mention(mid, role, who, local):
    return {"mention_id": mid, "role": role, "local_person_id": local, **who,
            "address": {"lines": ["4 Southcote Quay", "Northbrook"], "postcode": POSTCODE}}


def _record(agency_code, source_id, mentions, **changes):
    record = {"schema": "joinedup.agency-record/1", "agency_id": agency_code, "source_system": "ed",
              "source_record_id": source_id, "version": 1, "kind": "ed_attendance",
              "occurred_at": "2024-04-02T10:00:00Z", "recorded_at": "2024-04-02T11:00:00Z", "mentions": mentions,
              "detail": {"code": "injury", "injury": {"site": "forearm", "description": "bruising",
                                                      "explanation_given": "fell"}}}
    record.update(changes)
    return record


@pytest.mark.both_databases
@pytest.mark.django_db
def test_no_log_line_holds_a_name_nhs_number_date_of_birth_or_postcode(every_log_line, settings, make_user,
                                                                        make_agency, make_team, signed_in, client):
    settings.JOINEDUP_ALERT_RULES = "tests.web.test_no_personal_data_in_logs.RULES"
    hospital = make_agency(kind=AgencyKind.ACUTE_HOSPITAL)
    csc = make_agency(kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    feed = make_user(role=Role.PARTNER_PRACTITIONER, agency=hospital)
    front_door = make_user(role=Role.FRONT_DOOR, agency=csc, team=make_team(csc, is_front_door=True))
    nurse = make_user(role=Role.PARTNER_PRACTITIONER, agency=make_agency(kind=AgencyKind.POLICE))
    _, secret = api_token_create(actor=actor_for(feed), user=feed, name="ED feed")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    # An ingest naming the child and the mother (linked on arrival; the faulty rule fails on evaluation).
    record = _record(hospital.code, "ED-1", [_mention("m1", "patient", CHILD, "H-1"),
                                             _mention("m2", "accompanying_adult", MOTHER, "H-2")])
    assert api.post("/api/v1/records/", json.dumps(record), content_type="application/json").status_code == 201
    # Bad input: a record with an impossible date of birth and a short NHS number (422 naming the fields), a body
    # that is not JSON, and a record for another agency (403).
    bad = _record(hospital.code, "ED-2", [_mention("m1", "patient", {**CHILD, "dob": BAD_DOB, "nhs_number": "99900"},
                                                   "H-1")])
    refused = api.post("/api/v1/records/", json.dumps(bad), content_type="application/json")
    assert refused.status_code == 422 and {e["field"] for e in refused.json()["errors"]} >= {"mentions[0].dob"}
    assert api.post("/api/v1/records/", "{not json " + CHILD["family_name"], content_type="application/json"
                    ).status_code in (400, 422)
    other = _record(csc.code, "ED-3", [_mention("m1", "patient", CHILD, "H-1")])
    assert api.post("/api/v1/records/", json.dumps(other), content_type="application/json").status_code == 403
    assert api.get(f"/api/v1/users/{uuid.uuid4()}/").status_code == 404
    child = Person.objects.get(nhs_number=CHILD["nhs_number"], merged_into__isnull=True)

    # The person search (by name, NHS number, date of birth; a bad NHS number), the person page, a 404.
    web = signed_in(on_duty(front_door, child))  # a contact about the child at the front door
    found = web.post("/people/", {"name": "Zebedee Quillfeather", "dob": "", "nhs_number": ""}).content.decode()
    assert f"/people/{child.pk}/" in found
    assert f"/people/{child.pk}/" in web.post("/people/", {"name": "", "dob": "27/03/2019",
                                                           "nhs_number": "999 004 1725"}).content.decode()
    assert "Enter an NHS number" in web.post("/people/", {"nhs_number": "99900"}).content.decode()
    assert web.post("/people/", {"dob": BAD_DOB}).status_code == 200  # "Enter the date of birth as day/month/year"
    assert web.get("/people/", {"name": "Quillfeather", "postcode": POSTCODE}).status_code == 200  # an old bookmark
    assert web.get(f"/people/{child.pk}/").status_code == 200
    assert web.get(f"/people/{uuid.uuid4()}/").status_code == 404
    web.post("/sign-out/")

    # A partner's look-up, by NHS number and by name and date of birth; one that matches nobody.
    web = signed_in(nurse)
    assert "Zebedee" in web.post("/lookup/", {"nhs_number": CHILD["nhs_number"], "reason": "A&E"}).content.decode()
    web.post("/lookup/", {"given_name": "Zebedee", "family_name": "Quillfeather", "dob": "27/03/2019"})
    web.post("/lookup/", {"given_name": "Marisol", "family_name": "Quillfeather", "dob": "14/08/1990"})
    assert web.post("/lookup/", {"given_name": "Zebedee", "dob": BAD_DOB}).status_code == 200

    written = every_log_line.getvalue()
    # The capture is real: SQL statements (withheld), the request ids, and the faulty rule's failure were logged.
    assert "SQL statement; its text and parameters are withheld" in written
    assert "alert rule TZ failed for person" in written and EXCEPTION_MESSAGE_WITHHELD in written
    assert "Traceback (most recent call last)" in written and "_failing_rule" in written
    assert _secrets_in(written) == [], [line for line in written.splitlines() if _secrets_in(line)][:5]


@pytest.mark.django_db
def test_a_journey_logs_json_lines_one_per_request_with_its_id_and_no_personal_data(every_log_line, make_user,
                                                                                     make_agency, make_team, signed_in):
    """Sign-in, a search for the child by name, the child's chronology, an API post: every line written is a JSON
    object; every request the server started has exactly one request line (method, path, route, status, duration)
    with its own request id, the one its response carried; lines logged while serving it carry the same id; and no
    name, date of birth or identifier of the test data appears anywhere."""
    hospital = make_agency(kind=AgencyKind.ACUTE_HOSPITAL)
    csc = make_agency(kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    feed = make_user(role=Role.PARTNER_PRACTITIONER, agency=hospital)
    front_door = make_user(role=Role.FRONT_DOOR, agency=csc, team=make_team(csc, is_front_door=True))
    _, secret = api_token_create(actor=actor_for(feed), user=feed, name="ED feed")
    started: list[object] = []

    def count(sender, **kwargs):
        started.append(sender)

    request_started.connect(count)
    try:
        api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        record = _record(hospital.code, "ED-1", [_mention("m1", "patient", CHILD, "H-1"),
                                                 _mention("m2", "accompanying_adult", MOTHER, "H-2")])
        posted = api.post("/api/v1/records/", json.dumps(record), content_type="application/json")
        assert posted.status_code == 201
        child = Person.objects.get(nhs_number=CHILD["nhs_number"], merged_into__isnull=True)
        web = signed_in(on_duty(front_door, child))
        found = web.post("/people/", {"name": "Zebedee Quillfeather", "dob": "", "nhs_number": ""})
        assert f"/people/{child.pk}/" in found.content.decode()
        chronology = web.get(f"/people/{child.pk}/chronology/")
        assert chronology.status_code == 200 and "Zebedee" in chronology.content.decode()
    finally:
        request_started.disconnect(count)

    written = every_log_line.getvalue()
    lines = [json.loads(line) for line in written.splitlines()]  # every line is one JSON object
    assert all({"time", "level", "logger", "request_id", "message"} <= set(line) for line in lines)
    requests = [line for line in lines if line["logger"] == "joinedup.request"]
    assert len(requests) == len(started) >= 5, [r["message"] for r in requests]  # sign-in is two requests
    ids = [r["request_id"] for r in requests]
    assert all(len(i) == 32 for i in ids) and len(set(ids)) == len(ids)
    assert {posted["X-Request-ID"], found["X-Request-ID"], chronology["X-Request-ID"]} <= set(ids)
    by_route = {(r["method"], r["route"], r["status"]) for r in requests}
    assert {("POST", "v1:record-ingest", 201), ("POST", "web:person-search", 200), ("GET", "web:chronology", 200),
            ("POST", "web:sign-in", 302), ("POST", "web:sign-in-code", 302)} <= by_route
    assert all(isinstance(r["duration_ms"], float) and r["path"].startswith("/") for r in requests)
    during = [line for line in lines if line["logger"] != "joinedup.request" and line["request_id"] != "-"]
    assert during and {line["request_id"] for line in during} <= set(ids)  # SQL lines at DEBUG, in their request
    assert _secrets_in(written) == [], [line for line in written.splitlines() if _secrets_in(line)][:5]


def test_a_logged_exception_shows_where_and_what_but_never_its_message():
    formatter = SafeFormatter("%(levelname)s %(message)s")
    try:
        try:
            raise KeyError(f"{CHILD['nhs_number']}")
        except KeyError as exc:
            raise RuntimeError(f"failed for {CHILD['given_name']} at /people/?name={CHILD['family_name']}") from exc
    except RuntimeError:
        record = logging.getLogger("test").makeRecord("test", logging.ERROR, __file__, 1,
                                                      "GET /people/?nhs_number=%s failed", (CHILD["nhs_number"],),
                                                      sys.exc_info())
    record.exc_text = "a full traceback another formatter cached: " + CHILD["given_name"]
    line = formatter.format(record)
    assert "GET /people/?[query withheld] failed" in line
    assert "KeyError: " + EXCEPTION_MESSAGE_WITHHELD in line and "RuntimeError: " + EXCEPTION_MESSAGE_WITHHELD in line
    assert "test_a_logged_exception_shows_where_and_what_but_never_its_message" in line  # where it was raised
    assert _secrets_in(line) == []


# --- `joinedup serve`: gunicorn's access and error logs ------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url, *, data=None, headers=None) -> int:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")  # noqa: S310 - http://127.0.0.1 only
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_serve_logs_no_query_string_referer_or_identifier(tmp_path):
    (tmp_path / "staticfiles").mkdir()
    (tmp_path / "staticfiles" / "staticfiles.json").write_text("{}")  # no collectstatic: nothing here serves files
    port = _free_port()
    env = {**os.environ, "JOINEDUP_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "JOINEDUP_LOG_LEVEL": "DEBUG", "JOINEDUP_ENV": os.environ.get("JOINEDUP_ENV", "test"),
           "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.test")}
    out, err = tmp_path / "access.log", tmp_path / "error.log"
    with out.open("w") as stdout, err.open("w") as stderr:
        server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "joinedup"), "serve", "--port", str(port),
                                   "--workers", "1"], cwd=ROOT, env=env, stdout=stdout, stderr=stderr,
                                  start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, err.read_text()[-3000:]
                assert time.monotonic() < deadline, "joinedup serve did not start within 60 s"
                time.sleep(0.2)
        query = "name=Zebedee+Quillfeather&dob=2019-03-27&nhs_number=9990041725&postcode=NB17+4XQ"
        referer = {"Referer": f"{base}/people/?family_name=Quillfeather&dob=27/03/2019"}
        assert _request(f"{base}/people/?{query}", headers=referer) == 302  # an old bookmark: to sign in
        assert _request(f"{base}/sign-in/?next=/people/%3Fname%3DZebedee%26dob%3D2019-03-27") == 200
        assert _request(f"{base}/lookup/?{query}", data=b"nhs_number=9990041814&dob=1990-08-14") == 403  # no CSRF
        assert _request(f"{base}/nowhere/?{query}") == 404
        # Operators' metrics from the machine itself, added up over the workers (prometheus_client's files).
        with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:  # noqa: S310 - http://127.0.0.1 only
            metrics = response.read().decode()
        assert 'view="web:person-search"' in metrics and 'view="web:sign-in"' in metrics  # routes, not paths
        assert "/people/" not in metrics and _secrets_in(metrics) == []
        assert "joinedup_metrics_gauges_failed 2.0" in metrics  # no migrated database: the identity and queue gauges fail, the scrape still answers
        assert list((tmp_path / "metrics" / str(port)).glob("*.db"))
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    access, errors = out.read_text(), err.read_text()
    assert "GET /people/" not in access  # gunicorn's access log is off: joinedup logs each request itself
    lines = [json.loads(line) for line in errors.splitlines() if line.strip()]  # JSON lines, gunicorn's too
    requests = [line for line in lines if line["logger"] == "joinedup.request"]
    assert len(requests) == 4, errors  # each request is logged: method, path, route, status and its request id
    assert {(r["method"], r["path"], r["status"]) for r in requests} >= {("GET", "/people/", 302),
                                                                          ("POST", "/lookup/", 403)}
    assert all(len(r["request_id"]) == 32 for r in requests), requests
    assert any(line["logger"].startswith("gunicorn") for line in lines)  # gunicorn's own log, as JSON
    assert "Forbidden (CSRF cookie not set.): /lookup/" in errors  # the error log is real too
    assert _secrets_in(access + errors) == [], [line for line in errors.splitlines() if _secrets_in(line)]
    assert "?" not in "".join(r["path"] + r["message"] for r in requests)
