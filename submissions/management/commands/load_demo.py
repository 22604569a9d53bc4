"""Load the demo programs, people and assignments (idempotent), then print the log-ins.

A submissions command although the demo's content is courses' (``courses.demo``): it publishes
the assignments through ``submissions.publishing.services.publish_assignment``, which gives each its
``AssignmentSettings``, and courses never imports submissions."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import nbformat
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from courses.demo import catalog, notebooks
from courses.demo.applications import load_demo_applications
from courses.demo.sessions import load_demo_sessions
from courses.demo.tandems import load_demo_tandems
from courses.models import (
    Assignment,
    Cohort,
    ElectiveGroup,
    GradingPolicy,
    Institution,
    Module,
    PolicyCategory,
    PolicyModule,
    Program,
)
from courses.requirements import Role
from courses.risk import judge_running_cohorts
from courses.services import NotebookSources, enroll, publish_policy
from platform.accounts.policy import requires_second_factor
from platform.accounts.services import record_known_address, set_up_totp
from platform.models import User
from submissions.demo_reminder import load_demo_reminder
from submissions.demo_workspace import load_demo_workspace
from submissions.publishing.course_files import store_course_files
from submissions.publishing.services import publish_assignment

DEMO_PASSWORD = "demo"  # noqa: S105 - printed for the demo on purpose
# Staff, coordinators and instructors need a second factor (platform.accounts.policy): the
# demo's share one authenticator-app secret and one set of recovery codes, both printed.
DEMO_TOTP_SECRET = "MNSXE5DMMFRCAZDFNVXSA43FMNXW4ZBB"  # noqa: S105 - printed on purpose
DEMO_RECOVERY_SEED = "certlab-demo-recovery-codes"


def _at(start: dt.date, days: int, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    """A local wall-clock time ``days`` after the cohort starts (deadlines are 23:59 local)."""
    return dt.datetime.combine(start + dt.timedelta(days=days), time, tzinfo=zone)


class Command(BaseCommand):
    help = "Create the demo programs, cohorts, assignments and people. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help="Password for the demo accounts (only set when an account is created).",
        )

    def handle(self, *args: Any, password: str, **options: Any) -> None:
        with transaction.atomic():
            users = {u.username: self._user(u, password) for u in catalog.DEMO_USERS}
            for user in users.values():
                record_known_address(user)
            for institution_data, program_data in catalog.all_programs():
                institution = self._institution(institution_data)
                program = self._program(institution, program_data, users)
                coordinator = next(
                    users[u.username]
                    for u in catalog.DEMO_USERS
                    if u.role == catalog.Role.COORDINATOR
                )
                self._policy(program, program_data, coordinator)
            for enrollment in catalog.DEMO_ENROLLMENTS:
                cohort = Cohort.objects.filter(
                    program__slug=enrollment.program,
                    name=catalog.program(enrollment.program).cohort.name,
                ).first()
                if cohort is not None:
                    enroll(user=users[enrollment.username], cohort=cohort)
            load_demo_applications(
                coordinator=next(
                    users[u.username]
                    for u in catalog.DEMO_USERS
                    if u.role == catalog.Role.COORDINATOR
                )
            )
            load_demo_workspace(password=password)
            load_demo_sessions(password=password)
            load_demo_tandems(
                coordinator=next(
                    users[u.username]
                    for u in catalog.DEMO_USERS
                    if u.role == catalog.Role.COORDINATOR
                ),
                password=password,
            )
            load_demo_reminder()
            # The demo backdates enrolments and log-ins: judge "at risk" on those dates now
            # rather than at the worker's next run (docs/workspace.md, "Performance").
            judge_running_cohorts(now=timezone.now())
            recovery_codes = [
                set_up_totp(user=user, secret=DEMO_TOTP_SECRET, recovery_seed=DEMO_RECOVERY_SEED)
                for user in users.values()
                if requires_second_factor(user)
            ]
        self._print_logins(password, recovery_codes[0] if recovery_codes else [])

    def _user(self, data: catalog.DemoUser, password: str) -> User:
        user, created = User.objects.get_or_create(
            username=data.username,
            defaults={
                "display_name": data.display_name,
                "email": data.email,
                "preferred_language": data.language,
                "is_staff": data.role == catalog.Role.COORDINATOR,
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        return user

    def _institution(self, data: catalog.DemoInstitution) -> Institution:
        institution, _created = Institution.objects.update_or_create(
            slug=data.slug,
            defaults={"name": data.name, "short_name": data.short_name, "website": data.website},
        )
        return institution

    def _program(
        self, institution: Institution, data: catalog.DemoProgram, users: dict[str, User]
    ) -> Program:
        program, _created = Program.objects.update_or_create(
            slug=data.slug,
            defaults={
                "institution": institution,
                "title": data.title,
                "summary": data.description,
                "audience": data.audience.value,
                "language": data.language,
                "is_part_time": data.part_time,
                "format": data.format,
                "fee_required": data.fee_required,
            },
        )
        # The running cohort, and the next one open for applications (courses.demo.catalog).
        for cohort_data in (data.cohort, catalog.intake_cohort(data, timezone.localdate())):
            if cohort_data is None:
                continue
            cohort, _created = Cohort.objects.update_or_create(
                program=program,
                name=cohort_data.name,
                defaults={
                    "starts_on": cohort_data.starts_on,
                    "ends_on": cohort_data.ends_on,
                    "capacity": cohort_data.capacity,
                    "fee": cohort_data.fee,
                    "applications_open": cohort_data.applications_open,
                    "application_deadline": cohort_data.application_deadline,
                },
            )
            cohort.instructors.add(*(users[name] for name in cohort_data.instructors))
        local = ZoneInfo(settings.TIME_ZONE)
        for module_data in data.modules:
            module, _created = Module.objects.update_or_create(
                program=program,
                title=module_data.title,
                defaults={
                    "summary": module_data.description,
                    "order": module_data.order,
                    "weight": module_data.weight,
                    "pass_mark": module_data.pass_mark,
                    "is_required": module_data.required,
                    "is_capstone": module_data.capstone,
                    "tandem_meetings": module_data.tandem_meetings,
                },
            )
            # Single notebooks, then nbgrader assignment folders (one assignment each).
            items: list[tuple[catalog.DemoAssignment | catalog.DemoFolder, NotebookSources]] = [
                (a, nbformat.writes(notebooks.source_notebook(a.notebook)).encode())
                for a in module_data.assignments
            ] + [
                (
                    f,
                    [
                        (f"{name}.ipynb", nbformat.writes(notebooks.folder_notebook(name)).encode())
                        for name in f.notebooks
                    ],
                )
                for f in module_data.folders
            ]
            for order, (item, source) in enumerate(items):
                if Assignment.objects.filter(module=module, slug=item.slug).exists():
                    continue
                publish_assignment(
                    module=module,
                    slug=item.slug,
                    title=item.title,
                    source=source,
                    order=order,
                    opens_at=_at(
                        data.cohort.starts_on, item.opens_after_days, dt.time(0, 0), local
                    ),
                    due_at=_at(data.cohort.starts_on, item.due_after_days, dt.time(23, 59), local),
                    max_attempts=item.max_attempts,
                    course_files=store_course_files(
                        notebooks.course_files(item.notebook)
                        if isinstance(item, catalog.DemoAssignment)
                        else notebooks.FOLDER_FILES.get(item.slug, ())
                    ),
                )
        return program

    def _policy(self, program: Program, data: catalog.DemoProgram, coordinator: User) -> None:
        """Version 1 of the programme's grading policy, published; left alone once it exists
        (a coordinator may have published newer versions since)."""
        if GradingPolicy.objects.filter(program=program).exists():
            return
        policy = GradingPolicy.objects.create(
            program=program,
            version=1,
            pass_mark=data.pass_mark,
            notes="Demo: the programme's rules as first published.",
        )
        categories = {
            c.key: PolicyCategory.objects.create(
                policy=policy,
                key=c.key,
                title=c.title,
                weight=c.weight,
                drop_lowest=c.drop_lowest,
                minimum=c.minimum,
                order=order,
            )
            for order, c in enumerate(data.categories)
        }
        group = None
        if data.min_elective_modules:
            group = ElectiveGroup.objects.create(
                policy=policy,
                key="wahlmodule",
                title="Wahlmodule",
                required=data.min_elective_modules,
            )
        for module_data in data.modules:
            if module_data.capstone:
                role = Role.CAPSTONE
            elif module_data.required:
                role = Role.REQUIRED
            else:
                role = Role.ELECTIVE if group else Role.OPTIONAL
            PolicyModule.objects.create(
                policy=policy,
                module=Module.objects.get(program=program, title=module_data.title),
                role=role.value,
                pass_mark=module_data.pass_mark,
                weight=module_data.weight,
                category=categories.get(module_data.category),
                group=group if role == Role.ELECTIVE else None,
                attendance_rate=module_data.attendance_rate,
            )
        publish_policy(actor=coordinator, policy=policy)

    def _print_logins(self, password: str, recovery_codes: list[str]) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo log-ins (password for all: {password})")
        for data in catalog.DEMO_USERS:
            factor = "" if data.role == catalog.Role.PARTICIPANT else "  + second factor"
            line = f"  {data.role.value:<12} {data.username:<16} {data.display_name:<20}{factor}"
            self.stdout.write(line.rstrip())
        self.stdout.write("")
        self.stdout.write("Second factor (coordinators and instructors), any one of:")
        self.stdout.write("  the code of the moment:  python manage.py totp_code <username>")
        self.stdout.write(f"  an authenticator app with the secret {DEMO_TOTP_SECRET}")
        if recovery_codes:
            self.stdout.write(
                "  a recovery code, each once per account: " + " ".join(recovery_codes[:3])
            )
        self.stdout.write("")
