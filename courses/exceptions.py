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
