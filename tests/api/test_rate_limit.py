"""API tokens are rate limited (issue 18): over JOINEDUP_API_RATE in a window the API answers 429 naming the limit, with
Retry-After; the next window is served again. The count is kept in the database, so every worker shares it. The
window's clock is the throttle's own (`timer`), set here, so the test never waits for a minute to pass."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from joinedup.accounts.models import Role
from joinedup.accounts.services import actor_for, api_token_create
from joinedup.api.models import ApiRequest
from joinedup.api.rates import describe, parse_rate
from joinedup.api.throttling import ApiTokenRateThrottle

ROOT = Path(__file__).resolve().parents[2]
WINDOW_START = 1_800_000_000  # a minute's start (divisible by 60)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    at = Clock(WINDOW_START + 20.5)
    monkeypatch.setattr(ApiTokenRateThrottle, "timer", staticmethod(at))
    return at


def _token_client(user, name="feed"):
    token, secret = api_token_create(actor=actor_for(user), user=user, name=name)
    return token, Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.mark.both_databases
@pytest.mark.django_db
def test_over_the_limit_429_names_it_with_retry_after_and_the_next_window_is_served(settings, make_user, clock):
    settings.JOINEDUP_API_RATE = "2/min"
    user = make_user(role=Role.PARTNER_PRACTITIONER)
    token, api = _token_client(user)
    assert [api.get("/api/v1/me/").status_code for _ in range(2)] == [200, 200]
    assert ApiRequest.objects.filter(token_id=token.pk).count() == 2  # kept in the database, not in this process

    refused = api.get("/api/v1/me/")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "40"  # 20.5 s into the minute: the next window starts in 39.5 s
    body = refused.json()
    assert body["errors"] == [{"field": "", "problem": "too many requests: an API token may make 2 requests a minute "
                                                       "(JOINEDUP_API_RATE); try again in 40 seconds"}]
    assert body["limit"] == "2/min" and body["retry_after_seconds"] == 40
    assert ApiRequest.objects.filter(token_id=token.pk).count() == 2  # a refused request is not counted

    # Another token of the same user has its own count.
    _, other = _token_client(user, name="second feed")
    assert other.get("/api/v1/me/").status_code == 200

    clock.now = WINDOW_START + 59.9
    assert api.get("/api/v1/me/").status_code == 429
    clock.now = WINDOW_START + 60  # the next window
    assert api.get("/api/v1/me/").status_code == 200
    # The token's rows of the window gone are deleted as its next window begins.
    assert list(ApiRequest.objects.filter(token_id=token.pk).values_list("window_start", flat=True)) == [
        WINDOW_START + 60]


@pytest.mark.django_db
def test_posting_records_is_limited_too_and_a_session_is_not(settings, make_user, make_agency, signed_in, clock):
    settings.JOINEDUP_API_RATE = "1/s"
    user = make_user(role=Role.PARTNER_PRACTITIONER)
    _, api = _token_client(user)
    bad = {"schema": "joinedup.agency-record/1"}  # refused by field: it is the count that matters here
    assert api.post("/api/v1/records/", bad, content_type="application/json").status_code == 422
    over = api.post("/api/v1/records/", bad, content_type="application/json")
    assert over.status_code == 429 and over["Retry-After"] == "1"
    assert "1 request a second" in over.json()["errors"][0]["problem"]

    web = signed_in(make_user(role=Role.SOCIAL_WORKER))  # a person in a browser session: no token, no limit
    assert [web.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]

    settings.JOINEDUP_API_RATE = "off"
    assert [api.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]


def test_the_rate_setting_is_read_and_a_bad_one_refused_by_name():
    assert parse_rate("600/min") == (600, 60)
    assert parse_rate(" 20 / s ") == (20, 1)
    assert parse_rate("10000/hour") == (10000, 3600)
    assert parse_rate("100000/day") == (100000, 86400)
    assert parse_rate("off") is None and parse_rate("") is None
    assert describe("600/min") == "600 requests a minute" and describe("1/h") == "1 request an hour"
    for bad in ("600", "600/fortnight", "-1/min", "0/min", "lots/min"):
        with pytest.raises(ValueError, match="JOINEDUP_API_RATE"):
            parse_rate(bad)


def test_the_settings_refuse_a_bad_rate():
    env = {**os.environ, "JOINEDUP_API_RATE": "600 a minute"}
    done = subprocess.run([sys.executable, "-c", "import config.settings.base"], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=60)
    assert done.returncode != 0
    assert "ImproperlyConfigured: JOINEDUP_API_RATE: '600 a minute' is not a rate such as '600/min'" in done.stderr
