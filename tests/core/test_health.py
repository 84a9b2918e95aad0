"""`/healthz` and `/readyz` (issue 18): answered first, whatever the Host and over plain HTTP, JSON only; `/readyz`
names the check that fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" + "8fJ2mQ9xLr4Tz7Wc1Nv6Bq3Hs5Yd0Pa2Ge9Ku4Xo7Ri1Fm3Vl6Sj8Tw0"


@pytest.mark.both_databases
@pytest.mark.django_db(transaction=True)
def test_healthz_and_readyz_answer_json_for_any_host(client):
    up = client.get("/healthz", HTTP_HOST="10.1.2.3")  # a probe calling by address: no DisallowedHost
    assert up.status_code == 200 and up.json() == {"status": "up"}
    assert up["Cache-Control"] == "no-store"
    ready = client.get("/readyz/", HTTP_HOST="10.1.2.3")
    assert ready.status_code == 200, ready.content
    assert ready.json() == {"status": "ready", "checks": {"database": "answers and takes writes",
                                                          "migrations": "all applied"}}
    refused = client.post("/readyz")
    assert refused.status_code == 405 and refused["Allow"] == "GET, HEAD"


def test_readyz_in_production_names_unapplied_migrations_and_healthz_needs_no_tls(tmp_path):
    """A fresh database file, production settings: the process is up (200 over plain HTTP, no redirect to
    HTTPS), but not ready until it is migrated (503, saying how many migrations are missing)."""
    probe = ("import django, json; django.setup(); from django.test import Client; c = Client(); "
             "h = c.get('/healthz', HTTP_HOST='10.1.2.3'); r = c.get('/readyz', HTTP_HOST='10.1.2.3'); "
             "print(json.dumps([h.status_code, h.json(), r.status_code, r.json()]))")
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(JOINEDUP_ENV="production", DJANGO_SETTINGS_MODULE="config.settings.production", SECRET_KEY=GOOD_KEY,
               ALLOWED_HOSTS="joinedup.example", DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    h_status, h_body, r_status, r_body = json.loads(done.stdout.strip().splitlines()[-1])
    assert (h_status, h_body) == (200, {"status": "up"})
    assert r_status == 503 and r_body["status"] == "not ready"
    assert r_body["checks"]["database"] == "answers and takes writes"
    assert r_body["checks"]["migrations"].endswith("migrations not applied")
    assert int(r_body["checks"]["migrations"].split()[0]) > 50
