from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The audit trail; its table refuses UPDATE and DELETE in the database itself."""

    name = "joinedup.audit"
    label = "audit"
    verbose_name = "Audit trail"
