"""Routes of the supervision screens (issue 13)."""

from django.urls import path

from joinedup.web.views import supervision, workers

urlpatterns: list = [
    path("supervision/", supervision.supervision, name="supervision"),
    path("supervision/new/", supervision.supervision_new, name="supervision-new"),
    path("supervision/<uuid:session_id>/", supervision.supervision_session, name="supervision-session"),
    path("supervision/workers/<uuid:user_id>/", workers.worker_settings, name="worker-settings"),
]
