"""Two participants of one cohort with work, a grade, a certificate and a data file each."""

import base64
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from courses.certificates.credentials import keys
from courses.models import Certificate
from platform.models import User
from submissions.intake.services import DataCardInput
from submissions.models import Submission
from tests.helpers import graded, issue_certificate, release, submit


@dataclass
class Work:
    participant: User
    other: User
    instructor: User
    submission: Submission
    other_submission: Submission
    assignment: Any


@pytest.fixture
def work(
    enrolled: User, other_enrolled: User, instructor: User, assignment: Any, settings: Any
) -> Work:
    settings.CERTIFICATE_SIGNING_KEY = base64.b64encode(bytes(range(32))).decode()
    keys._load_key.cache_clear()
    submissions = []
    for person, content in ((enrolled, b"ada-secret-row\n"), (other_enrolled, b"grace-row\n")):
        submission = graded(
            submit(
                person,
                assignment,
                data_files=[SimpleUploadedFile(f"{person.username}-points.csv", content)],
                data_card=DataCardInput(source=f"{person.username} survey", licence="CC BY 4.0"),
            )
        )
        release(instructor, submission, comment=f"comment for {person.username}", feedback="Good.")
        submissions.append(submission)
    # Releasing a passing grade may already have issued the certificate (the fixtures' one
    # required module); only where it has not is a grade released for it.
    if not Certificate.objects.filter(user=enrolled).exists():
        issue_certificate(enrolled, assignment)
    return Work(
        participant=enrolled,
        other=other_enrolled,
        instructor=instructor,
        submission=submissions[0],
        other_submission=submissions[1],
        assignment=assignment,
    )
