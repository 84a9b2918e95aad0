"""API routes for visits (issue 13)."""

from django.urls import path

from joinedup.api.practice import visits

urlpatterns: list = [
    path("cases/<uuid:case_id>/visits/", visits.CaseVisitsView.as_view(), name="case-visits"),
]
