"""The ``courses`` app's models, one module per topic (docs/architecture.md, "The courses
models"): ``programs``, ``enrolment``, ``assignments``, ``certificates``, ``policies`` and
``grades``, ``applications``, ``communication``, ``sessions``, ``tandems``. Every model, and the
choices and values their fields and methods hand out, is imported from here (``from courses.models import Cohort``); helpers that are no model (``implicit_rules``)
are imported from their module.

The modules import one another one way only (programs -> enrolment; applications -> enrolment;
assignments, certificates and policies -> programs, enrolment; grades -> all of them); a
reference against that direction is a string (``"courses.Cohort"``).

``courses`` knows nothing of submissions: the submissions app reports a released grade through
``courses.services.record_released_grade`` and this app takes it from there (progress,
certificates). Dependencies point one way: submissions -> courses -> platform.
"""

from courses.models.applications import Application
from courses.models.assignments import (
    Assignment,
    AssignmentFile,
    AssignmentNotebook,
    AssignmentVersion,
    Deadline,
    Extension,
)
from courses.models.certificates import Certificate, CertificateRequest
from courses.models.communication import (
    Announcement,
    AnnouncementRecipient,
    CalendarFeed,
    DeadlineMail,
    ReminderSetting,
)
from courses.models.enrolment import Enrollment, EnrollmentEvent, Invitation
from courses.models.grades import Grade, GradeFreeze, HandIn, ModuleResult
from courses.models.policies import (
    ElectiveGroup,
    GradingPolicy,
    PolicyAssignment,
    PolicyCategory,
    PolicyModule,
    ProgressRecord,
)
from courses.models.programs import (
    Cohort,
    FeeRequirement,
    Format,
    Institution,
    Language,
    Module,
    Program,
)
from courses.models.sessions import (
    Attendance,
    AttendanceChange,
    AttendanceStatus,
    Session,
    SessionRegistration,
)
from courses.models.tandems import (
    LanguageLevel,
    PartnerRequest,
    Tandem,
    TandemMeeting,
    TandemProfile,
    TandemReflection,
    TandemStudent,
)

__all__ = [
    "Announcement",
    "AnnouncementRecipient",
    "Application",
    "Assignment",
    "AssignmentNotebook",
    "AssignmentFile",
    "AssignmentVersion",
    "Attendance",
    "AttendanceChange",
    "AttendanceStatus",
    "CalendarFeed",
    "Certificate",
    "CertificateRequest",
    "Cohort",
    "Deadline",
    "DeadlineMail",
    "ElectiveGroup",
    "Enrollment",
    "EnrollmentEvent",
    "Extension",
    "FeeRequirement",
    "Format",
    "Grade",
    "GradeFreeze",
    "GradingPolicy",
    "HandIn",
    "Institution",
    "Invitation",
    "Language",
    "LanguageLevel",
    "Module",
    "ModuleResult",
    "PartnerRequest",
    "PolicyAssignment",
    "PolicyCategory",
    "PolicyModule",
    "Program",
    "ProgressRecord",
    "ReminderSetting",
    "Session",
    "SessionRegistration",
    "Tandem",
    "TandemMeeting",
    "TandemProfile",
    "TandemReflection",
    "TandemStudent",
]
