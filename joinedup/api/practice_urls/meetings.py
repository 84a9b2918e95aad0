"""API routes for meetings (issue 13)."""

urlpatterns: list = []
