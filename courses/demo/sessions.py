"""Demo sessions with attendance (``manage.py load_demo``; docs/sessions.md): the Smart Factory
training's hands-on module "Assistenzsysteme und Mensch-Roboter-Kollaboration" requires 80 %
attendance. Its running cohort gets participants, two sessions in the past with attendance
taken (one participant missed one: 50 %, below the rate with too few sessions left, so at
risk), two upcoming ones (one with registration), and a session of the first module.

The cohort runs for a client organisation (docs/client-reports.md): its contact person
``c.berger`` reads the cohort's report; Kai Neumann and Sabine Krüger agreed to share their
individual results, Murat Demir did not.

The certificate can be earned in the demo: attendance passes the hands-on module, and the
coordinator records the results of the other two modules (*Cohort → Module results*); the
participants' fee is paid, so the certificate is issued at once.

Idempotent: a cohort that has sessions already is left alone; sessions are dated from the day
the demo is first loaded.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from courses.clients.services import set_client_consent
from courses.enrolment.services import set_fee_status
from courses.models import Cohort, Enrollment, Module, Session
from courses.services import enroll
from courses.sessions.services import SessionPlan, record_attendance, save_session
from platform.models import User

PROGRAM = "lff-smart-factory"
HANDS_ON = "Assistenzsysteme und Mensch-Roboter-Kollaboration"
FIRST = "Vernetzte Produktion: Daten aus Maschinen und Sensoren"
INSTRUCTOR = "m.yilmaz"
ZONE = "Europe/Berlin"


CLIENT = "Muster Maschinenbau GmbH"
CLIENT_CONTACT = ("c.berger", "Claudia Berger")


@dataclass(frozen=True)
class FactoryLearner:
    username: str
    name: str
    # Attendance at the two past sessions.
    marks: tuple[str, str]
    shares_results: bool = True


LEARNERS = (
    FactoryLearner("kai.neumann", "Kai Neumann", ("present", "present")),
    FactoryLearner("sabine.krueger", "Sabine Krüger", ("present", "excused")),
    FactoryLearner("murat.demir", "Murat Demir", ("present", "absent"), shares_results=False),
)


def load_demo_sessions(*, password: str) -> None:
    cohort = (
        Cohort.objects.filter(program__slug=PROGRAM).order_by("starts_on").select_related("program")
    ).first()
    instructor = User.objects.filter(username=INSTRUCTOR).first()
    if cohort is None or instructor is None or Session.objects.filter(cohort=cohort).exists():
        return
    cohort.instructors.add(instructor)
    cohort.client_organisation = CLIENT
    cohort.client_contact = _user(*CLIENT_CONTACT, password)
    cohort.save(update_fields=["client_organisation", "client_contact"])
    enrollments = [_learner(learner, cohort, password) for learner in LEARNERS]
    hands_on = Module.objects.get(program=cohort.program, title=HANDS_ON)
    first = Module.objects.get(program=cohort.program, title=FIRST)
    today = timezone.localdate()

    def plan(module: Module, days: int, **extra: object) -> Session:
        options: dict[str, object] = {"place": "Lernfabrik, Roboterzelle (Halle 2)", **extra}
        return save_session(
            actor=instructor,
            cohort=cohort,
            plan=SessionPlan(
                module=module,
                date=today + dt.timedelta(days=days),
                start=dt.time(9, 0),
                end=dt.time(13, 0),
                time_zone=ZONE,
                **options,  # type: ignore[arg-type]
            ),
        )

    past = [
        plan(hands_on, -14, title="Cobots sicher einrichten"),
        plan(hands_on, -7, title="Assistenzsysteme in der Montage"),
    ]
    plan(
        hands_on,
        7,
        title="Mensch-Roboter-Teams planen",
        capacity=12,
        note="Bitte Sicherheitsschuhe mitbringen.",
    )
    plan(
        hands_on,
        14,
        title="Abschlussrunde: Erfahrungen und Fragen",
        place="",
        online_url="https://meet.example.org/lff-smart-factory",
    )
    plan(first, 3, title="Sensordaten an der Linie erfassen")
    for index, session in enumerate(past):
        record_attendance(
            actor=instructor,
            session=session,
            marks={
                e.pk: learner.marks[index] for e, learner in zip(enrollments, LEARNERS, strict=True)
            },
        )


def _user(username: str, name: str, password: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        first, last = name.split(" ", 1)
        user = User.objects.create_user(
            username=username,
            password=password,
            email=f"{username}@example.org",
            first_name=first,
            last_name=last,
            display_name=name,
            preferred_language="de",
        )
    return user


def _learner(learner: FactoryLearner, cohort: Cohort, password: str) -> Enrollment:
    enrollment = enroll(user=_user(learner.username, learner.name, password), cohort=cohort)
    if learner.shares_results:
        set_client_consent(enrollment=enrollment, agreed=True)
    return set_fee_status(enrollment=enrollment, fee_status=Enrollment.FeeStatus.PAID, by=None)
