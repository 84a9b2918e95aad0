from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "joinedup.people"
    label = "people"
    verbose_name = "People and households"

    def ready(self) -> None:
        from joinedup.people.access_providers import register_providers

        register_providers()  # legitimate relationships (joinedup.access.relationships)
        from joinedup.core.metrics import register_gauges
        from joinedup.people.metrics import identity_work_gauges

        register_gauges("people", identity_work_gauges)  # operators' metrics: the identity work waiting
        # Match mentions that arrive through the API against known people as they are stored.
        from joinedup.people import receivers  # noqa: F401
