"""The coordinators' screening of one cohort's applications: the list (filter, sort, counts,
capacity, fees, bulk decisions, the wait list), one application with its attachment, notes
and decisions (docs/applications.md). Access: ``courses.applications.access``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from courses.applications import services
from courses.applications.access import get_application_in_cohort, get_cohort_for_screening
from courses.applications.forms import (
    BulkDecisionForm,
    DecisionForm,
    NotesForm,
    ScreeningFilterForm,
)
from courses.models import Application, Cohort
from platform.blobs import blob_response
from platform.types import AuthenticatedHttpRequest

Status = Application.Status


def _screening_context(cohort: Cohort, form: ScreeningFilterForm) -> dict[str, object]:
    confirmed = Application.objects.filter(cohort=cohort).exclude(status=Status.UNCONFIRMED)
    counts = dict(
        confirmed.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    rows = confirmed.select_related("enrollment")
    if form.is_valid():
        if status := form.cleaned_data["status"]:
            rows = rows.filter(status=status)
        if q := form.cleaned_data["q"].strip():
            rows = rows.filter(
                Q(full_name__icontains=q) | Q(email__icontains=q) | Q(organisation__icontains=q)
            )
        rows = rows.order_by(*form.ordering())
    applications = list(rows)
    taken, left = services.places(cohort)
    return {
        "cohort": cohort,
        "form": form,
        "applications": applications,
        "counts": [(value, label, counts.get(value, 0)) for value, label in Status.choices][1:],
        "places_taken": taken,
        "places_left": left,
        "waitlist": services.waitlist(cohort),
        "shows_fees": cohort.fee > 0,
        "bulk_form": BulkDecisionForm(applications=applications),
    }


@require_GET
@login_required
def cohort_applications(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = get_cohort_for_screening(request.user, pk)
    form = ScreeningFilterForm(request.GET)
    context = _screening_context(cohort, form)
    if request.htmx:  # the filter form swaps the results only
        return render(request, "courses/applications/screening.html#results", context)
    return render(
        request,
        "courses/applications/screening.html",
        context,
        status=200 if form.is_valid() else 400,
    )


@require_POST
@login_required
def bulk_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Wait-list or reject the selected applications, each with the same message (or each
    with the default message in its applicant's language)."""
    cohort = get_cohort_for_screening(request.user, pk)
    candidates = list(
        Application.objects.filter(cohort=cohort, status__in=Application.DECIDABLE).select_related(
            "cohort__program"
        )
    )
    form = BulkDecisionForm(request.POST, applications=candidates)
    if not form.is_valid():
        context = _screening_context(cohort, ScreeningFilterForm({}))
        context["bulk_form"] = form
        return render(request, "courses/applications/screening.html", context, status=400)
    decision = services.Decision(form.cleaned_data["decision"])
    chosen = [a for a in candidates if a.pk in set(form.cleaned_data["selected"])]
    done = 0
    for application in chosen:
        message = form.cleaned_data["message"] or services.default_message(application, decision)
        try:
            services.decide(
                application=application, decision=decision, message=message, actor=request.user
            )
        except services.ApplicationRefused as refused:
            messages.warning(request, f"{application.full_name}: {refused.message}")
        else:
            done += 1
    messages.success(
        request,
        ngettext("%(n)d application decided.", "%(n)d applications decided.", done) % {"n": done},
    )
    return redirect("applications:screening", cohort.pk)


@require_POST
@login_required
def offer_places(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Offer the free places to the wait list now (after the capacity was raised, say)."""
    cohort = get_cohort_for_screening(request.user, pk)
    offers = services.offer_freed_places(cohort)
    messages.success(
        request,
        ngettext("%(n)d place offered.", "%(n)d places offered.", len(offers)) % {"n": len(offers)},
    )
    return redirect("applications:screening", cohort.pk)


def _detail(
    request: AuthenticatedHttpRequest,
    cohort: Cohort,
    application: Application,
    *,
    decision_form: DecisionForm | None = None,
    notes_form: NotesForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    forms = {
        decision: DecisionForm(
            initial={
                "decision": decision.value,
                "message": services.default_message(application, decision),
            },
            auto_id=f"id_{decision.value}_%s",
        )
        for decision in services.Decision
    }
    if decision_form is not None:
        forms[decision_form.decision_value_or_none() or services.Decision.ADMIT] = decision_form
    for form in forms.values():
        # The message is in the applicant's language, which may not be the page's.
        form.fields["message"].widget.attrs["lang"] = application.language
    return render(
        request,
        "courses/applications/detail.html",
        {
            "cohort": cohort,
            "application": application,
            "decision_forms": forms,
            "notes_form": notes_form or NotesForm(initial={"notes": application.notes}),
            "places_left": services.places_left(cohort),
            "error": error,
        },
        status=status,
    )


@require_GET
@login_required
def application_detail(
    request: AuthenticatedHttpRequest, pk: int, application_pk: int
) -> HttpResponse:
    cohort = get_cohort_for_screening(request.user, pk)
    return _detail(request, cohort, get_application_in_cohort(cohort, application_pk))


@require_POST
@login_required
def decide(request: AuthenticatedHttpRequest, pk: int, application_pk: int) -> HttpResponse:
    cohort = get_cohort_for_screening(request.user, pk)
    application = get_application_in_cohort(cohort, application_pk)
    sent = DecisionForm(request.POST).decision_value_or_none() or services.Decision.ADMIT
    form = DecisionForm(request.POST, auto_id=f"id_{sent.value}_%s")
    if not form.is_valid():
        return _detail(request, cohort, application, decision_form=form, status=400)
    try:
        services.decide(
            application=application,
            decision=form.decision_value(),
            message=form.cleaned_data["message"],
            actor=request.user,
        )
    except services.ApplicationRefused as refused:
        return _detail(
            request, cohort, application, decision_form=form, error=refused.message, status=409
        )
    messages.success(
        request,
        _("Decision recorded; the message to %(name)s is on its way.")
        % {"name": application.full_name},
    )
    return redirect("applications:screening", cohort.pk)


@require_POST
@login_required
def save_notes(request: AuthenticatedHttpRequest, pk: int, application_pk: int) -> HttpResponse:
    cohort = get_cohort_for_screening(request.user, pk)
    application = get_application_in_cohort(cohort, application_pk)
    form = NotesForm(request.POST)
    if request.htmx:  # the notes form swaps itself, saying whether it saved
        saved = form.is_valid()
        if saved:
            services.save_notes(application=application, notes=form.cleaned_data["notes"])
        context = {"cohort": cohort, "application": application, "notes_form": form}
        return render(
            request, "courses/applications/detail.html#notes", {**context, "notes_saved": saved}
        )
    if not form.is_valid():
        return _detail(request, cohort, application, notes_form=form, status=400)
    services.save_notes(application=application, notes=form.cleaned_data["notes"])
    messages.success(request, _("Notes saved."))
    return redirect("applications:detail", cohort.pk, application.pk)


@require_POST
@login_required
def move(request: AuthenticatedHttpRequest, pk: int, application_pk: int) -> HttpResponse:
    """Move a wait-listed application one place up or down."""
    cohort = get_cohort_for_screening(request.user, pk)
    application = get_application_in_cohort(cohort, application_pk)
    by = -1 if request.POST.get("direction") == "up" else 1
    try:
        services.move_on_waitlist(application=application, by=by)
    except services.ApplicationRefused as refused:
        messages.error(request, refused.message)
    return redirect(reverse("applications:screening", args=[cohort.pk]) + "#waitlist")


@require_GET
@login_required
@never_cache
def attachment(request: AuthenticatedHttpRequest, pk: int, application_pk: int) -> HttpResponseBase:
    """The applicant's attachment, for coordinators only, always as a download."""
    cohort = get_cohort_for_screening(request.user, pk)
    application = get_application_in_cohort(cohort, application_pk)
    if not application.attachment_sha256:
        raise Http404("No attachment")
    content_types = {
        "pdf": "application/pdf",
        "odt": "application/vnd.oasis.opendocument.text",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
    extension = application.attachment_name.rsplit(".", 1)[-1].lower()
    return blob_response(
        application.attachment_sha256,
        filename=application.attachment_name,
        content_type=content_types.get(extension, "application/octet-stream"),
    )
