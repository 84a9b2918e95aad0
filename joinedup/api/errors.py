"""API errors as one JSON shape: {"errors": [{"field", "problem"}]}, naming each field at fault."""

from rest_framework import status
from rest_framework.views import exception_handler as drf_exception_handler


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
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if response.status_code == status.HTTP_400_BAD_REQUEST and isinstance(response.data, (dict, list)):
        response.status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
        response.data = {"errors": _flatten(response.data)}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"errors": [{"field": "", "problem": str(response.data["detail"])}]}
    return response
