"""Coordinators set up institutions, programs, cohorts, modules and grading policies here."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Max, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from courses.exceptions import PolicyInvalid
from courses.models import (
    Assignment,
    Certificate,
    CertificateRequest,
    Cohort,
    ElectiveGroup,
    Enrollment,
    Extension,
    Grade,
    GradingPolicy,
    Institution,
    Module,
    ModuleResult,
    PolicyAssignment,
    PolicyCategory,
    PolicyModule,
    Program,
    ProgressRecord,
)
from courses.requirements import Role, threshold_text
from courses.services import (
    create_policy_draft,
    pin_cohort_policy,
    publish_policy,
    recompute_program_progress,
)
from platform.models import User


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin[Institution]):
    list_display = ["name", "short_name"]
    prepopulated_fields = {"slug": ["short_name"]}


class ModuleInline(admin.TabularInline[Module, Program]):
    model = Module
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin[Program]):
    list_display = ["title", "institution", "language", "format", "audience", "requires_approval"]
    list_filter = ["institution", "language", "format", "requires_approval"]
    filter_horizontal = ["coordinators"]
    inlines = [ModuleInline]
    fieldsets = [
        (None, {"fields": ["institution", "slug", "title", "version"]}),
        (
            _("In the catalogue"),
            {"fields": ["summary", "audience", "language", "format", "is_part_time"]},
        ),
        (_("Admission and fees"), {"fields": ["fee_required", "offer_response_days"]}),
        (_("Certificates"), {"fields": ["coordinators", "requires_approval"]}),
        (_("Participants at risk"), {"fields": ["inactivity_weeks"]}),
    ]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Without a published policy the modules' own fields are the rules: apply a change.
        recompute_program_progress(program_id=form.instance.pk)


class CohortForm(forms.ModelForm[Cohort]):
    class Meta:
        model = Cohort
        fields = [
            "program",
            "name",
            "starts_on",
            "ends_on",
            "instructors",
            "grading_policy",
            "applications_open",
            "application_deadline",
            "capacity",
            "fee",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        deadline, ends_on = cleaned.get("application_deadline"), cleaned.get("ends_on")
        if deadline is not None and ends_on is not None and deadline > ends_on:
            self.add_error(
                "application_deadline", _("The application deadline is after the cohort ends.")
            )
        return cleaned

    def clean_grading_policy(self) -> GradingPolicy | None:
        policy: GradingPolicy | None = self.cleaned_data.get("grading_policy")
        program = self.cleaned_data.get("program") or getattr(self.instance, "program", None)
        if policy is not None and (not policy.is_published or policy.program != program):
            raise ValidationError(
                _("Choose a published grading policy of this cohort's program, or none.")
            )
        return policy


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin[Cohort]):
    form = CohortForm
    list_display = [
        "program",
        "name",
        "starts_on",
        "ends_on",
        "applications_open",
        "application_deadline",
        "capacity",
        "fee",
        "grading_policy",
        "results_link",
    ]
    list_filter = ["applications_open", "program"]
    filter_horizontal = ["instructors"]
    fieldsets = [
        (None, {"fields": ["program", "name", "starts_on", "ends_on", "instructors"]}),
        (
            _("Applications (public catalogue)"),
            {
                "fields": ["applications_open", "application_deadline", "capacity", "fee"],
                "description": _(
                    "Open for applications while switched on, up to and including the "
                    "deadline (without one: until the day before the cohort starts)."
                ),
            },
        ),
        (_("Grading"), {"fields": ["grading_policy"]}),
    ]

    @admin.display(description=_("Module results"))
    def results_link(self, obj: Cohort) -> str:
        url = reverse("courses:module-results", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Record results"))

    def save_model(self, request: HttpRequest, obj: Cohort, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "grading_policy" in form.changed_data:
            # Through the service, so the cohort's stored progress follows the new rules.
            pin_cohort_policy(cohort=obj, policy=obj.grading_policy)


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
        # The cut-off changes only on the late-work page (or its API), which recomputes the
        # released grades under it.
        "cutoff_at",
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
        "revoked_by",
        "revoked_at",
    ]
    readonly_fields = ["granted_by", "granted_at", "revoked_by", "revoked_at"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False  # grant a new extension instead (submissions.late.services.grant_extension)

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False  # revoked, never deleted: submissions.late.services.revoke_extension

    def has_add_permission(self, request: object) -> bool:
        return False  # extensions recompute lateness: use the service, not the admin


@admin.register(CertificateRequest)
class CertificateRequestAdmin(admin.ModelAdmin[CertificateRequest]):
    """Read-only: requests are approved on the cohort's certificate screen, which re-checks
    the rule and records who approved."""

    list_display = ["user", "program", "grade_percent", "requested_at", "status", "decided_by"]
    list_filter = ["status", "program"]
    readonly_fields = [f.name for f in CertificateRequest._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


# --- grading policies -------------------------------------------------------------------------


def _policy_being_edited(request: HttpRequest) -> GradingPolicy | None:
    match = request.resolver_match
    object_id = match.kwargs.get("object_id") if match else None
    return GradingPolicy.objects.filter(pk=object_id).first() if object_id else None


class _PolicyInline[M: Any](admin.TabularInline[M, GradingPolicy]):
    extra = 0

    def _editable(self, obj: GradingPolicy | None) -> bool:
        return obj is None or not obj.is_published

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


class CategoryFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        weights = [
            f.cleaned_data.get("weight") or Decimal(0)
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        total = sum(weights, Decimal(0))
        if weights and total != 100:
            raise ValidationError(
                gettext("The category weights add up to %(total)s %%, not 100 %%.")
                % {"total": threshold_text(total)}
            )


class ModuleRuleFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        members: dict[int, int] = {}
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            group = data.get("group")
            if (data.get("role") == Role.ELECTIVE) != (group is not None):
                form.add_error(
                    "group", gettext("Electives need an elective group, and only electives.")
                )
            if group is not None:
                members[group.pk] = members.get(group.pk, 0) + 1
        groups = ElectiveGroup.objects.filter(policy=self.instance) if self.instance.pk else []
        for group in groups:
            if group.required > members.get(group.pk, 0):
                raise ValidationError(
                    gettext(
                        "The elective group “%(title)s” requires %(required)s modules "
                        "but has %(members)s."
                    )
                    % {
                        "title": group.title,
                        "required": group.required,
                        "members": members.get(group.pk, 0),
                    }
                )


class CategoryInline(_PolicyInline[PolicyCategory]):
    model = PolicyCategory
    formset = CategoryFormSet
    fields = ["order", "key", "title", "weight", "drop_lowest", "minimum"]


class ElectiveGroupInline(_PolicyInline[ElectiveGroup]):
    model = ElectiveGroup
    fields = ["key", "title", "required"]


class ModuleRuleInline(_PolicyInline[PolicyModule]):
    model = PolicyModule
    formset = ModuleRuleFormSet
    fields = ["module", "role", "pass_mark", "weight", "category", "group", "attendance_rate"]

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        policy = _policy_being_edited(request)
        if policy is not None:
            if db_field.name == "module":
                kwargs["queryset"] = Module.objects.filter(program_id=policy.program_id)
            elif db_field.name == "category":
                kwargs["queryset"] = PolicyCategory.objects.filter(policy=policy)
            elif db_field.name == "group":
                kwargs["queryset"] = ElectiveGroup.objects.filter(policy=policy)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AssignmentRuleInline(_PolicyInline[PolicyAssignment]):
    model = PolicyAssignment
    fields = ["assignment", "category"]
    verbose_name = _("assignment in another category than its module's")
    verbose_name_plural = _("assignments in another category than their module's")

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        policy = _policy_being_edited(request)
        if policy is not None:
            if db_field.name == "assignment":
                kwargs["queryset"] = Assignment.objects.filter(module__program_id=policy.program_id)
            elif db_field.name == "category":
                kwargs["queryset"] = PolicyCategory.objects.filter(policy=policy)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(GradingPolicy)
class GradingPolicyAdmin(admin.ModelAdmin[GradingPolicy]):
    list_display = ["program", "version", "status", "pass_mark", "published_at"]
    list_filter = ["status", "program"]
    fields = [
        "program",
        "version",
        "status",
        "pass_mark",
        "notes",
        "problems_found",
        "published_at",
        "published_by",
    ]
    readonly_fields = ["version", "status", "problems_found", "published_at", "published_by"]
    inlines = [CategoryInline, ElectiveGroupInline, ModuleRuleInline, AssignmentRuleInline]
    actions = ["publish", "new_version"]

    @admin.display(description=_("problems before publishing"))
    def problems_found(self, obj: GradingPolicy) -> str:
        if obj.pk is None:
            return "—"
        return " ".join(obj.problems()) or gettext("none")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "program"] if obj is not None else fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A published version never changes: a change is a new version ("new_version").
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: GradingPolicy, form: Any, change: bool) -> None:
        if not change:
            last = GradingPolicy.objects.filter(program=obj.program).aggregate(v=Max("version"))
            obj.version = (last["v"] or 0) + 1
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Publish the selected drafts"))
    def publish(self, request: HttpRequest, queryset: QuerySet[GradingPolicy]) -> None:
        assert isinstance(request.user, User)
        for policy in queryset.order_by("version"):
            try:
                count = publish_policy(actor=request.user, policy=policy)
            except PolicyInvalid as refusal:
                self.message_user(request, f"{policy}: {refusal.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("%(policy)s published; progress of %(count)s participants updated.")
                    % {"policy": policy, "count": count},
                )

    @admin.action(description=_("Create a new draft version from the selected one"))
    def new_version(self, request: HttpRequest, queryset: QuerySet[GradingPolicy]) -> None:
        for policy in queryset:
            draft = create_policy_draft(program=policy.program, based_on=policy)
            self.message_user(request, gettext("Created %(policy)s.") % {"policy": draft})


@admin.register(ModuleResult)
class ModuleResultAdmin(admin.ModelAdmin[ModuleResult]):
    list_display = ["enrollment", "module", "passed", "percent", "recorded_by", "recorded_at"]
    list_filter = ["passed", "module__program"]
    readonly_fields = [f.name for f in ModuleResult._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # recorded through the cohort's module-results page, which recomputes


@admin.register(ProgressRecord)
class ProgressRecordAdmin(admin.ModelAdmin[ProgressRecord]):
    list_display = [
        "enrollment",
        "policy_version",
        "complete",
        "weighted_grade",
        "percent_complete",
        "computed_at",
    ]
    list_filter = ["complete", "enrollment__cohort"]
    readonly_fields = [f.name for f in ProgressRecord._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # computed only (progress.recompute_progress, manage.py rebuild_progress)
