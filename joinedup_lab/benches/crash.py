"""`joinedup bench crash`: what a client was told was stored survives a crash, once, with its audit row (issue 18).

Three ways of dying, on each database (a fresh SQLite file under var/, and a throwaway PostgreSQL cluster):

- **the server** (`server`): gunicorn, started as `joinedup serve` starts it, takes records posted one at a time
  (`POST /api/v1/records/`, a partner agency's token) and its whole process group is killed with SIGKILL at a
  random moment (0.05–0.8 s after it is ready); it is started again, and the client sends again the record it
  had no answer for;
- **PostgreSQL** (`postgresql`, on PostgreSQL only): the same client, and the database server's postmaster is
  killed with SIGKILL instead (its backends die with it); it is restarted (crash recovery) while gunicorn keeps
  running, and the client sends again what it had no answer for;
- **a file ingest** (`ingest`): `joinedup ingest` of a file of 300 records in batches of 50 is killed with SIGKILL
  at a random moment (most land mid-file: the moment is drawn against how long a run has been taking), then run
  again on the same file to the end.

A record is **acknowledged** when the API answered 2xx with its outcome (`created`, or `unchanged` for a record
sent again that had been stored before the answer was lost), or, for a file, when the second run finished. After
every trial the database is read (in a fresh process): every acknowledged record must be stored (**lost**: 0),
once, in one version (**duplicates**: 0), and named by a `record.ingest` audit row (**without audit**: 0); and the
audit chain must verify. A trial is one kill. `--trials N` runs N of each kind on each database; `make test`
runs a small number (tests/core/test_bench_crash.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from joinedup_lab.benchkit import (
    env_for,
    free_port,
    here_json,
    postgres_bindir,
    say,
    sqlite_database,
    throwaway_cluster,
)

KINDS = ("server", "postgresql", "ingest")
FILE_RECORDS = 300
READY_SECONDS = 90
AGENCY = "crash-hospital"
GIVEN = ("Ada", "Bo", "Cai", "Dee", "Eli", "Fen", "Gus", "Hal", "Ivo", "Jun", "Kit", "Lux", "Mo", "Nia", "Oz")
FAMILY = ("Ashdown", "Brackley", "Corran", "Delph", "Esker", "Fallow", "Garth", "Holm", "Ings", "Jessop")


# --- the database side (run with `--here`, in a process whose DATABASE_URL is the database under test) ---------


def setup_here() -> dict[str, str]:
    """An acute hospital's feed: its agency, a system account sending records, and a token for it."""
    from joinedup.accounts.models import AgencyKind, Role, User
    from joinedup.accounts.services import agency_create, api_token_create
    from joinedup.core.actor import ActorRef

    actor = ActorRef.system("bench crash")
    agency = agency_create(actor=actor, code=AGENCY, name="Crash Bench Hospital",
                           kind=AgencyKind.ACUTE_HOSPITAL)
    user = User.objects.create_user(username="crash-feed", first_name="Crash", last_name="Feed",
                                    role=Role.PARTNER_PRACTITIONER, agency=agency)
    _, secret = api_token_create(actor=actor, user=user, name="crash bench feed")
    return {"agency": agency.code, "token": secret}


def verify_here(expected: list[str]) -> dict[str, Any]:
    """What the database holds of the acknowledged source record ids."""
    from django.db.models import Count

    from joinedup.audit.models import AuditEvent
    from joinedup.audit.verify import chain_verify
    from joinedup.ingest.models import SourceRecord, SourceRecordVersion

    held = SourceRecord.objects.filter(agency__code=AGENCY)
    rows: dict[str, int] = {}
    for srid in held.values_list("source_record_id", flat=True).iterator():
        rows[srid] = rows.get(srid, 0) + 1
    stored_ids = set(held.values_list("id", flat=True))
    versions = (SourceRecordVersion.objects.filter(record__agency__code=AGENCY).values("record_id")
                .annotate(n=Count("id")).filter(n__gt=1).count())
    audited: set[int] = set()
    for object_id, detail in AuditEvent.objects.filter(action="record.ingest").values_list("object_id", "detail"):
        audited.update(int(x) for x in (detail or {}).get("record_ids", []))
        if object_id:
            audited.add(int(object_id))
    return judge(expected, rows, stored_ids, versions, audited, chain_verify().ok)


def judge(expected: list[str], stored: dict[str, int], stored_ids: set[int], multi_version: int, audited: set[int],
          chain_ok: bool) -> dict[str, Any]:
    """The verdict from what the database holds: `stored` counts the records of each source record id, `stored_ids`
    their keys, `multi_version` how many have more than one version, `audited` the keys `record.ingest` audit rows
    name."""
    return {
        "acknowledged": len(expected),
        "lost": sum(1 for srid in expected if srid not in stored),
        "duplicates": sum(n - 1 for n in stored.values() if n > 1) + multi_version,
        "without_audit": len(stored_ids - audited),
        "records_stored": len(stored_ids),
        "audit_chain_ok": bool(chain_ok),
    }


# --- the client and the processes it kills ------------------------------------------------------------------


def _record(agency: str, srid: str, rng: random.Random) -> dict[str, Any]:
    """A small emergency department attendance of a made-up child (synthetic names from this bench's lists)."""
    year = rng.randint(2012, 2024)
    return {
        "schema": "joinedup.agency-record/1", "agency_id": agency, "source_system": "crash-bench",
        "source_record_id": srid, "version": 1, "kind": "ed_attendance",
        "occurred_at": f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T1{rng.randint(0, 9)}:30:00Z",
        "recorded_at": "2026-10-01T09:00:00Z",
        "mentions": [{"mention_id": "m1", "role": "patient", "given_name": rng.choice(GIVEN),
                      "family_name": rng.choice(FAMILY), "dob": f"{year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                      "local_person_id": f"CB{rng.randint(0, 10**7):07d}"}],
        "detail": {"arrival": "walked_in", "disposal": "discharged"},
    }


class Server:
    """gunicorn as `joinedup serve` runs it, in its own process group (so SIGKILL takes the master and workers)."""

    def __init__(self, env: dict[str, str], folder: Path, workers: int = 1):
        from joinedup.core.management.commands.serve import control_socket_path, gunicorn_argv

        self.port = free_port()
        self.env = env
        self.argv = gunicorn_argv(host="127.0.0.1", port=self.port, workers=workers)  # crash: one, quicker to restart
        self.control_socket = control_socket_path(self.port)
        self.log = folder / "gunicorn.log"
        self.proc: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{self.port}"
        self.starts = 0
        self.ready_seconds: list[float] = []

    def start(self) -> float:
        import requests

        started = time.monotonic()
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(self.argv, env=self.env, stdout=log, stderr=log, start_new_session=True)
        self.starts += 1
        while time.monotonic() - started < READY_SECONDS:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}); see {self.log}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    self.ready_seconds.append(time.monotonic() - started)
                    return self.ready_seconds[-1]
            time.sleep(0.05)
        raise RuntimeError(f"gunicorn was not ready in {READY_SECONDS} s; see {self.log}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        """Kill it for good, and remove the control socket a SIGKILL leaves behind in var/ (a server that stops of
        itself removes its own; a bench on a fresh port each run would otherwise leave one a run)."""
        self.kill()
        self.control_socket.unlink(missing_ok=True)


class Client:
    """Posts records one at a time; remembers what it was told was stored, and what it had no answer for."""

    def __init__(self, server: Server, agency: str, token: str, rng: random.Random, prefix: str):
        import requests

        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.server, self.agency, self.rng, self.prefix = server, agency, rng, prefix
        self.acknowledged: list[str] = []
        self.pending: dict[str, Any] | None = None
        self.sent = 0
        self.errors_while_up = 0
        self.n = 0

    def _next(self) -> dict[str, Any]:
        if self.pending is None:
            self.n += 1
            self.pending = _record(self.agency, f"{self.prefix}-{self.n}", self.rng)
        return self.pending

    def post_once(self, timeout: float = 15) -> bool:
        """Send the pending (or a new) record once; True when it was acknowledged."""
        import requests

        record = self._next()
        self.sent += 1
        try:
            r = self.session.post(f"{self.server.url}/api/v1/records/", json=record, timeout=timeout)
        except requests.RequestException:
            return False
        if r.status_code in (200, 201) and r.json().get("status") in ("created", "unchanged"):
            self.acknowledged.append(record["source_record_id"])
            self.pending = None
            return True
        return False

    def until_acknowledged(self, seconds: float = 120) -> None:
        """Send the pending record again (after a restart) until it is acknowledged."""
        started = time.monotonic()
        while self.pending is not None:
            if self.post_once():
                return
            if time.monotonic() - started > seconds:
                raise RuntimeError(f"{self.pending['source_record_id']} not acknowledged in {seconds} s after restart")
            time.sleep(0.1)


def _post_until_killed(client: Client, kill, delay: float) -> None:
    """Post records until the kill (at `delay` seconds) has happened and a send has failed or ended."""
    killed = threading.Event()

    def killer() -> None:
        kill()
        killed.set()

    timer = threading.Timer(delay, killer)
    timer.start()
    try:
        while not killed.is_set():
            if not client.post_once() and not killed.is_set():
                client.errors_while_up += 1
                time.sleep(0.05)
    finally:
        timer.join()


def server_trials(env: dict[str, str], folder: Path, setup: dict[str, str], trials: int, rng: random.Random,
                  out: TextIO, label: str) -> dict[str, Any]:
    server = Server(env, folder)
    client = Client(server, setup["agency"], setup["token"], rng, f"server-{label}")
    started = time.monotonic()
    try:
        server.start()
        for t in range(trials):
            _post_until_killed(client, server.kill, rng.uniform(0.05, 0.8))
            server.start()
            client.until_acknowledged()
            if (t + 1) % max(1, trials // 10) == 0 or t + 1 == trials:
                say(out, f"  {label} server: {t + 1:,} of {trials:,} kills; {len(client.acknowledged):,} records "
                         f"acknowledged")
    finally:
        server.stop()
    return {"trials": trials, "acknowledged_ids": client.acknowledged, "sent": client.sent,
            "errors_while_up": client.errors_while_up, "seconds": round(time.monotonic() - started, 1),
            "restart_seconds_mean": round(sum(server.ready_seconds) / len(server.ready_seconds), 2)}


def postgresql_trials(env: dict[str, str], folder: Path, setup: dict[str, str], cluster, trials: int,
                      rng: random.Random, out: TextIO) -> dict[str, Any]:
    server = Server(env, folder)
    client = Client(server, setup["agency"], setup["token"], rng, "postgresql")
    started = time.monotonic()

    def kill() -> None:
        pid = cluster.postmaster_pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def restart() -> None:
        began = time.monotonic()
        while True:  # the killed postmaster's backends must exit before its shared memory can be taken again
            done = cluster.pg_ctl("-l", str(cluster.log), "-w", "-o", cluster.options, "start", check=False)
            if done.returncode == 0:
                return
            if time.monotonic() - began > 60:
                raise RuntimeError(f"PostgreSQL did not restart: {done.stdout}{done.stderr}")
            time.sleep(0.2)

    try:
        server.start()
        for t in range(trials):
            _post_until_killed(client, kill, rng.uniform(0.05, 0.8))
            restart()
            client.until_acknowledged()
            if (t + 1) % max(1, trials // 10) == 0 or t + 1 == trials:
                say(out, f"  PostgreSQL killed: {t + 1:,} of {trials:,}; {len(client.acknowledged):,} records acknowledged")
    finally:
        server.stop()
    return {"trials": trials, "acknowledged_ids": client.acknowledged, "sent": client.sent,
            "errors_while_up": client.errors_while_up, "seconds": round(time.monotonic() - started, 1)}


def ingest_trials(env: dict[str, str], folder: Path, setup: dict[str, str], trials: int, rng: random.Random,
                  out: TextIO, label: str, records: int = FILE_RECORDS) -> dict[str, Any]:
    acknowledged: list[str] = []
    started = time.monotonic()
    interrupted = 0
    run_seconds = 3.0  # how long a whole run takes here (learned from the runs after each kill)
    for t in range(trials):
        path = folder / f"file-{label}-{t}.jsonl"
        ids = [f"file-{label}-{t}-{i}" for i in range(records)]
        with path.open("w", encoding="utf-8") as f:
            for srid in ids:
                f.write(json.dumps(_record(setup["agency"], srid, rng)) + "\n")
        argv = [sys.executable, "-m", "joinedup.cli", "ingest", str(path), "--batch-size", str(max(1, records // 6)),
                "--no-progress"]
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        time.sleep(rng.uniform(0.2, 1.1) * run_seconds)  # most kills land mid-file, some before it, a few after
        if proc.poll() is None:
            interrupted += 1
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        began = time.monotonic()
        again = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        run_seconds = 0.5 * run_seconds + 0.5 * (time.monotonic() - began)
        if again.returncode != 0:
            raise RuntimeError(f"ingest after the kill failed ({again.returncode}):\n{again.stderr[-3000:]}")
        acknowledged.extend(ids)
        path.unlink()
        if (t + 1) % max(1, trials // 10) == 0 or t + 1 == trials:
            say(out, f"  {label} ingest: {t + 1:,} of {trials:,} files ({interrupted:,} killed mid-run)")
    return {"trials": trials, "acknowledged_ids": acknowledged, "killed_mid_run": interrupted,
            "seconds": round(time.monotonic() - started, 1)}


def _judge(env: dict[str, str], folder: Path, results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Read the database in a fresh process: each kind's acknowledged records, and the audit chain."""
    out: dict[str, Any] = {}
    for kind, r in results.items():
        ids_file = folder / f"acknowledged-{kind}.json"
        ids_file.write_text(json.dumps(r.pop("acknowledged_ids")))
        out[kind] = {**r, **here_json(env, "crash", "--verify", str(ids_file))}
    return out


def _prepare(env: dict[str, str], name: str, out: TextIO) -> dict[str, str]:
    say(out, f"  {name}: migrating a fresh database…")
    done = subprocess.run([sys.executable, "-m", "joinedup.cli", "migrate", "--noinput", "-v", "0"], env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{name}: migrate failed:\n{done.stderr[-2000:]}")
    return here_json(env, "crash", "--setup")


def run(*, trials: int | dict[str, int] = 1000, seed: int = 1, kinds: tuple[str, ...] = KINDS,
        postgresql: bool = True, sqlite: bool = True, file_records: int = FILE_RECORDS,
        out: TextIO) -> dict[str, Any]:
    """`trials` kills of each kind on each database (or, as a mapping, of each kind named); the figures, and whether
    every target is met."""
    rng = random.Random(seed)
    if isinstance(trials, dict):
        kinds, count = tuple(k for k in KINDS if trials.get(k)), dict(trials)
    else:
        count = dict.fromkeys(KINDS, trials)
    databases: dict[str, Any] = {}
    if sqlite:
        with sqlite_database("crash") as (url, folder):
            env = env_for(url)
            setup = _prepare(env, "SQLite", out)
            results: dict[str, dict[str, Any]] = {}
            if "server" in kinds:
                results["server"] = server_trials(env, folder, setup, count["server"], rng, out, "SQLite")
            if "ingest" in kinds:
                results["ingest"] = ingest_trials(env, folder, setup, count["ingest"], rng, out, "SQLite",
                                                  file_records)
            databases["sqlite"] = _judge(env, folder, results)
    if postgresql and postgres_bindir() is not None:
        with throwaway_cluster() as cluster, tempfile.TemporaryDirectory(prefix="bench-crash-pg-") as tmp:
            folder = Path(tmp)
            env = env_for(cluster.url)
            setup = _prepare(env, "PostgreSQL", out)
            results: dict[str, dict[str, Any]] = {}
            if "server" in kinds:
                results["server"] = server_trials(env, folder, setup, count["server"], rng, out, "PostgreSQL")
            if "postgresql" in kinds:
                results["postgresql"] = postgresql_trials(env, folder, setup, cluster, count["postgresql"], rng, out)
            if "ingest" in kinds:
                results["ingest"] = ingest_trials(env, folder, setup, count["ingest"], rng, out, "PostgreSQL", file_records)
            databases["postgresql"] = _judge(env, folder, results)
    elif postgresql:
        say(out, "  PostgreSQL skipped: no installation under /usr/lib/postgresql")
    every = [r for db in databases.values() for r in db.values()]
    met = bool(every) and all(r["lost"] == 0 and r["duplicates"] == 0 and r["without_audit"] == 0
                              and r["audit_chain_ok"] for r in every)
    return {"trials_per_kind": count, "seed": seed, "file_records": file_records, **databases,
            "lost": sum(r["lost"] for r in every), "duplicates": sum(r["duplicates"] for r in every),
            "without_audit": sum(r["without_audit"] for r in every),
            "acknowledged": sum(r["acknowledged"] for r in every),
            "targets": {"no_acknowledged_record_lost_duplicated_or_unaudited": met}}
