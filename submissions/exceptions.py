"""Domain errors raised by ``submissions.services``; the edges turn them into form errors or 4xx."""

from courses.exceptions import GradesFrozen as CoursesGradesFrozen


class SubmissionError(Exception):
    """A request the domain refuses, with a message meant for the person who made it."""

    def __init__(self, message: str, *, cell: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.cell = cell


class NotebookInvalid(SubmissionError):
    """The upload is not a notebook we can accept (which cell, what is wrong)."""


class AttemptsExhausted(SubmissionError):
    pass


class AssignmentClosed(SubmissionError):
    pass


class ReviewInvalid(SubmissionError):
    pass


class StorageUnavailable(SubmissionError):
    """The server could not write the upload's bytes (disk full, storage gone): nothing was
    stored, and the participant may simply try again later (docs/operations.md, "Fault drills")."""


class DataFilesInvalid(SubmissionError):
    """A data file (or the data card) that comes with an attempt is not acceptable."""


class PurgeRefused(SubmissionError):
    pass


class ExtensionInvalid(SubmissionError):
    pass


class LatePolicyInvalid(SubmissionError):
    """A late policy that cannot be saved; ``field`` names the input at fault."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class AssignmentOutOfReach(SubmissionError):
    """A setting of the assignment itself would reach cohorts the actor does not grade (the
    message names them; see ``courses.access.require_assignment_manager``)."""


class ExtensionRevoked(ExtensionInvalid):
    """The extension was revoked already (the message says by whom and when)."""


class LeaseHeld(SubmissionError):
    """Another grader holds the submission's lease; the message names them and until when."""

    def __init__(self, message: str, *, holder_name: str = "", until: object = None) -> None:
        super().__init__(message)
        self.holder_name = holder_name
        self.until = until


class LeaseLost(SubmissionError):
    """The grader's lease expired, was broken or was taken over; a save is refused."""


class AllocationInvalid(SubmissionError):
    pass


class IdentitiesHidden(SubmissionError):
    pass


class GradesFrozen(ReviewInvalid, CoursesGradesFrozen):
    """``courses.exceptions.GradesFrozen`` as this app's edges catch it (a ``SubmissionError``):
    the same refusal, so ``except courses.exceptions.GradesFrozen`` catches it from either app.
    Raised by ``submissions.reviewing.services.ensure_not_frozen`` and where ``record_released_grade`` refuses."""


class RubricInvalid(SubmissionError):
    pass


class RegradeRefused(SubmissionError):
    pass


class CommentInvalid(SubmissionError):
    pass
