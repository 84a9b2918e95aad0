from django.apps import AppConfig


class AccessConfig(AppConfig):
    """The access policy (predicates registered with `rules`)."""

    name = "joinedup.access"
    label = "access"
    verbose_name = "Access"
