"""Fail closed: a personal-data view that returns data without an audit row becomes an error."""

from django.core.exceptions import ImproperlyConfigured

from joinedup.core import context


def _is_personal(view_func) -> bool:
    if getattr(view_func, "reads_personal_data", False):
        return True
    view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
    return bool(getattr(view_class, "reads_personal_data", False))


class PersonalDataMiddleware:
    """Checks that every successful response of a personal-data view wrote at least one audit row.

    The audit rows are written by the view inside the request's transaction (ATOMIC_REQUESTS), so a
    failed audit insert rolls back and errors the request; this middleware catches the other failure,
    a view that forgot to audit, and refuses to send its data.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        shows_data = request.method in {"GET", "HEAD"} and 200 <= response.status_code < 300
        if getattr(request, "_reads_personal_data", False) and shows_data:
            ctx = context.current()
            if ctx is None or ctx.audit_count == 0:
                raise ImproperlyConfigured(
                    f"{request.resolver_match.view_name if request.resolver_match else 'view'} showed "
                    "personal data without writing an audit event"
                )
        if getattr(request, "_reads_personal_data", False):
            response["Cache-Control"] = "no-store"
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        request._reads_personal_data = _is_personal(view_func)
        return None
