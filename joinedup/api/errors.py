"""API errors as one JSON shape: {"errors": [{"field", "problem"}]}, naming each field at fault.

A body that cannot be parsed is 422 naming the body (field ""), never the field "detail"; a body over Django's
`DATA_UPLOAD_MAX_MEMORY_SIZE` is 413 in this shape (also when DEBUG is on, where Django would answer with its
technical HTML page).
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import status
from rest_framework.exceptions import ParseError, Throttled
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from joinedup.api.rates import describe


def _flatten(detail, prefix: str = "") -> list[dict[str, str]]:
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            if isinstance(key, int):  # DRF keys a list's items' errors by their index: `items[0].title`
                out.extend(_flatten(value, f"{prefix}[{key}]"))
                continue
            name = key if key != "non_field_errors" else ""
            out.extend(_flatten(value, f"{prefix}.{name}" if prefix and name else (name or prefix)))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [{"field": prefix, "problem": str(item)} for item in detail]
        out = []
        for index, item in enumerate(detail):
            out.extend(_flatten(item, f"{prefix}[{index}]"))
        return out
    return [{"field": prefix, "problem": str(detail)}]


def exception_handler(exc, context):
    """DRF's handler with a uniform body; validation errors answer 422 naming each field."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response({"errors": [{"field": "", "problem": f"the body is larger than {limit / 1_048_576:.1f} MiB "
                                     f"({limit:,} bytes), the most joinedup reads in one request (a batch of records: "
                                     "send fewer in each request)"}]}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, Throttled):  # 429, with DRF's Retry-After: the limit, and when to try again
        wait = int(exc.wait or 1)
        limit = describe(settings.JOINEDUP_API_RATE)
        response.data = {
            "errors": [{"field": "", "problem": f"too many requests: an API token may make {limit} "
                        f"(JOINEDUP_API_RATE); try again in {wait} second{'s' if wait != 1 else ''}"}],
            "limit": settings.JOINEDUP_API_RATE, "retry_after_seconds": wait,
        }
        return response
    if isinstance(exc, ParseError):
        response.status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
        response.data = {"errors": [{"field": "", "problem": str(exc.detail)}]}
        return response
    if response.status_code == status.HTTP_400_BAD_REQUEST and isinstance(response.data, (dict, list)):
        response.status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
        response.data = {"errors": _flatten(response.data)}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"errors": [{"field": "", "problem": str(response.data["detail"])}]}
    return response
