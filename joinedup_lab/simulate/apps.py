"""Django app configuration for the simulator (no models)."""

from django.apps import AppConfig


class SimulateConfig(AppConfig):
    """Registers the simulator so its `simulate` management command is available."""

    name = "joinedup_lab.simulate"
    label = "simulate"
    verbose_name = "Simulated local authority"
