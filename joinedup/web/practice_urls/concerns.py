"""Routes of the concerns screens (issue 13), and of a child's working hypotheses and categories of concern."""

from django.urls import path

from joinedup.web.views import concerns, hypotheses

urlpatterns: list = [
    path("concerns/", concerns.concerns_log, name="concerns"),
    path("concerns/new/", concerns.concern_new, name="concern-new"),
    path("concerns/<uuid:concern_id>/", concerns.concern_detail, name="concern"),
    path("people/<uuid:person_id>/hypotheses/", hypotheses.hypotheses, name="hypotheses"),
    path("people/<uuid:person_id>/hypotheses/new/", hypotheses.hypothesis_new, name="hypothesis-new"),
    path("people/<uuid:person_id>/hypotheses/<int:record_pk>/", hypotheses.hypothesis_detail, name="hypothesis"),
    path("people/<uuid:person_id>/categories/", hypotheses.categories, name="categories"),
]
