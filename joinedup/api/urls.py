"""Routes of API version 1."""

from django.db import transaction
from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from joinedup.api import views

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
]
