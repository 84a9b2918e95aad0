"""A real OpenID Connect provider for the organisation sign-in tests, and the password-only session."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
import requests

from tests.conftest import PASSWORD

REPO = Path(__file__).resolve().parents[2]
CALLBACK = "http://testserver/sign-in/organisation/callback/"

# The provider's people. `amr` is what its ID token says about how they signed in (RFC 8176).
IDP_USERS = [
    {"username": "ada", "password": "ada-at-the-council-1", "email": "ada.okoro@northbrook.example",
     "amr": ["pwd", "mfa"]},
    {"username": "ben", "password": "ben-at-the-council-1", "email": "ben.ash@northbrook.example", "amr": ["pwd"]},
    {"username": "cal", "password": "cal-at-the-council-1", "email": "cal.nobody@northbrook.example",
     "amr": ["pwd", "mfa"]},
    {"username": "dee", "password": "dee-at-the-council-1", "email": "dee.lane@northbrook.example",
     "amr": ["pwd", "hwk"], "email_verified": False},
]


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str

    @property
    def config(self) -> dict:
        return {"issuer": self.issuer, "client_id": self.client_id, "client_secret": self.client_secret,
                "name": "Northbrook Council", "mfa_amr": ["mfa", "otp", "hwk"], "sign_algo": "RS256",
                "match_email": True, "timeout": 10}

    def email_of(self, username: str) -> str:
        return next(u["email"] for u in IDP_USERS if u["username"] == username)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """django-oidc-provider in a tiny Django project of its own (tests/accounts/oidc_idp), started as a
    subprocess on a free loopback port, with a confidential client whose redirect URI is joinedup's callback
    (as the Django test client calls it) and the people above. About 1.5 s to start."""
    data = tmp_path_factory.mktemp("oidc-provider")
    client_secret = secrets.token_urlsafe(24)
    (data / "setup.json").write_text(json.dumps({
        "client_id": "joinedup-test", "client_secret": client_secret, "redirect_uris": [CALLBACK],
        "users": IDP_USERS,
    }))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    process = subprocess.Popen([sys.executable, "-m", "tests.accounts.oidc_idp.serve", str(port), str(data)],
                               cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    issuer = f"http://127.0.0.1:{port}/openid"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the test OpenID provider stopped: {process.stderr.read()[-3000:]}")
            try:
                if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the test OpenID provider did not start within 60 s")
            time.sleep(0.1)
        yield Provider(issuer=issuer, client_id="joinedup-test", client_secret=client_secret)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def through_the_provider(start_location: str, username: str) -> str:
    """A browser at the provider: follow its redirects, sign in on its login form as `username`, and return the
    URL it finally sends the browser to (joinedup's callback with the code and state)."""
    password = next(u["password"] for u in IDP_USERS if u["username"] == username)
    browser = requests.Session()
    url = start_location
    for _ in range(10):
        if urlparse(url).netloc == "testserver":
            return url
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.status_code in (301, 302, 303):
            url = urljoin(url, response.headers["Location"])
            continue
        assert response.status_code == 200 and "/accounts/login/" in url, (url, response.status_code,
                                                                            response.text[:500])
        form = {"username": username, "password": password,
                "csrfmiddlewaretoken": browser.cookies["csrftoken"], "next": _query(url, "next")}
        response = browser.post(url, data=form, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text[:500]
        url = urljoin(url, response.headers["Location"])
    raise AssertionError(f"the provider never sent the browser back to joinedup (last at {url})")


def _query(url: str, name: str) -> str:
    from urllib.parse import parse_qs

    return parse_qs(urlparse(url).query).get(name, [""])[0]


@pytest.fixture
def password_only(client):
    """A client past the password step only (the user has an authenticator app but has not entered its code)."""

    def sign_in_password(user):
        response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/"), response
        return client

    return sign_in_password
