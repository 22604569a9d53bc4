"""Demo applications (``manage.py load_demo``): an open cohort with a dozen applications in
both languages and every state a coordinator meets on the screening page — to screen,
admitted, wait-listed, one offer of a freed place pending, one rejected, one unconfirmed.

Built through ``courses.applications.services`` like real ones; their e-mails are stored in
the outgoing-mail queue but marked as not to be sent (nobody reads the demo's addresses).
Idempotent: a cohort that has applications already is left alone.
"""

from dataclasses import dataclass

from django.db import transaction

from courses.applications import services
from courses.demo.mail import kept_as_records
from courses.models import Cohort
from platform.models import PrivacyNotice, User

PROGRAM = "lff-agiles-arbeiten"
CAPACITY = 3


@dataclass(frozen=True)
class DemoApplicant:
    name: str
    email: str
    language: str
    organisation: str
    prior_knowledge: str
    motivation: str
    # What happens to the application: "screen", "admit", "waitlist", "reject", "unconfirmed".
    fate: str


APPLICANTS = (
    DemoApplicant(
        "Karin Vogt",
        "karin.vogt@example.org",
        "de",
        "Stahlwerk Ruhr GmbH",
        "Scrum-Grundkurs, zwei Jahre Teamleitung in der Fertigung.",
        "Ich möchte agile Methoden in unserer Instandhaltung einführen.",
        "admit",
    ),
    DemoApplicant(
        "Daniel Okafor",
        "daniel.okafor@example.org",
        "en",
        "Logistics Partners Dortmund",
        "Kanban boards in our warehouse team.",
        "I want to run our shop-floor improvements in short, visible iterations.",
        "admit",
    ),
    DemoApplicant(
        "Miriam Hartmann",
        "miriam.hartmann@example.org",
        "de",
        "Stadtwerke Bochum",
        "Projektmanagement nach PRINCE2.",
        "Unsere Projekte dauern zu lange; ich suche einen Weg zu schnellerem Feedback.",
        "waitlist",
    ),
    DemoApplicant(
        "Tomasz Nowak",
        "tomasz.nowak@example.org",
        "en",
        "Freelance",
        "Software developer, some Scrum.",
        "I advise small manufacturers and want a certificate for agile methods.",
        "waitlist",
    ),
    DemoApplicant(
        "Sabine Krüger",
        "sabine.krueger@example.org",
        "de",
        "Maschinenbau Krüger KG",
        "",
        "Als Geschäftsführerin möchte ich verstehen, was agiles Arbeiten für uns bedeutet.",
        "waitlist",
    ),
    DemoApplicant(
        "Jonas Becker",
        "jonas.becker@example.org",
        "de",
        "TU Dortmund",
        "Lean-Management-Vorlesung.",
        "Ich begleite Transferprojekte mit Unternehmen aus der Region.",
        "screen",
    ),
    DemoApplicant(
        "Aisha Rahman",
        "aisha.rahman@example.org",
        "en",
        "Ruhr Automotive Supply",
        "Six Sigma Green Belt.",
        "Our quality team wants to combine lean and agile ways of working.",
        "screen",
    ),
    DemoApplicant(
        "Heinz Schulte",
        "heinz.schulte@example.org",
        "de",
        "Schulte Metallbau",
        "Meisterbrief, 20 Jahre Fertigung.",
        "Ich will meine Mannschaft auf neue Arbeitsweisen vorbereiten.",
        "screen",
    ),
    DemoApplicant(
        "Laura Fischer",
        "laura.fischer@example.org",
        "de",
        "",
        "Studium Wirtschaftsingenieurwesen.",
        "Ich möchte nach dem Studium in der Produktionsplanung arbeiten.",
        "screen",
    ),
    DemoApplicant(
        "Peter Lindqvist",
        "peter.lindqvist@example.org",
        "en",
        "Nordic Tools GmbH",
        "SAFe training.",
        "I lead a plant in Unna and want our teams to plan in sprints.",
        "screen",
    ),
    DemoApplicant(
        "Elif Yılmaz",
        "elif.yilmaz@example.org",
        "de",
        "IHK Dortmund",
        "Beratung von Ausbildungsbetrieben.",
        "Ich möchte Betriebe bei der Einführung agiler Methoden beraten.",
        "screen",
    ),
    DemoApplicant(
        "Chris Morgan",
        "chris.morgan@example.org",
        "en",
        "",
        "",
        "Interested.",
        "reject",
    ),
    DemoApplicant(
        "Uwe Brandt",
        "uwe.brandt@example.org",
        "de",
        "Brandt Elektrotechnik",
        "",
        "Weiterbildung für meinen Betrieb.",
        "unconfirmed",
    ),
)


def open_demo_cohort() -> Cohort | None:
    """The program's intake that takes applications (courses/demo/catalog.py dates it from the
    day the demo is loaded, so its deadline is always ahead), with a small capacity so the
    wait list has something to do."""
    cohort = (
        Cohort.objects.filter(program__slug=PROGRAM, applications_open=True)
        .select_related("program")
        .order_by("-starts_on")
        .first()
    )
    if cohort is None:
        return None
    cohort.capacity = CAPACITY
    cohort.save(update_fields=["capacity"])
    return cohort


@transaction.atomic
def load_demo_applications(*, coordinator: User) -> None:
    cohort = open_demo_cohort()
    notice = PrivacyNotice.objects.current()
    if cohort is None or notice is None or cohort.applications.exists():
        return
    with kept_as_records():
        _apply_and_decide(cohort, notice, coordinator)


def _apply_and_decide(cohort: Cohort, notice: PrivacyNotice, coordinator: User) -> None:
    # Wait-list first so that the admissions leave no free place for them yet; then one
    # place is freed by raising the capacity and offered to the first on the list.
    cohort.capacity = 2
    cohort.save(update_fields=["capacity"])
    order = ("admit", "waitlist", "reject", "screen", "unconfirmed")
    for fate in order:
        for data in (a for a in APPLICANTS if a.fate == fate):
            application = services.submit_application(
                cohort=cohort,
                full_name=data.name,
                email=data.email,
                language=data.language,
                organisation=data.organisation,
                prior_knowledge=data.prior_knowledge,
                motivation=data.motivation,
                privacy_notice=notice,
            )
            if fate == "unconfirmed":
                continue
            application = services.confirm_email(application)
            if fate in ("admit", "waitlist", "reject"):
                decision = services.Decision(fate)
                services.decide(
                    application=application,
                    decision=decision,
                    message=services.default_message(application, decision),
                    actor=coordinator,
                )
    cohort.capacity = CAPACITY
    cohort.save(update_fields=["capacity"])
    services.offer_freed_places(cohort)
