from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "joinedup.jobs"
    label = "jobs"
    verbose_name = "Background work and schedules"

    def ready(self) -> None:
        from joinedup.core.metrics import register_gauges
        from joinedup.jobs.metrics import queue_gauges

        register_gauges("jobs", queue_gauges)  # operators' metrics: the task queue and its workers
