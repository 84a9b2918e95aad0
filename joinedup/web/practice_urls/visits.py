"""Routes of the visits screens (issue 13)."""

urlpatterns: list = []
