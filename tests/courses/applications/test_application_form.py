"""The public application form: storing, the confirmation mail, bad inputs, attachments,
duplicates, closed cohorts, rate limits, the privacy notice."""

import io
import zipfile
from typing import Any

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.applications.forms import ATTACHMENT_MAX_BYTES
from courses.models import Application, Cohort
from platform.mail import deliver_due_mail
from platform.models import OutgoingMail, PrivacyNotice
from submissions.orphans import referenced_blobs

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def form_data(notice: PrivacyNotice, **changes: Any) -> dict[str, Any]:
    data = {
        "full_name": "Ada  Applicant",
        "email": "ada@example.com",
        "organisation": "Acme",
        "prior_knowledge": "Statistics",
        "motivation": "I want to learn machine learning.",
        "privacy_version": notice.version,
        "consent": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def post(client: Client, cohort: Cohort, data: dict[str, Any], **extra: Any) -> Any:
    return client.post(reverse("applications:apply", args=[cohort.pk]), data, **extra)


def test_the_form_shows_the_current_privacy_notice(
    client: Client, open_cohort: Cohort, notice: PrivacyNotice
) -> None:
    response = client.get(reverse("applications:apply", args=[open_cohort.pk]))
    assert response.status_code == 200
    assert notice.text_en.split()[0] in response.content.decode()
    assert f"version {notice.version}" in response.content.decode()


def test_an_application_is_stored_unconfirmed_and_its_mail_queued(
    client: Client,
    open_cohort: Cohort,
    notice: PrivacyNotice,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, open_cohort, form_data(notice))
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:sent", args=[open_cohort.pk])
    application = Application.objects.get()
    assert application.status == Application.Status.UNCONFIRMED
    assert application.full_name == "Ada Applicant"
    assert application.privacy_notice == notice
    assert application.consented_at is not None
    assert application.language == "en"
    stored = OutgoingMail.objects.get()
    assert stored.sent_at is not None and stored.to == "ada@example.com"
    assert len(mail.outbox) == 1
    assert "/applications/confirm/" in mail.outbox[0].body
    assert "confirm" in mail.outbox[0].subject.lower()
    assert client.get(response["Location"]).status_code == 200


def test_a_german_page_sends_the_mail_in_german(
    client: Client,
    open_cohort: Cohort,
    notice: PrivacyNotice,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post(client, open_cohort, form_data(notice), HTTP_ACCEPT_LANGUAGE="de")
    assert Application.objects.get().language == "de"
    assert "Bitte bestätigen" in mail.outbox[0].subject


def test_missing_fields_are_refused_and_the_typed_text_is_kept(
    client: Client, open_cohort: Cohort, notice: PrivacyNotice
) -> None:
    response = post(client, open_cohort, form_data(notice, motivation="", consent=None))
    assert response.status_code == 400
    assert "machine learning" not in response.content.decode()  # the motivation was empty
    assert "Statistics" in response.content.decode()
    assert "Acme" in response.content.decode()
    assert not Application.objects.exists()
    assert not OutgoingMail.objects.exists()


def test_a_bad_address_is_refused(
    client: Client, open_cohort: Cohort, notice: PrivacyNotice
) -> None:
    response = post(client, open_cohort, form_data(notice, email="not-an-address"))
    assert response.status_code == 400
    assert not Application.objects.exists()


def test_a_too_large_attachment_is_refused_without_losing_the_text(
    client: Client, open_cohort: Cohort, notice: PrivacyNotice
) -> None:
    big = SimpleUploadedFile("cv.pdf", PDF + b"0" * ATTACHMENT_MAX_BYTES)
    response = post(client, open_cohort, form_data(notice, attachment=big))
    assert response.status_code == 400
    body = response.content.decode()
    assert "at most 5.0" in body
    assert "I want to learn machine learning." in body
    assert not Application.objects.exists()


def test_a_file_that_is_not_what_its_name_says_is_refused(
    client: Client, open_cohort: Cohort, notice: PrivacyNotice
) -> None:
    for upload in (
        SimpleUploadedFile("cv.pdf", b"MZ\x90\x00 an executable"),
        SimpleUploadedFile("cv.txt", b"plain text"),
        SimpleUploadedFile("cv.docx", b"PK\x03\x04 broken zip"),
    ):
        response = post(client, open_cohort, form_data(notice, attachment=upload))
        assert response.status_code == 400, upload.name
        assert "Only PDF, ODT or DOCX" in response.content.decode()
    assert not Application.objects.exists()


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def test_a_cv_is_stored_as_a_blob_the_orphan_sweep_keeps(
    client: Client, open_cohort: Cohort, notice: PrivacyNotice
) -> None:
    response = post(
        client,
        open_cohort,
        form_data(notice, attachment=SimpleUploadedFile("Lebenslauf.docx", docx_bytes())),
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.attachment_name == "Lebenslauf.docx"
    assert application.attachment_size == len(docx_bytes())
    assert referenced_blobs({application.attachment_sha256}) == {application.attachment_sha256}


def test_a_second_application_is_no_duplicate_and_resends_the_confirmation(
    client: Client,
    open_cohort: Cohort,
    notice: PrivacyNotice,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post(client, open_cohort, form_data(notice))
        response = post(client, open_cohort, form_data(notice, email="ADA@example.com"))
    assert response.status_code == 302
    assert Application.objects.count() == 1
    assert len(mail.outbox) == 2
    assert "/applications/confirm/" in mail.outbox[1].body
    page = client.get(response["Location"]).content.decode()
    assert "already applied" in page


def test_a_second_application_after_confirmation_resends_the_pages_link(
    client: Client,
    open_cohort: Cohort,
    notice: PrivacyNotice,
    apply_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    apply_for("Ada Applicant", email="ada@example.com")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, open_cohort, form_data(notice))
    assert response.status_code == 302
    assert Application.objects.count() == 1
    assert len(mail.outbox) == 1
    assert "/applications/status/" in mail.outbox[0].body
    assert "/applications/confirm/" not in mail.outbox[0].body


def test_a_closed_cohort_accepts_no_application(
    client: Client, open_cohort: Cohort, notice: PrivacyNotice
) -> None:
    open_cohort.application_deadline = timezone.localdate() - timezone.timedelta(days=1)
    open_cohort.save(update_fields=["application_deadline"])
    assert (
        "does not accept"
        in client.get(reverse("applications:apply", args=[open_cohort.pk])).content.decode()
    )
    assert post(client, open_cohort, form_data(notice)).status_code == 409
    assert not Application.objects.exists()


def test_an_unknown_cohort_is_a_404(client: Client, db: None) -> None:
    assert client.get(reverse("applications:apply", args=[999])).status_code == 404


def test_a_changed_privacy_notice_must_be_agreed_again(
    client: Client, open_cohort: Cohort, notice: PrivacyNotice
) -> None:
    PrivacyNotice.objects.create(version="2", text_en="New text.", text_de="Neuer Text.")
    response = post(client, open_cohort, form_data(notice))
    assert response.status_code == 400
    assert "changed meanwhile" in response.content.decode()
    assert post(client, open_cohort, form_data(notice, privacy_version="2")).status_code == 302
    assert Application.objects.get().privacy_notice.version == "2"


def test_applications_are_rate_limited_per_address(
    client: Client, open_cohort: Cohort, notice: PrivacyNotice
) -> None:
    statuses = [
        post(client, open_cohort, form_data(notice, motivation="")).status_code for _ in range(6)
    ]
    assert statuses == [400] * 5 + [429]


def test_the_wrong_method_is_a_405(client: Client, open_cohort: Cohort) -> None:
    assert client.put(reverse("applications:apply", args=[open_cohort.pk])).status_code == 405


def test_the_privacy_page_shows_the_current_version_in_the_visitors_language(
    client: Client, notice: PrivacyNotice
) -> None:
    PrivacyNotice.objects.create(
        version="2",
        text_en="Second English text.",
        text_de="Zweiter deutscher Text.",
        published_at=timezone.now(),
    )
    response = client.get(reverse("applications:privacy"), HTTP_ACCEPT_LANGUAGE="de")
    assert "Zweiter deutscher Text." in response.content.decode()
    old = client.get(reverse("applications:privacy-version", args=[notice.version]))
    assert notice.text_en.split()[0] in old.content.decode()
    assert "not the version in force" in old.content.decode()
    assert client.get(reverse("applications:privacy-version", args=["99"])).status_code == 404


def test_an_application_is_kept_when_the_mail_server_fails_and_its_mail_is_retried(
    client: Client,
    open_cohort: Cohort,
    notice: PrivacyNotice,
    settings: Any,
    later: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MAILERS = {"default": {"BACKEND": "tests.platform.test_mail_queue.FailingBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, open_cohort, form_data(notice))
    assert response.status_code == 302
    assert Application.objects.get().status == Application.Status.UNCONFIRMED
    stored = OutgoingMail.objects.get()
    assert stored.sent_at is None and stored.attempts == 1
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    later(3600)
    assert deliver_due_mail() == 1
    assert "/applications/confirm/" in mail.outbox[0].body


def test_someone_logged_in_finds_their_details_filled_in(
    client_for: Any, open_cohort: Cohort, participant: Any
) -> None:
    participant.organisation = "Acme"
    participant.save(update_fields=["organisation"])
    page = client_for(participant).get(reverse("applications:apply", args=[open_cohort.pk]))
    body = page.content.decode()
    assert 'value="ada@example.org"' in body and 'value="Acme"' in body
