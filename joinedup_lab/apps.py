"""The lab: development-only tools beside the product — the simulated local authority (`joinedup_lab.simulate`),
every benchmark (`joinedup bench …`), the FEBRL linkage profile and the demo loader (`joinedup demo`). Installed by
the development and test settings only; the product never imports it (import-linter: pyproject.toml)."""

from django.apps import AppConfig


class LabConfig(AppConfig):
    name = "joinedup_lab"
    label = "lab"
    verbose_name = "Lab (simulator, benchmarks, demo)"

    def ready(self) -> None:
        from joinedup_lab import febrl  # noqa: F401 - registers the FEBRL linkage profile
