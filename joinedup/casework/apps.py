from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "joinedup.casework"
    label = "casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        from joinedup.casework.access_providers import register_providers

        register_providers()  # legitimate relationships (joinedup.access.relationships)
        from joinedup.casework.codes import detail_code_lists
        from joinedup.core.labels import register_code_lists

        register_code_lists(detail_code_lists())  # what a casework record's codes mean, on every screen
        from joinedup.casework import (
            checks,  # noqa: F401 - JOINEDUP_CONTACT is checked at start
            receivers,  # noqa: F401 - connects the projection to persons_linked
        )
