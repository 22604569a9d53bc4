"""Demo tandems in the seniors' study program (``manage.py load_demo``; docs/tandems.md).

The study group gets three more seniors and four international students (guests who joined
already, so they log in with the demo password). Gisela Brandt and Sofía García have logged
every meeting and Gisela's reflection waits for the coordinator: accepting it completes her
program and issues her certificate (her other modules' results are recorded). Helga Wagner's
reflection is accepted: her tandem module is met. Werner Schulz has asked for a new partner. Ursula Klein and Lucas Silva are still free: the proposal pairs them ("both speak
German; both like photography").

Pairing, meetings and reflections go through ``courses.tandems.services``; their e-mails are
kept as records, never sent (``courses.demo.mail``). Idempotent: a senior who has a tandem
already is left alone.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from courses.demo.mail import kept_as_records
from courses.exceptions import ModuleResultRefused
from courses.models import Cohort, Enrollment, Module, Tandem, TandemStudent
from courses.services import enroll, record_module_result
from courses.tandems import services
from platform.models import User

PROGRAM = "seniorenstudium"


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    language: str
    languages: tuple[tuple[str, str], ...]
    interests: tuple[str, ...]
    availability: str = ""


SENIORS = (
    Person(
        "gisela.brandt",
        "Gisela Brandt",
        "de",
        (("de", "native"), ("es", "good")),
        ("hiking", "cooking", "local history"),
        "dienstags und donnerstags nachmittags",
    ),
    Person(
        "helga.wagner",
        "Helga Wagner",
        "de",
        (("de", "native"), ("en", "good")),
        ("chess", "local history"),
        "vormittags",
    ),
    Person("werner.schulz", "Werner Schulz", "de", (("de", "native"),), ("football",)),
    Person("ursula.klein", "Ursula Klein", "de", (("de", "native"),), ("photography", "gardening")),
)
STUDENTS = (
    Person(
        "sofia.garcia",
        "Sofía García",
        "en",
        (("es", "native"), ("de", "good"), ("en", "fluent")),
        ("hiking", "cooking"),
        "afternoons after 3 pm",
    ),
    Person("wei.chen", "Wei Chen", "en", (("zh", "native"), ("de", "good")), ("chess",)),
    Person("amara.okafor", "Amara Okafor", "en", (("en", "native"), ("de", "basic")), ("music",)),
    Person(
        "lucas.silva", "Lucas Silva", "en", (("pt", "native"), ("de", "good")), ("photography",)
    ),
)
# senior, student, meetings logged (days ago, by the senior or the student), reflection
PAIRS = (
    ("gisela.brandt", "sofia.garcia", (60, 45, 30, 12), "submitted"),
    ("helga.wagner", "wei.chen", (70, 56, 42, 28, 14), "accepted"),
    ("werner.schulz", "amara.okafor", (20,), "none"),
)
GISELA_REFLECTION = (
    "Sofía hat mir gezeigt, wie man heute studiert – von der Mensa bis zur Lernplattform. "
    "Ich habe ihr das Ruhrgebiet meiner Jugend gezeigt: die Zeche Zollern, den Phoenix-See. "
    "Am meisten überrascht hat mich, wie ähnlich unsere Sorgen vor Prüfungen sind."
)
HELGA_REFLECTION = (
    "Wei und ich haben jede Woche Schach gespielt und dabei Deutsch geübt. Ich habe gelernt, "
    "geduldiger zu erklären; er hat mir die chinesische Schrift nähergebracht."
)


def _account(person: Person, password: str) -> User:
    user, created = User.objects.get_or_create(
        username=person.username,
        defaults={
            "display_name": person.name,
            "email": f"{person.username}@example.org",
            "preferred_language": person.language,
        },
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    if not hasattr(user, "tandem_profile"):
        services.save_profile(
            user=user,
            languages=person.languages,
            interests=person.interests,
            availability=person.availability,
        )
    return user


def _record_other_modules(enrollment: Enrollment, tandem_module: Module, coordinator: User) -> None:
    """Results for the study group's other modules, so the tandem completes the program (a
    module another part of the demo gives assignments keeps them: it is skipped)."""
    for module in Module.objects.filter(program_id=enrollment.cohort.program_id).exclude(
        pk=tandem_module.pk
    ):
        try:
            record_module_result(
                actor=coordinator,
                enrollment=enrollment,
                module=module,
                passed=True,
                percent=Decimal(85),
                reason="Demo: in der Studiengruppe erbracht",
            )
        except ModuleResultRefused:
            continue


def load_demo_tandems(*, coordinator: User, password: str) -> None:
    cohort = (
        Cohort.objects.filter(program__slug=PROGRAM).order_by("starts_on").select_related("program")
    ).first()
    module = Module.tandem_modules().filter(program__slug=PROGRAM).first()
    if cohort is None or module is None:
        return
    seniors = {p.username: enroll(user=_account(p, password), cohort=cohort) for p in SENIORS}
    students = {p.username: _account(p, password) for p in STUDENTS}
    for student in students.values():
        TandemStudent.objects.get_or_create(
            cohort=cohort,
            user=student,
            defaults={"invited_by": coordinator, "joined_at": timezone.now()},
        )
    with kept_as_records():
        _pair_and_log(cohort, module, seniors, students, coordinator)


def _pair_and_log(
    cohort: Cohort,
    module: Module,
    seniors: dict[str, Enrollment],
    students: dict[str, User],
    coordinator: User,
) -> None:
    today = timezone.localdate()
    for senior_name, student_name, meetings, reflection in PAIRS:
        senior = seniors[senior_name]
        if Tandem.objects.filter(senior=senior, module=module).exists():
            continue
        if senior_name == "gisela.brandt":
            _record_other_modules(senior, module, coordinator)
        tandem = services.pair(
            cohort=cohort,
            module=module,
            senior=senior,
            student=students[student_name],
            by=coordinator,
        )
        for n, days in enumerate(meetings):
            services.log_meeting(
                tandem=tandem,
                by=senior.user if n % 2 == 0 else tandem.student,
                met_on=today - dt.timedelta(days=days),
                minutes=60 + 15 * (n % 3),
                topic=("Campusführung", "Zeche Zollern", "Kochen", "Prüfungsangst", "Schach")[n],
                note="Nächstes Mal treffen wir uns in der Stadtbibliothek.",
            )
        if reflection in ("submitted", "accepted"):
            text = GISELA_REFLECTION if senior_name == "gisela.brandt" else HELGA_REFLECTION
            services.submit_reflection(tandem=tandem, by=senior.user, text=text)
        if reflection == "accepted":
            services.grade_reflection(
                tandem=tandem, by=coordinator, accepted=True, feedback="Sehr anschaulich, danke!"
            )
        if senior_name == "werner.schulz":
            services.request_new_partner(
                tandem=tandem,
                by=senior.user,
                reason="Wir finden keine gemeinsamen Termine; Amara arbeitet abends.",
            )
