from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "joinedup.alerts"
    label = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        # Evaluate the rules for children as their records are linked (API arrivals and batch runs).
        from joinedup.alerts import receivers  # noqa: F401
        from joinedup.alerts.access_providers import register_providers

        register_providers()
