"""The shipped deployment files are valid: systemd's own verifier accepts the units, nginx
accepts the site ``manage.py nginx_site`` prints (docs/operations.md, "Installing on a Debian
server"). Skipped where the tools are missing, except in CI, which installs them."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.conftest import ROOT

UNITS = ROOT / "deploy" / "systemd"


def tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail(f"{name} is missing in CI: .ci/run installs it")
    pytest.skip(f"{name} is not installed here (CI installs it)")


def verify(units: Path, *names: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("systemd-analyze"), "verify", "--man=no", *(f"./{name}" for name in names)],
        cwd=units,
        capture_output=True,
        text=True,
        check=False,
    )


def installed_units(tmp_path: Path) -> Path:
    """The units as on a server, with this checkout as /srv/certlab (the verifier checks that
    ExecStart's program exists), and one instance of the worker template."""
    for unit in UNITS.glob("certlab*.service"):
        text = unit.read_text().replace("/srv/certlab", str(ROOT))
        (tmp_path / unit.name).write_text(text)
    shutil.copy(UNITS / "certlab.target", tmp_path)
    shutil.copy(tmp_path / "certlab-worker@.service", tmp_path / "certlab-worker@1.service")
    return tmp_path


def test_systemd_accepts_the_shipped_units(tmp_path: Path) -> None:
    units = installed_units(tmp_path)
    result = verify(units, "certlab-web.service", "certlab-worker@1.service", "certlab.target")
    # Unknown keys and bad values are only warnings to systemd: any output fails the check.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_the_check_catches_a_mistyped_unit(tmp_path: Path) -> None:
    units = installed_units(tmp_path)
    web = units / "certlab-web.service"
    web.write_text(web.read_text().replace("UMask=", "Umask="))
    result = verify(units, "certlab-web.service")
    assert "Unknown key 'Umask'" in result.stdout + result.stderr


def test_nginx_accepts_the_site_for_a_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nginx = tool("nginx")
    call_command("nginx_site", "--server-name", "certificates.example.org")
    site = capsys.readouterr().out
    assert f"alias {settings.STATIC_ROOT}/;" in site
    assert f"alias {settings.PRIVATE_FILES_ROOT}/;" in site
    assert "server unix:/run/certlab/gunicorn.sock;" in site
    (tmp_path / "site.conf").write_text(site.replace("/var/log/nginx/", f"{tmp_path}/"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; events {{}} http {{ include {tmp_path}/site.conf; }}"
    )
    result = subprocess.run(
        [nginx, "-t", "-e", "stderr", "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
