"""The participant's consent to share individual results with their cohort's client."""

from django.db import transaction
from django.utils.translation import gettext as _

from courses.exceptions import CoursesError
from courses.models import Enrollment


@transaction.atomic
def set_client_consent(*, enrollment: Enrollment, agreed: bool) -> Enrollment:
    """The participant's own choice; it can be withdrawn at any time."""
    if not enrollment.cohort.client_organisation:
        raise CoursesError(_("This cohort does not belong to a client organisation."))
    enrollment.shares_results_with_client = agreed
    enrollment.save(update_fields=["shares_results_with_client"])
    return enrollment
