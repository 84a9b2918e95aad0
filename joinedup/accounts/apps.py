from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Agencies, teams, users and API tokens."""

    name = "joinedup.accounts"
    label = "accounts"
    verbose_name = "Accounts"
