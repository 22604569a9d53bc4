"""The coordinators' certificate screens: who may see and do what, the approval flow, revoke and
re-issue through the pages, the CSV register, and the e-mails to the holder."""

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.certificates.services import revoke_certificate
from courses.models import Certificate, CertificateRequest, Cohort, Program
from courses.services import enroll
from tests.helpers import issue_certificate, make_user, release_grade


@pytest.fixture
def certificate(enrolled: Any, assignment: Any) -> Certificate:
    mail.outbox.clear()
    return issue_certificate(enrolled, assignment)


def urls(cohort: Cohort, certificate: Certificate) -> dict[str, str]:
    return {
        "list": reverse("certificates:cohort", args=[cohort.pk]),
        "csv": reverse("certificates:register-csv", args=[cohort.pk]),
        "revoke": reverse("certificates:revoke", args=[cohort.pk, certificate.pk]),
        "reissue": reverse("certificates:reissue", args=[cohort.pk, certificate.pk]),
        "issue": reverse("certificates:issue", args=[cohort.pk, certificate.enrollment_id]),
    }


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "read", "act"),
    [
        ("participant", 404, 404),
        ("other_instructor", 404, 404),
        ("foreign_coordinator", 404, 404),
        ("instructor", 200, 403),
        ("program_coordinator", 200, 200),
        ("coordinator", 200, 200),
    ],
)
def test_who_may_see_the_register_and_who_may_act(
    certificate: Certificate,
    cohort: Cohort,
    other_cohort: Cohort,
    client_for: Any,
    request: Any,
    who: str,
    read: int,
    act: int,
) -> None:
    user = certificate.user if who == "participant" else request.getfixturevalue(who)
    client = client_for(user)
    pages = urls(cohort, certificate)
    assert client.get(pages["list"]).status_code == read
    assert client.get(pages["csv"]).status_code == read
    for action in ("revoke", "reissue", "issue"):
        assert client.get(pages[action]).status_code == act, action
    # Writes are refused the same way and change nothing.
    response = client.post(pages["revoke"], {"reason": "x", "confirm": "on"})
    assert response.status_code in {act, 302} and (act == 200) == (response.status_code == 302)
    certificate.refresh_from_db()
    assert certificate.status == ("revoked" if act == 200 else "issued")


def test_anonymous_visitors_are_sent_to_log_in(
    certificate: Certificate, cohort: Cohort, client: Any
) -> None:
    for url in urls(cohort, certificate).values():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    response = client.post(urls(cohort, certificate)["revoke"], {"reason": "x", "confirm": "on"})
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == "issued"


def test_wrong_methods_are_405(
    certificate: Certificate, cohort: Cohort, coordinator: Any, client_for: Any
) -> None:
    client = client_for(coordinator)
    pages = urls(cohort, certificate)
    assert client.post(pages["list"]).status_code == 405
    assert client.post(pages["csv"]).status_code == 405
    assert client.delete(pages["revoke"]).status_code == 405
    assert client.put(pages["reissue"]).status_code == 405


def test_unknown_ids_and_another_cohorts_certificate_are_404(
    certificate: Certificate,
    cohort: Cohort,
    other_participant: Any,
    assignment: Any,
    coordinator: Any,
    client_for: Any,
) -> None:
    second = Cohort.objects.create(
        program=cohort.program,
        name="2027/28",
        starts_on=dt.date(2027, 10, 1),
        ends_on=dt.date(2028, 9, 30),
    )
    enroll(user=other_participant, cohort=second)
    theirs = issue_certificate(other_participant, assignment)
    client = client_for(coordinator)
    assert client.get(reverse("certificates:cohort", args=[999999])).status_code == 404
    for name in ("revoke", "reissue"):
        # A certificate of another cohort, addressed through this cohort: 404, nothing changes.
        url = reverse(f"certificates:{name}", args=[cohort.pk, theirs.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 404
        assert (
            client.get(reverse(f"certificates:{name}", args=[cohort.pk, 999999])).status_code == 404
        )
    url = reverse("certificates:issue", args=[cohort.pk, theirs.enrollment_id])
    assert client.post(url).status_code == 404
    assert client.get(reverse("certificates:approve", args=[cohort.pk, 999999])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "issued"


# --- the register ------------------------------------------------------------------------------


def test_the_register_lists_certificates_and_filters_by_status(
    certificate: Certificate, cohort: Cohort, coordinator: Any, client_for: Any
) -> None:
    revoke_certificate(actor=coordinator, certificate=certificate, reason="Plagiarism")
    client = client_for(coordinator)
    page = client.get(reverse("certificates:cohort", args=[cohort.pk])).content.decode()
    assert certificate.code in page and "Ada Lovelace" in page and "Plagiarism" in page
    assert 'data-status="revoked"' in page
    only_valid = client.get(reverse("certificates:cohort", args=[cohort.pk]), {"status": "issued"})
    assert certificate.code not in only_valid.content.decode()
    revoked = client.get(reverse("certificates:cohort", args=[cohort.pk]), {"status": "revoked"})
    assert certificate.code in revoked.content.decode()
    bad = client.get(reverse("certificates:cohort", args=[cohort.pk]), {"status": "bogus"})
    assert bad.status_code == 400
    assert "Select a valid choice" in bad.content.decode()


def test_the_register_page_has_a_query_budget(
    certificate: Certificate,
    cohort: Cohort,
    assignment: Any,
    coordinator: Any,
    client_for: Any,
) -> None:
    client = client_for(coordinator)
    url = reverse("certificates:cohort", args=[cohort.pk])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(4):
        user = make_user(f"p{n}", first_name="P", last_name=str(n))
        enroll(user=user, cohort=cohort)
        issue_certificate(user, assignment)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert page.count('data-certificate="') == 5
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_csv_register_holds_every_column_and_neutralises_formulas(
    certificate: Certificate, cohort: Cohort, enrolled: Any, coordinator: Any, client_for: Any
) -> None:
    enrolled.display_name = '=HYPERLINK("http://evil","x")'
    enrolled.save(update_fields=["display_name"])
    from courses.certificates.services import reissue_certificate

    new = reissue_certificate(actor=coordinator, certificate=certificate)
    revoke_certificate(actor=coordinator, certificate=new, reason="@SUM(A1) cmd")
    response = client_for(coordinator).get(reverse("certificates:register-csv", args=[cohort.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="certificates-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:6] == ["code", "holder", "username", "program", "program version", "grade (%)"]
    assert rows[0][-5:] == [
        "revoked at",
        "revoked by",
        "revocation reason",
        "superseded by",
        "verification URL",
    ]
    by_code = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    old, revoked = by_code[certificate.code], by_code[new.code]
    assert old["holder"] == "Ada Lovelace"
    assert (old["status"], old["superseded by"]) == ("superseded", new.code)
    assert old["verification URL"].endswith(f"/verify/{certificate.code}/")
    assert old["program"] == "Machine Learning in Data Science"
    assert (old["program version"], old["grade (%)"]) == ("1", "100.0")
    assert revoked["holder"] == '\'=HYPERLINK("http://evil","x")'
    assert revoked["revocation reason"] == "'@SUM(A1) cmd"
    assert (revoked["status"], revoked["revoked by"], revoked["issued by"]) == (
        "revoked",
        "cora",
        "cora",
    )
    assert revoked["revoked at"]
    only = client_for(coordinator).get(
        reverse("certificates:register-csv", args=[cohort.pk]), {"status": "superseded"}
    )
    assert [r[0] for r in csv.reader(io.StringIO(b"".join(only.streaming_content).decode()))][
        1:
    ] == [certificate.code]
    bad = client_for(coordinator).get(
        reverse("certificates:register-csv", args=[cohort.pk]), {"status": "nope"}
    )
    assert bad.status_code == 400


# --- revoke and re-issue through the screens ------------------------------------------------------


def test_a_coordinator_revokes_through_the_screen_with_reason_and_confirmation(
    certificate: Certificate,
    cohort: Cohort,
    program_coordinator: Any,
    client_for: Any,
    client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    page = client_for(program_coordinator)
    url = reverse("certificates:revoke", args=[cohort.pk, certificate.pk])
    form = page.get(url).content.decode()
    assert (
        "Revoke certificate" in form and certificate.code in form and "csrfmiddlewaretoken" in form
    )
    # No reason, or no confirmation: a 400 with the form, nothing changes.
    assert page.post(url, {"reason": " ", "confirm": "on"}).status_code == 400
    assert page.post(url, {"reason": "Plagiarism"}).status_code == 400
    certificate.refresh_from_db()
    assert certificate.status == "issued" and not mail.outbox

    with django_capture_on_commit_callbacks(execute=True):
        response = page.post(url, {"reason": "Plagiarism found", "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("certificates:cohort", args=[cohort.pk])
    certificate.refresh_from_db()
    assert (certificate.status, certificate.revoked_by, certificate.revoked_reason) == (
        "revoked",
        program_coordinator,
        "Plagiarism found",
    )
    [message] = mail.outbox
    assert message.to == ["ada@example.org"]
    assert "revoked" in message.subject and "Plagiarism found" in message.body
    verification = client.get(reverse("verify", args=[certificate.code])).content.decode()
    assert "was revoked on" in verification

    # Revoking again is refused with a clear message, not a 500.
    again = page.post(url, {"reason": "again", "confirm": "on"})
    assert again.status_code == 409
    assert "Only a valid certificate can be revoked." in again.content.decode()


def test_a_name_correction_is_previewed_then_reissued(
    certificate: Certificate,
    cohort: Cohort,
    coordinator: Any,
    client_for: Any,
    client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    page = client_for(coordinator)
    url = reverse("certificates:reissue", args=[cohort.pk, certificate.pk])
    assert "Ada Lovelace" in page.get(url).content.decode()
    unchanged = page.post(url, {"holder_name": "Ada  Lovelace "})
    assert unchanged.status_code == 400
    assert "nothing to correct" in unchanged.content.decode()

    preview = page.post(url, {"holder_name": "Augusta Ada King"})
    body = preview.content.decode()
    assert preview.status_code == 200
    assert "<del>Ada Lovelace</del>" in body and 'id="new-name">Augusta Ada King<' in body
    assert Certificate.objects.count() == 1  # nothing happens before confirmation

    with django_capture_on_commit_callbacks(execute=True):
        done = page.post(url, {"holder_name": "Augusta Ada King", "confirm": "on"})
    assert done.status_code == 302
    certificate.refresh_from_db()
    new = certificate.superseded_by
    assert new is not None and certificate.status == "superseded"
    assert (new.holder_name, new.status, new.grade_percent, new.issued_by) == (
        "Augusta Ada King",
        "issued",
        certificate.grade_percent,
        coordinator,
    )
    certificate.user.refresh_from_db()
    assert certificate.user.legal_name == "Augusta Ada King"
    [message] = mail.outbox
    assert "re-issued" in message.subject and new.code in message.body
    old_page = client.get(reverse("verify", args=[certificate.code])).content.decode()
    assert "replaced by a newer one" in old_page and new.code in old_page

    # The superseded one cannot be re-issued again.
    assert page.post(url, {"holder_name": "Someone Else", "confirm": "on"}).status_code == 409


# --- approval -------------------------------------------------------------------------------------


@pytest.fixture
def approval_program(program: Program) -> Program:
    program.requires_approval = True
    program.save(update_fields=["requires_approval"])
    return program


def test_with_approval_a_met_rule_waits_for_a_coordinator(
    approval_program: Program,
    enrolled: Any,
    assignment: Any,
    cohort: Cohort,
    coordinator: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        release_grade(enrolled.enrollments.get(), assignment, "5")
    assert not Certificate.objects.exists() and not mail.outbox
    pending = CertificateRequest.objects.get()
    assert (pending.status, pending.grade_percent, pending.user) == (
        "pending",
        Decimal("100.0"),
        enrolled,
    )

    # The participant sees "awaiting approval" on the program page.
    program_page = client_for(enrolled).get(
        reverse("courses:program", args=[approval_program.slug])
    )
    assert 'data-state="pending"' in program_page.content.decode()
    assert "awaiting approval" in program_page.content.decode()
    # ... and on the home page, among their certificates.
    home = client_for(enrolled).get(reverse("home")).content.decode()
    assert f'id="awaiting-approval-{approval_program.slug}"' in home

    # Releasing again does not create a second request.
    release_grade(enrolled.enrollments.get(), assignment, "4")
    assert CertificateRequest.objects.count() == 1

    coordinator_client = client_for(coordinator)
    register = coordinator_client.get(
        reverse("certificates:cohort", args=[cohort.pk])
    ).content.decode()
    assert f'data-request="{pending.pk}"' in register
    url = reverse("certificates:approve", args=[cohort.pk, pending.pk])
    confirm = coordinator_client.get(url).content.decode()
    assert "Approve and issue" in confirm and "Ada Lovelace" in confirm
    assert Certificate.objects.count() == 0  # a GET never issues
    with django_capture_on_commit_callbacks(execute=True):
        assert coordinator_client.post(url).status_code == 302

    certificate = Certificate.objects.get()
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by, pending.certificate) == (
        "approved",
        coordinator,
        certificate,
    )
    assert pending.decided_at is not None
    assert (certificate.status, certificate.issued_by, certificate.grade_percent) == (
        "issued",
        coordinator,
        Decimal("80.0"),  # the grade at approval, not at the request
    )
    [message] = mail.outbox
    assert "approved" in message.subject and certificate.code in message.body
    register = coordinator_client.get(
        reverse("certificates:cohort", args=[cohort.pk])
    ).content.decode()
    assert "approved by Cora Coordinator" in register
    program_page = client_for(enrolled).get(
        reverse("courses:program", args=[approval_program.slug])
    )
    assert 'data-state="issued"' in program_page.content.decode()

    # Approving twice is a clear refusal.
    again = coordinator_client.post(url)
    assert again.status_code == 409 and "already been decided" in again.content.decode()
    assert Certificate.objects.count() == 1


def test_approval_is_refused_when_the_rule_is_no_longer_met(
    approval_program: Program,
    enrolled: Any,
    assignment: Any,
    cohort: Cohort,
    coordinator: Any,
    client_for: Any,
) -> None:
    release_grade(enrolled.enrollments.get(), assignment, "5")
    pending = CertificateRequest.objects.get()
    release_grade(
        enrolled.enrollments.get(), assignment, "1"
    )  # a corrected grade, below the pass mark
    response = client_for(coordinator).post(
        reverse("certificates:approve", args=[cohort.pk, pending.pk])
    )
    assert response.status_code == 409
    assert "Not every requirement is met" in response.content.decode()
    assert not Certificate.objects.exists()
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_the_cohorts_instructor_cannot_approve(
    approval_program: Program,
    enrolled: Any,
    assignment: Any,
    cohort: Cohort,
    instructor: Any,
    client_for: Any,
) -> None:
    release_grade(enrolled.enrollments.get(), assignment, "5")
    pending = CertificateRequest.objects.get()
    url = reverse("certificates:approve", args=[cohort.pk, pending.pk])
    assert client_for(instructor).post(url).status_code == 403
    assert not Certificate.objects.exists()


# --- issue ----------------------------------------------------------------------------------------


def test_a_revoked_certificate_is_not_reissued_automatically_but_a_coordinator_can_issue(
    certificate: Certificate,
    enrolled: Any,
    assignment: Any,
    cohort: Cohort,
    coordinator: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    revoke_certificate(actor=coordinator, certificate=certificate, reason="Wrong grade")
    release_grade(
        enrolled.enrollments.get(), assignment, "5"
    )  # another release does not undo the revocation
    assert Certificate.objects.issued().count() == 0

    client = client_for(coordinator)
    register = client.get(reverse("certificates:cohort", args=[cohort.pk]), {"status": "ready"})
    assert f'data-enrollment="{certificate.enrollment_id}"' in register.content.decode()
    url = reverse("certificates:issue", args=[cohort.pk, certificate.enrollment_id])
    assert "Issue certificate" in client.get(url).content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    new = Certificate.objects.issued().get()
    assert new.pk != certificate.pk and new.issued_by == coordinator
    assert "issued" in mail.outbox[0].subject
    certificate.refresh_from_db()
    assert certificate.status == "revoked"  # the revoked one stays revoked

    # A second issue is refused: there is a valid certificate now.
    again = client.post(url)
    assert (
        again.status_code == 409 and "already holds a valid certificate" in again.content.decode()
    )


def test_issuing_is_refused_while_the_rule_is_not_met(
    enrolled: Any, assignment: Any, cohort: Cohort, coordinator: Any, client_for: Any
) -> None:
    release_grade(enrolled.enrollments.get(), assignment, "1")
    url = reverse("certificates:issue", args=[cohort.pk, enrolled.enrollments.get().pk])
    response = client_for(coordinator).post(url)
    assert response.status_code == 409
    assert "Not every requirement is met" in response.content.decode()
    assert not Certificate.objects.exists()


def test_switching_approval_off_lets_a_coordinator_issue_and_settles_the_request(
    approval_program: Program,
    enrolled: Any,
    assignment: Any,
    cohort: Cohort,
    coordinator: Any,
    client_for: Any,
) -> None:
    release_grade(enrolled.enrollments.get(), assignment, "5")
    approval_program.requires_approval = False
    approval_program.save(update_fields=["requires_approval"])
    # Still pending: it is listed for approval, not as "ready to issue".
    pending = CertificateRequest.objects.get()
    url = reverse("certificates:issue", args=[cohort.pk, pending.enrollment_id])
    assert client_for(coordinator).post(url).status_code == 302
    pending.refresh_from_db()
    assert pending.status == "approved" and pending.certificate == Certificate.objects.get()


# --- e-mail ---------------------------------------------------------------------------------------


def test_the_holder_is_told_in_their_language(
    enrolled: Any, assignment: Any, django_capture_on_commit_callbacks: Any
) -> None:
    enrolled.preferred_language = "de"
    enrolled.save(update_fields=["preferred_language"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        certificate = issue_certificate(enrolled, assignment)
    [message] = mail.outbox
    assert message.subject == "Ihr Zertifikat „Machine Learning in Data Science“ wurde ausgestellt"
    assert "Guten Tag Ada Lovelace," in message.body
    assert certificate.code in message.body and "100,0 %" in message.body
    assert f"/verify/{certificate.code}/" in message.body


def test_no_mail_is_sent_when_the_change_is_rolled_back(enrolled: Any, assignment: Any) -> None:
    mail.outbox.clear()
    issue_certificate(enrolled, assignment)  # the test's transaction never commits
    assert not mail.outbox


# --- the index of cohorts, and the pages in German --------------------------------------------------


def test_the_index_lists_only_the_cohorts_one_may_see(
    certificate: Certificate,
    cohort: Cohort,
    other_cohort: Cohort,
    instructor: Any,
    other_instructor: Any,
    coordinator: Any,
    program_coordinator: Any,
    client_for: Any,
    client: Any,
) -> None:
    url = reverse("certificates:cohorts")
    assert client.get(url).status_code == 302  # log in first
    mine = reverse("certificates:cohort", args=[cohort.pk])
    theirs = reverse("certificates:cohort", args=[other_cohort.pk])
    for user, sees_mine, sees_theirs in [
        (certificate.user, False, False),
        (instructor, True, False),
        (other_instructor, False, True),
        (program_coordinator, True, False),
        (coordinator, True, True),
    ]:
        page = client_for(user).get(url).content.decode()
        assert (f'href="{mine}"' in page, f'href="{theirs}"' in page) == (sees_mine, sees_theirs)
    assert client_for(coordinator).post(url).status_code == 405


def test_a_superseded_certificate_offers_no_reissue_form(
    certificate: Certificate, cohort: Cohort, coordinator: Any, client_for: Any
) -> None:
    from courses.certificates.services import reissue_certificate

    reissue_certificate(actor=coordinator, certificate=certificate, holder_name="A. Lovelace")
    client = client_for(coordinator)
    for name in ("reissue", "revoke"):
        response = client.get(reverse(f"certificates:{name}", args=[cohort.pk, certificate.pk]))
        body = response.content.decode()
        assert "Only a valid certificate can be" in body
        assert 'name="holder_name"' not in body and 'name="reason"' not in body


def test_the_register_speaks_german(
    certificate: Certificate, cohort: Cohort, coordinator: Any, client_for: Any
) -> None:
    coordinator.preferred_language = "de"
    coordinator.save(update_fields=["preferred_language"])
    page = client_for(coordinator).get(reverse("certificates:cohort", args=[cohort.pk]))
    body = page.content.decode()
    assert "Zertifikate des Durchgangs 2026/27" in body
    assert "gültig" in body and "Widerrufen …" in body and "Neu ausstellen …" in body
