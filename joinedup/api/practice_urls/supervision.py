"""API routes for supervision (issue 13)."""

urlpatterns: list = []
