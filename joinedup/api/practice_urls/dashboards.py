"""API routes for dashboards (issue 13): the managers' dashboard figures and workers' caseloads."""

from django.urls import path

from joinedup.api.practice import dashboard

urlpatterns: list = [
    path("dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path("caseloads/", dashboard.CaseloadsView.as_view(), name="caseloads"),
]
