"""A real OpenID Connect provider for the single sign-on tests: a small Django site running
django-oauth-toolkit's OIDC provider, started as a process of its own (``serve.py``)."""
