"""The console script and its commands: token lifecycle, idempotent demo loading."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from joinedup.accounts.models import ApiToken, User
from joinedup.web.demo.fixture import USERS

pytestmark = pytest.mark.django_db


def test_token_create_and_revoke(make_user, capsys):
    user = make_user()
    call_command("api_token", "create", "--user", user.username, "--name", "feed")
    secret = capsys.readouterr().out.strip()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me/").status_code == 200
    call_command("api_token", "revoke", "--prefix", secret[:12], "--reason", "rotated")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me/").status_code == 401
    assert ApiToken.objects.get().revoked_at is not None


def test_token_create_names_the_bad_argument():
    with pytest.raises(CommandError, match="--user: no active user 'nobody'"):
        call_command("api_token", "create", "--user", "nobody", "--name", "x")


def test_demo_load_is_idempotent_and_keeps_passwords(tmp_path):
    credentials = tmp_path / "demo.json"
    call_command("demo_load", "--credentials", str(credentials))
    first = json.loads(credentials.read_text())
    users_before = set(User.objects.values_list("id", flat=True))
    call_command("demo_load", "--credentials", str(credentials))
    assert json.loads(credentials.read_text()) == first
    assert set(User.objects.values_list("id", flat=True)) == users_before
    assert set(first) == {u.username for u in USERS}
    client = Client()
    response = client.post("/sign-in/", {"username": USERS[0].username, "password": first[USERS[0].username]})
    assert response.status_code == 302


def test_demo_registers_the_agencies_of_a_simulated_authority(tmp_path):
    from joinedup.accounts.models import Agency
    from joinedup.simulate.generate import SimulationConfig, generate

    generate(SimulationConfig(children=200, years=1, seed=3), tmp_path / "sim", progress=False)
    manifest = json.loads((tmp_path / "sim" / "agencies.json").read_text())
    call_command("demo_load", "--credentials", str(tmp_path / "c.json"), "--simulated", str(tmp_path / "sim"))
    assert {a["id"] for a in manifest} <= set(Agency.objects.values_list("code", flat=True))
    with pytest.raises(CommandError, match="--simulated"):
        call_command("demo_load", "--credentials", str(tmp_path / "c.json"), "--simulated", str(tmp_path / "none"))
