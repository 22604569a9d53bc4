"""Domain errors raised by ``courses.services``; the edges turn them into form errors or 4xx."""


class CoursesError(Exception):
    """A request the domain refuses, with a message meant for the person who made it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotEnrolled(CoursesError):
    pass


class PublishError(CoursesError):
    pass


class CertificateActionRefused(CoursesError):
    pass


class PolicyInvalid(CoursesError):
    pass


class ModuleResultRefused(CoursesError):
    pass


class GradesFrozen(CoursesError):
    """A certificate relies on these grades; a coordinator must unfreeze them first."""


class AssignmentExists(CoursesError):
    """Publishing under a slug the module already uses: replacing a published notebook is an
    explicit, versioned update (``draft_assignment_version``), never a side effect of publishing.
    """

    def __init__(self, message: str, *, assignment_id: int) -> None:
        super().__init__(message)
        self.assignment_id = assignment_id


class VersionRefused(CoursesError):
    """A new version of an assignment's notebook cannot be drafted, confirmed or put live as
    asked (another version went live meanwhile, or it is not a draft any more)."""


class SessionRefused(CoursesError):
    """A session cannot be saved, cancelled, registered for or have its attendance taken as
    asked (docs/sessions.md)."""
