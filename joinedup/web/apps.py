from django.apps import AppConfig


class WebConfig(AppConfig):
    """The screens practitioners use."""

    name = "joinedup.web"
    label = "web"
    verbose_name = "Web"
