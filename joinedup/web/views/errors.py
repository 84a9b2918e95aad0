"""Error pages: GOV.UK-styled, and never showing personal data or internals."""

from django.contrib.auth.models import AnonymousUser
from django.http import JsonResponse
from django.shortcuts import render


def bad_request(request, exception=None):
    return render(request, "web/errors/400.html", status=400)


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
