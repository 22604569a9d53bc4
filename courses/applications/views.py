"""The applicant's pages (no log-in): the form, the privacy notice, confirming the address, the
application's own page with withdrawal and the answer to an offer (docs/applications.md)."""

from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.applications import links, services
from courses.applications.forms import ApplicationForm
from courses.models import Application, Cohort
from platform.models import PrivacyNotice
from platform.ratelimit import client_address, hit
from platform.types import HtmxHttpRequest

# Applications (and requests for a new link) per hour: per address of the sender's machine,
# and per e-mail address applied with.
PER_CLIENT_PER_HOUR = 20
PER_EMAIL_PER_HOUR = 5


def _too_many(request: HtmxHttpRequest, *keys: tuple[str, int]) -> HttpResponse | None:
    """Count this request against each (key, limit); a 429 page once one is over its limit."""
    over = [hit(f"applications:{key}", window=3600) for key, limit in keys]
    if any(count.count > limit for count, (_key, limit) in zip(over, keys, strict=True)):
        response = render(request, "429.html", status=429)
        response["Retry-After"] = str(max(count.retry_after for count in over))
        return response
    return None


def _current_notice() -> PrivacyNotice:
    notice = PrivacyNotice.objects.current()
    if notice is None:  # the courses migration 0016 seeds version 1
        raise Http404("No privacy notice has been published.")
    return notice


@require_http_methods(["GET", "POST"])
def apply(request: HtmxHttpRequest, cohort: int) -> HttpResponse:
    target = get_object_or_404(Cohort.objects.select_related("program__institution"), pk=cohort)
    notice = _current_notice()
    language = translation.get_language() or "en"
    is_open = services.accepts_applications(target)
    initial = {}
    if request.user.is_authenticated:  # someone with an account applies with its details
        user = request.user
        initial = {"full_name": user.full_name, "email": user.email}
        initial["organisation"] = user.organisation
    form = ApplicationForm(
        request.POST or None, request.FILES or None, notice=notice, initial=initial
    )
    if request.method == "POST" and is_open:
        email = str(request.POST.get("email", "")).strip().lower()
        limited = _too_many(
            request,
            (f"client:{client_address(request)}", PER_CLIENT_PER_HOUR),
            (f"email:{email}", PER_EMAIL_PER_HOUR),
        )
        if limited:
            return limited
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.submit_application(
                    cohort=target,
                    full_name=data["full_name"],
                    email=data["email"],
                    language=language,
                    organisation=data["organisation"],
                    prior_knowledge=data["prior_knowledge"],
                    motivation=data["motivation"],
                    attachment=data["attachment"],
                    privacy_notice=notice,
                    user=request.user if request.user.is_authenticated else None,
                )
            except services.AlreadyApplied as refused:
                # The link goes to the address's owner only (confirmation or the page's link).
                services.send_link(refused.application)
                messages.info(request, refused.message)
                return redirect("applications:sent", target.pk)
            except services.ApplicationRefused as refused:
                form.add_error(None, refused.message)
            else:
                return redirect("applications:sent", target.pk)
    status = 200
    if request.method == "POST":
        status = 409 if not is_open else 400
    return render(
        request,
        "courses/applications/apply.html",
        {
            "cohort": target,
            "form": form,
            "notice": notice,
            "notice_text": notice.text(language),
            "is_open": is_open,
        },
        status=status,
    )


@require_GET
def sent(request: HtmxHttpRequest, cohort: int) -> HttpResponse:
    target = get_object_or_404(Cohort.objects.select_related("program"), pk=cohort)
    return render(
        request,
        "courses/applications/sent.html",
        {"cohort": target, "days": links.CONFIRM_MAX_AGE.days},
    )


@require_GET
def privacy(request: HtmxHttpRequest, version: str | None = None) -> HttpResponse:
    """The privacy notice in force (or an older version by its number), in the page's
    language."""
    if version is None:
        notice = _current_notice()
    else:
        notice = get_object_or_404(PrivacyNotice, version=version)
    return render(
        request,
        "courses/applications/privacy.html",
        {
            "notice": notice,
            "text": notice.text(translation.get_language() or "en"),
            "current": PrivacyNotice.objects.current(),
            "versions": PrivacyNotice.objects.order_by("-published_at", "-pk"),
        },
    )


def _expired(request: HtmxHttpRequest, token: str) -> HttpResponse:
    return render(request, "courses/applications/link_expired.html", {"token": token}, status=410)


@require_GET
@never_cache
def confirm(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The link in the first mail: the address is confirmed and the application counts."""
    try:
        application = links.open_confirm_token(token)
    except links.LinkExpired:
        return _expired(request, token)
    except signing.BadSignature:
        raise Http404("Not a valid link") from None
    services.confirm_email(application)
    messages.success(
        request, _("Thank you: your e-mail address is confirmed and your application counts.")
    )
    return redirect("applications:status", links.status_token(application))


@require_POST
def new_link(request: HtmxHttpRequest) -> HttpResponse:
    """Send a fresh link for an expired one (the expired link proves who asks)."""
    limited = _too_many(request, (f"link:{client_address(request)}", PER_CLIENT_PER_HOUR))
    if limited:
        return limited
    try:
        application = links.any_token(str(request.POST.get("token", "")))
    except signing.BadSignature:
        raise Http404("Not a valid link") from None
    services.send_link(application)
    return redirect("applications:link-sent")


@require_GET
def link_sent(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "courses/applications/link_sent.html")


def _from_status_link(request: HtmxHttpRequest, token: str) -> Application | HttpResponse:
    try:
        return links.open_status_token(token)
    except links.LinkExpired:
        return _expired(request, token)
    except signing.BadSignature:
        raise Http404("Not a valid link") from None


@require_GET
@never_cache
def status(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The applicant's page: where the application stands; withdraw it; answer an offer."""
    application = _from_status_link(request, token)
    if isinstance(application, HttpResponse):
        return application
    return render(
        request,
        "courses/applications/status.html",
        {"application": application, "token": token},
    )


@require_POST
def withdraw(request: HtmxHttpRequest, token: str) -> HttpResponse:
    application = _from_status_link(request, token)
    if isinstance(application, HttpResponse):
        return application
    try:
        services.withdraw(application=application)
    except services.ApplicationRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Your application is withdrawn."))
    return redirect("applications:status", token)


@require_http_methods(["GET", "POST"])
@never_cache
def offer_response(request: HtmxHttpRequest, token: str, choice: str) -> HttpResponse:
    """Accept or decline a place offered from the wait list: a confirmation page, then the
    answer (a link in a mail must not act by itself)."""
    application = _from_status_link(request, token)
    if isinstance(application, HttpResponse):
        return application
    if request.method == "POST" and application.status == Application.Status.OFFERED:
        act = services.accept_offer if choice == "accept" else services.decline_offer
        try:
            act(application=application)
        except services.ApplicationRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                _("You have accepted the place. We have sent you an e-mail to set up your access.")
                if choice == "accept"
                else _("You have declined the place."),
            )
        return redirect("applications:status", token)
    return render(
        request,
        "courses/applications/offer.html",
        {"application": application, "token": token, "choice": choice},
    )
