"""Print the nginx site for a server installed with deploy/systemd (docs/operations.md)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from platform.serving import nginx_site


class Command(BaseCommand):
    help = (
        "Print deploy/nginx/certlab-site.conf filled in with this installation's STATIC_ROOT "
        "and PRIVATE_FILES_ROOT, for /etc/nginx/sites-available/certlab."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--listen", default="80", help="nginx's listen (default: 80)")
        parser.add_argument(
            "--upstream",
            default="unix:/run/certlab/gunicorn.sock",
            help="gunicorn's address (default: certlab-web.service's socket)",
        )
        parser.add_argument("--server-name", default="_", help="the site's host name")
        parser.add_argument("--max-body-mb", type=int, default=600, help="largest upload")

    def handle(
        self,
        *args: Any,
        listen: str,
        upstream: str,
        server_name: str,
        max_body_mb: int,
        **options: Any,
    ) -> None:
        self.stdout.write(
            nginx_site(
                listen=listen,
                upstream=upstream,
                server_name=server_name,
                max_body_mb=max_body_mb,
            ),
            ending="",
        )
