"""Publishing pages: publish a new assignment, replace a published notebook (see what changes,
then confirm), the worker's publish check (docs/grading.md, "Replacing a published
notebook"), and the import of an nbgrader course."""

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.access import (
    get_assignment_for_instructor,
    get_assignment_for_publisher,
    get_module_for_publisher,
)
from courses.exceptions import AssignmentExists, CoursesError
from courses.models import Assignment, AssignmentVersion, Module
from courses.nbgrader_import import course_in_archive, due_dates
from courses.versions import change_lines
from platform.blobs import put_bytes, read_blob
from platform.types import AuthenticatedHttpRequest
from submissions.publishing.course_files import (
    CourseFile,
    store_course_files,
    uploaded_course_files,
)
from submissions.publishing.forms import ImportCourseForm, PublishForm
from submissions.publishing.services import (
    ImportReport,
    check_version,
    draft_replacement,
    import_nbgrader_course,
    publish_checked,
)


@require_http_methods(["GET", "POST"])
@login_required
def publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Publish a new assignment into a module from an nbgrader source (the worker then checks
    it), or, with "replace", draft the next version of an existing one and show what changes
    before the instructor confirms."""
    module = get_module_for_publisher(request.user, pk)
    form = PublishForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data["source"]
        try:
            files = store_course_files(
                form.folder_files + uploaded_course_files(form.cleaned_data["course_files"])
            )
        except CoursesError as error:
            form.add_error("course_files", error.message)
            return _page(request, module, form)
        if form.cleaned_data["replace"]:
            return _draft(request, module, form, source, files)
        try:
            check = publish_checked(
                module=module,
                source=source,
                actor=request.user,
                course_files=files,
                **form.new_assignment(),
            )
        except AssignmentExists as error:
            form.add_error("slug", error.message)
            form.add_error("replace", _("Tick this to replace that assignment's notebook."))
        except CoursesError as error:
            form.add_error("source", error.message)
        else:
            messages.success(request, _("Published. The worker is checking the assignment now."))
            if form.skipped:
                messages.warning(
                    request,
                    _("Not published (outside the notebooks' folder): %(files)s")
                    % {"files": ", ".join(form.skipped)},
                )
            return redirect("submissions:publish-check", pk=check.assignment_id)
    return _page(request, module, form)


def _page(
    request: AuthenticatedHttpRequest,
    module: Module,
    form: PublishForm,
    version: AssignmentVersion | None = None,
) -> HttpResponse:
    context = {
        "module": module,
        "form": form,
        "version": version,
        "changes": change_lines(version.changes) if version else [],
    }
    return render(request, "submissions/publish.html", context, status=400 if form.errors else 200)


def _draft(
    request: AuthenticatedHttpRequest,
    module: Module,
    form: PublishForm,
    source: bytes,
    files: list[CourseFile],
) -> HttpResponse:
    assignment = module.assignments.filter(slug=form.cleaned_data["slug"]).first()
    if assignment is None:
        form.add_error(
            "slug",
            _("No assignment of this module has this short name; untick “Replace” to publish it."),
        )
        return _page(request, module, form)
    try:
        version = draft_replacement(
            actor=request.user,
            assignment=assignment,
            source=source,
            given_settings=form.given_settings(),
            course_files=files or None,  # none uploaded: the live version's are kept
        )
    except CoursesError as error:
        form.add_error("source", error.message)
        return _page(request, module, form)
    return _page(request, module, form, version)


@require_POST
@login_required
def confirm_version(request: AuthenticatedHttpRequest, pk: int, number: int) -> HttpResponse:
    """The instructor saw the changes and confirms: the worker checks the new version, which
    replaces the live notebook only if the check passes."""
    assignment = get_assignment_for_publisher(request.user, pk)
    version = get_object_or_404(assignment.versions, number=number)
    try:
        check_version(version=version)
    except CoursesError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "Version %(n)s is being checked; it replaces the live notebook when the check "
                "passes."
            )
            % {"n": version.number},
        )
    return redirect("submissions:publish-check", pk=assignment.pk)


@require_GET
@login_required
def publish_check(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_instructor(request.user, pk)
    check = assignment.publish_checks.select_related("version").first()
    version = check.version if check else None
    context = {
        "assignment": assignment,
        "check": check,
        "version": version,
        "live": _live_number(assignment),
        "changes": change_lines(version.changes) if version else [],
    }
    if request.htmx:
        return render(request, "submissions/publish_check.html#report", context)
    return render(request, "submissions/publish_check.html", context)


def _live_number(assignment: Assignment) -> int | None:
    live = assignment.live_version()
    return live.number if live else None


# How long a previewed import can be confirmed: the uploaded archive is a blob no row names
# until then, which the orphan sweep removes after an hour (submissions/orphans.py).
PREVIEW_MAX_AGE_S = 3600


def _preview_salt(request: AuthenticatedHttpRequest, module: Module) -> str:
    return f"import-course:{module.pk}:{request.user.pk}"


@require_http_methods(["GET", "POST"])
@login_required
def import_course(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Import an nbgrader course (zip of the course, optional gradebook) into a module: the
    upload shows the dry run's report first, and "Import" then imports what it showed."""
    module = get_module_for_publisher(request.user, pk)
    if request.method == "POST" and "preview" in request.POST:
        return _import_previewed(request, module)
    form = ImportCourseForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        archive = form.cleaned_data["archive"].read()
        try:
            course = course_in_archive(archive)
            due = _uploaded_due_dates(form.cleaned_data["gradebook"])
        except CoursesError as error:
            form.add_error(None, error.message)
        else:
            report = import_nbgrader_course(module=module, course=course, due=due, dry_run=True)
            preview = signing.dumps(
                {"archive": put_bytes(archive), "due": {k: v.isoformat() for k, v in due.items()}},
                salt=_preview_salt(request, module),
            )
            return _import_page(request, module, form, report=report, preview=preview)
    return _import_page(request, module, form)


def _import_page(
    request: AuthenticatedHttpRequest,
    module: Module,
    form: ImportCourseForm,
    *,
    report: ImportReport | None = None,
    preview: str = "",
    error: str = "",
    status: int | None = None,
) -> HttpResponse:
    context = {
        "module": module,
        "form": form,
        "report": report,
        "preview": preview,
        "error": error,
    }
    return render(
        request,
        "submissions/import_course.html",
        context,
        status=status or (400 if form.errors else 200),
    )


def _import_previewed(request: AuthenticatedHttpRequest, module: Module) -> HttpResponse:
    form = ImportCourseForm()
    try:
        payload = signing.loads(
            request.POST["preview"], salt=_preview_salt(request, module), max_age=PREVIEW_MAX_AGE_S
        )
        course = course_in_archive(read_blob(payload["archive"]))
        due = {name: datetime.fromisoformat(value) for name, value in payload["due"].items()}
    except (signing.BadSignature, OSError, KeyError, TypeError, ValueError, CoursesError):
        error = _("This preview has expired or is not valid; upload the course again.")
        return _import_page(request, module, form, error=error, status=400)
    report = import_nbgrader_course(
        module=module,
        course=course,
        due=due,
        nbgrader_rules=request.POST.get("lenient_warnings") != "1",
    )
    if report.imported:
        messages.success(
            request,
            ngettext(
                "%(n)d assignment imported; the checks of its notebooks are running.",
                "%(n)d assignments imported; the checks of their notebooks are running.",
                len(report.imported),
            )
            % {"n": len(report.imported)},
        )
    return _import_page(request, module, form, report=report)


def _uploaded_due_dates(upload: Any) -> dict[str, datetime]:
    if not upload:
        return {}
    with tempfile.NamedTemporaryFile(suffix=".db") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        return due_dates(Path(handle.name))
