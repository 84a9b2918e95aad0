from django.apps import AppConfig


class AccessConfig(AppConfig):
    """The access policy (predicates registered with `rules`)."""

    name = "joinedup.access"
    label = "access"
    verbose_name = "Access"

    def ready(self) -> None:
        from joinedup.access.claims import register_providers

        register_providers()  # self-claims, break-glass and case-review commissions
