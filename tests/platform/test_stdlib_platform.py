"""The project package is called ``platform`` and must keep the standard library's module working."""

import subprocess
import sys
import uuid
from pathlib import Path

import django.conf

import platform

ROOT = Path(__file__).resolve().parents[2]


def test_the_standard_library_functions_still_work_in_the_test_process() -> None:
    assert platform.system() == "Linux"
    assert platform.python_version().startswith(
        f"{sys.version_info.major}.{sys.version_info.minor}"
    )
    assert platform.machine()
    assert isinstance(uuid.uuid4(), uuid.UUID)


def test_platform_settings_is_the_projects() -> None:
    import platform.settings as project_settings

    assert Path(project_settings.__file__).resolve() == ROOT / "platform" / "settings.py"
    assert django.conf.settings.AUTH_USER_MODEL == "platform.User"


def test_uuid_imports_cleanly_in_a_fresh_interpreter_started_from_the_project_root() -> None:
    code = (
        "import platform, uuid; print(platform.system(), uuid.uuid4().version, platform.__file__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[0] == "Linux"
    assert out[1] == "4"
    assert out[2] == str(ROOT / "platform" / "__init__.py")


def test_an_isolated_interpreter_does_not_see_the_project() -> None:
    """What the grading kernel runs: ``python -I`` from elsewhere cannot import platform.settings."""
    code = "import platform; import platform.settings"
    result = subprocess.run(
        [sys.executable, "-I", "-c", code], cwd="/", capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "No module named 'platform.settings'" in result.stderr
