"""Routes of the meetings screens (issue 13)."""

urlpatterns: list = []
