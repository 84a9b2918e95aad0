from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "joinedup.casework"
    label = "casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        from joinedup.casework.access_providers import register_providers

        register_providers()  # legitimate relationships (joinedup.access.relationships)
        from joinedup.casework import receivers  # noqa: F401 - connects the projection to persons_linked
