"""The task queue and `joinedup worker` (issue 18, ADR 0017), on the database backend the deployments run:

- a record posted through the API is stored and answered at once, its mentions still unmatched and one task queued
  with it; the worker then matches them, which queues the judging of the child's alerts with the links, and judges
  them next (R1 for a baby's injury);
- a task that fails is rolled back alone and kept as failed; the records stay;
- a file load queues one linkage run when it ends (not with `--link-follows`);
- the schedule queues each job once per interval, however many workers ask;
- /readyz needs a fresh worker heartbeat when the setting says so.
"""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult

from joinedup.accounts.models import AgencyKind, Role
from joinedup.accounts.services import actor_for, api_token_create
from joinedup.alerts.models import Alert
from joinedup.core.time import utc_now
from joinedup.ingest.models import Mention, SourceRecord
from joinedup.jobs.models import ScheduledJob, WorkerHeartbeat
from joinedup.jobs.worker import enqueue_due, fresh_heartbeat, heartbeat, run_worker
from joinedup.people.models import MentionLink
from tests.ingest.conftest import EXAMPLE

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _baby_injury(agency, srid: str) -> dict:
    record = copy.deepcopy(EXAMPLE)
    now = utc_now()
    record.update(agency_id=agency.code, source_record_id=srid, occurred_at=(now - dt.timedelta(hours=3)).isoformat(),
                  recorded_at=(now - dt.timedelta(hours=1)).isoformat())
    record.pop("occurred_on", None)
    record["mentions"][0]["dob"] = (now - dt.timedelta(days=100)).date().isoformat()
    record["detail"]["injury"] = {"description": "bruise", "site": "cheek", "explanation_status": "given",
                                  "explanation_given": "rolled off the sofa"}
    return record


@pytest.fixture(autouse=True)
def connections_kept(monkeypatch):
    """The worker closes stale connections between tasks, as a long-running process must; inside a test's own
    transaction that would close the test's connection, so here it keeps it (the tasks still run in it)."""
    monkeypatch.setattr("joinedup.jobs.worker.close_old_connections", lambda: None)
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)


@pytest.fixture
def feed(make_user, make_agency):
    agency = make_agency(kind=AgencyKind.ACUTE_HOSPITAL)
    user = make_user(role=Role.PARTNER_PRACTITIONER, agency=agency)
    _, secret = api_token_create(actor=actor_for(user), user=user, name="ED feed")
    return agency, Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@override_settings(TASKS=DATABASE_QUEUE)
def test_a_record_is_answered_at_once_and_matched_and_judged_by_the_worker(feed):
    agency, api = feed
    response = api.post("/api/v1/records/", json.dumps(_baby_injury(agency, "ED-1")), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["linkage"]["status"] == "not_linked"  # answered before matching
    record = SourceRecord.objects.get(source_record_id="ED-1")
    mentions = list(Mention.objects.filter(record=record).values_list("pk", flat=True))
    assert not MentionLink.objects.filter(mention_id__in=mentions).exists()
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "joinedup.people.tasks.match_mentions" and queued.status == "READY"
    assert not Alert.objects.exists()
    scraped = Client().get("/metrics").content.decode()  # from loopback, as an operator's scraper on the machine
    assert "joinedup_task_queue_depth 1.0" in scraped and "joinedup_worker_heartbeat_age_seconds -1.0" in scraped

    run_worker(once=True, with_schedule=False)

    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    assert MentionLink.objects.filter(mention_id__in=mentions, person__isnull=False).count() == len(mentions)
    child = MentionLink.objects.get(mention__record=record, mention__mention_id="m1").person
    assert Alert.objects.filter(person=child, rule_id="R1").exists()
    assert WorkerHeartbeat.objects.count() == 1 and fresh_heartbeat()
    assert "joinedup_task_queue_depth 0.0" in Client().get("/metrics").content.decode()


@override_settings(TASKS=DATABASE_QUEUE)
def test_matching_queues_the_alerts_judging_with_its_links_and_the_worker_runs_it_next(feed):
    """The matching task writes the links with the judging task queued, ahead of other waiting work; a worker that
    stopped there would leave that task to the next; the next run judges the children. (On SQLite, outside a test's
    transaction, each is its own transaction: tests/core/test_transactions.py, tests/jobs/test_bench_arrival.py.)"""
    from django_tasks_db.management.commands.db_worker import Worker

    agency, api = feed
    for srid in ("ED-1", "ED-2"):
        assert api.post("/api/v1/records/", json.dumps(_baby_injury(agency, srid)),
                        content_type="application/json").status_code == 201
    Worker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False, max_tasks=1,
           worker_id="test", excluded_queue_names=[]).run()  # one task: the first record's matching
    first = SourceRecord.objects.get(source_record_id="ED-1")
    assert MentionLink.objects.filter(mention__record=first, person__isnull=False).exists()
    assert not Alert.objects.exists()
    judging = DBTaskResult.objects.get(task_path="joinedup.alerts.tasks.evaluate_mentions")
    assert judging.status == "READY" and judging.priority > 0  # committed with the links, ahead of ED-2's matching
    assert judging.args_kwargs["args"] == [
        list(Mention.objects.filter(record=first).order_by("pk").values_list("pk", flat=True)), True]

    run_worker(once=True, with_schedule=False)
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert DBTaskResult.objects.count() == 4  # two matchings, two judgings
    children = {MentionLink.objects.get(mention__record__source_record_id=srid, mention__mention_id="m1").person_id
                for srid in ("ED-1", "ED-2")}
    assert set(Alert.objects.filter(rule_id="R1").values_list("person_id", flat=True)) == children


@override_settings(TASKS=DATABASE_QUEUE)
def test_a_failing_task_is_kept_as_failed_and_undoes_only_its_own_writes(feed, monkeypatch):
    agency, api = feed
    assert api.post("/api/v1/records/", json.dumps(_baby_injury(agency, "ED-1")),
                    content_type="application/json").status_code == 201
    run_worker(once=True, with_schedule=False)
    linked = MentionLink.objects.count()
    assert linked > 0
    assert api.post("/api/v1/records/", json.dumps(_baby_injury(agency, "ED-2")),
                    content_type="application/json").status_code == 201

    def broken(**kwargs):
        MentionLink.objects.all().delete()  # a write the failure must undo
        raise RuntimeError("matching broke")

    monkeypatch.setattr("joinedup.people.services.mentions_match_online", broken)
    run_worker(once=True, with_schedule=False)
    failed = DBTaskResult.objects.get(status="FAILED")
    assert "RuntimeError" in failed.exception_class_path
    assert MentionLink.objects.count() == linked  # the first record's links are back
    assert SourceRecord.objects.filter(source_record_id="ED-2").exists()  # the records stay


@override_settings(TASKS=DATABASE_QUEUE, JOINEDUP_LINK_AFTER_FILE_INGEST=True)
def test_a_file_load_queues_one_linkage_run_unless_a_link_follows(tmp_path, make_agency):
    agency = make_agency(kind=AgencyKind.ACUTE_HOSPITAL)
    path = tmp_path / "ed.jsonl"
    path.write_text(json.dumps(_baby_injury(agency, "F-1")) + "\n" + json.dumps(_baby_injury(agency, "F-2")) + "\n")
    call_command("ingest", str(path), "--no-progress", "--workers", "0", "--link-follows")
    assert not DBTaskResult.objects.exists()
    again = tmp_path / "ed2.jsonl"
    again.write_text(json.dumps(_baby_injury(agency, "F-3")) + "\n")
    call_command("ingest", str(again), "--no-progress", "--workers", "0")
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "joinedup.people.tasks.link_if_needed"


@override_settings(TASKS=DATABASE_QUEUE, JOINEDUP_SCHEDULE={
    "audit.verify_chain": {"task": "joinedup.audit.tasks.verify_chain", "every_minutes": 60},
    "alerts.run_scheduled": {"task": "joinedup.alerts.tasks.run_scheduled", "every_minutes": 15},
    "people.link_if_needed": {"task": "joinedup.people.tasks.link_if_needed", "every_minutes": 0}})
def test_the_schedule_queues_each_job_once_per_interval_whichever_worker_asks():
    now = utc_now()
    assert sorted(enqueue_due(now=now, worker_id="a")) == ["alerts.run_scheduled", "audit.verify_chain"]
    assert enqueue_due(now=now, worker_id="b") == []  # the same moment, another worker: nothing twice
    assert enqueue_due(now=now + dt.timedelta(minutes=14), worker_id="b") == []
    assert enqueue_due(now=now + dt.timedelta(minutes=15), worker_id="b") == ["alerts.run_scheduled"]
    assert ScheduledJob.objects.get(name="alerts.run_scheduled").last_enqueued_by == "b"
    assert DBTaskResult.objects.count() == 3
    run_worker(once=True, with_schedule=False)
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    verified = DBTaskResult.objects.get(task_path="joinedup.audit.tasks.verify_chain")
    assert verified.return_value["ok"] is True


@override_settings(JOINEDUP_READY_NEEDS_WORKER=True, JOINEDUP_WORKER_STALE_SECONDS=60)
def test_readyz_needs_a_fresh_worker_heartbeat_when_the_setting_says_so():
    client = Client()
    response = client.get("/readyz")
    assert response.status_code == 503 and "no worker has started" in response.json()["checks"]["worker"]
    heartbeat("w-1", utc_now())
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["checks"]["worker"] == "heartbeat fresh"
    WorkerHeartbeat.objects.update(seen_at=utc_now() - dt.timedelta(seconds=61))
    response = client.get("/readyz")
    assert response.status_code == 503 and "no worker heartbeat in the last 60 s" in response.json()["checks"]["worker"]
    with override_settings(JOINEDUP_READY_NEEDS_WORKER=False):
        assert "worker" not in client.get("/readyz").json()["checks"]


@pytest.mark.sqlite
def test_serve_with_worker_runs_a_worker_that_stops_with_the_server(tmp_path):
    """`make demo`'s `joinedup serve --with-worker`: a worker beside gunicorn (its heartbeat in the database), gone
    once the server is stopped."""
    import contextlib
    import os
    import signal
    import socket
    import sqlite3
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    (tmp_path / "staticfiles").mkdir()
    (tmp_path / "staticfiles" / "staticfiles.json").write_text("{}")
    db = tmp_path / "db.sqlite3"
    env = {**os.environ, "JOINEDUP_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{db}",
           "DJANGO_SETTINGS_MODULE": "config.settings.development", "JOINEDUP_ENV": "development",
           "JOINEDUP_SCHEDULE": "alerts.run_scheduled=0,people.link_if_needed=0,audit.verify_chain=0"}
    cli = [sys.executable, "-m", "joinedup.cli"]
    subprocess.run([*cli, "migrate", "--noinput", "-v", "0"], cwd=root, env=env, check=True, capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", "1", "--with-worker"], cwd=root,
                              env=env, stdout=log, stderr=log, start_new_session=True)

    def heartbeats() -> list[int]:
        with sqlite3.connect(db) as conn:
            return [row[0] for row in conn.execute("SELECT pid FROM jobs_workerheartbeat")]

    def seen() -> str:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT MAX(seen_at) FROM jobs_workerheartbeat").fetchone()[0]

    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    try:
        deadline = time.monotonic() + 90
        while not heartbeats():
            assert server.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "no worker heartbeat within 90 s"
            time.sleep(0.3)
        [pid] = heartbeats()
        assert alive(pid)
        first = seen()  # the heartbeat thread beats every 5 s, whatever the loop is doing
        deadline = time.monotonic() + 30
        while seen() == first:
            assert time.monotonic() < deadline, "the heartbeat did not move in 30 s"
            time.sleep(0.5)
        os.kill(server.pid, signal.SIGTERM)  # gunicorn alone (not its process group): the worker must notice
        server.wait(timeout=60)
        deadline = time.monotonic() + 30
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(pid), "the worker outlived the server"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
