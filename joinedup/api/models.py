"""What the API keeps of its own: the requests each API token made in the current rate-limit window."""

from django.db import models


class ApiRequest(models.Model):
    """One request an API token made in a rate-limit window (`joinedup.api.throttling`). Rows are counted to refuse
    a request over the limit; a token's rows of windows gone are deleted as its next window begins. Ids only: no
    path, body or address."""

    id = models.BigAutoField(primary_key=True)
    token_id = models.UUIDField(help_text="The API token's id (accounts.ApiToken).")
    window_start = models.BigIntegerField(help_text="When the window began, in seconds since 1970 (UTC).")

    class Meta:
        indexes = [models.Index(fields=["token_id", "window_start"], name="api_request_token_window")]

    def __str__(self) -> str:
        return f"API request of token {self.token_id} in the window from {self.window_start}"
