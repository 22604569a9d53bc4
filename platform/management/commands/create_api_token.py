import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from platform.models import API_TOKEN_DAYS, ApiToken, User


class Command(BaseCommand):
    help = "Create a personal API token for a user and print it (it is shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="api", help="A label to tell tokens apart.")
        parser.add_argument(
            "--days",
            type=int,
            default=API_TOKEN_DAYS,
            help=f"Days until the token expires (default {API_TOKEN_DAYS}).",
        )

    def handle(self, *args: Any, username: str, name: str, days: int, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user called {username!r}.")
        if days < 1:
            raise CommandError("--days must be at least 1.")
        expires_at = timezone.now() + dt.timedelta(days=days)
        _token, raw_key = ApiToken.create_for(user, name=name, expires_at=expires_at)
        self.stdout.write(raw_key)
