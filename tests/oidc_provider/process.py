"""Run the test OpenID provider (``serve.py``) as a process for the length of a test."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LONG = 60.0  # seconds: only reached when the provider never comes up
CLIENT_ID = "certificate-programs"
CLIENT_SECRET = "a-test-client-secret-0123456789"
PASSWORD = "university password"


@dataclass(frozen=True)
class Provider:
    url: str  # the issuer, e.g. http://127.0.0.1:8123/o
    log: Path

    def platform_apps(self, *, name: str = "Example University") -> dict[str, Any]:
        """``SOCIALACCOUNT_PROVIDERS`` as platform/settings.py builds it from OIDC_* variables."""
        return {
            "openid_connect": {
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [
                    {
                        "provider_id": "university",
                        "name": name,
                        "client_id": CLIENT_ID,
                        "secret": CLIENT_SECRET,
                        "settings": {
                            "server_url": self.url,
                            "token_auth_method": "client_secret_basic",
                        },
                    }
                ],
            }
        }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_provider(
    tmp_path: Path, *, redirect_uri: str, users: list[dict[str, Any]]
) -> Iterator[Provider]:
    """Start the provider with one confidential client for ``redirect_uri`` and ``users``
    (``username``, ``email``, ``first_name``, ``last_name``, ``email_verified``; all with the
    password ``PASSWORD``); stop it afterwards."""
    port = free_port()
    config = tmp_path / "oidc-provider.json"
    config.write_text(
        json.dumps(
            {
                "port": port,
                "database": str(tmp_path / "oidc-provider.sqlite3"),
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uri": redirect_uri,
                "users": [{"password": PASSWORD, **user} for user in users],
            }
        )
    )
    log = tmp_path / "oidc-provider.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider.serve", str(config)],
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    issuer = f"http://127.0.0.1:{port}/o"
    try:
        _wait_until_serving(f"{issuer}/.well-known/openid-configuration", process, log)
        yield Provider(url=issuer, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + LONG
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the OpenID provider exited:\n{log.read_text()}")
        try:
            urllib.request.urlopen(url, timeout=LONG).close()  # noqa: S310 - a local test server
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the OpenID provider did not start:\n{log.read_text()}")
