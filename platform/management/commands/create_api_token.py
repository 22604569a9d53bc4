from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from platform.models import ApiToken, User


class Command(BaseCommand):
    help = "Create a personal API token for a user and print it (it is shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="api", help="A label to tell tokens apart.")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user called {username!r}.")
        _token, raw_key = ApiToken.create_for(user, name=name)
        self.stdout.write(raw_key)
