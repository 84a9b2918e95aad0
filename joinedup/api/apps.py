from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API layer."""

    name = "joinedup.api"
    label = "api"
    verbose_name = "API"
