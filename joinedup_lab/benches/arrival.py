"""`joinedup bench arrival`: records arriving through the API at a steady rate, measured whole (issue 18).

On a fresh database (a SQLite file under var/; with `--postgresql`, a throwaway PostgreSQL cluster too):

1. a simulated authority (`--children`, one year) is loaded from files and linked, so arrivals are matched against
   known people with a trained model, as in use; its busiest hour gives the **peak arrival rate** the authority
   produces (records received in that hour / 3,600 s);
2. gunicorn (as `joinedup serve` runs it, 2 workers) and one `joinedup worker` start;
3. a client posts records at `--rate` a second for `--seconds` (an open schedule: each post starts at its time,
   from a pool of threads, whether or not the last has been answered): each an emergency-department injury of a
   baby of a few weeks, new to joinedup, so that R1 (injury in a child not independently mobile) raises an alert
   for every record. For each: the **request** time (sent to answered: ingest, audit, the task queued) and the
   time from answered to **its alert visible** (a reader polling the alerts table every 20 ms, in its own
   connection, sees the committed alert citing the record);
4. the worker is stopped, `--backlog` records are posted, the worker is started again, and the **drain rate** is
   the backlog over the time until the queue is empty.

Targets: request p95 ≤ 50 ms; record to alert p95 ≤ 1 s; drain rate ≥ 2 × the peak arrival rate.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TextIO

from joinedup_lab.benches.crash import GIVEN, Server
from joinedup_lab.benchkit import (
    env_for,
    here_json,
    postgres_bindir,
    say,
    sqlite_database,
    throwaway_postgres_and_folder,
)

REQUEST_P95_MS = 50
ALERT_P95_S = 1.0
DRAIN_FACTOR = 2


def _baby(agency: str, srid: str, rng: random.Random, now: dt.datetime) -> dict[str, Any]:
    born = now - dt.timedelta(days=rng.randint(20, 120))
    return {
        "schema": "joinedup.agency-record/1", "agency_id": agency, "source_system": "arrival-bench",
        "source_record_id": srid, "version": 1, "kind": "ed_attendance",
        "occurred_at": (now - dt.timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "recorded_at": (now - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mentions": [{"mention_id": "m1", "role": "patient", "given_name": rng.choice(GIVEN),
                      "family_name": f"Arrival{rng.randint(0, 10**6):06d}", "dob": born.date().isoformat(),
                      "local_person_id": f"AB{rng.randint(0, 10**8):08d}", "sex": rng.choice(["female", "male"])}],
        "detail": {"arrival": "walked_in", "disposal": "discharged",
                   "injury": {"description": "bruise", "site": "upper arm", "explanation_status": "not_given"}},
    }


def _peak_per_second(folder: Path) -> tuple[float, str]:
    """Records received in the simulated authority's busiest hour, a second; and that hour."""
    hours: dict[str, int] = {}
    for path in (folder / "agencies").glob("*/*.jsonl"):
        with path.open(encoding="utf-8") as f:
            for line in f:
                at = json.loads(line).get("recorded_at", "")[:13]
                if at:
                    hours[at] = hours.get(at, 0) + 1
    hour, n = max(hours.items(), key=lambda kv: kv[1])
    return n / 3600, hour


class AlertReader:
    """Polls the alerts table in its own connection: when each record's alert was first seen committed."""

    def __init__(self, url: str):
        self.url = url
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _connect(self):
        if self.url.startswith("sqlite:///"):
            import sqlite3

            return sqlite3.connect(self.url[len("sqlite:///"):], timeout=30, isolation_level=None)
        import psycopg

        return psycopg.connect(self.url, autocommit=True)

    def _run(self) -> None:
        conn = self._connect()
        try:
            while not self.stop.is_set():
                rows = conn.execute("SELECT evidence FROM alerts_alert WHERE rule_id = 'R1'").fetchall()
                now = time.monotonic()
                for (evidence,) in rows:
                    for item in json.loads(evidence) if isinstance(evidence, str) else evidence:
                        self.seen.setdefault(item["key"], now)
                time.sleep(0.02)
        finally:
            conn.close()

    def queue_depth(self) -> int:
        conn = self._connect()
        try:
            return conn.execute("SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE status IN "
                                "('READY', 'RUNNING')").fetchone()[0]
        finally:
            conn.close()


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Worker:
    def __init__(self, env: dict[str, str], log: Path):
        self.env, self.log, self.proc = env, log, None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "joinedup.cli", "worker", "--no-schedule"],
                                         env=self.env, stdout=log, stderr=log)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def measure_in(name: str, url: str, folder: Path, *, children: int, rate: float, seconds: float, backlog: int,
               seed: int, out: TextIO) -> dict[str, Any]:
    # The deployment's settings (the database task backend and a worker), whatever settings run the bench itself.
    env = {**env_for(url), "DJANGO_SETTINGS_MODULE": "config.settings.development", "JOINEDUP_ENV": "development",
           "JOINEDUP_LOG_LEVEL": "WARNING"}

    def cli(*args: str) -> None:
        done = subprocess.run([sys.executable, "-m", "joinedup.cli", *args], env=env, capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{name}: joinedup {' '.join(args)} failed:\n{done.stderr[-3000:]}")

    say(out, f"  {name}: migrating, then simulating {children:,} children over a year…")
    cli("migrate", "--noinput", "-v", "0")
    sim = folder / "simulated"
    cli("simulate", "--children", str(children), "--years", "1", "--seed", str(seed), "--out", str(sim),
        "--no-progress")
    peak, peak_hour = _peak_per_second(sim)
    say(out, f"  {name}: loading and linking it (busiest hour {peak_hour}:00, {peak * 3600:,.0f} records)…")
    cli("ingest", "--register-agencies", "--link-follows", "--no-progress", str(sim))
    cli("link")
    setup = here_json(env, "crash", "--setup")
    server = Server(env, folder, workers=2)
    worker = Worker(env, folder / "worker.log")
    reader = AlertReader(url)
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {setup['token']}"
    session.mount("http://", requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=32))
    sent: dict[str, tuple[float, float, int]] = {}  # srid: (answered at, request seconds, status)
    lock = threading.Lock()

    def post(srid: str, when: float) -> None:
        delay = when - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        record = _baby(setup["agency"], srid, random.Random(srid), dt.datetime.now(dt.UTC))
        began = time.monotonic()
        try:
            r = session.post(f"{server.url}/api/v1/records/", json=record, timeout=30)
            status = r.status_code
        except requests.RequestException:
            status = 0
        answered = time.monotonic()
        with lock:
            sent[srid] = (answered, answered - began, status)

    try:
        server.start()
        worker.start()
        reader.thread.start()
        for i in range(5):  # warm each gunicorn worker and the model before timing
            post(f"warm-{i}", time.monotonic())
        n = int(rate * seconds)
        say(out, f"  {name}: posting {n:,} records at {rate:g} a second…")
        t0 = time.monotonic() + 0.5
        with ThreadPoolExecutor(max_workers=16) as pool:
            for i in range(n):
                pool.submit(post, f"arr-{i}", t0 + i / rate)
        deadline = time.monotonic() + 60
        wanted = [f"{setup['agency']}:arr-{i}" for i in range(n)]
        while time.monotonic() < deadline and not all(k in reader.seen for k in wanted):
            time.sleep(0.1)
        timed = {srid: v for srid, v in sent.items() if srid.startswith("arr-")}
        request_ms = [v[1] * 1000 for v in timed.values()]
        alert_s = [reader.seen[f"{setup['agency']}:{srid}"] - v[0] for srid, v in timed.items()
                   if f"{setup['agency']}:{srid}" in reader.seen]
        errors = sum(1 for v in timed.values() if v[2] not in (200, 201))
        missing = n - len(alert_s)

        say(out, f"  {name}: draining a backlog of {backlog:,} records…")
        worker.stop()
        with ThreadPoolExecutor(max_workers=8) as pool:
            for i in range(backlog):
                pool.submit(post, f"backlog-{i}", time.monotonic())
        queued = reader.queue_depth()
        began = time.monotonic()
        worker.start()
        while reader.queue_depth() and time.monotonic() - began < 600:
            time.sleep(0.05)
        drain_seconds = time.monotonic() - began
    finally:
        reader.stop.set()
        worker.stop()
        server.stop()
    drain_rate = queued / drain_seconds if drain_seconds else 0.0
    result = {
        "database": name, "children": children, "rate_per_second": rate, "seconds": seconds, "records": n,
        "request_p50_ms": round(_pct(request_ms, 50), 1), "request_p95_ms": round(_pct(request_ms, 95), 1),
        "request_max_ms": round(max(request_ms, default=0), 1), "errors": errors,
        "alert_p50_s": round(_pct(alert_s, 50), 3), "alert_p95_s": round(_pct(alert_s, 95), 3),
        "alert_max_s": round(max(alert_s, default=0), 3), "alerts_missing": missing,
        "peak_arrival_per_second": round(peak, 4), "peak_hour": peak_hour,
        "backlog": queued, "drain_seconds": round(drain_seconds, 2), "drain_per_second": round(drain_rate, 2),
        "drain_over_peak": round(drain_rate / peak, 1) if peak else None,
        "mean_request_ms": round(statistics.fmean(request_ms), 1) if request_ms else 0.0,
    }
    result["targets"] = {
        "request_p95_at_most_50_ms": result["request_p95_ms"] <= REQUEST_P95_MS and errors == 0,
        "alert_p95_at_most_1_s": missing == 0 and result["alert_p95_s"] <= ALERT_P95_S,
        "drains_at_least_twice_the_peak": bool(peak) and drain_rate >= DRAIN_FACTOR * peak,
    }
    say(out, f"  {name}: request p95 {result['request_p95_ms']} ms; alert p95 {result['alert_p95_s']} s; drain "
             f"{result['drain_per_second']} a second against a peak of {result['peak_arrival_per_second']}")
    return result


def run(*, children: int = 2000, rate: float = 5.0, seconds: float = 60.0, backlog: int = 300, seed: int = 1,
        postgresql: bool = False, out: TextIO) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with sqlite_database("arrival") as (url, folder):
        results["sqlite"] = measure_in("SQLite", url, folder, children=children, rate=rate, seconds=seconds,
                                       backlog=backlog, seed=seed, out=out)
    if postgresql and postgres_bindir() is not None:
        with throwaway_postgres_and_folder("bench-arrival-pg-") as (url, folder):
            results["postgresql"] = measure_in("PostgreSQL", url, folder, children=children, rate=rate,
                                               seconds=seconds, backlog=backlog, seed=seed, out=out)
    every = list(results.values())
    return {**results, "request_p95_ms": max(r["request_p95_ms"] for r in every),
            "alert_p95_s": max(r["alert_p95_s"] for r in every),
            "targets": {k: all(r["targets"][k] for r in every) for k in every[0]["targets"]}}
