"""Routes of the supervision screens (issue 13)."""

urlpatterns: list = []
