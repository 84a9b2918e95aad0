"""API routes for dashboards (issue 13)."""

urlpatterns: list = []
