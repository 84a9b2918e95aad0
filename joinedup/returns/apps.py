from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "joinedup.returns"
    label = "returns"
    verbose_name = "Statutory returns"
