"""Routes of the dashboards screens (issue 13)."""

urlpatterns: list = []
