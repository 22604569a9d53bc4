"""Anonymous grading: graders see a stable pseudonym instead of a participant's name.

The pseudonym ("Participant 7F3K9Q") is derived, not stored: an HMAC of the assignment and the
participant under the project's ``SECRET_KEY``, written in Crockford base32 (30 bits, so two
participants of a cohort of 500 share one with a chance of about 1 in 10,000; the queue also
shows the attempt number and the submission's id). It is stable for an assignment and differs
between assignments, so graders cannot follow one person from assignment to assignment by it.
Rotating ``SECRET_KEY`` changes every pseudonym (documented in docs/review.md).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from courses.models import Assignment
from platform.models import User
from submissions.exceptions import IdentitiesHidden
from submissions.models import AssignmentSettings, Submission
from submissions.services import ensure_assignment_manager

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def pseudonym_code(*, assignment_id: int, participant_id: int) -> str:
    digest = salted_hmac(
        "certlab.anonymous-grading", f"{assignment_id}:{participant_id}", algorithm="sha256"
    ).digest()
    number = int.from_bytes(digest[:4], "big") >> 2  # 30 bits
    return "".join(_ALPHABET[(number >> shift) & 31] for shift in range(25, -1, -5))


def participant_label(submission: Submission) -> str:
    """What a grader sees for the submission's author: their name, or the pseudonym while the
    assignment is graded anonymously and identities have not been revealed."""
    pseudonym = _pseudonym(submission.assignment, submission.participant_id)
    return pseudonym or submission.participant.full_name


def participant_name(*, assignment: Assignment, participant: User) -> str:
    """``participant_label`` for someone who may have no attempt yet (an enrolment)."""
    return _pseudonym(assignment, participant.pk) or participant.full_name


def _pseudonym(assignment: Assignment, participant_id: int) -> str:
    """The pseudonym graders see, or "" when they see names."""
    if not assignment.settings.hides_identities:
        return ""
    code = pseudonym_code(assignment_id=assignment.pk, participant_id=participant_id)
    return _("Participant %(code)s") % {"code": code}


@transaction.atomic
def reveal_identities(*, actor: User, assignment: Assignment) -> AssignmentSettings:
    """A coordinator of the assignment's program (staff: of any) lifts anonymity; who and when
    are recorded."""
    if not assignment.module.program.is_coordinated_by(actor):
        raise IdentitiesHidden(
            _("Only a coordinator of this program can reveal the participants' identities.")
        )
    locked = AssignmentSettings.objects.select_for_update().get(pk=assignment.pk)
    if not locked.anonymous_grading:
        raise IdentitiesHidden(_("This assignment is not graded anonymously."))
    if locked.identities_revealed_at is None:
        locked.identities_revealed_at = timezone.now()
        locked.identities_revealed_by = actor
        locked.save(update_fields=["identities_revealed_at", "identities_revealed_by"])
    return locked


@transaction.atomic
def set_review_settings(
    *,
    actor: User,
    assignment: Assignment,
    posting_policy: str,
    anonymous_grading: bool,
    ignore_stderr_warnings: bool | None = None,
    restore_missing_cells: bool | None = None,
    test_hints: dict[str, str] | None = None,
) -> AssignmentSettings:
    """Change an assignment's posting policy and anonymity.

    Switching anonymity off would show names without a record, so once on it only goes away
    through ``reveal_identities`` (coordinators, recorded); instructors can switch it on.
    Both settings reach every cohort: refused (``AssignmentOutOfReach``) for an actor who
    does not grade them all. The grading rules (warnings, deleted cells) and the test hints
    are changed when given (None: unchanged); the rules apply from the next grading run
    (docs/grading.md).
    """
    ensure_assignment_manager(actor=actor, assignment=assignment)
    locked = AssignmentSettings.objects.select_for_update().get(pk=assignment.pk)
    if locked.anonymous_grading and not anonymous_grading and locked.identities_revealed_at is None:
        raise IdentitiesHidden(
            _(
                "Anonymous grading cannot be switched off; a coordinator reveals the "
                "identities instead (that is recorded)."
            )
        )
    if anonymous_grading and not locked.anonymous_grading:
        # Switched on (again): names are hidden from now on, until the next recorded reveal.
        locked.identities_revealed_at = None
        locked.identities_revealed_by = None
    locked.posting_policy = posting_policy
    locked.anonymous_grading = anonymous_grading
    if ignore_stderr_warnings is not None:
        locked.ignore_stderr_warnings = ignore_stderr_warnings
    if restore_missing_cells is not None:
        locked.restore_missing_cells = restore_missing_cells
    if test_hints is not None:
        locked.test_hints = test_hints
    locked.save(
        update_fields=[
            "posting_policy",
            "anonymous_grading",
            "identities_revealed_at",
            "identities_revealed_by",
            "ignore_stderr_warnings",
            "restore_missing_cells",
            "test_hints",
        ]
    )
    return locked
