"""``bin/serve``: the production topology on this machine (docs/operations.md, "The production
topology"): nginx in front, gunicorn, grading workers, on the configured database and Redis."""

import os
from pathlib import Path
from typing import Any

import redis
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.utils import OperationalError

from platform.env import env_int, env_str
from platform.serving import (
    Supervisor,
    Topology,
    check_nginx_config,
    empty_metrics_dir,
    nginx_binary,
    write_nginx_config,
)


def topology_from_env() -> Topology:
    port = env_int("PORT", 8080, minimum=1)
    return Topology(
        host=env_str("HOST", "127.0.0.1"),
        port=port,
        backend_port=env_int("BACKEND_PORT", port + 1, minimum=1),
        web_workers=env_int("WEB_WORKERS", 2, minimum=1),
        grading_workers=env_int("GRADING_WORKERS", 1),
        render_workers=env_int("RENDER_WORKERS", 1),
        max_body_mb=env_int("UPLOAD_MAX_MB", 600, minimum=1),
    )


class Command(BaseCommand):
    help = (
        "Start nginx, gunicorn and the grading workers on this machine, after migrating and "
        "collecting the static files; Ctrl+C stops them all. Configured by the environment "
        "(PORT, WEB_WORKERS, GRADING_WORKERS, ...; docs/operations.md)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            topology = topology_from_env()
            nginx = nginx_binary()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        if not os.environ.get("DATABASE_URL"):
            self.stderr.write(
                "DATABASE_URL is not set: serving from the SQLite database in VAR_DIR. Fine for "
                "trying the topology on one machine; production runs on PostgreSQL."
            )
        self._check_redis()
        try:
            call_command("migrate", interactive=False, verbosity=0)
        except OperationalError as error:
            raise CommandError(f"The database does not answer: {error}") from None
        call_command("collectstatic", interactive=False, verbosity=0)
        connections.close_all()

        var = Path(settings.VAR_DIR)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "platform.settings",
            # nginx sends the private files; Django only checks access.
            "PRIVATE_FILES_ACCEL": "true",
            # nginx is exactly one proxy and appends the client's address.
            "BEHIND_PROXY": os.environ.get("BEHIND_PROXY", "true"),
            "PROMETHEUS_MULTIPROC_DIR": os.environ.get("PROMETHEUS_MULTIPROC_DIR")
            or str(var / "metrics"),
        }
        empty_metrics_dir(Path(env["PROMETHEUS_MULTIPROC_DIR"]))
        try:
            config = write_nginx_config(topology, var / "nginx")
            check_nginx_config(nginx, config)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None

        supervisor = Supervisor(env)
        base = f"http://{topology.host}:{topology.port}"
        try:
            supervisor.start("gunicorn", topology.gunicorn_command())
            for number, command in enumerate(topology.worker_commands(), start=1):
                supervisor.start(f"worker-{number}", command)
            supervisor.wait_for_port("gunicorn", topology.backend_port)
            supervisor.start("nginx", [nginx, "-e", "stderr", "-c", str(config)])
            status = supervisor.run(
                ready_url=f"{base}/healthz",
                on_ready=f"Open {base}/ (nginx; gunicorn workers: {topology.web_workers}; "
                f"grading workers: {len(topology.worker_commands())}; stop with Ctrl+C)",
            )
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        finally:
            supervisor.stop()
        if status:
            raise CommandError("A process ended by itself, so all were stopped (see above).")

    def _check_redis(self) -> None:
        if not settings.REDIS_URL:
            return
        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
        except redis.RedisError as error:
            raise CommandError(f"REDIS_URL is set, but Redis does not answer: {error}") from None
