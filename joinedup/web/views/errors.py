"""Error pages: GOV.UK-styled, and never showing personal data or internals."""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from django.shortcuts import render

# The longest web address (path and query string) a page takes; `joinedup serve` lets gunicorn pass request lines
# up to 8,190 bytes (its largest), so what lies between is answered with our page, not gunicorn's bare one.
MAX_URL_CHARACTERS = 4096


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        return request_too_large(request)
    return render(request, "web/errors/400.html", status=400)


def request_too_large(request):
    """413: a form or upload over Django's limits (DATA_UPLOAD_MAX_MEMORY_SIZE and the number of fields)."""
    if _is_api(request):
        return _api_error(413, "The request is too large.")
    return render(request, "web/errors/413.html", status=413)


def uri_too_long(request):
    """414: an address longer than MAX_URL_CHARACTERS (a search box filled far past its limit, say)."""
    if _is_api(request):
        return _api_error(414, f"The address is longer than {MAX_URL_CHARACTERS:,} characters.")
    return render(request, "web/errors/414.html", {"limit": f"{MAX_URL_CHARACTERS:,}"}, status=414)


def method_not_allowed(request):
    """405 for a page (Django's own answer has an empty body)."""
    return render(request, "web/errors/405.html", status=405)


def permission_denied(request, exception=None):
    if _is_api(request):
        return _api_error(404, "Not found.")
    return render(request, "web/errors/404.html", status=404)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _api_error(status: int, problem: str) -> JsonResponse:
    return JsonResponse({"errors": [{"field": "", "problem": problem}]}, status=status)


def page_not_found(request, exception=None):
    if _is_api(request):
        return _api_error(404, "Not found.")
    return render(request, "web/errors/404.html", status=404)


def server_error(request):
    if _is_api(request):
        return _api_error(500, "joinedup could not complete the request; nothing was changed.")
    # Render without touching the database (it may be what failed): no user, no menu.
    request.user = AnonymousUser()
    return render(request, "web/errors/500.html", status=500)


def csrf_failure(request, reason=""):
    return render(request, "web/errors/csrf.html", status=403)
