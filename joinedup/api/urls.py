"""Routes of API version 1."""

from django.db import transaction
from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from joinedup.api import casework, views

app_name = "v1"

urlpatterns = [
    # The schema is public and reads no data, so it takes no database transaction.
    path(
        "schema/",
        transaction.non_atomic_requests(SpectacularAPIView.as_view(api_version="v1", permission_classes=[])),
        name="schema",
    ),
    path("me/", views.MeView.as_view(), name="me"),
    path("agencies/", views.AgencyListView.as_view(), name="agency-list"),
    path("users/", views.UserListView.as_view(), name="user-list"),
    path("users/<uuid:user_id>/", views.UserDetailView.as_view(), name="user-detail"),
    path("records/", views.RecordIngestView.as_view(), name="record-ingest"),
    # Casework (issue 12): the front door, contacts and referrals, cases.
    path("front-door/contacts/", casework.FrontDoorQueueView.as_view(), name="front-door-queue"),
    path("contacts/", casework.ContactCreateView.as_view(), name="contact-create"),
    path("contacts/<int:record_id>/", casework.ContactDetailView.as_view(), name="contact-detail"),
    path("contacts/<int:record_id>/rating/", casework.ContactRatingView.as_view(), name="contact-rating"),
    path("contacts/<int:record_id>/decision/", casework.ContactDecisionView.as_view(), name="contact-decision"),
    path("referrals/", casework.ReferralListView.as_view(), name="referral-list"),
    path("cases/<uuid:case_id>/", casework.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<uuid:case_id>/steps/", casework.CaseStepView.as_view(), name="case-steps"),
]

# Practice (issue 13): each part keeps its own routes.
from joinedup.api.practice_urls import concerns, dashboards, meetings, supervision, visits  # noqa: E402

for _part in (visits, supervision, meetings, concerns, dashboards):
    urlpatterns += _part.urlpatterns
