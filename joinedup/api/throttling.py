"""Rate limits for API tokens: at most `JOINEDUP_API_RATE` requests per token per window (default 600 a minute).

DRF's throttling (`DEFAULT_THROTTLE_CLASSES`) with a fixed window (a minute from :00 seconds, an hour from :00…) whose
count is kept in the database (`ApiRequest`), so every worker process and every server behind the load balancer
shares it, on PostgreSQL and on SQLite alike. Each allowed request inserts one row in the request's transaction (no
row is updated, so a token's requests never wait on each other's locks); a request over the limit is refused with
429, its body naming the limit and `Retry-After` the seconds until the next window (`joinedup.api.errors`). Requests
made in parallel are counted as they commit, so a burst may pass the limit by the number in flight.

Only requests made with an API token are limited (an agency's system); a person using the API from a signed-in
browser session is not.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from joinedup.api.authentication import BearerTokenAuthentication
from joinedup.api.models import ApiRequest
from joinedup.api.rates import parse_rate


class ApiTokenRateThrottle(SimpleRateThrottle):
    """DRF's rate throttle keyed by the API token's id, counted in the database in fixed windows."""

    scope = "api_token"
    timer = time.time  # the clock the windows are cut from

    def get_rate(self) -> str | None:
        return settings.JOINEDUP_API_RATE  # read for each request: changed settings apply at once

    def parse_rate(self, rate):
        return parse_rate(rate) or (None, None)

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.successful_authenticator, BearerTokenAuthentication):
            return None
        return str(request.auth.pk)

    def allow_request(self, request, view) -> bool:
        if self.rate is None or self.num_requests is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
        start = int(self.now // self.duration) * self.duration
        self.window_end = start + self.duration
        made = ApiRequest.objects.filter(token_id=key, window_start=start).count()
        if made >= self.num_requests:
            return False
        if made == 0:  # the token's first request of this window: forget its earlier windows
            ApiRequest.objects.filter(token_id=key, window_start__lt=start).delete()
        ApiRequest.objects.create(token_id=key, window_start=start)
        return True

    def wait(self) -> float:
        """Seconds until the next window begins (at least 1)."""
        return max(1, math.ceil(self.window_end - self.now))
