"""Certificates: issued only when every requirement is met on released grades; public verification."""

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from courses.certificates.services import issue_certificate_if_complete
from courses.models import Certificate, Module
from courses.models.certificates import new_certificate_code
from tests.helpers import release_grade


def test_a_certificate_is_issued_once_every_required_module_is_passed(
    enrolled: Any, assignment: Any
) -> None:
    enrollment = enrolled.enrollments.get()
    release_grade(enrollment, assignment, "2.5")  # 50 % of 5 meets the inclusive 50 % pass mark
    certificate = Certificate.objects.get()
    assert certificate.status == Certificate.Status.ISSUED
    assert certificate.grade_percent == Decimal("50.0")
    assert certificate.program_title == "Machine Learning in Data Science"
    assert issue_certificate_if_complete(enrollment=enrollment) == certificate
    assert Certificate.objects.count() == 1


def test_no_certificate_below_the_pass_mark(enrolled: Any, assignment: Any) -> None:
    release_grade(enrolled.enrollments.get(), assignment, "2.4")
    assert not Certificate.objects.exists()


def test_no_certificate_while_the_capstone_is_missing(
    enrolled: Any, assignment: Any, module: Module
) -> None:
    Module.objects.create(
        program=module.program, title="Capstone", order=9, is_required=False, is_capstone=True
    )
    import nbformat

    from courses.services import publish_assignment
    from tests.helpers import tiny_source_notebook

    capstone_module = Module.objects.get(title="Capstone")
    capstone = publish_assignment(
        module=capstone_module,
        slug="project",
        title="Project",
        source=nbformat.writes(tiny_source_notebook()).encode(),
    )
    enrollment = enrolled.enrollments.get()
    release_grade(enrollment, assignment, "5")
    assert not Certificate.objects.exists()
    release_grade(enrollment, capstone, "4")
    assert Certificate.objects.get().grade_percent == Decimal("90.0")


def test_codes_are_short_grouped_and_unambiguous() -> None:
    codes = {new_certificate_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == 14 and code[4] == "-" and code[9] == "-"
        assert not set(code) & set("ILOU")


def test_the_verification_page_works_without_logging_in(
    enrolled: Any, assignment: Any, client: Any
) -> None:
    release_grade(enrolled.enrollments.get(), assignment, "5")
    certificate = Certificate.objects.get()
    page = client.get(reverse("verify", args=[certificate.code]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "This certificate is valid." in body
    assert "Ada Lovelace" in body and "Machine Learning in Data Science" in body
    # Codes may be typed without dashes or in lower case.
    assert (
        client.get(reverse("verify", args=[certificate.code.replace("-", "").lower()])).status_code
        == 200
    )


def test_a_revoked_certificate_says_so(enrolled: Any, assignment: Any, client: Any) -> None:
    release_grade(enrolled.enrollments.get(), assignment, "5")
    certificate = Certificate.objects.get()
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = certificate.issued_at
    certificate.save(update_fields=["status", "revoked_at"])
    body = client.get(reverse("verify", args=[certificate.code])).content.decode()
    assert "was revoked on" in body


@pytest.mark.django_db
def test_unknown_codes_are_404(client: Any) -> None:
    assert client.get(reverse("verify", args=["AAAA-BBBB-CCCC"])).status_code == 404
    assert client.get(reverse("verify", args=["nonsense"])).status_code == 404


@pytest.mark.django_db
def test_verification_is_rate_limited(client: Any) -> None:
    statuses = [
        client.get(reverse("verify", args=["AAAA-BBBB-CCCC"])).status_code for _ in range(31)
    ]
    assert statuses[:30] == [404] * 30
    assert statuses[30] == 429


def test_the_holder_sees_their_certificate_page_and_others_get_404(
    enrolled: Any, other_participant: Any, assignment: Any, client_for: Any
) -> None:
    release_grade(enrolled.enrollments.get(), assignment, "5")
    certificate = Certificate.objects.get()
    url = reverse("courses:certificate", args=[certificate.code])
    page = client_for(enrolled).get(url)
    assert page.status_code == 200
    assert certificate.code in page.content.decode()
    assert client_for(other_participant).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302


def test_the_holders_page_shows_the_qr_code_of_the_verification_url(
    enrolled: Any, assignment: Any, client_for: Any
) -> None:
    release_grade(enrolled.enrollments.get(), assignment, "5")
    certificate = Certificate.objects.get()
    page = client_for(enrolled).get(reverse("courses:certificate", args=[certificate.code]))
    qr = page.content.decode().split('id="certificate-qr">', 1)[1].split("</figure>", 1)[0]
    assert "<svg" in qr and "Scan to verify" in qr
