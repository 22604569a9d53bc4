"""The set-up pages for coordinators: a program's texts and rules, its modules and their order,
its cohorts (with instructors and allocation weights, and a copy for the next semester) and the
draft of its grading policy with a live preview. docs/program-setup.md describes them.

Who: staff and the program's own coordinators; only staff create programs. Anyone else gets a
404 (``courses.setup.access``). A refused form is a 400 with nothing stored.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from courses.catalogue.certificate_rules import describe_policy
from courses.exceptions import CoursesError
from courses.models import Cohort, Module, Program
from courses.services import create_policy_draft, publish_policy
from courses.setup import services
from courses.setup.access import (
    get_cohort_for_setup,
    get_draft_policy,
    get_module_for_setup,
    get_program_for_setup,
    require_program_creator,
)
from courses.setup.feasibility import unmet_reasons
from courses.setup.forms import CohortForm, CopyCohortForm, ModuleForm, ProgramForm
from courses.setup.policy_forms import PolicyForm
from platform.types import AuthenticatedHttpRequest
from submissions.exceptions import SubmissionError

GET_POST = ["GET", "POST"]


@login_required
@require_http_methods(["GET"])
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    programs = Program.objects.coordinated_by(request.user).select_related("institution")
    return render(request, "courses/setup/index.html", {"programs": programs})


# --- programs -------------------------------------------------------------------------------------


@login_required
@require_http_methods(GET_POST)
def program_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_program_creator(request.user)
    form = ProgramForm(request.POST or None, may_staff=True)
    if request.method == "POST":
        if form.is_valid():
            program = services.save_program(
                program=form.save(commit=False),
                coordinators=list(form.cleaned_data["coordinators"]),
            )
            messages.success(request, _("The program is created: now add its modules."))
            return redirect("setup:modules", program.pk)
        return render(request, "courses/setup/program.html", {"form": form}, status=400)
    return render(request, "courses/setup/program.html", {"form": form})


@login_required
@require_http_methods(GET_POST)
def program_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    program = get_program_for_setup(request.user, pk)
    may_staff = request.user.is_coordinator
    form = ProgramForm(request.POST or None, instance=program, may_staff=may_staff)
    context = {"form": form, "program": program}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "courses/setup/program.html", context, status=400)
        coordinators = list(form.cleaned_data["coordinators"]) if may_staff else None
        services.save_program(program=form.save(commit=False), coordinators=coordinators)
        messages.success(request, _("The program is saved."))
        return redirect("setup:program", program.pk)
    return render(request, "courses/setup/program.html", context)


# --- modules --------------------------------------------------------------------------------------


def _modules_page(
    request: AuthenticatedHttpRequest,
    program: Program,
    form: ModuleForm,
    status: int = 200,
    refusal: str = "",
) -> HttpResponse:
    modules = list(services.modules_with_use(program))
    context = {"program": program, "modules": modules, "form": form, "refusal": refusal}
    return render(request, "courses/setup/modules.html", context, status=status)


@login_required
@require_http_methods(GET_POST)
def modules(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    program = get_program_for_setup(request.user, pk)
    form = ModuleForm(request.POST or None, instance=Module(program=program))
    if request.method == "POST":
        if not form.is_valid():
            return _modules_page(request, program, form, status=400)
        services.save_module(module=form.save(commit=False))
        messages.success(request, _("The module is added."))
        return redirect("setup:modules", program.pk)
    return _modules_page(request, program, form)


@login_required
@require_http_methods(GET_POST)
def module_edit(request: AuthenticatedHttpRequest, pk: int, module_pk: int) -> HttpResponse:
    program = get_program_for_setup(request.user, pk)
    module = get_module_for_setup(program, module_pk)
    form = ModuleForm(request.POST or None, instance=module)
    context = {"program": program, "module": module, "form": form}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "courses/setup/module.html", context, status=400)
        services.save_module(module=form.save(commit=False))
        messages.success(request, _("The module is saved."))
        return redirect("setup:modules", program.pk)
    return render(request, "courses/setup/module.html", context)


@login_required
@require_POST
def module_move(request: AuthenticatedHttpRequest, pk: int, module_pk: int) -> HttpResponse:
    program = get_program_for_setup(request.user, pk)
    module = get_module_for_setup(program, module_pk)
    services.move_module(module=module, up=request.POST.get("direction") == "up")
    return redirect("setup:modules", program.pk)


@login_required
@require_POST
def module_delete(request: AuthenticatedHttpRequest, pk: int, module_pk: int) -> HttpResponse:
    program = get_program_for_setup(request.user, pk)
    module = get_module_for_setup(program, module_pk)
    try:
        services.delete_module(module=module)
    except CoursesError as refused:
        form = ModuleForm(instance=Module(program=program))
        return _modules_page(request, program, form, status=400, refusal=refused.message)
    messages.success(request, _("The module is deleted."))
    return redirect("setup:modules", program.pk)


# --- cohorts --------------------------------------------------------------------------------------


def _save_cohort(
    request: AuthenticatedHttpRequest, form: CohortForm, context: dict[str, object]
) -> HttpResponse:
    is_new = form.instance.pk is None
    if form.is_valid():
        try:
            cohort = services.save_cohort(
                actor=request.user,
                cohort=form.save(commit=False),
                instructors=form.cleaned_data["instructors_text"],
            )
        except (CoursesError, SubmissionError) as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("The cohort is saved."))
            return redirect("setup:cohort", cohort.pk)
    # The form wrote the refused values into the object (and a rolled-back save its id).
    if is_new:
        form.instance.pk = None
    else:
        form.instance.refresh_from_db()
    return render(request, "courses/setup/cohort.html", context, status=400)


@login_required
@require_http_methods(GET_POST)
def cohort_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    program = get_program_for_setup(request.user, pk)
    form = CohortForm(request.POST or None, instance=Cohort(program=program))
    context: dict[str, object] = {"program": program, "form": form}
    if request.method == "POST":
        return _save_cohort(request, form, context)
    return render(request, "courses/setup/cohort.html", context)


@login_required
@require_http_methods(GET_POST)
def cohort_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = get_cohort_for_setup(request.user, pk)
    form = CohortForm(request.POST or None, instance=cohort)
    context: dict[str, object] = {"program": cohort.program, "cohort": cohort, "form": form}
    if request.method == "POST":
        return _save_cohort(request, form, context)
    return render(request, "courses/setup/cohort.html", context)


@login_required
@require_http_methods(GET_POST)
def cohort_copy(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The first POST shows the shifted dates; the POST with ``confirm`` creates the copy."""
    cohort = get_cohort_for_setup(request.user, pk)
    form = CopyCohortForm(request.POST or None, cohort=cohort)
    context: dict[str, object] = {"cohort": cohort, "program": cohort.program, "form": form}
    if request.method == "GET":
        return render(request, "courses/setup/copy.html", context)
    if not form.is_valid():
        return render(request, "courses/setup/copy.html", context, status=400)
    starts_on = form.cleaned_data["starts_on"]
    if "confirm" not in request.POST:
        context["plan"] = services.copy_plan(cohort, starts_on)
        return render(request, "courses/setup/copy.html", context)
    try:
        copy = services.copy_cohort(
            actor=request.user, cohort=cohort, name=form.cleaned_data["name"], starts_on=starts_on
        )
    except CoursesError as refused:
        form.add_error(None, refused.message)
        return render(request, "courses/setup/copy.html", context, status=400)
    messages.success(request, _("The cohort is copied; nobody is enrolled in it yet."))
    return redirect("setup:cohort", copy.pk)


# --- the grading policy ---------------------------------------------------------------------------


def _policy_form(request: AuthenticatedHttpRequest, program: Program) -> PolicyForm | None:
    draft = get_draft_policy(program)
    if draft is None:
        return None
    modules = list(program.modules.order_by("order", "pk"))
    return PolicyForm(
        request.POST if request.method == "POST" else None, policy=draft, modules=modules
    )


def _policy_page(
    request: AuthenticatedHttpRequest,
    program: Program,
    form: PolicyForm | None,
    status: int = 200,
    refusal: str = "",
) -> HttpResponse:
    context = {
        "program": program,
        "form": form,
        "refusal": refusal,
        "published": program.grading_policies.published().order_by("-version"),
        "cohorts": program.cohorts.select_related("grading_policy").order_by("-starts_on"),
        **_preview(form),
    }
    return render(request, "courses/setup/policy.html", context, status=status)


def _preview(form: PolicyForm | None) -> dict[str, object]:
    """What a participant must do and why it cannot be met, from the form as edited."""
    if form is None:
        return {"rules": (), "unmet": ()}
    if not form.is_bound:
        form = PolicyForm(form.initial_data(), policy=form.policy, modules=form.modules)
    if not form.is_valid():
        return {"rules": (), "unmet": (), "preview_invalid": True}
    rules = form.rules()
    return {"rules": describe_policy(rules), "unmet": unmet_reasons(rules)}


@login_required
@require_http_methods(GET_POST)
def policy(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    program = get_program_for_setup(request.user, pk)
    form = _policy_form(request, program)
    if request.method == "GET" or form is None:
        return _policy_page(request, program, form, status=200 if request.method == "GET" else 400)
    if not form.is_valid():
        return _policy_page(request, program, form, status=400)
    try:
        services.save_policy_draft(
            policy=form.policy,
            pass_mark=form.cleaned_data["pass_mark"],
            categories=form.category_rules(),
            groups=form.group_rules(),
            modules=form.choices(),
            notes=form.cleaned_data["notes"],
        )
    except CoursesError as refused:
        return _policy_page(request, program, form, status=400, refusal=refused.message)
    messages.success(request, _("The draft is saved."))
    return redirect("setup:policy", program.pk)


@login_required
@require_POST
def policy_preview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The live preview: the rules in words and what keeps them from being met, for the form
    as it stands (nothing stored)."""
    program = get_program_for_setup(request.user, pk)
    form = _policy_form(request, program)
    return render(
        request, "courses/setup/policy.html#preview", {"program": program, **_preview(form)}
    )


@login_required
@require_POST
def policy_draft(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    program = get_program_for_setup(request.user, pk)
    if get_draft_policy(program) is None:
        create_policy_draft(program=program)
    return redirect("setup:policy", program.pk)


@login_required
@require_POST
def policy_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    program = get_program_for_setup(request.user, pk)
    draft = get_draft_policy(program)
    if draft is None:
        return _policy_page(request, program, None, status=400, refusal=_("There is no draft."))
    # The saved draft is what is published: the editor shows it as stored.
    form = PolicyForm(None, policy=draft, modules=list(program.modules.order_by("order", "pk")))
    unmet = unmet_reasons(draft.as_rules())
    if unmet:
        return _policy_page(request, program, form, status=400, refusal=" ".join(unmet))
    try:
        publish_policy(actor=request.user, policy=draft)
    except CoursesError as refused:
        return _policy_page(request, program, form, status=400, refusal=refused.message)
    messages.success(
        request,
        _("Version %(version)s is published; cohorts pinned to an older version keep it.")
        % {"version": draft.version},
    )
    return redirect("setup:policy", program.pk)
