from django.apps import AppConfig


class PracticeConfig(AppConfig):
    """Practice that shows judgement: visits, supervision, meetings with dissent, concerns, hypotheses, caseloads."""

    name = "joinedup.practice"
    label = "practice"
    verbose_name = "Practice"
