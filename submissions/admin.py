from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from submissions.models import AssignmentSettings, GradeEvent, GradingRun, Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin[Submission]):
    list_display = ["assignment", "participant", "attempt_no", "status", "submitted_at"]
    list_filter = ["status", "assignment"]
    readonly_fields = [f.name for f in Submission._meta.fields]


@admin.register(GradingRun)
class GradingRunAdmin(admin.ModelAdmin[GradingRun]):
    list_display = ["submission", "status", "worker", "started_at", "finished_at"]
    # The stored error is a message to word for the reader (docs/i18n.md), not text to show.
    exclude = ["error"]
    readonly_fields = [f.name for f in GradingRun._meta.fields if f.name != "error"] + ["why"]

    @admin.display(description=_("why it failed"))
    def why(self, run: GradingRun) -> str:
        return run.error_text


@admin.register(GradeEvent)
class GradeEventAdmin(admin.ModelAdmin[GradeEvent]):
    list_display = ["submission", "source", "grade_id", "old_points", "new_points", "actor", "at"]
    readonly_fields = [f.name for f in GradeEvent._meta.fields]

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False  # the grade log is append-only


@admin.register(AssignmentSettings)
class AssignmentSettingsAdmin(admin.ModelAdmin[AssignmentSettings]):
    """The settings ``courses.Assignment``'s admin page had before they moved here; a row comes
    with its assignment (``submissions.publishing.services.publish_assignment``), never on its own."""

    list_display = ["assignment", "posting_policy", "anonymous_grading", "regrade_window_days"]
    readonly_fields = [
        "assignment",
        # Anonymity changes only through the recorded review-settings and reveal pages.
        "anonymous_grading",
        "identities_revealed_at",
        "identities_revealed_by",
        # The late policy changes only on the late-work page (or its API), which recomputes
        # the released grades under it.
        "late_grace_minutes",
        "late_penalty_percent",
        "late_penalty_unit",
        "late_floor_percent",
    ]

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
