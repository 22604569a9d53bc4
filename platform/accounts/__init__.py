"""Accounts: log-in, password reset and change, e-mail addresses and the second factor.

The flows are django-allauth's (docs/accounts.md); this package holds what the site adds:
the adapters (no public sign-up, mail through the outgoing-mail queue), the throttled log-in
form, who must use a second factor and the middleware enforcing it, and the admin's log-in.
"""
