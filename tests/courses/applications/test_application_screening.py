"""The coordinators' screening: who may see it, the list (filter, sort, counts, capacity,
fees), one application, notes, the attachment, decisions with their mails, capacity, bulk."""

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.applications import services
from courses.models import Application, Cohort, Enrollment, Invitation
from platform.models import User
from tests.helpers import make_user

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def submitted(apply_for: Any) -> Application:
    return apply_for("Ada Applicant", organisation="Acme Labs")


def screening_url(cohort: Cohort) -> str:
    return reverse("applications:screening", args=[cohort.pk])


def detail_url(application: Application) -> str:
    return reverse("applications:detail", args=[application.cohort_id, application.pk])


def decide_url(application: Application) -> str:
    return reverse("applications:decide", args=[application.cohort_id, application.pk])


# --- who may see what -----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client_for: Any, submitted: Application) -> None:
    response = client_for(None).get(screening_url(submitted.cohort))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_another_programs_coordinator_gets_404s(
    client_for: Any, submitted: Application, foreign_coordinator: User
) -> None:
    client = client_for(foreign_coordinator)
    assert client.get(screening_url(submitted.cohort)).status_code == 404
    assert client.get(detail_url(submitted)).status_code == 404
    assert (
        client.post(decide_url(submitted), {"decision": "reject", "message": "x"}).status_code
        == 404
    )
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED


def test_the_cohorts_instructor_gets_403_and_a_participant_404(
    client_for: Any, submitted: Application, instructor: User, participant: User
) -> None:
    assert client_for(instructor).get(screening_url(submitted.cohort)).status_code == 403
    assert client_for(instructor).get(detail_url(submitted)).status_code == 403
    assert client_for(participant).get(screening_url(submitted.cohort)).status_code == 404


def test_the_programs_coordinator_screens(
    client_for: Any, submitted: Application, program_coordinator: User
) -> None:
    assert client_for(program_coordinator).get(screening_url(submitted.cohort)).status_code == 200
    assert client_for(program_coordinator).post(screening_url(submitted.cohort)).status_code == 405


def test_unconfirmed_applications_are_invisible(
    client_for: Any, apply_for: Any, coordinator: User
) -> None:
    hidden = apply_for("Hidden Person", confirm=False)
    client = client_for(coordinator)
    assert "Hidden Person" not in client.get(screening_url(hidden.cohort)).content.decode()
    assert client.get(detail_url(hidden)).status_code == 404


# --- the list ---------------------------------------------------------------------------------


def test_the_list_filters_sorts_and_counts(
    client_for: Any, apply_for: Any, coordinator: User, django_assert_max_num_queries: Any
) -> None:
    apply_for("Zoe Zimmer", organisation="Acme Labs")
    apply_for("Bert Brown", organisation="Other Org")
    rejected = apply_for("Carl Cook")
    services.decide(
        application=rejected, decision=services.Decision.REJECT, message="No", actor=coordinator
    )
    client = client_for(coordinator)
    url = screening_url(rejected.cohort)
    with django_assert_max_num_queries(16):
        page = client.get(url, {"sort": "name"}).content.decode()
    assert page.index("Bert Brown") < page.index("Carl Cook") < page.index("Zoe Zimmer")
    assert "to be screened: <strong>2</strong>" in page
    assert "rejected: <strong>1</strong>" in page
    searched = client.get(url, {"q": "acme"}).content.decode()
    assert "Zoe Zimmer" in searched and "Bert Brown" not in searched
    only_rejected = client.get(url, {"status": "rejected"}).content.decode()
    assert "Carl Cook" in only_rejected and "Zoe Zimmer" not in only_rejected
    assert client.get(url, {"sort": "bogus"}).status_code == 400


def test_the_list_shows_capacity_and_the_fee_status_of_admitted_people(
    client_for: Any, submitted: Application, coordinator: User
) -> None:
    cohort = submitted.cohort
    cohort.fee = Decimal("450.00")
    cohort.save(update_fields=["fee"])
    services.decide(
        application=submitted, decision=services.Decision.ADMIT, message="Yes", actor=coordinator
    )
    page = client_for(coordinator).get(screening_url(cohort)).content.decode()
    assert 'id="places-left">1<' in page
    assert "450.00 EUR" in page
    assert Enrollment.objects.get().fee_status == Enrollment.FeeStatus.OPEN
    row = page[page.index(f'data-application="{submitted.pk}"') :]
    assert "open" in row[: row.index("</tr>")]


# --- one application ----------------------------------------------------------------------


def test_the_detail_shows_everything_with_messages_in_the_applicants_language(
    client_for: Any, apply_for: Any, coordinator: User
) -> None:
    application = apply_for("Dora Deutsch", language="de", prior_knowledge="Python, R")
    page = client_for(coordinator).get(detail_url(application)).content.decode()
    assert "Python, R" in page and "I want to learn." in page
    assert "Leider" in page  # the rejection's message, pre-filled in German
    assert "freuen uns" in page  # the admission's


def test_notes_are_saved(client_for: Any, submitted: Application, coordinator: User) -> None:
    url = reverse("applications:notes", args=[submitted.cohort_id, submitted.pk])
    response = client_for(coordinator).post(url, {"notes": "Called her; strong profile."})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.notes == "Called her; strong profile."
    assert client_for(coordinator).post(url, {"notes": "x" * 20_000}).status_code == 400


def test_the_attachment_is_a_download_for_coordinators_only(
    client_for: Any, apply_for: Any, coordinator: User, instructor: User
) -> None:
    application = apply_for("Ada Applicant", attachment=SimpleUploadedFile("cv.pdf", PDF))
    url = reverse("applications:attachment", args=[application.cohort_id, application.pk])
    response = client_for(coordinator).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert client_for(instructor).get(url).status_code == 403
    assert client_for(None).get(url).status_code == 302


def test_an_application_without_attachment_has_no_download(
    client_for: Any, submitted: Application, coordinator: User
) -> None:
    url = reverse("applications:attachment", args=[submitted.cohort_id, submitted.pk])
    assert client_for(coordinator).get(url).status_code == 404


# --- decisions --------------------------------------------------------------------------------


def test_admission_invites_and_mails_in_the_applicants_language(
    client_for: Any,
    apply_for: Any,
    coordinator: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    application = apply_for("Dora Deutsch", language="de", organisation="Acme")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(coordinator).post(
            decide_url(application),
            {"decision": "admit", "message": "Willkommen, Dora! (bearbeitet)"},
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.ADMITTED
    assert application.decided_by == coordinator and application.decided_at is not None
    assert application.decision_message == "Willkommen, Dora! (bearbeitet)"
    enrollment = application.enrollment
    assert enrollment is not None and enrollment.status == Enrollment.Status.INVITED
    assert application.user == enrollment.user
    assert enrollment.user.organisation == "Acme"
    assert Invitation.objects.filter(enrollment=enrollment).exists()
    decision_mail = next(m for m in mail.outbox if "bearbeitet" in m.body)
    assert decision_mail.subject.startswith("Zugelassen")
    assert "/applications/status/" in decision_mail.body
    assert len(mail.outbox) == 2  # the decision and the invitation


@pytest.mark.parametrize(
    ("decision", "status", "subject"),
    [
        ("waitlist", Application.Status.WAITLISTED, "wait list"),
        ("reject", Application.Status.REJECTED, "Your application"),
    ],
)
def test_wait_listing_and_rejection_send_the_edited_message(
    client_for: Any,
    submitted: Application,
    coordinator: User,
    django_capture_on_commit_callbacks: Any,
    decision: str,
    status: str,
    subject: str,
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(coordinator).post(
            decide_url(submitted), {"decision": decision, "message": "Edited text."}
        )
    submitted.refresh_from_db()
    assert submitted.status == status
    assert [m.body.split("\n")[0] for m in mail.outbox] == ["Edited text."]
    assert subject in mail.outbox[0].subject
    assert not Enrollment.objects.exists()


def test_a_full_cohort_refuses_admission_and_suggests_the_wait_list(
    client_for: Any, apply_for: Any, coordinator: User
) -> None:
    first, second, third = (apply_for(n) for n in ("Ann One", "Ben Two", "Cid Three"))
    for application in (first, second):
        services.decide(
            application=application,
            decision=services.Decision.ADMIT,
            message="Yes",
            actor=coordinator,
        )
    response = client_for(coordinator).post(
        decide_url(third), {"decision": "admit", "message": "Yes"}
    )
    assert response.status_code == 409
    assert "wait list" in response.content.decode()
    third.refresh_from_db()
    assert third.status == Application.Status.SUBMITTED
    assert Enrollment.objects.count() == 2


def test_an_empty_message_or_unknown_decision_is_refused(
    client_for: Any, submitted: Application, coordinator: User
) -> None:
    client = client_for(coordinator)
    assert (
        client.post(decide_url(submitted), {"decision": "admit", "message": ""}).status_code == 400
    )
    assert (
        client.post(decide_url(submitted), {"decision": "maybe", "message": "x"}).status_code == 400
    )
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED


def test_a_decided_application_cannot_be_decided_again(
    client_for: Any, submitted: Application, coordinator: User
) -> None:
    services.decide(
        application=submitted, decision=services.Decision.REJECT, message="No", actor=coordinator
    )
    response = client_for(coordinator).post(
        decide_url(submitted), {"decision": "admit", "message": "Yes"}
    )
    assert response.status_code == 409
    assert not Enrollment.objects.exists()


def test_an_existing_account_is_reused_on_admission(apply_for: Any, coordinator: User) -> None:
    existing = make_user("ada")
    application = apply_for("Ada Applicant", email="ADA@example.org")
    services.decide(
        application=application, decision=services.Decision.ADMIT, message="Yes", actor=coordinator
    )
    application.refresh_from_db()
    assert application.user == existing


def test_bulk_wait_listing_uses_each_applicants_language(
    client_for: Any, apply_for: Any, coordinator: User, django_capture_on_commit_callbacks: Any
) -> None:
    english = apply_for("Eve English")
    german = apply_for("Greta German", language="de")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(coordinator).post(
            reverse("applications:bulk", args=[english.cohort_id]),
            {"decision": "waitlist", "message": "", "selected": [english.pk, german.pk]},
        )
    assert response.status_code == 302
    assert set(Application.objects.values_list("status", flat=True)) == {"waitlisted"}
    assert [a.full_name for a in services.waitlist(english.cohort)] == [
        "Eve English",
        "Greta German",
    ]
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "wait list" in bodies["eve@example.com"]
    assert "Warteliste" in bodies["greta@example.com"]


def test_bulk_without_a_selection_is_refused(
    client_for: Any, submitted: Application, coordinator: User
) -> None:
    response = client_for(coordinator).post(
        reverse("applications:bulk", args=[submitted.cohort_id]), {"decision": "reject"}
    )
    assert response.status_code == 400
    assert "Select at least one" in response.content.decode()


def test_the_filter_swaps_only_the_results_with_htmx(
    client_for: Any, apply_for: Any, coordinator: User
) -> None:
    apply_for("Zoe Zimmer", organisation="Acme Labs")
    apply_for("Bert Brown")
    response = client_for(coordinator).get(
        screening_url(Cohort.objects.get()), {"q": "acme"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="results"')
    assert "Zoe Zimmer" in body and "Bert Brown" not in body


def test_notes_save_in_place_with_htmx(
    client_for: Any, submitted: Application, coordinator: User
) -> None:
    url = reverse("applications:notes", args=[submitted.cohort_id, submitted.pk])
    client = client_for(coordinator)
    response = client.post(url, {"notes": "Strong profile."}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="notes-form"' in response.content.decode()
    assert "Notes saved." in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.notes == "Strong profile."
    too_long = client.post(url, {"notes": "x" * 20_000}, HTTP_HX_REQUEST="true")
    assert too_long.status_code == 200
    assert "Notes saved." not in too_long.content.decode()
    submitted.refresh_from_db()
    assert submitted.notes == "Strong profile."


@pytest.mark.parametrize("name", ["decide", "notes", "move"])
def test_the_actions_are_post_only_and_404_for_another_programs_coordinator(
    client_for: Any, submitted: Application, coordinator: User, foreign_coordinator: User, name: str
) -> None:
    url = reverse(f"applications:{name}", args=[submitted.cohort_id, submitted.pk])
    assert client_for(coordinator).get(url).status_code == 405
    assert client_for(foreign_coordinator).post(url, {"direction": "up"}).status_code == 404


def test_an_application_of_another_cohort_is_a_404_in_this_one(
    client_for: Any, submitted: Application, coordinator: User, sibling_cohort: Cohort
) -> None:
    url = reverse("applications:detail", args=[sibling_cohort.pk, submitted.pk])
    assert client_for(coordinator).get(url).status_code == 404


def test_bulk_and_offers_are_for_coordinators_only(
    client_for: Any, submitted: Application, instructor: User, foreign_coordinator: User
) -> None:
    for name in ("bulk", "offer-places"):
        url = reverse(f"applications:{name}", args=[submitted.cohort_id])
        assert client_for(instructor).post(url).status_code == 403
        assert client_for(foreign_coordinator).post(url).status_code == 404
