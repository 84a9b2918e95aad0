"""Routes of the concerns screens (issue 13)."""

urlpatterns: list = []
