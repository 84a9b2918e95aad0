"""Bearer-token authentication for agencies' systems: `Authorization: Bearer ju_…`."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from joinedup.accounts.selectors import api_token_user
from joinedup.accounts.services.tokens import api_token_mark_used


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates a request by a hashed API token; revoked or expired tokens are refused."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization: expected 'Bearer <token>'.")
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Authorization: the token has characters a token never has.") from exc
        found = api_token_user(secret=secret)
        if found is None:
            raise exceptions.AuthenticationFailed("Authorization: the token is unknown, expired or revoked.")
        api_token_mark_used(token=found[1])  # the administrator's list shows when each token was last used
        return found

    def authenticate_header(self, request) -> str:
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes the bearer token in the OpenAPI schema."""

    target_class = "joinedup.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API token issued by joinedup."}
