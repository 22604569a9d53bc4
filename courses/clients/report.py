"""The client's report of one cohort, in a constant number of queries: enrolment by state,
the attendance rate, completion, certificates issued, and individual results only for the
participants who agreed (``Enrollment.shares_results_with_client``)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from courses.models import (
    Attendance,
    AttendanceStatus,
    Certificate,
    Cohort,
    Enrollment,
    Program,
    ProgressRecord,
)
from courses.scoring import percentage
from platform.models import User


def get_cohort_for_client(user: User, pk: int) -> Cohort:
    """A cohort whose client contact the user is, or that the user coordinates; else 404."""
    if not user.is_active:
        raise Http404("Inactive account")
    cohorts = Cohort.objects.filter(
        Q(client_contact=user) | Q(program__in=Program.objects.coordinated_by(user))
    )
    return get_object_or_404(cohorts.select_related("program", "client_contact"), pk=pk)


@dataclass(frozen=True)
class Row:
    enrollment: Enrollment
    present: int
    counted: int
    complete: bool
    percent_complete: int
    certificate: Certificate | None

    @property
    def attendance(self) -> Decimal | None:
        return percentage(Decimal(self.present), Decimal(self.counted)) if self.counted else None


@dataclass(frozen=True)
class ClientReport:
    cohort: Cohort
    by_status: dict[str, int]
    enrolled: int
    present: int
    counted: int
    complete: int
    certificates: int
    rows: list[Row] = field(default_factory=list)
    not_shared: int = 0

    @property
    def attendance(self) -> Decimal | None:
        """Present over (held − excused), over everyone: the rule of docs/sessions.md."""
        return percentage(Decimal(self.present), Decimal(self.counted)) if self.counted else None


def client_report(cohort: Cohort) -> ClientReport:
    enrollments = list(
        Enrollment.objects.filter(cohort=cohort)
        .select_related("user")
        .order_by("user__display_name", "user__username", "pk")
    )
    ids = [e.pk for e in enrollments]
    marks: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    for row in (
        Attendance.objects.filter(
            enrollment__in=ids,
            session__cancelled_at__isnull=True,
            session__attendance_taken_at__isnull=False,
        )
        .values("enrollment_id", "status")
        .annotate(n=Count("pk"))
    ):
        marks[row["enrollment_id"]][row["status"]] = row["n"]
    progress = dict(
        ProgressRecord.objects.filter(enrollment__in=ids).values_list(
            "enrollment_id", "percent_complete"
        )
    )
    done = set(
        ProgressRecord.objects.filter(enrollment__in=ids, complete=True).values_list(
            "enrollment_id", flat=True
        )
    )
    certificates = {
        c.user_id: c
        for c in Certificate.objects.issued().filter(
            program_id=cohort.program_id, user_id__in=[e.user_id for e in enrollments]
        )
    }
    by_status: dict[str, int] = {}
    rows = []
    present = counted = 0
    for enrollment in enrollments:
        label = str(Enrollment.Status(enrollment.status).label)
        by_status[label] = by_status.get(label, 0) + 1
        mine = marks[enrollment.pk]
        own_present = mine.get(AttendanceStatus.PRESENT, 0)
        own_counted = own_present + mine.get(AttendanceStatus.ABSENT, 0)
        present, counted = present + own_present, counted + own_counted
        if enrollment.shares_results_with_client:
            rows.append(
                Row(
                    enrollment=enrollment,
                    present=own_present,
                    counted=own_counted,
                    complete=enrollment.pk in done,
                    percent_complete=progress.get(enrollment.pk, 0),
                    certificate=certificates.get(enrollment.user_id),
                )
            )
    return ClientReport(
        cohort=cohort,
        by_status=by_status,
        enrolled=len(enrollments),
        present=present,
        counted=counted,
        complete=len(done),
        certificates=len(certificates),
        rows=rows,
        not_shared=len(enrollments) - len(rows),
    )
