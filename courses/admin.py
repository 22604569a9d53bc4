"""Coordinators set up institutions, programs, cohorts and modules here (for now)."""

from django.contrib import admin

from courses.models import (
    Assignment,
    Certificate,
    Cohort,
    Enrollment,
    Extension,
    Grade,
    Institution,
    Module,
    Program,
)


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin[Institution]):
    list_display = ["name", "short_name"]
    prepopulated_fields = {"slug": ["short_name"]}


class ModuleInline(admin.TabularInline[Module, Program]):
    model = Module
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin[Program]):
    list_display = ["title", "institution", "language", "audience"]
    list_filter = ["institution", "language"]
    inlines = [ModuleInline]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin[Cohort]):
    list_display = ["program", "name", "starts_on", "ends_on"]
    filter_horizontal = ["instructors"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin[Assignment]):
    list_display = ["title", "module", "due_at", "max_points", "published_at"]
    readonly_fields = [
        "source_sha256",
        "release_sha256",
        "grading_sha256",
        "grade_cells",
        "max_points",
        "autograded_points",
        "manual_points",
        "published_at",
        # Anonymity changes only through the recorded review-settings and reveal pages.
        "anonymous_grading",
        "identities_revealed_at",
        "identities_revealed_by",
    ]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin[Enrollment]):
    list_display = ["user", "cohort", "status", "enrolled_at"]
    list_filter = ["cohort", "status"]


@admin.register(Grade)
class GradeAdmin(admin.ModelAdmin[Grade]):
    list_display = ["enrollment", "assignment", "points", "max_points", "released_at"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False  # grades change only through the review flow, which logs every change


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin[Certificate]):
    list_display = ["code", "holder_name", "program_title", "status", "issued_at"]
    list_filter = ["status", "program"]
    readonly_fields = [f.name for f in Certificate._meta.fields]

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False  # certificates are revoked or superseded, never deleted


@admin.register(Extension)
class ExtensionAdmin(admin.ModelAdmin[Extension]):
    list_display = [
        "assignment",
        "enrollment",
        "cohort",
        "due_at",
        "cutoff_at",
        "granted_by",
        "granted_at",
    ]
    readonly_fields = ["granted_by", "granted_at"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False  # grant a new extension instead (submissions.services.grant_extension)

    def has_add_permission(self, request: object) -> bool:
        return False  # extensions recompute lateness: use the service, not the admin
