"""The console script and its commands: token lifecycle, idempotent demo loading."""

import json
import time

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from joinedup.accounts.mfa import code_from_base32
from joinedup.accounts.models import ApiToken, User
from joinedup_lab.demo.fixture import USERS

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


def test_demo_load_is_idempotent_and_keeps_passwords_and_authenticator_keys(tmp_path, capsys):
    credentials = tmp_path / "demo.json"
    call_command("demo_load", "--credentials", str(credentials))
    printed = capsys.readouterr().out
    assert "joinedup demo-code USERNAME" in printed and '"totp_secret"' in printed
    first = json.loads(credentials.read_text())
    users_before = set(User.objects.values_list("id", flat=True))
    call_command("demo_load", "--credentials", str(credentials))
    assert json.loads(credentials.read_text()) == first
    assert set(User.objects.values_list("id", flat=True)) == users_before
    assert set(first) == {u.username for u in USERS}
    assert all(set(entry) == {"password", "totp_secret"} for entry in first.values())

    # Both steps as the person running the demo would: the password, then the code from the printed key
    # (in an authenticator app) or from `joinedup demo-code`.
    username = USERS[0].username
    client = Client()
    response = client.post("/sign-in/", {"username": username, "password": first[username]["password"]})
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/code/")
    capsys.readouterr()
    call_command("demo_code", username)
    code = capsys.readouterr().out.strip()
    secret = first[username]["totp_secret"]
    assert code in {code_from_base32(secret), code_from_base32(secret, time.time() - 30)}  # now (or just before)
    assert client.post("/sign-in/code/", {"code": code})["Location"] == "/"
    assert client.get("/").status_code == 200


def test_demo_users_prints_the_sign_in_details_the_loader_kept(tmp_path, capsys):
    credentials = tmp_path / "demo.json"
    with pytest.raises(CommandError, match=r"--credentials: .*not all loaded.*run `joinedup demo` first"):
        call_command("demo_users", "--credentials", str(credentials))
    call_command("demo_load", "--credentials", str(credentials), "--users-only")
    loaded = capsys.readouterr().out
    kept = json.loads(credentials.read_text())
    assert "joinedup demo-users" in loaded and not any(entry["password"] in loaded for entry in kept.values())
    assert User.objects.filter(username="grace.mensah", role="social_worker").exclude(team=None).exists()
    assert "grace.mensah" not in kept  # colleagues hold children; they do not sign in to the demo
    call_command("demo_users", "--credentials", str(credentials))
    printed = capsys.readouterr().out
    for spec in USERS:
        assert f"{spec.username}" in printed and kept[spec.username]["password"] in printed
    assert printed.rstrip().endswith("(each code works once, for 30 seconds either side of the clock).")
    assert "joinedup demo-code USERNAME" in printed


def test_demo_reads_an_older_credentials_file_of_passwords_only(tmp_path):
    credentials = tmp_path / "demo.json"
    credentials.write_text(json.dumps({USERS[0].username: "kept-Password-12345"}))
    call_command("demo_load", "--credentials", str(credentials))
    entry = json.loads(credentials.read_text())[USERS[0].username]
    assert entry["password"] == "kept-Password-12345" and len(entry["totp_secret"]) == 32


def test_demo_code_names_the_bad_username_and_refuses_in_production(make_user, settings):
    with pytest.raises(CommandError, match="username: 'nobody' is not a demo user"):
        call_command("demo_code", "nobody")
    with pytest.raises(CommandError, match="is not loaded; run `joinedup demo` first"):
        call_command("demo_code", USERS[0].username)
    settings.JOINEDUP_ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="refused in production"):
        call_command("demo_code", USERS[0].username)


def test_signin_command_resets_a_second_factor_and_links_an_organisation_account(make_user, capsys):
    from joinedup.accounts.mfa import totp_device_of
    from joinedup.accounts.models import ExternalIdentity

    user = make_user()
    with pytest.raises(CommandError, match="--reason: say why"):
        call_command("signin", "reset-second-factor", "--user", user.username, "--reason", " ")
    call_command("signin", "reset-second-factor", "--user", user.username, "--reason", "Lost phone")
    assert totp_device_of(user) is None
    call_command("signin", "link-organisation", "--user", user.username, "--subject", "abc-123",
                 "--issuer", "https://login.example/t/v2.0")
    assert ExternalIdentity.objects.get(user=user).subject == "abc-123"
    with pytest.raises(CommandError, match="--subject: that account"):
        call_command("signin", "link-organisation", "--user", user.username, "--subject", "other",
                     "--issuer", "https://login.example/t/v2.0")
    with pytest.raises(CommandError, match="--user: no user 'ghost'"):
        call_command("signin", "reset-second-factor", "--user", "ghost", "--reason", "x")


def test_demo_registers_the_agencies_of_a_simulated_authority(tmp_path):
    from joinedup.accounts.models import Agency
    from joinedup_lab.simulate.generate import SimulationConfig, generate

    generate(SimulationConfig(children=200, years=1, seed=3), tmp_path / "sim", progress=False)
    manifest = json.loads((tmp_path / "sim" / "agencies.json").read_text())
    call_command("demo_load", "--credentials", str(tmp_path / "c.json"), "--simulated", str(tmp_path / "sim"))
    assert {a["id"] for a in manifest} <= set(Agency.objects.values_list("code", flat=True))
    with pytest.raises(CommandError, match="--simulated"):
        call_command("demo_load", "--credentials", str(tmp_path / "c.json"), "--simulated", str(tmp_path / "none"))
