"""Bulk enrolment: reading CSV (comma, semicolon, BOM) and .xlsx (formulas refused, never
evaluated), the dry run's outcome per row, limits, and a confirmation that applies exactly the
plan shown, once, in one transaction."""

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from courses.enrolment import bulk, services
from courses.enrolment.bulk import Outcome
from courses.models import Cohort, Enrollment
from platform.mail import deliver_due_mail
from platform.models import OutgoingMail, User


def csv_bytes(lines: list[str], *, bom: bool = False, delimiter: str = ",") -> bytes:
    text = "\n".join(line.replace(",", delimiter) for line in lines) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def outcomes(planned: list[bulk.PlannedRow]) -> list[str]:
    return [row.outcome for row in planned]


HEADER = "name,e-mail,language,cohort,organisation"


@pytest.mark.parametrize(
    ("options", "header"),
    [
        ({}, HEADER),
        ({"bom": True}, HEADER),
        ({"delimiter": ";"}, HEADER),
        ({"bom": True, "delimiter": ";"}, "Name,E-Mail,Sprache,Kohorte,Organisation"),
        ({}, "  E-MAIL , NAME "),
    ],
)
def test_csv_in_every_shape_is_read(options: dict[str, Any], header: str) -> None:
    data = csv_bytes(
        [header, "Ada Lovelace,ada@example.org,en,2026/27,Analytical Engines"], **options
    )
    [row] = bulk.read_rows("people.csv", data)
    if header.strip().startswith("E-MAIL"):
        assert (row.name, row.email) == ("ada@example.org", "Ada Lovelace")
    else:
        assert (row.name, row.email, row.language, row.cohort, row.organisation) == (
            "Ada Lovelace",
            "ada@example.org",
            "en",
            "2026/27",
            "Analytical Engines",
        )
        assert row.line == 2


def test_semicolon_files_keep_commas_inside_values() -> None:
    data = csv_bytes(["Name;E-Mail;Organisation", "Lovelace, Ada;ada@example.org;A, B & Co"])
    [row] = bulk.read_rows("people.csv", data)
    assert (row.name, row.organisation) == ("Lovelace, Ada", "A, B & Co")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"name,e-mail\n", "no rows"),
        (b"vorname,telefon\nA,1\n", "Missing: name, email"),
        ("name,e-mail\nJürgen,j@example.org\n".encode("latin-1"), "UTF-8"),
        (b"PK\x03\x04 broken zip", "cannot be read"),
        (b"name,e-mail\n" + b"x" * (bulk.MAX_BYTES + 1), "larger than"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(bulk.BulkFileError) as refused:
        bulk.read_rows("people.csv", data)
    assert message in refused.value.message


def test_too_many_rows_are_refused() -> None:
    lines = [HEADER, *(f"P{i},p{i}@example.org,,," for i in range(bulk.MAX_ROWS + 1))]
    with pytest.raises(bulk.BulkFileError) as refused:
        bulk.read_rows("people.csv", csv_bytes(lines))
    assert "more than 1000 rows" in refused.value.message


def test_xlsx_is_read_and_formula_cells_make_their_row_bad(cohort: Cohort) -> None:
    data = xlsx_bytes(
        [
            ["Name", "E-Mail", "Sprache"],
            ["Ada Lovelace", "ada@example.org", "de"],
            ['=HYPERLINK("http://evil","x")', "eve@example.org", "en"],
            ["Bob", '=CONCAT("b","@example.org")', "en"],
            [42, "num@example.org", None],
        ]
    )
    rows = bulk.read_rows("people.xlsx", data)
    assert [r.has_formula for r in rows] == [False, True, True, False]
    assert rows[3].name == "42"
    planned = bulk.plan(rows, cohort=cohort)
    assert outcomes(planned) == [
        Outcome.NEW_ACCOUNT,
        Outcome.FORMULA,
        Outcome.FORMULA,
        Outcome.NEW_ACCOUNT,
    ]
    assert planned[0].language == "de"


def test_text_that_looks_like_a_formula_in_csv_stays_plain_text(cohort: Cohort) -> None:
    data = csv_bytes([HEADER, '"=1+2",calc@example.org,,,@SUM(A1)'])
    [row] = bulk.plan(bulk.read_rows("people.csv", data), cohort=cohort)
    assert (row.name, row.organisation, row.outcome) == ("=1+2", "@SUM(A1)", Outcome.NEW_ACCOUNT)


def test_the_dry_run_says_what_happens_to_each_row(
    cohort: Cohort,
    sibling_cohort: Cohort,
    other_cohort: Cohort,
    enrolled: User,
    other_participant: User,
) -> None:
    withdrawn = User.objects.create_user("wanda", email="wanda@example.org")
    Enrollment.objects.create(user=withdrawn, cohort=cohort, status="withdrawn")
    data = csv_bytes(
        [
            HEADER,
            "New Person,new@example.org,de,,",  # new account
            f"Grace,{other_participant.email.upper()},en,,",  # existing account
            f"Ada,{enrolled.email},,,",  # already enrolled
            "Bad,not-an-address,,,",  # bad e-mail
            "New Again,NEW@example.org,,,",  # duplicate of line 2
            f"Grace,{other_participant.email},,2027/28,",  # same person, other cohort: fine
            "Lost,lost@example.org,,Summer 1999,",  # unknown cohort
            f"Foreign,foreign@example.org,,{other_cohort.name},",  # another program's cohort
            "Klingon,tlh@example.org,tlh,,",  # bad language
            "Wanda,wanda@example.org,,,",  # withdrawn: invited anew
            ",noname@example.org,,,",  # a new account needs a name
        ]
    )
    planned = bulk.plan(bulk.read_rows("people.csv", data), cohort=cohort)
    assert outcomes(planned) == [
        Outcome.NEW_ACCOUNT,
        Outcome.EXISTING_ACCOUNT,
        Outcome.ALREADY_ENROLLED,
        Outcome.BAD_EMAIL,
        Outcome.DUPLICATE,
        Outcome.EXISTING_ACCOUNT,
        Outcome.UNKNOWN_COHORT,
        Outcome.UNKNOWN_COHORT,
        Outcome.BAD_LANGUAGE,
        Outcome.EXISTING_ACCOUNT,
        Outcome.MISSING_NAME,
    ]
    assert planned[5].cohort_id == sibling_cohort.pk
    assert [row.line for row in planned] == list(range(2, 13))


def test_planning_500_rows_takes_a_fixed_number_of_queries(
    cohort: Cohort, django_assert_max_num_queries: Any
) -> None:
    rows = bulk.read_rows(
        "people.csv", csv_bytes([HEADER, *(f"P {i},p{i}@example.org,,," for i in range(500))])
    )
    with django_assert_max_num_queries(4):
        planned = bulk.plan(rows, cohort=cohort)
    assert sum(row.applies for row in planned) == 500


def upload(client: Client, cohort: Cohort, data: bytes, name: str = "people.csv") -> Any:
    return client.post(
        reverse("enrolment:bulk", args=[cohort.pk]),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def confirm(client: Client, cohort: Cohort, digest: str) -> Any:
    return client.post(reverse("enrolment:bulk-confirm", args=[cohort.pk]), {"digest": digest})


def stored_digest(client: Client, cohort: Cohort) -> str:
    return str(client.session[f"bulk-enrolment-{cohort.pk}"]["digest"])


def test_the_confirmation_applies_exactly_the_plan_once(
    client_for: Any,
    coordinator: User,
    cohort: Cohort,
    django_capture_on_commit_callbacks: Any,
    mailoutbox: Any,
) -> None:
    client = client_for(coordinator)
    data = csv_bytes([HEADER, "Ann,ann@example.org,de,,", "Bad,bad,,,", "Ben,ben@example.org,,,"])
    page = upload(client, cohort, data)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="dry-run"' in body and "bad e-mail address" in body
    assert not User.objects.filter(email="ann@example.org").exists()  # nothing stored yet
    digest = stored_digest(client, cohort)
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client, cohort, digest)
    assert response.status_code == 302
    invited = Enrollment.objects.filter(cohort=cohort, status="invited")
    assert sorted(invited.values_list("user__email", flat=True)) == [
        "ann@example.org",
        "ben@example.org",
    ]
    # Stored in the mail queue; the worker sends them, not the request.
    assert OutgoingMail.objects.filter(sent_at__isnull=True).count() == 2
    assert deliver_due_mail() == 2
    assert len(mailoutbox) == 2
    assert User.objects.get(email="ann@example.org").preferred_language == "de"
    # Once: the same confirmation again applies nothing.
    again = confirm(client, cohort, digest)
    assert again.status_code == 302 and again["Location"].endswith("/bulk/")
    assert Enrollment.objects.filter(cohort=cohort).count() == 2


def test_a_confirmation_naming_another_plan_applies_nothing(
    client_for: Any, coordinator: User, cohort: Cohort
) -> None:
    client = client_for(coordinator)
    upload(client, cohort, csv_bytes([HEADER, "Ann,ann@example.org,,,"]))
    first = stored_digest(client, cohort)
    # A second dry run in another tab replaces the plan: the first page's button is void.
    upload(client, cohort, csv_bytes([HEADER, "Zed,zed@example.org,,,"]))
    assert confirm(client, cohort, first).status_code == 302
    assert not Enrollment.objects.exists()
    # A tampered plan in the session does not match its digest.
    session = client.session
    stored = session[f"bulk-enrolment-{cohort.pk}"]
    stored["rows"][0]["email"] = "mallory@example.org"
    session[f"bulk-enrolment-{cohort.pk}"] = stored
    session.save()
    confirm(client, cohort, stored["digest"])
    assert not Enrollment.objects.exists()


def test_a_plan_outdated_by_a_change_in_between_applies_nothing(
    client_for: Any, coordinator: User, cohort: Cohort
) -> None:
    client = client_for(coordinator)
    upload(client, cohort, csv_bytes([HEADER, "Ann,ann@example.org,,,", "Ben,ben@example.org,,,"]))
    services.invite(cohort=cohort, email="ben@example.org")
    services.change_status(
        enrollment=Enrollment.objects.get(user__email="ben@example.org"),
        to="withdrawn",
        by=coordinator,
        reason="test",
    )
    # ben now has an account the plan did not know of.
    response = confirm(client, cohort, stored_digest(client, cohort))
    assert response.status_code == 302
    assert not Enrollment.objects.filter(user__email="ann@example.org").exists()


def test_bad_uploads_answer_400_with_the_reason(
    client_for: Any, coordinator: User, cohort: Cohort
) -> None:
    client = client_for(coordinator)
    response = upload(client, cohort, b"foo,bar\n1,2\n")
    assert response.status_code == 400
    assert "Missing: name, email" in response.content.decode()
    assert client.post(reverse("enrolment:bulk", args=[cohort.pk])).status_code == 400


def test_500_rows_in_one_go(
    client_for: Any, coordinator: User, cohort: Cohort, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(coordinator)
    lines = [HEADER, *(f"Person {i},person{i}@example.org,de,,Org {i % 7}" for i in range(500))]
    assert upload(client, cohort, csv_bytes(lines)).status_code == 200
    with django_capture_on_commit_callbacks(execute=False):
        assert confirm(client, cohort, stored_digest(client, cohort)).status_code == 302
    assert Enrollment.objects.filter(cohort=cohort, status="invited").count() == 500
    assert OutgoingMail.objects.count() == 500


@pytest.mark.parametrize("who", ["anonymous", "participant", "instructor", "foreign"])
def test_bulk_pages_are_for_the_programs_coordinators(
    who: str,
    client_for: Any,
    cohort: Cohort,
    enrolled: User,
    instructor: User,
    foreign_coordinator: User,
) -> None:
    user = {"anonymous": None, "participant": enrolled, "instructor": instructor}.get(
        who, foreign_coordinator
    )
    client = client_for(user)
    for response in (
        client.get(reverse("enrolment:bulk", args=[cohort.pk])),
        upload(client, cohort, csv_bytes([HEADER, "Ann,ann@example.org,,,"])),
        confirm(client, cohort, "0" * 64),
    ):
        assert response.status_code == (302 if who == "anonymous" else 404)
    assert not User.objects.filter(email="ann@example.org").exists()


def test_the_dry_run_page_shows_markup_and_formulas_as_text(
    client_for: Any, coordinator: User, cohort: Cohort
) -> None:
    client = client_for(coordinator)
    data = csv_bytes(
        [HEADER, '<script>alert(1)</script>,x@example.org,,,"=HYPERLINK(""http://e"")"']
    )
    body = upload(client, cohort, data).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "=HYPERLINK(&quot;http://e&quot;)" in body
