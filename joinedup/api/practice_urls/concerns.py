"""API routes for concerns (issue 13)."""

urlpatterns: list = []
