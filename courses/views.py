"""Program pages, starter-notebook downloads and coordinators' module results.

Certificate pages and their public verification live in ``courses.certificates.views``.
"""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from courses import services
from courses.access import (
    get_assignment_for_user,
    get_cohort_for_coordinator,
    get_enrollment_in_program,
)
from courses.certificates.services import fee_holds_certificate
from courses.course_files import release_zip
from courses.exceptions import CoursesError
from courses.forms import ModuleResultForm
from courses.models import (
    Assignment,
    Certificate,
    CertificateRequest,
    Grade,
    Module,
    ModuleResult,
    Program,
    Session,
)
from courses.progress import progress_for
from courses.scoring import percentage
from platform.blobs import blob_response, read_blob
from platform.models import User
from platform.types import AuthenticatedHttpRequest


@require_GET
@login_required
def program_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    enrollment = get_enrollment_in_program(request.user, slug)
    [progress] = progress_for([enrollment], now=timezone.now())
    modules = Module.objects.filter(program_id=enrollment.cohort.program_id).prefetch_related(
        Prefetch(
            "assignments",
            queryset=Assignment.objects.published().order_by("order", "pk"),
            to_attr="published",
        )
    )
    grades = {g.assignment_id: g for g in Grade.objects.filter(enrollment=enrollment)}
    upcoming: dict[int, list[Session]] = defaultdict(list)
    for session in Session.objects.filter(cohort_id=enrollment.cohort_id).upcoming(timezone.now()):
        upcoming[session.module_id].append(session)
    sections = [
        {
            "module": module,
            "standing": progress.result.module(module.pk),
            "rows": [
                (a, g, percentage(g.points, g.max_points) if g else None)
                for a in module.published
                for g in [grades.get(a.pk)]
            ],
            "sessions": upcoming[module.pk],
        }
        for module in modules
    ]
    context = {
        "progress": progress,
        "sections": sections,
        **certificate_state(request.user, enrollment.cohort.program),
        "fee_holds_certificate": fee_holds_certificate(enrollment),
    }
    return render(request, "courses/program_detail.html", context)


def certificate_state(user: User, program: Program) -> dict[str, object]:
    """What the participant's program page says about the certificate: the valid one, or
    the request awaiting a coordinator's approval."""
    return {
        "certificate": Certificate.objects.issued().filter(user=user, program=program).first(),
        "certificate_request": CertificateRequest.objects.pending()
        .filter(user=user, program=program)
        .first(),
    }


@require_GET
@login_required
def starter_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The release notebook: solutions and hidden tests were removed when it was published.
    Of a multi-notebook assignment, the one ``?notebook=<position>`` names (from 0)."""
    assignment = get_assignment_for_user(request.user, pk)
    notebooks = assignment.notebook_set()
    position = request.GET.get("notebook", "0")
    if not position.isdigit() or int(position) >= len(notebooks):
        raise Http404
    notebook = notebooks[int(position)]
    return blob_response(
        notebook.release_sha256,
        filename=notebook.name,
        content_type="application/x-ipynb+json",
    )


@require_GET
@login_required
def course_file_download(request: AuthenticatedHttpRequest, pk: int, path: str) -> HttpResponseBase:
    """One course file of the live version, as an attachment under its own name (never shown
    inline: an instructor's HTML or SVG file must not run on our origin)."""
    assignment = get_assignment_for_user(request.user, pk)
    course_file = get_object_or_404(assignment.course_files(), path=path)
    return blob_response(
        course_file.sha256, filename=course_file.name, content_type="application/octet-stream"
    )


@require_GET
@login_required
def release_zip_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The release notebooks and the live version's course files in one zip, laid out as the
    kernel sees them when grading: the assignment's folder (docs/course-files.md)."""
    assignment = get_assignment_for_user(request.user, pk)
    entries = [(n.name, read_blob(n.release_sha256)) for n in assignment.notebook_set()]
    entries += [(f.path, read_blob(f.sha256)) for f in assignment.course_files()]
    response = HttpResponse(release_zip(entries), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{assignment.slug}.zip"
    )
    return response


@require_http_methods(["GET", "POST"])
@login_required
def module_results(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Coordinators record results of modules without assignments (in-person trainings)."""
    cohort = get_cohort_for_coordinator(request.user, pk)
    modules = list(
        Module.objects.filter(program_id=cohort.program_id)
        .exclude(assignments__published_at__isnull=False)
        .order_by("order", "pk")
    )
    form = ModuleResultForm(request.POST or None, cohort=cohort, modules=modules)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_module_result(
                actor=request.user,
                enrollment=form.cleaned_data["enrollment"],
                module=form.cleaned_data["module"],
                passed=form.cleaned_data["passed"],
                percent=form.cleaned_data["percent"],
                reason=form.cleaned_data["reason"],
            )
        except CoursesError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The result was recorded and progress updated."))
            return redirect("courses:module-results", pk=cohort.pk)
    results = (
        ModuleResult.objects.filter(enrollment__cohort=cohort)
        .select_related("enrollment__user", "module", "recorded_by")
        .order_by("module__order", "enrollment__user__last_name")
    )
    context = {"cohort": cohort, "modules": modules, "form": form, "results": results}
    return render(
        request, "courses/module_results.html", context, status=400 if form.errors else 200
    )
