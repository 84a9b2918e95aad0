"""`joinedup bench crash`, small: 20 kills with SIGKILL — the server twice and a file ingest twice on SQLite; on
PostgreSQL the server twice, PostgreSQL itself 12 times (the cheapest to restart) and a file ingest twice — and no
acknowledged record lost, duplicated or without its audit row. And the bench's own judge can fail: a record missing, stored twice or unaudited is counted."""

from __future__ import annotations

import io
import json
import random
import shutil

import pytest
from django.test import Client

from joinedup_lab.benches import crash


@pytest.mark.skipif(shutil.which("runuser") is None, reason="needs runuser to start PostgreSQL as postgres")
def test_twenty_kills_lose_duplicate_and_leave_unaudited_no_acknowledged_record(monkeypatch):
    servers: list[crash.Server] = []  # the servers the bench starts, to see what they leave behind
    start = crash.Server.start
    monkeypatch.setattr(crash.Server, "start", lambda self: (servers.append(self), start(self))[1])
    out = io.StringIO()
    result = crash.run(trials={"server": 2, "postgresql": 12, "ingest": 2}, seed=3, file_records=120, out=out)
    kills = sum(r["trials"] for db in ("sqlite", "postgresql") for r in result[db].values())
    assert kills == 20
    assert set(result["sqlite"]) == {"server", "ingest"}
    assert set(result["postgresql"]) == {"server", "postgresql", "ingest"}
    for db in ("sqlite", "postgresql"):
        for kind, r in result[db].items():
            assert r["acknowledged"] > 0, (db, kind)
            assert (r["lost"], r["duplicates"], r["without_audit"]) == (0, 0, 0), (db, kind, r)
            assert r["audit_chain_ok"], (db, kind)
        assert result[db]["ingest"]["acknowledged"] == 2 * 120
        assert result[db]["server"]["restart_seconds_mean"] > 0
    assert result["targets"]["no_acknowledged_record_lost_duplicated_or_unaudited"] is True
    assert "PostgreSQL killed: 12 of 12" in out.getvalue()
    # Killed with SIGKILL, gunicorn cannot remove its control socket: the bench does, leaving nothing in var/.
    assert servers, "the bench started no server"
    assert not [s.control_socket for s in servers if s.control_socket.exists()]


@pytest.mark.both_databases
@pytest.mark.django_db
def test_the_judge_counts_a_lost_a_duplicated_and_an_unaudited_record():
    setup = crash.setup_here()
    api = Client(HTTP_AUTHORIZATION=f"Bearer {setup['token']}")
    rng = random.Random(1)
    sent = {srid: crash._record(setup["agency"], srid, rng) for srid in ("a", "b", "c")}
    for record in sent.values():
        response = api.post("/api/v1/records/", json.dumps(record), content_type="application/json")
        assert response.status_code == 201, response.content
    judged = crash.verify_here(["a", "b", "c"])
    assert (judged["lost"], judged["duplicates"], judged["without_audit"], judged["audit_chain_ok"]) == (0, 0, 0, True)

    assert crash.verify_here(["a", "b", "c", "never-stored"])["lost"] == 1
    # A second version of "a" (as a retry that was not recognised would make): a duplicate.
    again = sent["a"] | {"version": 2, "amended_at": "2026-10-02T09:00:00Z"}
    response = api.post("/api/v1/records/", json.dumps(again), content_type="application/json")
    assert response.status_code in (200, 201), response.content
    assert crash.verify_here(["a", "b", "c"])["duplicates"] == 1
    # A record no audit row names is counted (the audit trail refuses changes, so the judge is given the facts).
    assert crash.judge(["a"], {"a": 1}, {7}, 0, set(), True)["without_audit"] == 1
    assert crash.judge(["a"], {"a": 1}, {7}, 0, {7}, False)["audit_chain_ok"] is False
