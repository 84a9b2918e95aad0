from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "joinedup.casework"
    label = "casework"
    verbose_name = "Casework"
