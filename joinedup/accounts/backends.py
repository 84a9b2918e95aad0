"""Signing in with a username and password: Django's ModelBackend, reading each request's user with their agency
and team in the same query (every page's menu and access checks ask for both: two queries a page fewer)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


def active_user(user_id):
    """The session's user with their agency and team, or None when there is no such user or they were deactivated
    (their session then ends on this request), as Django's ModelBackend answers."""
    model = get_user_model()
    user = model.objects.select_related("agency", "team").filter(pk=user_id).first()
    return user if user is not None and getattr(user, "is_active", True) else None


class UserBackend(ModelBackend):
    """`ModelBackend` whose `get_user` (once a request, for the session's user) joins the agency and the team."""

    def get_user(self, user_id):
        return active_user(user_id)
