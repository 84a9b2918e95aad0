"""`joinedup bench load`, small: six people (one of each role) signed in through the forms and working for 15 s
against gunicorn on a throwaway PostgreSQL, on a small simulated authority: every route is asked for, nothing is
refused or fails, and the figures have the bench's shape (speed is the bench's, on a quiet machine:
docs/benchmarks.md). And the bench's judge can fail: a server error, a redirect to sign in and a refusal are counted
as errors, a 409 on an alert action as a conflict."""

from __future__ import annotations

import io
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from joinedup_lab.benches import load
from joinedup_lab.benchkit import postgres_bindir

ROUTES = {
    "GET /", "GET /alerts/", "GET /alerts/team/", "GET /alerts/<alert_id>/", "POST /alerts/<alert_id>/",
    "GET /people/", "POST /people/", "GET /people/<person_id>/", "GET /people/<person_id>/chronology/",
    "GET /people/<person_id>/chronology/?household=on", "GET /lookup/", "POST /lookup/", "POST /api/v1/records/",
}


@pytest.mark.skipif(postgres_bindir() is None, reason="needs PostgreSQL under /usr/lib/postgresql")
def test_six_people_for_fifteen_seconds_ask_for_every_page_and_meet_no_error():
    out = io.StringIO()
    result = load.run(users=6, seconds=15, children=80, think=0.5, seed=2, out=out)
    assert result["roles"] == dict.fromkeys(load.ROLES, 1)
    assert result["errors"] == 0, result["error_samples"]
    assert set(result["routes"]) == ROUTES
    for route, r in result["routes"].items():
        assert r["count"] > 0 and r["errors"] == 0, (route, r)
        assert 0 < r["p50_ms"] <= r["p95_ms"] <= r["max_ms"], (route, r)
    assert result["requests"] == sum(r["count"] for r in result["routes"].values()) > 50
    # Five people signed in, both steps each; the server's own times name the same routes by their names.
    for step in ("GET /sign-in/", "POST /sign-in/", "GET /sign-in/code/", "POST /sign-in/code/"):
        assert result["sign_in"][step]["count"] == 5 and result["sign_in"][step]["errors"] == 0
    server = result["server"]
    assert server["GET web:chronology"]["count"] == (
        result["routes"]["GET /people/<person_id>/chronology/"]["count"]
        + result["routes"]["GET /people/<person_id>/chronology/?household=on"]["count"])
    assert server["POST v1:record-ingest"]["count"] == result["records_posted"] > 0
    assert result["allocated_children"] == load.CHILDREN_EACH and result["contacts"] >= 6
    assert set(result["targets"]) == {"no_errors", "p95_at_most_300_ms_every_route"}
    assert result["targets"]["no_errors"] is True
    assert set(result["load_average"]) == {"min", "mean", "max"}
    # Where the CPU went: the client, gunicorn and PostgreSQL each did work while the people did (each process found).
    assert set(result["cpu"]["seconds"]) == set(load.CpuMeter.GROUPS) == set(result["cpu"]["share_of_cores"])
    assert all(result["cpu"]["seconds"][g] > 0 for g in ("client", "gunicorn", "postgresql")), result["cpu"]
    assert 0 < sum(result["cpu"]["share_of_cores"].values()) <= 1.05, result["cpu"]
    assert "6 people working for 15 s" in out.getvalue()


def test_the_mix_of_roles():
    assert load.role_counts(50) == load.MIX
    assert load.role_counts(6) == dict.fromkeys(load.ROLES, 1)
    assert sum(load.role_counts(7).values()) == 7 and min(load.role_counts(7).values()) == 1
    assert sum(load.role_counts(3).values()) == 3
    with pytest.raises(ValueError, match="users"):
        load.role_counts(0)


class _Answers(BaseHTTPRequestHandler):
    """Answers by path: what a broken or refusing server would."""

    def do_GET(self):
        status = {"/broken/": 500, "/signed-out/": 302, "/refused/": 404, "/fine/": 200}[self.path]
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "/sign-in/?next=/signed-out/")
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b'<input name="csrfmiddlewaretoken" value="token-1">')

    def do_POST(self):
        self.send_response(409)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_judge_counts_errors_and_conflicts():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        stats = load.Stats()
        person = load.UserSession(f"http://127.0.0.1:{server.server_address[1]}",
                                  {"role": "social_worker", "people": [], "names": []}, stats, load.Stats(),
                                  rng=random.Random(1))
        for path in ("/broken/", "/signed-out/", "/refused/", "/fine/"):
            person.request("GET", f"GET {path}", path)
        person.request("POST", "POST /alerts/<alert_id>/", "/alerts/x/", ok=(302,), conflict=(409,))
        person.request("POST", "POST /people/", "/people/")  # a 409 where none is expected: an error
    finally:
        server.shutdown()
    summary = stats.summary()
    assert [summary[f"GET {p}"]["errors"] for p in ("/broken/", "/signed-out/", "/refused/", "/fine/")] == [1, 1, 1, 0]
    assert summary["POST /alerts/<alert_id>/"]["conflicts"] == 1 and summary["POST /alerts/<alert_id>/"]["errors"] == 0
    assert summary["POST /people/"]["errors"] == 1
    assert person.csrf == "token-1"
    assert {e["status"] for e in stats.error_samples} == {500, 302, 404, 409}
    assert stats.error_samples[1]["note"] == "/sign-in/?next=/signed-out/"
