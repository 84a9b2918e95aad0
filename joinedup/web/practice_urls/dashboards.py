"""Routes of the dashboards screens (issue 13): a worker's caseload, workers' caseloads, the managers' dashboard."""

from django.urls import path

from joinedup.web.views import dashboard

urlpatterns: list = [
    path("my-cases/", dashboard.my_cases, name="my-cases"),
    path("caseloads/", dashboard.caseloads, name="caseloads"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
]
