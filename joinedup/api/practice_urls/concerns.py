"""API routes for concerns (issue 13), and for a child's working hypotheses and categories of concern."""

from django.urls import path

from joinedup.api.practice import concerns, hypotheses

urlpatterns: list = [
    path("concerns/", concerns.ConcernsView.as_view(), name="concern-list"),
    path("concerns/<uuid:concern_id>/", concerns.ConcernDetailView.as_view(), name="concern-detail"),
    path("concerns/<uuid:concern_id>/response/", concerns.ConcernResponseView.as_view(), name="concern-response"),
    path("concerns/<uuid:concern_id>/raiser-told/", concerns.ConcernRaiserToldView.as_view(),
         name="concern-raiser-told"),
    path("people/<uuid:person_id>/hypotheses/", hypotheses.HypothesesView.as_view(), name="person-hypotheses"),
    path("people/<uuid:person_id>/hypotheses/<int:record_id>/revisions/", hypotheses.HypothesisRevisionView.as_view(),
         name="person-hypothesis-revisions"),
    path("people/<uuid:person_id>/concern-categories/", hypotheses.CategoriesView.as_view(),
         name="person-concern-categories"),
]
