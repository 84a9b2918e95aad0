"""Routes of the visits screens (issue 13): record a visit in a case, the visit as recorded, visits due."""

from django.urls import path

from joinedup.web.views import visits

urlpatterns: list = [
    path("cases/<uuid:case_id>/visits/new/", visits.visit_new, name="visit-new"),
    path("cases/<uuid:case_id>/visits/<int:record_pk>/", visits.visit_detail, name="visit"),
    path("visits/due/", visits.visits_due, name="visits-due"),
]
