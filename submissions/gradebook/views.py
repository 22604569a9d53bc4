"""Gradebook pages: a cohort's gradebook and its CSV, an assignment's analytics (SVG charts) and
its zip export."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from courses.access import get_assignment_for_instructor, get_cohort_for_instructor
from courses.models import Cohort
from courses.scoring import PLACES
from platform.privacy.services import record_zip_access
from platform.types import AuthenticatedHttpRequest
from submissions.access import get_assignment_for_analytics
from submissions.gradebook.analytics import AssignmentAnalytics, analytics_for
from submissions.gradebook.charts import HorizontalBar, Series, bar_chart, column_chart
from submissions.gradebook.export import (
    export_filename,
    export_submissions,
    exported_files,
    zip_stream,
)
from submissions.gradebook.table import gradebook_csv, gradebook_for, render_rows


def format_duration(value: timedelta | None) -> str:
    """A span of time in the user's language: "2 days 3 h", "5 h 20 min", "< 1 min"."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [ngettext("%(n)d day", "%(n)d days", days) % {"n": days}] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes and not days else []
    return " ".join(parts) or _("< 1 min")


def backlog_labels() -> dict[str, str]:
    return {
        "day": _("under 1 day"),
        "3days": _("1–3 days"),
        "week": _("3–7 days"),
        "2weeks": _("1–2 weeks"),
        "older": _("over 2 weeks"),
    }


def _percent(value: Decimal) -> str:
    return f"{number_format(value, PLACES)} %"


def _charts(data: AssignmentAnalytics) -> dict[str, object]:
    bands = [f"{b.low}–{b.high}" for b in data.bands]
    distribution = column_chart(
        chart_id="chart-distribution",
        title=_("Score distribution"),
        desc=_(
            "Participants per band of 10 percentage points of the final score, "
            "released and not yet released, stacked. The table below has the same numbers."
        ),
        categories=bands,
        series=[
            Series(_("released"), tuple(b.released for b in data.bands)),
            Series(_("not released yet"), tuple(b.unreleased for b in data.bands)),
        ],
        y_label=_("participants"),
        empty_text=_("No scores yet."),
    )
    tests = bar_chart(
        chart_id="chart-tests",
        title=_("Pass rate per test"),
        desc=_(
            "For each autograded test, the share of latest attempts that passed it fully. "
            "The table below has the same numbers."
        ),
        bars=[
            HorizontalBar(
                label=t.grade_id,
                value=float(t.rate),
                text=_("%(rate)s (%(passed)d of %(total)d)")
                % {"rate": _percent(t.rate), "passed": t.passed, "total": t.total},
            )
            for t in data.tests
        ],
        maximum=100,
        empty_text=_("No autograded results yet."),
    )
    labels = backlog_labels()
    backlog = column_chart(
        chart_id="chart-backlog",
        title=_("Grading backlog"),
        desc=_(
            "Latest attempts not released yet, by how long ago they were uploaded. "
            "The table below has the same numbers."
        ),
        categories=[labels[b.key] for b in data.backlog],
        series=[Series(_("waiting"), tuple(b.count for b in data.backlog))],
        y_label=_("attempts"),
        empty_text=_("Nothing is waiting for review."),
    )
    return {"distribution": distribution, "tests": tests, "backlog": backlog}


@require_GET
@login_required
def assignment_analytics(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment, cohorts = get_assignment_for_analytics(request.user, pk)
    selected = request.GET.get("cohort", "")
    if selected:
        chosen = [c for c in cohorts if str(c.pk) == selected]
        if not chosen:
            raise Http404("No such cohort among yours")
        shown = chosen
    else:
        shown = cohorts
    data = analytics_for(assignment, shown)
    turnaround = data.turnaround
    labels = backlog_labels()
    context = {
        "assignment": assignment,
        "cohorts": cohorts,
        "selected": selected,
        "data": data,
        "charts": _charts(data),
        "backlog_rows": [(labels[b.key], b.count) for b in data.backlog],
        "oldest_waiting": format_duration(data.oldest_waiting),
        "turnaround_rows": [
            (_("median"), format_duration(turnaround.median)),
            (_("75th percentile"), format_duration(turnaround.p75)),
            (_("90th percentile"), format_duration(turnaround.p90)),
            (_("longest"), format_duration(turnaround.longest)),
        ],
    }
    return render(request, "submissions/analytics.html", context)


@require_GET
@login_required
@never_cache
def assignment_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """A zip of the submissions the user grades, with feedback; streamed as it is written.

    ``?attempts=all`` includes every attempt instead of the latest one per participant.
    """
    assignment = get_assignment_for_instructor(request.user, pk)
    mode = request.GET.get("attempts", "latest")
    if mode not in {"latest", "all"}:
        return HttpResponseBadRequest(
            _("Choose the latest attempt (attempts=latest) or all attempts (attempts=all).")
        )
    entries = export_submissions(
        grader=request.user, assignment=assignment, all_attempts=mode == "all"
    )
    record_zip_access(request.user, exported_files(assignment, entries))
    response = StreamingHttpResponse(
        zip_stream(assignment, entries, all_attempts=mode == "all"), content_type="application/zip"
    )
    filename = export_filename(assignment, all_attempts=mode == "all")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@login_required
def gradebook(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = get_cohort_for_instructor(request.user, pk)
    book = gradebook_for(cohort)
    return render(request, "submissions/gradebook.html", {"book": book, "rows": render_rows(book)})


@require_GET
@login_required
@never_cache
def gradebook_export(request: AuthenticatedHttpRequest, pk: int) -> StreamingHttpResponse:
    return gradebook_csv_response(get_cohort_for_instructor(request.user, pk))


def gradebook_csv_response(cohort: Cohort) -> StreamingHttpResponse:
    """The cohort's gradebook as a CSV download: the page's link and the API answer the same."""
    response = StreamingHttpResponse(
        gradebook_csv(gradebook_for(cohort)), content_type="text/csv; charset=utf-8"
    )
    filename = f"gradebook-{cohort.program.slug}-{slugify(cohort.name)}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
