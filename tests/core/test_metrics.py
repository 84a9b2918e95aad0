"""Operators' metrics at /metrics (issue 18): served to loopback or with the metrics token, the ordinary 404 to anyone
else; the counters and the route histogram move with the work; no personal data and no path in any line; several
processes' values are added up in multiprocess mode."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction
from prometheus_client.parser import text_string_to_metric_families

from joinedup.accounts.models import AgencyKind, Role
from joinedup.accounts.services import actor_for, api_token_create
from joinedup.ingest.services import records_ingest
from joinedup.people.models import Person
from tests.conftest import SYSTEM, on_duty

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-" + "Zq7Lw2Pn9Xc4Rt6Vb1Hs3Jd8Kf5Mg0Ya"
ELSEWHERE = "203.0.113.9"  # not loopback

CHILD = {"given_name": "Ottoline", "family_name": "Brackenridge", "dob": "2021-06-09", "nhs_number": "9990072043"}
MOTHER = {"given_name": "Philippa", "family_name": "Brackenridge", "dob": "1994-11-23", "nhs_number": "9990072051"}
PERSONAL = ("Ottoline", "Brackenridge", "Philippa", "2021-06-09", "09/06/2021", "1994-11-23", "9990072043",
            "9990072051", "HOSP-55120", "HOSP-55121", "Thistlewood Row", "NB21 7QT", "ED-77301", "ED-77302")


def _record(agency_code: str, source_id: str) -> dict:
    def mention(mid, role, who, local):
        return {"mention_id": mid, "role": role, "local_person_id": local, **who,
                "address": {"lines": ["7 Thistlewood Row", "Northbrook"], "postcode": "NB21 7QT"}}

    return {"schema": "joinedup.agency-record/1", "agency_id": agency_code, "source_system": "ed",
            "source_record_id": source_id, "version": 1, "kind": "ed_attendance",
            "occurred_at": "2024-05-02T10:00:00Z", "recorded_at": "2024-05-02T11:00:00Z",
            "mentions": [mention("m1", "patient", CHILD, "HOSP-55120"),
                         mention("m2", "accompanying_adult", MOTHER, "HOSP-55121")],
            "detail": {"code": "injury", "injury": {"site": "forearm", "description": "bruising",
                                                    "explanation_given": "fell"}}}


def _page(response) -> str:
    """A page without what differs between any two requests (its nonces, its request id)."""
    return re.sub(r'nonce="[^"]*"', "", response.content.decode()).replace(response["X-Request-ID"], "")


def _scrape(client, **extra) -> str:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain") and response["Cache-Control"] == "no-store"
    return response.content.decode()


def _value(text: str, name: str, **labels) -> float:
    """A sample's value in the exposition (0 when the series has not appeared yet)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


@pytest.mark.django_db
def test_metrics_only_for_loopback_or_the_token_and_anyone_else_gets_the_ordinary_404(client, settings):
    settings.JOINEDUP_METRICS = {"token": TOKEN, "allow_loopback": True}
    unknown = client.get("/no-such-page", REMOTE_ADDR=ELSEWHERE)
    assert unknown.status_code == 404
    refused = client.get("/metrics", REMOTE_ADDR=ELSEWHERE)
    assert refused.status_code == 404 and _page(refused) == _page(unknown)  # nothing says /metrics exists
    assert client.get("/metrics", REMOTE_ADDR=ELSEWHERE, HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR=ELSEWHERE, HTTP_AUTHORIZATION=TOKEN).status_code == 404  # no scheme
    # A proxy on the same machine connects from 127.0.0.1 for anyone: a forwarded request is not loopback.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR=ELSEWHERE).status_code == 404
    assert client.get("/metrics", HTTP_X_FORWARDED_PROTO="https").status_code == 404

    served = _scrape(client, REMOTE_ADDR=ELSEWHERE, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert "# TYPE joinedup_records_ingested_total counter" in served
    for loopback in ("127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"):
        assert "joinedup_review_queue_items" in _scrape(client, REMOTE_ADDR=loopback), loopback
    assert client.head("/metrics").status_code == 200
    assert client.post("/metrics").status_code == 404
    # A scraper calls by address and over plain HTTP: no host check, no redirect to HTTPS.
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/metrics", HTTP_HOST="10.0.0.5:8000").status_code == 200

    settings.JOINEDUP_METRICS = {"token": "", "allow_loopback": False}  # loopback turned off, no token: nobody
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.django_db
def test_counters_and_the_route_histogram_move_with_the_work_and_name_no_one(
        client, settings, make_user, make_agency, make_team, signed_in, django_capture_on_commit_callbacks):
    settings.JOINEDUP_ALERT_RULES = "tests.alerts.conftest.TEST_RULES"  # T1: any injury raises an alert
    hospital = make_agency(kind=AgencyKind.ACUTE_HOSPITAL)
    csc = make_agency(kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    feed = make_user(role=Role.PARTNER_PRACTITIONER, agency=hospital)
    front_door = make_user(role=Role.FRONT_DOOR, agency=csc, team=make_team(csc, is_front_door=True))
    _, secret = api_token_create(actor=actor_for(feed), user=feed, name="ED feed")
    before = _scrape(client)
    ingested = {"via": "api", "agency_kind": AgencyKind.ACUTE_HOSPITAL, "outcome": "created"}

    with django_capture_on_commit_callbacks(execute=True):  # counters count what commits
        response = client.post("/api/v1/records/", json.dumps(_record(hospital.code, "ED-77301")),
                               content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert response.status_code == 201, response.content
    child = Person.objects.get(nhs_number=CHILD["nhs_number"], merged_into__isnull=True)
    web = signed_in(on_duty(front_door, child))
    assert web.get(f"/people/{child.pk}/").status_code == 200
    after = _scrape(client)

    assert _value(after, "joinedup_records_ingested_total", **ingested) == _value(
        before, "joinedup_records_ingested_total", **ingested) + 1
    assert _value(after, "joinedup_alerts_raised_total", rule="T1") == _value(
        before, "joinedup_alerts_raised_total", rule="T1") + 1
    assert _value(after, "joinedup_linkage_runs_total", kind="online") == _value(
        before, "joinedup_linkage_runs_total", kind="online") + 1
    assert _value(after, "joinedup_linkage_run_duration_seconds_count", kind="online") == _value(
        before, "joinedup_linkage_run_duration_seconds_count", kind="online") + 1
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    for route, method in (("web:person", "GET"), ("v1:record-ingest", "POST")):
        assert _value(after, latency, view=route, method=method) == _value(
            before, latency, view=route, method=method) + 1, route

    # A refused record is counted as refused; a write that is rolled back is not counted at all.
    refused = {**ingested, "outcome": "refused"}
    with django_capture_on_commit_callbacks(execute=True):
        bad = dict(_record(hospital.code, "ED-77302"), version="one")
        assert client.post("/api/v1/records/", json.dumps(bad), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 422
        try:
            with transaction.atomic():
                records_ingest(actor=actor_for(feed), records=[_record(hospital.code, "ED-77302")], via="api")
                raise RuntimeError("the caller's transaction fails after the ingest")
        except RuntimeError:
            pass
    again = _scrape(client)
    assert _value(again, "joinedup_records_ingested_total", **ingested) == _value(
        after, "joinedup_records_ingested_total", **ingested)
    assert _value(again, "joinedup_records_ingested_total", **refused) == _value(
        after, "joinedup_records_ingested_total", **refused) + 1

    lowered = again.lower()
    assert [s for s in PERSONAL if s.lower() in lowered] == []
    assert str(child.pk) not in again and "/people/" not in again  # routes, never paths
    assert hospital.code not in again and feed.username not in again


@pytest.mark.django_db
def test_the_queue_gauges_count_what_waits(client, make_agency):
    before = _scrape(client)
    assert _value(before, "joinedup_mentions_awaiting_linkage") == 0
    agency = make_agency(kind=AgencyKind.ACUTE_HOSPITAL)
    records_ingest(actor=SYSTEM, records=[_record(agency.code, "ED-77301")], via="file")  # waits for `link`
    after = _scrape(client)
    assert _value(after, "joinedup_mentions_awaiting_linkage") == 2  # the child and the mother
    assert _value(after, "joinedup_mentions_awaiting_linkage_oldest_age_seconds") >= 0
    assert _value(after, "joinedup_review_queue_items") == 0
    assert _value(after, "joinedup_linkage_last_batch_run_finished_timestamp_seconds") == 0  # never run
    assert _value(after, "joinedup_metrics_gauges_failed") == 0


def test_several_processes_values_are_added_up_in_multiprocess_mode(tmp_path):
    """As gunicorn's workers under `joinedup serve`: two processes count, a third answers for both."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    count = ("from joinedup.core import metrics; "
             "metrics.RECORDS_INGESTED.labels('api', 'police', 'created').inc(3); "
             "metrics.LINKAGE_RUN_SECONDS.labels('batch').observe(42)")
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True, timeout=60)
    shown = subprocess.run([sys.executable, "-c", "from joinedup.core import metrics; "
                            "print(metrics.exposition().decode())"], env=env, check=True, timeout=60,
                           capture_output=True, text=True).stdout
    labels = {"via": "api", "agency_kind": "police", "outcome": "created"}
    assert _value(shown, "joinedup_records_ingested_total", **labels) == 6
    assert _value(shown, "joinedup_linkage_run_duration_seconds_count", kind="batch") == 2
    assert _value(shown, "joinedup_linkage_run_duration_seconds_sum", kind="batch") == 84
