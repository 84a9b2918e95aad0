"""A real OpenID Connect provider for the organisation sign-in tests: a tiny Django project on django-oidc-provider,
run as a subprocess on a free loopback port by the `oidc_provider` fixture (tests/accounts/conftest.py)."""
