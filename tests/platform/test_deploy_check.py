"""Production settings: `manage.py check --deploy` is clean, and a bad value stops start-up."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # What the test process set for itself (e.g. the browser tests' async switch) is not part
    # of a deployment.
    unset = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def production(**extra: str) -> dict[str, str]:
    key = manage("generate_issuer_key").stdout.strip().split("=", 1)[1]
    return {
        "DEBUG": "false",
        "SECRET_KEY": "x" * 60 + "production-secret-for-the-check",
        "ALLOWED_HOSTS": "certificates.example.org",
        "CERTIFICATE_SIGNING_KEY": key,
        **extra,
    }


def test_the_deploy_check_is_clean_with_production_settings() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_an_issuer_key_fails_the_deploy_check() -> None:
    result = manage("check", "--deploy", **production(CERTIFICATE_SIGNING_KEY=""))
    assert result.returncode != 0
    assert "CERTIFICATE_SIGNING_KEY" in result.stdout + result.stderr


def test_a_malformed_setting_stops_start_up_with_its_name() -> None:
    result = manage("check", DEBUG="ture")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
