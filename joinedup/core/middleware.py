"""Middleware that gives every request an id, shown in the X-Request-ID response header, and logs one line for it."""

import logging
import re
import time

from joinedup.core import context

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
request_log = logging.getLogger("joinedup.request")


class RequestIdMiddleware:
    """Assigns a request id (or keeps a well-formed one from a trusted proxy) for logs and audit, and logs the
    request's line when it is answered: method, path (never the query string), route (the URL pattern's name),
    status and duration, with the request id. Nothing of the body, the query or the headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        token = context.begin(incoming if _SAFE_ID.match(incoming) else None)
        started = time.perf_counter()
        try:
            request.request_id = context.current_request_id()
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            _log_request(request, response, started)
            return response
        finally:
            context.end(token)


def _log_request(request, response, started: float) -> None:
    match = getattr(request, "resolver_match", None)
    route = match.view_name if match is not None else None
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    request_log.info("%s %s %s %.1fms", request.method, request.path, response.status_code, duration_ms,
                     extra={"method": request.method, "path": request.path, "route": route,
                            "status": response.status_code, "duration_ms": duration_ms})
