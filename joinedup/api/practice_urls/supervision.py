"""API routes for supervision (issue 13)."""

from django.urls import path

from joinedup.api.practice import supervision

urlpatterns: list = [
    path("supervision/sessions/", supervision.SupervisionSessionsView.as_view(), name="supervision-sessions"),
    path("supervision/sessions/<uuid:session_id>/", supervision.SupervisionSessionDetailView.as_view(),
         name="supervision-session"),
    path("supervision/actions/<int:action_id>/done/", supervision.SupervisionActionDoneView.as_view(),
         name="supervision-action-done"),
    path("supervision/due/", supervision.SupervisionDueView.as_view(), name="supervision-due"),
]
