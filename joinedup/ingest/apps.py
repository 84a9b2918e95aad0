"""Django app configuration for ingestion."""

from django.apps import AppConfig


class IngestConfig(AppConfig):
    """Agencies' records as received (immutable versions) and the mentions of people derived from them."""

    name = "joinedup.ingest"
    label = "ingest"
    verbose_name = "Ingestion"
