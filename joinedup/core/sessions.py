"""The idle timeout's sliding window, refreshed at most once a minute.

Django's `SESSION_SAVE_EVERY_REQUEST` writes the session back on every request (an UPDATE and a commit, which waits
for the write-ahead log to reach the disk) to push its expiry on. Here a request pushes it on only when it was last
pushed on `SESSION_REFRESH_SECONDS` (60) or more ago, so a session still ends `SESSION_COOKIE_AGE` (30 minutes) after
its last refresh: between 29 and 30 minutes after the last request, never later.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware

REFRESHED_AT = "_joinedup_refreshed_at"  # whole seconds since the epoch, in the session's own data


def refresh_seconds() -> int:
    return int(getattr(settings, "SESSION_REFRESH_SECONDS", 60))


class IdleTimeoutSessionMiddleware(SessionMiddleware):
    """Django's session middleware, with the session's expiry pushed on at most once every `refresh_seconds()`."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is not None and session.accessed and not session.is_empty():
            now = int(time.time())
            if now - int(session.get(REFRESHED_AT, 0)) >= refresh_seconds():
                session[REFRESHED_AT] = now  # marks the session modified: saved, with a new expiry, below
        return super().process_response(request, response)
