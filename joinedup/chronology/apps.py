from django.apps import AppConfig


class ChronologyConfig(AppConfig):
    name = "joinedup.chronology"
    label = "chronology"
    verbose_name = "Chronology"
