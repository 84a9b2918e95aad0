"""Top-level routes: the screens at /, the API under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("joinedup.api.urls", namespace="v1")),
    path("", include("joinedup.web.urls")),
]

handler400 = "joinedup.web.views.errors.bad_request"
handler403 = "joinedup.web.views.errors.permission_denied"
handler404 = "joinedup.web.views.errors.page_not_found"
handler500 = "joinedup.web.views.errors.server_error"
