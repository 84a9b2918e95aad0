"""API routes for visits (issue 13)."""

urlpatterns: list = []
