"""Schema-conformance fuzzing of the whole API (docs/api.md, "Schema and fuzzing").

schemathesis generates requests for every operation of the served OpenAPI schema, from a
participant's, an instructor's and a coordinator's token, against a program with a graded attempt,
a data file and a certificate, and checks each answer: no server error, a documented status code
and content type, and a body that matches the documented schema. Path ids are those of the real
objects (random ids would only ever reach the 404 of the access helpers), so the views themselves
are exercised; bodies and query parameters are generated. The budget is small and the examples
derandomized, so a run is repeatable and takes a few minutes: select it with ``-m fuzz``.
"""

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from courses.applications.services import confirm_email, submit_application
from courses.models import Application, Cohort, Enrollment, Module, Session, Tandem
from courses.sessions.services import SessionPlan, save_session
from platform.blobs import put_bytes
from platform.models import ApiToken, DataExport, PrivacyNotice, User
from submissions.intake.services import DataCardInput
from submissions.models import Submission
from tests.helpers import graded, issue_certificate, pair_with_new_student, submit

pytestmark = pytest.mark.fuzz

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Examples per operation and role: 40 operations x 3 roles stay within about three minutes on 2 cores.
EXAMPLES = 6


# Loaded when the module is collected: the schema view reads no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


@pytest.fixture(autouse=True)
def _connection_kept_open() -> Iterator[None]:
    """Requests run inside the test's transaction: like Django's test client, the WSGI
    application must not close the connection at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["participant", "instructor", "coordinator"])
def role(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def world(
    enrolled: User,
    other_enrolled: User,
    instructor: User,
    program_coordinator: User,
    assignment: Any,
) -> dict[str, Any]:
    attempt = submit(
        enrolled,
        assignment,
        data_files=[SimpleUploadedFile("data.csv", b"x,y\n1,2\n")],
        data_card=DataCardInput(source="own survey", licence="CC BY 4.0"),
    )
    graded(attempt)
    certificate = issue_certificate(other_enrolled, assignment)
    enrollment = enrolled.enrollments.get()
    application = an_application(enrollment.cohort)
    session = a_session(instructor, enrollment.cohort, assignment.module)
    tandem = a_tandem(enrollment, program_coordinator)
    export = DataExport.objects.create(
        user=enrolled,
        status=DataExport.Status.READY,
        sha256=put_bytes(b"PK an export"),
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    return {
        "users": {
            "participant": enrolled,
            "instructor": instructor,
            "coordinator": program_coordinator,
        },
        "ids": {
            "assignments": assignment.pk,
            "modules": assignment.module_id,
            "submissions": attempt.pk,
            "cohorts": enrollment.cohort_id,
            "regrade-requests": 1,
            "file_pk": attempt.data_files.get().pk,
            "certificate_pk": certificate.pk,
            "enrollment_pk": enrollment.pk,
            "request_pk": 1,
            "extension_pk": 1,
            "code": certificate.code,
            "applications": application.pk,
            "sessions": session.pk,
            "tandems": tandem.pk,
            "data-exports": export.pk,
        },
    }


def a_session(instructor: User, cohort: Cohort, module: Any) -> Session:
    """A session tomorrow with places to register for (attendance: refused until it starts)."""
    plan = SessionPlan(
        module=module,
        date=timezone.localdate() + dt.timedelta(days=1),
        start=dt.time(9),
        end=dt.time(11),
        time_zone="Europe/Berlin",
        place="Room 1",
        capacity=5,
    )
    return save_session(actor=instructor, cohort=cohort, plan=plan)


def an_application(cohort: Cohort) -> Application:
    """A confirmed application to the cohort, opened for applications for it."""
    cohort.applications_open = True
    cohort.application_deadline = timezone.localdate() + dt.timedelta(days=30)
    cohort.save(update_fields=["applications_open", "application_deadline"])
    notice = PrivacyNotice.objects.current()
    assert notice is not None
    application = submit_application(
        cohort=cohort,
        full_name="Ada Applicant",
        email="applicant@example.com",
        language="en",
        motivation="To learn.",
        privacy_notice=notice,
    )
    return confirm_email(application)


def a_tandem(enrollment: Enrollment, coordinator: User) -> Tandem:
    """The participant paired with an invited student in a tandem module of the program."""
    module = Module.objects.create(
        program=enrollment.cohort.program, title="Tandem", tandem_meetings=2
    )
    return pair_with_new_student(
        enrollment, module, email="student@example.com", name="Sam Student", by=coordinator
    )


def real_path_parameters(case: Any, ids: dict[str, Any]) -> None:
    """Point ``{id}`` at the object its path segment names, the others at their own kind."""
    parameters = case.path_parameters or {}
    if "id" in parameters:
        kind = case.operation.path.removeprefix("/api/v1/").split("/")[0]
        parameters["id"] = ids[kind]
    for name in parameters:
        if name in ids:
            parameters[name] = ids[name]


FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def call_and_check(case: Any, role: str, world: dict[str, Any]) -> None:
    _token, raw_key = ApiToken.create_for(world["users"][role], name="fuzz")
    real_path_parameters(case, world["ids"])
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {raw_key}"}
    case.validate_response(case.call(), checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_every_operation_answers_as_documented(case: Any, role: str, world: dict[str, Any]) -> None:
    call_and_check(case, role, world)


def test_every_path_parameter_of_the_schema_points_at_a_real_object(
    world: dict[str, Any],
) -> None:
    """A new path parameter must get a real object here, or the fuzzer would only see 404s."""
    for operation in schema.get_all_operations():
        path = operation.ok().path
        names = set(re.findall(r"{(\w+)}", path))
        if "id" in names:
            assert path.removeprefix("/api/v1/").split("/")[0] in world["ids"], path
        assert names - {"id"} <= set(world["ids"]), path
    assert Submission.objects.filter(pk=world["ids"]["submissions"]).exists()
