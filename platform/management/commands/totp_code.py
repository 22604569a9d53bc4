"""Print the code a user's authenticator app shows now: the demo's phone (docs/accounts.md)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from platform.accounts.services import NoAuthenticatorApp, current_totp_code
from platform.models import User


class Command(BaseCommand):
    help = (
        "Print the current second-factor code of a user's authenticator app, so the demo's "
        "staff accounts can log in without a phone. Development only (DEBUG on)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        if not settings.DEBUG:
            # Anyone who could run it in production could pass everyone's second factor.
            raise CommandError("totp_code only runs in development (DEBUG on).")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user called {username!r}.")
        try:
            self.stdout.write(current_totp_code(user))
        except NoAuthenticatorApp:
            raise CommandError(f"{username} has no authenticator app set up.") from None
