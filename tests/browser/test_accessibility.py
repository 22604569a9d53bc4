"""Every HTML page of every role, opened in chromium on a real object and checked with axe-core.

One table (``PAGES``) lists the pages by role; a second test checks that the table and the
exclusion list (``NOT_PAGES``) together name every URL of the project, so a new page cannot be
forgotten. How the check works and why each exclusion is one: docs/accessibility.md.
"""

import datetime as dt
import io
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from django.core import signing
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from courses.applications import links
from courses.applications import services as application_services
from courses.communication.services import send_announcement
from courses.enrolment import services as enrolment_services
from courses.models import (
    Application,
    Assignment,
    Certificate,
    CertificateRequest,
    Cohort,
    Enrollment,
    Module,
    Session,
    Tandem,
)
from courses.services import create_policy_draft, enroll, record_released_grade
from courses.sessions import services as session_services
from courses.tandems import services as tandem_services
from platform.models import PrivacyNotice, User
from submissions import models as submission_models
from submissions.models import AssignmentSettings, Submission
from submissions.publishing.course_files import attach_course_files, store_course_files
from submissions.reviewing import regrades, rubrics
from submissions.reviewing.rubrics import BankEntryInput
from tests.browser.conftest import log_in, reauthenticate
from tests.helpers import (
    graded,
    graded_two_notebooks,
    issue_certificate,
    keep_program_incomplete,
    make_cohort,
    make_user,
    pair_with_new_student,
    publish_two_notebooks,
    release,
    release_notebooks,
    submit,
    tiny_source_notebook,
    zipped_folder,
)
from tests.oidc_provider.process import Provider
from tests.submissions.reviewing.review_helpers import basic_rubric
from tests.submissions.reviewing.test_comments import rendered

# --- the world every page is opened on --------------------------------------------------------


@dataclass(frozen=True)
class World:
    """Real objects for every page: a released attempt with an open regrade window (ada), a
    certificate holder (grace), an attempt waiting for its grader (linus) and a pending
    certificate request (mary); and ada's attempt at a later assignment, still queued."""

    cohort: Cohort
    assignment: Assignment
    released: Submission
    waiting: Submission
    queued: Submission
    # ada's graded attempt at a two-notebook assignment
    multi: Submission
    certificate: Certificate
    pending: CertificateRequest
    participant_enrollment: Enrollment
    # Applications to the cohort (open for them): one to screen, one offered a place, and
    # a link to the second's page that has expired.
    application: Application
    offered: Application
    expired_link: str
    # A session held yesterday with attendance taken, and one next week with places.
    held_session: Session
    # ada's tandem (a meeting logged, a draft reflection) and linus's (a reflection to grade).
    tandem: Tandem
    graded_tandem: Tandem


@dataclass(frozen=True)
class Sent:
    """How a POST-only page is reached: the form ``form`` on the page ``name`` (with ``args``),
    after filling ``fill`` (selector, value), sent as it is (the page is the server's answer)."""

    name: str
    args: Callable[[World], tuple[object, ...]]
    form: str
    fill: tuple[tuple[str, str], ...] = ()
    # (selector, file name, its bytes) for the form's file inputs
    files: tuple[tuple[str, str, Callable[[], bytes]], ...] = ()


@dataclass(frozen=True)
class Page:
    """One row of the table: a URL name, how to find its arguments, the status it answers, an
    element it must show (the content the row is there to check) and, for a page that only a
    form's POST answers, how that form is sent."""

    name: str
    args: Callable[[World], tuple[object, ...]] = lambda world: ()
    status: int = 200
    shows: str = "main h1"
    sent: Sent | None = None


def invalid(name: str, args: Callable[[World], tuple[object, ...]], sent: Sent) -> Page:
    """The page a POST-only endpoint answers an invalid form with: 400, the form shown again."""
    return Page(name, args, status=400, shows=sent.form, sent=sent)


def _cohort(world: World) -> tuple[object, ...]:
    return (world.cohort.pk,)


def _assignment(world: World) -> tuple[object, ...]:
    return (world.assignment.pk,)


def _module(world: World) -> tuple[object, ...]:
    return (world.assignment.module_id,)


def _released(world: World) -> tuple[object, ...]:
    return (world.released.pk,)


def _waiting(world: World) -> tuple[object, ...]:
    return (world.waiting.pk,)


def _multi(world: World) -> tuple[object, ...]:
    return (world.multi.pk,)


def _multi_assignment(world: World) -> tuple[object, ...]:
    return (world.multi.assignment_id,)


def _regrade(world: World) -> tuple[object, ...]:
    return (world.released.regrade_requests.get().pk,)


def _code(world: World) -> tuple[object, ...]:
    return (world.certificate.code,)


def _course_zip() -> bytes:
    broken = tiny_source_notebook()
    broken.cells[2].metadata["nbgrader"]["points"] = -1
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("course/source/ps1/squares.ipynb", nbformat.writes(tiny_source_notebook()))
        archive.writestr("course/source/ps1/data.csv", "a,b\n1,2\n")
        archive.writestr("course/source/ps2/broken.ipynb", nbformat.writes(broken))
    return buffer.getvalue()


def _offered_link(world: World) -> tuple[object, ...]:
    return (links.status_token(world.offered),)


def _application(world: World) -> tuple[object, ...]:
    return (world.cohort.pk, world.application.pk)


def _invitation(email: str) -> Callable[[World], tuple[object, ...]]:
    """A fresh invitation link of someone new (made when the row is opened)."""

    def token(world: World) -> tuple[object, ...]:
        return (
            enrolment_services.invite(cohort=world.cohort, email=email, full_name="Nora").token,
        )

    return token


def _program(world: World) -> tuple[object, ...]:
    return (world.cohort.program_id,)


def _program_with_draft(world: World) -> tuple[object, ...]:
    """The program, with a draft of its grading policy open in the editor."""
    if not world.cohort.program.grading_policies.filter(status="draft").exists():
        create_policy_draft(program=world.cohort.program)
    return (world.cohort.program_id,)


def _session(world: World) -> tuple[object, ...]:
    return (world.held_session.pk,)


def _tandem(world: World) -> tuple[object, ...]:
    return (world.tandem.pk,)


def _graded_tandem(world: World) -> tuple[object, ...]:
    return (world.graded_tandem.pk,)


def _student_invitation(world: World) -> tuple[object, ...]:
    """A fresh tandem invitation link of a new student (made when the row is opened)."""
    return (
        tandem_services.invite_student(
            cohort=world.cohort,
            email="wei@example.org",
            full_name="Wei Chen",
            language="en",
            invited_by=User.objects.get(username=LOGINS["coordinator"]),
        ).token,
    )


def _place(world: World) -> tuple[object, ...]:
    return (world.cohort.pk, world.participant_enrollment.pk)


# Who logs in for each role (``None``: nobody), then the pages that role opens.
LOGINS: dict[str, str | None] = {
    "anonymous": None,
    "participant": "ada",
    "graduate": "grace",
    "instructor": "ines",
    "coordinator": "cora",
    # The account pages (platform.accounts): a staff member with an authenticator app, and a
    # participant without one, each having just confirmed their password (allauth asks again
    # before a second factor is changed).
    "account": "cora",
    "new factor": "ada",
}
REAUTHENTICATED = {"account", "new factor"}
PAGES: dict[str, tuple[Page, ...]] = {
    "anonymous": (
        Page("login"),
        Page("account_login"),
        Page("account_signup", shows="main h1"),
        Page("account_reset_password"),
        Page("account_reset_password_done"),
        # A reset link that is not (or no longer) valid.
        Page("account_reset_password_from_key", lambda world: ("1", "not-a-key")),
        Page("account_reset_password_from_key_done"),
        # An address confirmation link that is not (or no longer) valid.
        Page("account_confirm_email", lambda world: ("not-a-key",)),
        Page("account_email_verification_sent"),
        Page("account_inactive"),
        Page("verify-lookup"),
        Page("verify", _code),
        # The public catalogue, and a program's page with a cohort open for applications.
        Page("catalogue:list", shows="main .catalogue-program"),
        Page("catalogue:program", lambda world: (world.cohort.program.slug,), shows="main .cohort"),
        # University log-in (the walk configures one): the stop before going to the university,
        # and the pages allauth answers when it is cancelled or fails. The refusal pages are
        # checked in test_university_login, against a real provider.
        Page("openid_connect_login", lambda world: ("university",)),
        Page("socialaccount_login_cancelled"),
        Page("socialaccount_login_error", status=401),
        Page("applications:apply", _cohort),
        Page("applications:sent", _cohort),
        Page("applications:privacy"),
        Page("applications:privacy-version", lambda world: ("1",)),
        Page("applications:status", _offered_link, shows="#offer"),
        Page("applications:status", lambda world: (world.expired_link,), status=410),
        Page("applications:offer-accept", _offered_link, shows="#offer-form"),
        Page("applications:offer-decline", _offered_link, shows="#offer-form"),
        Page("applications:link-sent"),
        # The form sent empty: answered with the form and its errors.
        invalid(
            "applications:apply", _cohort, Sent("applications:apply", _cohort, "#application-form")
        ),
        # An invitation link: the program and the password form; a link that no longer works.
        Page("enrolment:accept", _invitation("nora@example.org"), shows="#set-password-form"),
        Page(
            "enrolment:accept", lambda world: ("no-such-link",), status=404, shows="#link-unusable"
        ),
        # A student's tandem invitation: the password form; a link that no longer works.
        Page("tandems:join", _student_invitation, shows="#set-password-form"),
        Page("tandems:join", lambda world: ("no-such-link",), status=404, shows="#link-unusable"),
    ),
    "participant": (
        Page("home", shows="#announcements"),
        Page("communication:calendar", shows="#calendar-feed"),
        Page("courses:program", lambda world: (world.cohort.program.slug,)),
        Page("submissions:assignment", _assignment, shows="#course-files"),
        # The submission with its rubric scores and the regrade request form.
        Page("submissions:detail", _released, shows="#regrade-form"),
        Page("submissions:notebook", _released, shows="main.nb-document"),
        # An attempt still waiting for its autograde result (the page polls for it), with its
        # place in the queue.
        Page("submissions:detail", lambda world: (world.queued.pk,), shows="#queue-place"),
        # A two-notebook assignment: its release as a zip or notebook by notebook; an attempt
        # with each notebook's results and rendered notebook.
        Page("submissions:assignment", _multi_assignment, shows="#course-files"),
        Page("submissions:detail", _multi, shows="#results-problem2"),
        # A notebook put into the draft without a file: the page again, with the error.
        invalid(
            "submissions:draft-notebook",
            _multi_assignment,
            Sent("submissions:assignment", _multi_assignment, "#draft-form"),
        ),
        # Handing in a draft without every notebook: refused, naming the missing ones.
        invalid(
            "submissions:draft-hand-in",
            _multi_assignment,
            Sent("submissions:assignment", _multi_assignment, "#hand-in-form"),
        ),
        # A regrade request without a reason, answered with the attempt's page, the form and its
        # error.
        # Someone else's invitation link, opened while logged in: refused.
        Page(
            "enrolment:accept", _invitation("olga@example.org"), status=403, shows="#wrong-account"
        ),
        invalid(
            "submissions:regrade-request",
            _released,
            Sent("submissions:detail", _released, "#regrade-form"),
        ),
        Page("profile", shows="#profile-form"),
        # A token without a name: the profile again, with the error; then one with a name, shown
        # once.
        invalid(
            "profile-token-create",
            lambda world: (),
            Sent("profile", lambda world: (), "#token-form"),
        ),
        Page(
            "profile-token-create",
            shows="#raw-token",
            sent=Sent("profile", lambda world: (), "#token-form", (("#id_name", "laptop"),)),
        ),
        Page("socialaccount_connections"),
        Page("usersessions_list", shows="#sessions"),
        # Her released grade is under the bell, unread.
        Page("notifications:list", shows="#notifications"),
        Page("notifications:settings", shows="#notification-settings-form"),
        Page("privacy:access-log"),
        Page("sessions:mine", shows="#attendance-records"),
        # Her tandem: the list, her profile, the log with its forms, the reflection's editor;
        # a meeting and a request without their fields, answered with the tandem's page.
        Page("tandems:mine", shows="#my-tandems"),
        Page("tandems:profile", shows="#profile-form"),
        Page("tandems:detail", _tandem, shows="#meeting-form"),
        Page("tandems:reflection", _tandem, shows="#reflection-form"),
        invalid("tandems:log-meeting", _tandem, Sent("tandems:detail", _tandem, "#meeting-form")),
        invalid(
            "tandems:new-partner", _tandem, Sent("tandems:detail", _tandem, "#new-partner-form")
        ),
    ),
    "graduate": (
        Page("home"),
        Page("courses:certificate", _code),
        # The legal name is locked: a certificate carries it.
        Page("profile", shows="#legal-name-help"),
        # Someone else's attempt: the error page (templates/404.html).
        Page("submissions:detail", _released, status=404),
    ),
    "instructor": (
        # With ada's attempt waiting for autograding.
        Page("home", shows="#autograding-backlog"),
        Page("communication:cohort", _cohort, shows="#announcement-form"),
        Page("submissions:queue"),
        Page("submissions:grade", _waiting, shows="#review-form"),
        Page("submissions:grade", _multi, shows="#results-problem2"),
        # Forms of the grading screen sent with errors: each answers the grading screen again,
        # the errors in the form's panel.
        # (a comment without a level; a blank comment; a resolution without a decision)
        invalid(
            "submissions:rubric-score",
            _waiting,
            Sent("submissions:grade", _waiting, "#rubric-form", (("#id_comment__data", "Why?"),)),
        ),
        invalid(
            "submissions:cell-comment-add",
            _waiting,
            Sent("submissions:grade", _waiting, "#cell-comment-form"),
        ),
        invalid(
            "submissions:regrade-resolve",
            _regrade,
            Sent("submissions:grade", _released, "form[action$='/resolve/']"),
        ),
        # A released grade with the participant's open regrade request to resolve.
        Page("submissions:grade", _released, shows="form[action$='/resolve/']"),
        Page("submissions:rubric", _assignment, shows="#rubric-editor"),
        # (a level's range ending below its start)
        invalid(
            "submissions:rubric-save",
            _assignment,
            Sent(
                "submissions:rubric",
                _assignment,
                "#rubric-editor",
                (("#id_levels-0-0-max_points", "1"),),
            ),
        ),
        Page("submissions:publish", _module),
        Page("submissions:import-course", _module),
        # The import's preview (its dry run): a course with an importable, a refused and a
        # skipped entry, so the report's table shows every state.
        Page(
            "submissions:import-course",
            _module,
            shows="#import-report",
            sent=Sent(
                "submissions:import-course",
                _module,
                "#import-form",
                files=(("#id_archive", "course.zip", lambda: _course_zip()),),
            ),
        ),
        Page("submissions:publish-check", _assignment),
        Page("submissions:late-work", _assignment),
        # (extensions for nobody, to no date)
        invalid(
            "submissions:extension-grant",
            _assignment,
            Sent("submissions:late-work", _assignment, "#cohort-extension-form"),
        ),
        invalid(
            "submissions:personal-extension-grant",
            _assignment,
            Sent("submissions:late-work", _assignment, "#personal-extension-form"),
        ),
        Page("submissions:review-settings", _assignment),
        Page("submissions:release-ready", _assignment),
        Page("submissions:analytics", _assignment),
        Page("submissions:cohort", _cohort),
        Page("workspace:matrix", _cohort, shows="#matrix"),
        Page("sessions:cohort", _cohort, shows="#sessions"),
        # (a session without date, times, place or link)
        invalid("sessions:cohort", _cohort, Sent("sessions:cohort", _cohort, "#session-form")),
        Page("sessions:edit", _session, shows="#session-form"),
        Page("sessions:attendance", _session, shows="#attendance-changes"),
        Page("submissions:gradebook", _cohort),
        Page("submissions:regrade-list"),
        Page("tandems:reflections", _cohort, shows="#reflections"),
        Page("tandems:grade", _graded_tandem, shows="#grade-form"),
        # (a grade without a decision)
        invalid(
            "tandems:grade", _graded_tandem, Sent("tandems:grade", _graded_tandem, "#grade-form")
        ),
    ),
    "coordinator": (
        Page("home"),
        Page("certificates:cohorts"),
        Page("certificates:cohort", _cohort),
        Page(
            "certificates:issue",
            lambda world: (world.cohort.pk, world.participant_enrollment.pk),
        ),
        Page("certificates:approve", lambda world: (world.cohort.pk, world.pending.pk)),
        Page("certificates:revoke", lambda world: (world.cohort.pk, world.certificate.pk)),
        Page("certificates:reissue", lambda world: (world.cohort.pk, world.certificate.pk)),
        Page("courses:module-results", _cohort),
        Page("courses:grade-freeze", lambda world: (world.certificate.enrollment_id,)),
        Page("submissions:allocation", _cohort),
        Page("submissions:purge-data", _cohort),
        Page("applications:screening", _cohort),
        Page("workspace:matrix", lambda world: (world.cohort.pk,), shows="#matrix caption"),
        Page("applications:detail", _application, shows="#decide-admit"),
        Page("enrolment:cohort", _cohort, shows="#enrolments"),
        # (a direct enrolment without name and e-mail)
        invalid("enrolment:direct", _cohort, Sent("enrolment:cohort", _cohort, "#direct-form")),
        Page("enrolment:person", _place, shows="#status-form"),
        # (a state change without an action)
        invalid("enrolment:status", _place, Sent("enrolment:person", _place, "#status-form")),
        Page("enrolment:bulk", _cohort, shows="#upload-form"),
        Page("communication:cohort", _cohort, shows="#announcement-history"),
        # (an announcement without title and text)
        invalid(
            "communication:cohort",
            _cohort,
            Sent("communication:cohort", _cohort, "#announcement-form"),
        ),
        Page(
            "communication:program",
            lambda world: (world.cohort.program.slug,),
            shows="#reminder-form",
        ),
        Page("setup:index", shows="#setup-programs"),
        Page("setup:program-new", shows="#program-form"),
        Page("setup:program", _program, shows="#program-form"),
        Page("setup:modules", _program, shows="#setup-modules"),
        Page("setup:module", lambda world: (world.cohort.program_id, world.assignment.module_id)),
        Page("setup:cohort-new", _program, shows="#cohort-form"),
        Page("setup:cohort", _cohort, shows="#cohort-form"),
        Page("setup:cohort-copy", _cohort, shows="#copy-form"),
        # (the copy's preview of the shifted dates)
        Page(
            "setup:cohort-copy",
            _cohort,
            shows="#shifted-dates",
            sent=Sent(
                "setup:cohort-copy",
                _cohort,
                "#copy-form",
                fill=(("#id_name", "Next year"), ("#id_starts_on", "2031-10-01")),
            ),
        ),
        Page("setup:policy", _program_with_draft, shows="#policy-preview"),
        Page("clients:report", _cohort, shows="#client-rows"),
        Page("tandems:cohort", _cohort, shows="#pairs"),
        Page("tandems:proposal", _cohort),
        # A tandem's log as its coordinator reads it, with the requests for a new partner.
        Page("tandems:detail", _tandem, shows="#requests-heading"),
        # (a pair without its people; an invitation without name and address)
        invalid("tandems:pair", _cohort, Sent("tandems:cohort", _cohort, "#pair-form")),
        invalid("tandems:invite", _cohort, Sent("tandems:cohort", _cohort, "#invite-form")),
    ),
    "account": (
        Page("logout"),
        Page("account_logout"),
        Page("account_email"),
        Page("account_change_password"),
        Page("account_reauthenticate"),
        Page("mfa_reauthenticate"),
        Page("mfa_index"),
        Page("mfa_deactivate_totp"),
        Page("mfa_view_recovery_codes", shows="#recovery_codes"),
        Page("mfa_generate_recovery_codes"),
        Page("mfa_list_webauthn"),
        Page("mfa_add_webauthn"),
        Page("usersessions_list"),
    ),
    "new factor": (
        Page("mfa_index"),
        Page("mfa_activate_totp", shows="#authenticator_secret"),
    ),
}

# Whole namespaces that serve no HTML page of ours.
NOT_PAGE_NAMESPACES: dict[str, str] = {
    "admin": "Django's own admin site, outside the project's templates",
    "courses-api": "REST API (JSON), checked by the API tests",
    "submissions-api": "REST API (JSON), checked by the API tests",
    "privacy-api": "REST API (JSON and the export's zip), checked by the API tests",
}
# Named URLs that answer no HTML page of their own, each with the reason.
NOT_PAGES: dict[str, str] = {
    "admin-login": "redirects to the site's log-in page",
    "healthz": "JSON for probes (tests/platform/test_observability.py)",
    "readyz": "JSON for probes and the monitoring (tests/platform/test_observability.py)",
    "metrics": "Prometheus text for the scraper (tests/platform/test_observability.py)",
    "mfa_authenticate": "only between password and code; checked by test_accounts_browser.py",
    "mfa_login_webauthn": "POST only (passkey log-in); redirects",
    "mfa_reauthenticate_webauthn": "only with a passkey; checked by test_accounts_browser.py",
    "mfa_edit_webauthn": "only with a passkey; checked by test_accounts_browser.py",
    "mfa_remove_webauthn": "only with a passkey; checked by test_accounts_browser.py",
    "mfa_download_recovery_codes": "download (text)",
    "account_set_password": "every account has a password: redirects to the password change",
    "account_confirm_login_code": "log-in by mailed code is off; redirects to the log-in",
    "account_request_reauthentication_code": "re-authentication by code is off; redirects",
    "account_confirm_reauthentication_code": "re-authentication by code is off; redirects",
    "set_language": "POST only (the language switcher on every page); redirects",
    "api-schema": "the OpenAPI schema (YAML)",
    "courses:starter": "download (notebook)",
    "courses:course-file": "download (course file)",
    "courses:release-zip": "download (zip of the release notebooks and course files)",
    "submissions:download": "download (notebook)",
    "submissions:data-file": "download (data file)",
    "submissions:gradebook-csv": "download (CSV)",
    "submissions:export-zip": "download (zip)",
    "certificates:pdf": "download (PDF)",
    "certificates:credential": "download (JSON credential)",
    "certificates:register-csv": "download (CSV)",
    "certificates:issuer": "JSON-LD issuer profile",
    "certificates:status": "JSON credential status",
    "certificates:verify": "POST only; JSON verification result",
    "submissions:upload": "POST only; errors re-render the assignment page",
    "submissions:release": "POST only; redirects to the grading screen",
    "submissions:reopen": "POST only; redirects to the grading screen",
    "submissions:regrade": "POST only; redirects to the grading screen",
    "submissions:regrade-assignment": "POST only; redirects to the assignment page",
    "submissions:confirm-version": "POST only; redirects to the publish check",
    "submissions:late-policy": "POST only; errors re-render the late-work page",
    "submissions:personal-extension-revoke": "POST only; redirects to the late-work page",
    "submissions:comment-bank-save": "POST only; errors re-render the rubric editor",
    "submissions:regrade-window-save": "POST only; errors re-render the rubric editor",
    "submissions:cell-comment-delete": "POST only; redirects to the grading screen",
    "submissions:queue-next": "POST only; redirects to the next grading screen",
    "submissions:lease-renew": "POST only; htmx fragment of the grading screen",
    "submissions:lease-release": "POST only; redirects to the queue",
    "submissions:lease-break": "POST only; redirects",
    "submissions:reveal-identities": "POST only; redirects to the review settings",
    "profile-token-revoke": "POST only; redirects to the profile",
    "notifications:open": "marks the notification read and redirects to what it is about",
    "notifications:read-all": "POST only; redirects to the notification list",
    "privacy:export-request": "POST only; redirects to the profile",
    "privacy:export-download": "the archive (a zip); its page for an expired export is walked "
    "in test_privacy_browser",
    "openid_connect_callback": "the university's redirect back: a redirect, or the refusal page "
    "(checked in test_university_login)",
    "socialaccount_signup": "redirects to log-in: a university log-in never signs anyone up",
    "applications:confirm": "redirects to the application's page (an expired link: as its page)",
    "applications:new-link": "POST only; redirects to applications:link-sent",
    "applications:withdraw": "POST only; redirects to the application's page",
    "applications:attachment": "download (the applicant's attachment)",
    "applications:decide": "POST only; errors re-render the application's page",
    "applications:notes": "POST only; redirects to the application's page",
    "applications:move": "POST only; redirects to the screening list",
    "applications:bulk": "POST only; errors re-render the screening list",
    "applications:offer-places": "POST only; redirects to the screening list",
    "enrolment:fee": "POST only; redirects to the person's enrolment page",
    "enrolment:resend": "POST only; redirects to the person's enrolment page",
    "enrolment:revoke": "POST only; redirects to the person's enrolment page",
    "enrolment:bulk-confirm": "POST only; redirects (the dry run is checked in test_bulk_enrolment)",
    "communication:dismiss": "POST only; redirects home (with htmx: removes the announcement)",
    "communication:reminders": "POST only; redirects to the program's announcements",
    "communication:feed": "the calendar feed (text/calendar)",
    "setup:module-move": "POST only; redirects to the modules",
    "setup:module-delete": "POST only; redirects to the modules (a refusal: the modules page)",
    "setup:policy-draft": "POST only; redirects to the policy editor",
    "setup:policy-preview": "POST only; htmx fragment of the policy editor",
    "setup:policy-publish": "POST only; redirects to the policy editor (a refusal: the editor)",
    "sessions:cancel": "POST only; redirects to the cohort's sessions",
    "clients:consent": "POST only; redirects to the participant's program page",
    "sessions:attendance-row": "POST only; htmx fragment of the attendance list (checked in "
    "test_sessions_browser)",
    "sessions:register": "POST only; redirects to the participant's sessions",
    "sessions:unregister": "POST only; redirects to the participant's sessions",
    "tandems:delete-meeting": "POST only; redirects to the tandem",
    "tandems:reflection-draft": "POST only; htmx fragment of the reflection page",
    "tandems:end": "POST only; redirects to the cohort's tandems",
    "tandems:close-request": "POST only; redirects to the cohort's tandems",
}


def url_names() -> set[str]:
    """Every named URL of the project outside ``NOT_PAGE_NAMESPACES``, namespaced."""

    def walk(patterns: list[Any], namespace: str) -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or ""
                if inner in NOT_PAGE_NAMESPACES:
                    continue
                nested = ":".join(part for part in (namespace, inner) if part)
                yield from walk(pattern.url_patterns, nested)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    return set(walk(get_resolver().url_patterns, ""))


def test_the_table_names_every_html_page_and_excludes_only_what_is_no_page() -> None:
    listed = [page.name for pages in PAGES.values() for page in pages]
    in_table = set(listed)
    assert in_table.isdisjoint(NOT_PAGES), "a page is both checked and excluded"
    assert url_names() - in_table - set(NOT_PAGES) == set(), "pages missing from PAGES"
    assert (in_table | set(NOT_PAGES)) - url_names() == set(), "names that are no URL"
    assert set(PAGES) == set(LOGINS)


# --- the walk -----------------------------------------------------------------------------------


@pytest.fixture
def world(
    enrolled: User,
    other_enrolled: User,
    instructor: User,
    coordinator: User,
    assignment: Assignment,
    cohort: Cohort,
    settings: Any,
) -> World:
    # A university log-in is configured, so its button and pages are part of the walk (the
    # provider's address is never contacted: the pages walked only lead to it).
    settings.SOCIALACCOUNT_PROVIDERS = Provider(
        url="http://127.0.0.1:9/o", log=Path()
    ).platform_apps()
    # The attempts' results are recorded below: no kernel runs (tasks are queued, never run).
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "grading", "rendering"],
        }
    }
    basic_rubric(assignment, instructor)
    rubrics.save_comment_bank(
        assignment=assignment,
        entries=[BankEntryInput(text="Cite the data source.", criterion_key="data")],
    )
    # Course files, so the assignment page lists them with the release zip.
    attach_course_files(
        version=assignment.versions.get(number=1),
        files=store_course_files([("data.csv", b"a,b\n1,2\n"), ("images/fig.png", b"\x89PNG")]),
    )
    assignment.refresh_from_db()
    # ada: released below the pass mark (no certificate, nothing frozen), one regrade asked for.
    released = rendered(graded(submit(enrolled, assignment), passed=(False, False)))
    release(instructor, released, manual="0")
    regrades.request_regrade(
        participant=enrolled,
        submission=released,
        target="test",
        key="test_square",
        reason="My square passes the test.",
    )
    # grace: full marks, so her certificate is issued.
    certificate = issue_certificate(other_enrolled, assignment, str(assignment.max_points))
    # linus: an attempt waiting for its grader.
    linus = make_user("linus", first_name="Linus", last_name="Torvalds")
    enroll(user=linus, cohort=cohort)
    waiting = rendered(graded(submit(linus, assignment)))
    # The feedback around results: a failed visible test's traceback and hint (ada's page), a
    # cell flagged as missing (both pages; docs/grading.md, "Missing cells" and "Feedback").
    submission_models.TestResult.objects.filter(
        run__submission=released, grade_id="test_square"
    ).update(
        traceback="Cell 'test_square', line 1\n----> 1 assert square(3) == 9\nAssertionError: "
    )
    submission_models.TestResult.objects.filter(
        run__submission__in=[released, waiting], grade_id="explain"
    ).update(missing=True)
    AssignmentSettings.objects.filter(pk=assignment.pk).update(
        test_hints={"test_square": "Multiply x by itself."}
    )
    # mary: the rule is met in a program that now requires approval.
    cohort.program.requires_approval = True
    cohort.program.save(update_fields=["requires_approval"])
    mary = make_user("mary", first_name="Mary", last_name="Somerville")
    enroll(user=mary, cohort=cohort)
    record_released_grade(
        enrollment=mary.enrollments.get(),
        assignment=assignment,
        points=assignment.max_points,
        max_points=assignment.max_points,
        submission_id=waiting.pk + 1000,
    )
    # The program's next cohort, open for applications (the public catalogue's pages).
    today = timezone.localdate()
    next_cohort = make_cohort(
        cohort.program,
        name="next",
        starts_on=today + dt.timedelta(days=60),
        ends_on=today + dt.timedelta(days=240),
    )
    next_cohort.applications_open, next_cohort.capacity = True, 20
    next_cohort.save(update_fields=["applications_open", "capacity"])
    # ada again: an attempt at a second module's assignment, never graded (no kernel runs).
    queued = submit(enrolled, keep_program_incomplete(assignment))
    # ada's attempt at a two-notebook assignment with a course file: results and notebooks
    # shown per notebook, the release zip with the course file.
    ps1 = publish_two_notebooks(
        assignment.module, course_files=store_course_files([("data/squares.csv", b"x,y\n2,4\n")])
    )
    multi = rendered(
        graded_two_notebooks(submit(enrolled, ps1, notebook=zipped_folder(release_notebooks(ps1))))
    )
    send_announcement(
        sender=coordinator,
        title="Room change",
        body="We meet in **E23**; see [the map](https://example.org/map).",
        format="markdown",
        program=cohort.program,
        cohort=cohort,
    )
    tandem, graded_tandem = tandems_world(cohort, ada=enrolled, linus=linus, by=coordinator)
    return World(
        tandem=tandem,
        graded_tandem=graded_tandem,
        cohort=cohort,
        assignment=assignment,
        released=released,
        waiting=waiting,
        queued=queued,
        multi=multi,
        certificate=certificate,
        pending=CertificateRequest.objects.pending().get(user=mary),
        participant_enrollment=enrolled.enrollments.get(),
        held_session=sessions_world(cohort, instructor, assignment),
        **applications_world(cohort),
    )


def sessions_world(cohort: Cohort, instructor: User, assignment: Assignment) -> Session:
    """A session held yesterday with attendance taken (and changed once, for the audit
    table), and one next week with places to register for."""
    today = timezone.localdate()

    def plan(days: int, **extra: Any) -> session_services.SessionPlan:
        return session_services.SessionPlan(
            module=assignment.module,
            date=today + dt.timedelta(days=days),
            start=dt.time(9),
            end=dt.time(11),
            time_zone="Europe/Berlin",
            place="Room E23",
            **extra,
        )

    # The cohort runs for a client; ada shares her results (the report's table, the consent).
    cohort.client_organisation = "Acme Robotics"
    cohort.save(update_fields=["client_organisation"])
    Enrollment.objects.filter(cohort=cohort, user__username="ada").update(
        shares_results_with_client=True
    )
    held = session_services.save_session(actor=instructor, cohort=cohort, plan=plan(-1))
    session_services.save_session(
        actor=instructor, cohort=cohort, plan=plan(7, capacity=10, note="Bring a laptop.")
    )
    ada = Enrollment.objects.get(cohort=cohort, user__username="ada")
    for status in ("absent", "excused"):
        session_services.record_attendance(actor=instructor, session=held, marks={ada.pk: status})
    return held


def tandems_world(cohort: Cohort, *, ada: User, linus: User, by: User) -> tuple[Tandem, Tandem]:
    """A tandem module; ada paired with a student (a meeting logged, a draft reflection), linus
    with another (his reflection handed in, waiting for a grade; he asks for a new partner)."""
    module = Module.objects.create(
        program=cohort.program, title="Generations in tandem", order=9, tandem_meetings=2
    )
    tandems = []
    for senior, email in ((ada, "sofia@example.org"), (linus, "amara@example.org")):
        tandem = pair_with_new_student(
            senior.enrollments.get(), module, email=email, name=email.split("@")[0].title(), by=by
        )
        student = tandem.student
        tandem_services.log_meeting(
            tandem=tandem,
            by=student,
            met_on=timezone.localdate(),
            minutes=60,
            topic="Campus tour",
            note="Next time: the library.",
        )
        tandems.append(tandem)
    tandem_services.save_reflection_draft(tandem=tandems[0], by=ada, text="So far: a lot.")
    tandem_services.submit_reflection(tandem=tandems[1], by=linus, text="We learnt a lot.")
    tandem_services.request_new_partner(tandem=tandems[1], by=linus, reason="Other times")
    return tandems[0], tandems[1]


def applications_world(cohort: Cohort) -> dict[str, Any]:
    """The cohort opened for applications: one to screen, one offered a place from the wait
    list, and a link to the latter's page signed 400 days ago (expired)."""
    cohort.applications_open = True
    cohort.application_deadline = timezone.localdate() + dt.timedelta(days=30)
    cohort.save(update_fields=["applications_open", "application_deadline"])
    # The migration's notice, unless an earlier test's flush (transaction=True) removed it.
    notice, _created = PrivacyNotice.objects.get_or_create(
        version="1",
        defaults={"text_en": "How we use your data.", "text_de": "Wie wir Ihre Daten nutzen."},
    )

    def apply(name: str, email: str) -> Application:
        return application_services.confirm_email(
            application_services.submit_application(
                cohort=cohort,
                full_name=name,
                email=email,
                language="en",
                motivation="To learn.",
                organisation="Acme",
                privacy_notice=notice,
            )
        )

    offered = apply("Olga Offered", "olga@example.com")
    Application.objects.filter(pk=offered.pk).update(
        status=Application.Status.OFFERED, offer_expires_at=timezone.now() + dt.timedelta(days=7)
    )

    class SignedLongAgo(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - 400 * 24 * 3600)

    return {
        "application": apply("Ada Applicant", "applicant@example.com"),
        "offered": offered,
        "expired_link": SignedLongAgo(salt=links.STATUS_SALT).sign_object(offered.pk),
    }


def axe_violations(page: Any) -> str:
    """axe-core's report of every violation on the page, all impact levels ("" when none)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return results.generate_report() if results.violations_count else ""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", list(PAGES))
def test_every_page_of_the_role_loads_and_has_no_axe_violations(
    role: str, live_server: Any, world: World, new_page: Any, subtests: Any
) -> None:
    base = live_server.url
    # axe-core runs as a script in each page; the notebook frame's CSP (``sandbox``) forbids every
    # script, so the walk bypasses CSP (the policy itself is tested in test_hostile_render).
    page = new_page(bypass_csp=True)
    username = LOGINS[role]
    if username is not None:
        log_in(page, base, username)
    if role in REAUTHENTICATED:
        reauthenticate(page, base)
    for row in PAGES[role]:
        with subtests.test(msg=row.name):
            url = base + reverse(row.name, args=row.args(world))
            if row.sent is None:
                response = page.goto(url)
            else:
                page.goto(base + reverse(row.sent.name, args=row.sent.args(world)))
                for selector, value in row.sent.fill:
                    page.fill(selector, value)
                for selector, name, data in row.sent.files:
                    page.set_input_files(
                        selector, {"name": name, "mimeType": "application/zip", "buffer": data()}
                    )
                with page.expect_navigation() as navigation:
                    # submit() skips the browser's own checks (``required``): the server's
                    # answer to an invalid form is the page under test.
                    page.locator(row.sent.form).evaluate("form => form.submit()")
                response = navigation.value
            assert response is not None and response.status == row.status, row.name
            assert page.url == url, f"{row.name} redirected to {page.url}"
            assert page.locator(row.shows).count(), f"{row.name} shows no {row.shows}"
            report = axe_violations(page)
            if report:
                pytest.fail(f"{row.name}: {report}", pytrace=False)
