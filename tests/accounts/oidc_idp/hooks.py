"""The provider's claims. `amr` per user comes from users.json, written by serve.py from the test's setup."""

import json

from django.conf import settings


def _setup_users() -> dict:
    return {u["username"]: u for u in json.loads((settings.DATA / "setup.json").read_text())["users"]}


def userinfo(claims, user):
    person = _setup_users().get(user.username, {})
    claims["email"] = user.email
    if "email_verified" in person:
        claims["email_verified"] = person["email_verified"]
    claims["name"] = user.get_full_name()
    return claims


def id_token_amr(id_token, user, **kwargs):
    amr = _setup_users().get(user.username, {}).get("amr")
    if amr is not None:
        id_token["amr"] = amr
    return id_token
