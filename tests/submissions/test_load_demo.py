from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from courses.models import Assignment, Enrollment, Module, Program
from platform.accounts.services import current_totp_code
from platform.blobs import read_blob
from platform.models import User


@pytest.mark.django_db
def test_the_demo_loads_twice_without_duplicating_anything() -> None:
    out = StringIO()
    call_command("load_demo", stdout=out)
    counts = (
        Program.objects.count(),
        Module.objects.count(),
        Assignment.objects.count(),
        User.objects.count(),
    )
    call_command("load_demo", stdout=StringIO())
    assert counts == (
        Program.objects.count(),
        Module.objects.count(),
        Assignment.objects.count(),
        User.objects.count(),
    )
    assert "Demo log-ins (password for all: demo)" in out.getvalue()
    assert "lena.schmidt" in out.getvalue()


@pytest.mark.django_db
def test_the_demo_describes_the_real_programs() -> None:
    call_command("load_demo", stdout=StringIO())
    titles = " ".join(Program.objects.values_list("title", flat=True))
    for words in [
        "Machine Learning in Data Science",
        "Data Literacy",
        "Lean",
        "Smart Factory",
        "Senior",
    ]:
        assert words in titles, words
    ml = Program.objects.get(slug="ml-data-science")
    modules = ml.modules.all()
    assert sum(1 for m in modules if m.assignments.exists() and not m.is_capstone) >= 3
    capstone = modules.get(is_capstone=True)
    assert capstone.assignments.exists()
    for assignment in Assignment.objects.filter(module__program=ml):
        kinds = {c["kind"] for c in assignment.grade_cells}
        assert "autograded" in kinds
        assert kinds & {"manual", "task"}
    # Data Literacy has an nbgrader assignment folder of two notebooks, one assignment.
    folder = Assignment.objects.get(slug="dl-02-streuung-zusammenhang")
    assert [n.name for n in folder.notebook_set()] == ["streuung.ipynb", "zusammenhang.ipynb"]
    assert [f.path for f in folder.course_files()] == ["daten/variablen.csv"]
    # The data-literacy assignment shows a course image (docs/course-files.md).
    (figure,) = Assignment.objects.get(slug="dl-01-mean-median").course_files()
    assert figure.path == "images/lagemasse.png"
    assert read_blob(figure.sha256).startswith(b"\x89PNG")


@pytest.mark.django_db
def test_demo_people_can_log_in_and_see_their_program(client: Any) -> None:
    call_command("load_demo", stdout=StringIO())
    assert client.login(username="lena.schmidt", password="demo")
    assert Enrollment.objects.filter(user__username="lena.schmidt").exists()
    assert "Machine Learning in Data Science" in client.get("/").content.decode()
    instructor = Client()
    response = instructor.post(reverse("login"), {"login": "j.hoffmann", "password": "demo"})
    assert response["Location"] == reverse("mfa_authenticate")
    code = current_totp_code(User.objects.get(username="j.hoffmann"))
    assert instructor.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert "Machine Learning in Data Science" in instructor.get("/").content.decode()


@pytest.mark.django_db
def test_the_printed_recovery_codes_and_secret_open_the_staff_accounts() -> None:
    out = StringIO()
    call_command("load_demo", stdout=out)
    printed = out.getvalue()
    assert "python manage.py totp_code <username>" in printed
    codes = printed.split("each once per account: ")[1].split()
    assert len(codes) == 3
    client = Client()
    client.post(reverse("login"), {"login": "k.vogel", "password": "demo"})
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
