from django.apps import AppConfig


class PracticeConfig(AppConfig):
    """Practice that shows judgement: visits, supervision, meetings with dissent, concerns, hypotheses, caseloads."""

    name = "joinedup.practice"
    label = "practice"
    verbose_name = "Practice"

    def ready(self) -> None:
        from joinedup.practice.access_providers import register_providers

        register_providers()  # legitimate relationships (joinedup.access.relationships)
