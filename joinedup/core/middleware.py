"""Middleware that gives every request an id, shown in the X-Request-ID response header."""

import re

from joinedup.core import context

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Assigns a request id (or keeps a well-formed one from a trusted proxy) for logs and audit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        token = context.begin(incoming if _SAFE_ID.match(incoming) else None)
        try:
            request.request_id = context.current_request_id()
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            return response
        finally:
            context.end(token)
