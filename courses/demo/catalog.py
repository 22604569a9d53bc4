"""The demo catalogue: real certificate programmes, described in our own words, as plain data.

No Django here on purpose: the ``load_demo`` command turns these frozen dataclasses
into model rows, and tests can check the content without a database.

Conventions (``load_demo`` relies on them when turning this into model rows):

* ``slug`` values are unique: institutions and programmes globally, modules within their
  programme, assignments globally. Assignment slugs that name a notebook are keys of
  :func:`courses.demo.notebooks.source_notebook`.
* ``weight`` is a *relative* module weight (credit points where the programme has them);
  a programme's weighted grade is ``sum(weight * percent) / sum(weight)``.
* ``pass_mark`` is a percentage of the module's points; thresholds are inclusive (``>=``).
* A programme's certificate needs every required module passed, plus at least
  ``min_elective_modules`` passed electives; the capstone module is always required.
* Each programme's grading policy (version 1, see docs/progress.md): its ``categories``
  (weights summing to 100, drop-lowest, minimum; a module's ``category`` names the one its
  assignments count in) and the ``pass_mark`` of the weighted grade. Without categories the
  weighted grade is the module-weighted average.
* Dates in a cohort are calendar dates; assignment windows are offsets in days from the
  cohort start, so the demo stays coherent whatever cohort dates are chosen.
* Catalogue data (docs/catalogue.md): a programme's ``format`` and when its fee must be paid
  (``fee_required``); each cohort's ``capacity``, ``fee`` (EUR, 0 = free) and admission
  (``applications_open``, ``application_deadline``). The demo's running cohorts take no more
  applications; a programme's ``intake`` is its next cohort, open for applications and dated
  from the day the demo is loaded (``intake_cohort``), so the public catalogue always has
  something to apply for. Fees and capacities are illustrative.
* Descriptions are written in the programme's language. Facts we could not pin down
  (exact module names of some offerings) are marked "illustrative" in a comment: the demo
  shows the *shape* of these programmes, it is not their official curriculum.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final, Literal

__all__ = [
    "CATALOG",
    "DEMO_ENROLLMENTS",
    "DEMO_USERS",
    "Audience",
    "DemoAssignment",
    "DemoCategory",
    "DemoCohort",
    "DemoEnrollment",
    "DemoInstitution",
    "DemoIntake",
    "DemoModule",
    "DemoProgram",
    "DemoUser",
    "Language",
    "Role",
    "all_assignments",
    "all_programs",
    "intake_cohort",
    "next_term",
    "program",
]

Language = Literal["de", "en"]
Format = Literal["in_person", "online", "blended"]  # courses.models.Format
FeeRequirement = Literal["none", "admission", "certificate"]  # courses.models.FeeRequirement


class Audience(StrEnum):
    """Who a programme is for (drives wording and defaults, e.g. late policy, in the UI)."""

    PROFESSIONALS = "professionals"  # working people, part-time continuing education
    STUDENTS = "students"  # enrolled students earning an add-on certificate
    INDUSTRY = "industry"  # staff sent by companies to short trainings
    SENIORS = "seniors"  # people aged 50+
    SCHOOL_LEADERS = "school_leaders"  # head teachers and school management teams


class Role(StrEnum):
    COORDINATOR = "coordinator"
    INSTRUCTOR = "instructor"
    PARTICIPANT = "participant"


@dataclass(frozen=True, slots=True)
class DemoAssignment:
    slug: str
    title: str
    # Key into courses.demo.notebooks (nbgrader source notebook). Every demo assignment is a
    # notebook assignment: the notebook is the platform's central artefact.
    notebook: str
    # Equal to notebooks.max_points(source_notebook(notebook)); a test keeps them in step.
    points: Decimal
    opens_after_days: int
    due_after_days: int
    max_attempts: int = 5
    # Extra files a participant may upload with the notebook (own data), as glob patterns.
    allowed_data_files: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DemoFolder:
    """An nbgrader assignment folder with several notebooks, published as one assignment
    (docs/grading.md, "Multi-notebook assignments")."""

    slug: str
    title: str
    # Keys into courses.demo.notebooks.FOLDER_NOTEBOOKS, in the folder's order.
    notebooks: tuple[str, ...]
    opens_after_days: int
    due_after_days: int
    max_attempts: int = 5


@dataclass(frozen=True, slots=True)
class DemoModule:
    slug: str
    title: str
    order: int
    weight: Decimal
    pass_mark: Decimal  # percent, inclusive
    required: bool = True
    capstone: bool = False
    description: str = ""
    assignments: tuple[DemoAssignment, ...] = ()
    category: str = ""  # key of the programme's category its assignments count in
    # Assignments of several notebooks (an nbgrader assignment folder), after the others.
    folders: tuple[DemoFolder, ...] = ()
    # Share of the module's sessions to attend (docs/sessions.md); None: no attendance rule.
    attendance_rate: Decimal | None = None
    tandem_meetings: int | None = None  # a tandem module: meetings its tandems must log


@dataclass(frozen=True, slots=True)
class DemoCategory:
    key: str
    title: str
    weight: Decimal  # percent; a programme's categories sum to 100
    drop_lowest: int = 0
    minimum: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class DemoCohort:
    name: str
    starts_on: dt.date
    ends_on: dt.date
    instructors: tuple[str, ...] = ()  # usernames from DEMO_USERS
    capacity: int | None = None  # places; None: no limit
    fee: Decimal = Decimal(0)  # EUR
    applications_open: bool = False
    application_deadline: dt.date | None = None


@dataclass(frozen=True, slots=True)
class DemoIntake:
    """A programme's next cohort, dated from the day the demo is loaded (``intake_cohort``)."""

    weeks: int  # how long it runs
    capacity: int | None
    fee: Decimal = Decimal(0)
    applications_open: bool = True  # False: announced, applications not open yet
    # The deadline, in weeks before the start; None: applications until the day before.
    deadline_weeks_before_start: int | None = 4


@dataclass(frozen=True, slots=True)
class DemoProgram:
    slug: str
    title: str
    title_en: str  # for the English UI; equal to title where the name is English already
    language: Language
    audience: Audience
    description: str
    offered_by: str  # the unit inside the institution that runs it
    modules: tuple[DemoModule, ...]
    cohort: DemoCohort
    part_time: bool = True
    since: int | None = None  # first year offered, where known
    min_elective_modules: int = 0
    categories: tuple[DemoCategory, ...] = ()
    pass_mark: Decimal = Decimal(50)  # for the weighted grade, percent, inclusive
    # Other institutions that offer the programme jointly (e.g. a UA Ruhr certificate).
    partners: tuple[str, ...] = ()
    format: Format = "blended"
    fee_required: FeeRequirement = "none"
    intake: DemoIntake | None = None


@dataclass(frozen=True, slots=True)
class DemoInstitution:
    slug: str
    name: str
    name_en: str
    short_name: str
    city: str
    website: str
    programs: tuple[DemoProgram, ...]


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    display_name: str
    email: str
    role: Role
    language: Language


@dataclass(frozen=True, slots=True)
class DemoEnrollment:
    username: str
    program: str  # programme slug; the enrolment is into that programme's demo cohort


def _d(value: str) -> Decimal:
    return Decimal(value)


# --- TU Dortmund -----------------------------------------------------------------------------

_ML_PROGRAM = DemoProgram(
    slug="ml-data-science",
    title="Machine Learning in Data Science",
    title_en="Machine Learning in Data Science",
    # Taught in German (TU Dortmund's continuing education); the notebooks' prose is German.
    language="de",
    audience=Audience.PROFESSIONALS,
    description=(
        "Berufsbegleitendes Zertifikatsstudium für Fachleute, die mit Daten arbeiten und "
        "Verfahren des maschinellen Lernens sicher einsetzen wollen: von der Erkundung "
        "tabellarischer Daten über erste Klassifikatoren bis zur belastbaren Bewertung von "
        "Modellen. Den Abschluss bildet ein Projekt mit Daten aus dem eigenen Arbeitsumfeld "
        "(bring your own data)."
    ),
    # Offered through the university's continuing-education centre; the module cut below is
    # illustrative, not the official module handbook.
    offered_by="Zentrum für HochschulBildung (zhb), Bereich Weiterbildung",
    since=2024,
    # Exercises 40 %, the project 60 %; the exercises must average at least 50 % on their own,
    # so a strong project cannot carry someone who skipped the basics.
    categories=(
        DemoCategory("uebungen", "Übungen", _d("40"), minimum=_d("50")),
        DemoCategory("projekt", "Abschlussprojekt", _d("60")),
    ),
    pass_mark=_d("60"),
    modules=(
        DemoModule(
            slug="daten-verstehen",
            category="uebungen",
            title="Daten verstehen mit Python und pandas",
            order=1,
            weight=_d("1"),
            pass_mark=_d("50"),
            description="Daten laden, beschreiben, gruppieren und für Modelle aufbereiten.",
            assignments=(
                DemoAssignment(
                    slug="ml-01-pandas-wine",
                    title="Tabellarische Daten mit pandas erkunden",
                    notebook="ml-01-pandas-wine",
                    points=_d("10"),
                    opens_after_days=0,
                    due_after_days=28,
                ),
            ),
        ),
        DemoModule(
            slug="klassifikation",
            category="uebungen",
            title="Überwachtes Lernen: Klassifikation",
            order=2,
            weight=_d("1"),
            pass_mark=_d("50"),
            description="Trainings- und Testdaten, k-nächste Nachbarn, logistische Regression.",
            assignments=(
                DemoAssignment(
                    slug="ml-02-first-classifier",
                    title="Ihr erster Klassifikator",
                    notebook="ml-02-first-classifier",
                    points=_d("9"),
                    opens_after_days=28,
                    due_after_days=63,
                ),
            ),
        ),
        DemoModule(
            slug="modellbewertung",
            category="uebungen",
            title="Modellbewertung und Validierung",
            order=3,
            weight=_d("1"),
            pass_mark=_d("50"),
            description="Kreuzvalidierung, Pipelines ohne Datenleck, Konfusionsmatrix.",
            assignments=(
                DemoAssignment(
                    slug="ml-03-model-evaluation",
                    title="Modellbewertung und Kreuzvalidierung",
                    notebook="ml-03-model-evaluation",
                    points=_d("9"),
                    opens_after_days=63,
                    due_after_days=98,
                ),
            ),
        ),
        DemoModule(
            slug="byod-projekt",
            category="projekt",
            title="Bring-your-own-data-Projekt",
            order=4,
            # The project counts double: it is where the skills meet the participant's job.
            weight=_d("2"),
            pass_mark=_d("60"),
            capstone=True,
            description=(
                "Eigene Fragestellung mit eigenen Daten: Aufbereitung, Modell, Vergleich mit "
                "einem einfachen Maßstab und ein kurzer Bericht."
            ),
            assignments=(
                DemoAssignment(
                    slug="ml-capstone-byod",
                    title="Abschlussprojekt: Bring your own data",
                    notebook="ml-capstone-byod",
                    points=_d("20"),
                    opens_after_days=98,
                    due_after_days=245,
                    max_attempts=10,
                    allowed_data_files=("data.csv",),
                ),
            ),
        ),
    ),
    # Fee and places are illustrative: a paid professional certificate, paid before admission.
    format="blended",
    fee_required="admission",
    intake=DemoIntake(weeks=41, capacity=25, fee=_d("3950")),
    cohort=DemoCohort(
        name="2026/27",
        starts_on=dt.date(2026, 9, 14),
        ends_on=dt.date(2027, 6, 25),
        instructors=("j.hoffmann",),
        capacity=25,
        fee=_d("3950"),
    ),
)

_DATA_LITERACY = DemoProgram(
    slug="data-literacy",
    title="Zertifikat Data Literacy",
    title_en="Data Literacy Certificate",
    language="de",
    audience=Audience.STUDENTS,
    description=(
        "Zusatzzertifikat für Studierende aller Fächer: Daten erheben, auswerten, darstellen "
        "und kritisch einordnen – vom Lesen einer Grafik bis zu Fragen von Datenschutz und "
        "Datenethik."
    ),
    # Grew out of the Data Competence Network (DaCoNet); module names are illustrative.
    offered_by="Data Competence Network (DaCoNet) am Dortmund Data Science Center",
    part_time=False,
    # "The basic module, and two of the three electives."
    min_elective_modules=2,
    categories=(DemoCategory("leistungen", "Studienleistungen", _d("100")),),
    modules=(
        DemoModule(
            slug="elementares-datenverstaendnis",
            category="leistungen",
            title="Elementares Datenverständnis",
            order=1,
            weight=_d("5"),
            pass_mark=_d("50"),
            description="Datentypen, Kennzahlen, Grafiken und ihre typischen Fallstricke.",
            assignments=(
                DemoAssignment(
                    slug="dl-01-mean-median",
                    title="Mittelwert, Median und Ausreißer",
                    notebook="dl-01-mean-median",
                    points=_d("6"),
                    opens_after_days=0,
                    due_after_days=21,
                    max_attempts=3,
                ),
            ),
            folders=(
                DemoFolder(
                    slug="dl-02-streuung-zusammenhang",
                    title="Übungsblatt: Streuung und Zusammenhang (zwei Notebooks)",
                    notebooks=("streuung", "zusammenhang"),
                    opens_after_days=7,
                    due_after_days=35,
                    max_attempts=3,
                ),
            ),
        ),
        DemoModule(
            slug="daten-visualisieren",
            category="leistungen",
            title="Daten darstellen und kommunizieren",
            order=2,
            weight=_d("5"),
            pass_mark=_d("50"),
            required=False,
            description="Gute und irreführende Diagramme; Ergebnisse für Laien aufbereiten.",
        ),
        DemoModule(
            slug="datenethik",
            category="leistungen",
            title="Datenethik und Datenschutz",
            order=3,
            weight=_d("5"),
            pass_mark=_d("50"),
            required=False,
            description="Einwilligung, Anonymisierung, Verzerrungen in Daten und Modellen.",
        ),
        DemoModule(
            slug="daten-im-fach",
            category="leistungen",
            title="Daten im eigenen Fach",
            order=4,
            weight=_d("5"),
            pass_mark=_d("50"),
            required=False,
            description="Ein kleines Datenprojekt mit Material aus dem eigenen Studienfach.",
        ),
    ),
    # Free for the university's students, mostly online.
    format="online",
    intake=DemoIntake(weeks=50, capacity=60),
    cohort=DemoCohort(
        name="2026/27",
        starts_on=dt.date(2026, 10, 12),
        ends_on=dt.date(2027, 9, 30),
        instructors=("m.yilmaz",),
        capacity=60,
    ),
)

_DIVERSITY_GENDER = DemoProgram(
    slug="diversitaet-gender",
    title="Zertifikat Diversität und Gender",
    title_en="Diversity and Gender Certificate",
    language="de",
    audience=Audience.STUDENTS,
    description=(
        "Hochschulübergreifendes Zusatzangebot für Bachelor- und Masterstudierende: "
        "Grundbegriffe der Diversitäts- und Geschlechterforschung, Intersektionalität und "
        "soziale Ungleichheit, vertieft in Wahlveranstaltungen und erprobt in einem Praktikum."
    ),
    # A joint UA Ruhr certificate, piloted from winter term 2025/26; listed here under
    # TU Dortmund, with the partner universities named.
    offered_by="Gleichstellungsbüro, gemeinsam mit den Partnerhochschulen der UA Ruhr",
    partners=("Ruhr-Universität Bochum", "Universität Duisburg-Essen"),
    part_time=False,
    since=2025,
    modules=(
        DemoModule(
            slug="einfuehrung",
            title="Einführungsmodul",
            order=1,
            weight=_d("5"),
            pass_mark=_d("50"),
            description="Begriffe, Theorien und Perspektiven; Blockseminare und Online-Sitzungen.",
        ),
        DemoModule(
            slug="vertiefung",
            title="Vertiefungsmodul",
            order=2,
            weight=_d("5"),
            pass_mark=_d("50"),
            description="Zwei anrechenbare Lehrveranstaltungen an einer der drei Hochschulen.",
        ),
        DemoModule(
            slug="praxis",
            title="Praxismodul",
            order=3,
            weight=_d("5"),
            pass_mark=_d("50"),
            capstone=True,
            description="Praktikum bei einer Partnerorganisation mit schriftlicher Reflexion.",
        ),
    ),
    format="blended",
    # The next round is announced, applications open later.
    intake=DemoIntake(weeks=50, capacity=30, applications_open=False),
    cohort=DemoCohort(
        name="2026/27",
        starts_on=dt.date(2026, 10, 12),
        ends_on=dt.date(2027, 9, 30),
        capacity=30,
    ),
)

_SENIORS = DemoProgram(
    slug="seniorenstudium",
    title="Weiterbildendes Studium für Seniorinnen und Senioren",
    title_en="Continuing Studies for Seniors",
    language="de",
    audience=Audience.SENIORS,
    description=(
        "Strukturiertes Studium über fünf Semester für Menschen ab 50, auch ohne Abitur. "
        "Die Teilnehmenden besuchen reguläre Lehrveranstaltungen gemeinsam mit jungen "
        "Studierenden, lernen in generationenübergreifenden Tandems voneinander und bereiten "
        "sich auf ein bürgerschaftliches Engagement vor."
    ),
    # TU Dortmund runs this programme (since the 1980s). The tandem/mentoring module is our
    # illustration of its cross-generational element, not an official module title.
    offered_by="Geschäftsstelle des Weiterbildenden Studiums für Seniorinnen und Senioren",
    modules=(
        DemoModule(
            slug="kolloquium",
            title="Studienbegleitendes Kolloquium",
            order=1,
            weight=_d("1"),
            pass_mark=_d("50"),
            description="Wissenschaftliches Arbeiten in der festen Studiengruppe.",
        ),
        DemoModule(
            slug="engagement",
            title="Handlungskompetenzen für bürgerschaftliches Engagement",
            order=2,
            weight=_d("1"),
            pass_mark=_d("50"),
            description="Projekte planen, moderieren, mit Vereinen und Initiativen arbeiten.",
        ),
        DemoModule(
            slug="generationentandem",
            title="Generationen im Tandem",
            order=3,
            weight=_d("1"),
            pass_mark=_d("50"),
            description=(
                "Ältere und jüngere Studierende begleiten sich ein Semester lang gegenseitig: "
                "Berufserfahrung gegen Studienroutine."
            ),
            tandem_meetings=4,
        ),
        DemoModule(
            slug="abschlussarbeit",
            title="Abschlussarbeit",
            order=4,
            weight=_d("2"),
            pass_mark=_d("50"),
            capstone=True,
            description="Eine eigene kleine Untersuchung, meist zum geplanten Engagement.",
        ),
    ),
    # A new study group starts once a year; the current one takes no more applications.
    format="in_person",
    fee_required="admission",
    cohort=DemoCohort(
        name="Studiengruppe 2026",
        starts_on=dt.date(2026, 10, 12),
        ends_on=dt.date(2029, 3, 31),
        capacity=40,
        fee=_d("150"),
    ),
)

_SCHOOL_LEADERSHIP = DemoProgram(
    slug="schulleitung",
    title="Schulleitungsakademie: Schule wirksam leiten",
    title_en="School Leadership Academy: Leading Schools Effectively",
    language="de",
    audience=Audience.SCHOOL_LEADERS,
    description=(
        "Berufsbegleitende Qualifizierung für Schulleitungen, Stellvertretungen und "
        "Mitglieder von Steuergruppen: Führungsrolle klären, Unterrichts- und "
        "Personalentwicklung steuern, Daten der Schule für Entscheidungen nutzen und ein "
        "Entwicklungsvorhaben an der eigenen Schule umsetzen."
    ),
    # We believe TU Dortmund runs this through its academy for educational leaders (with the
    # Institute for School Development Research); the programme title is illustrative.
    offered_by="Deutsche Akademie für Pädagogische Führungskräfte (DAPF)",
    modules=(
        DemoModule(
            slug="fuehrungsrolle",
            title="Rolle und Selbstverständnis als Führungskraft",
            order=1,
            weight=_d("1"),
            pass_mark=_d("50"),
        ),
        DemoModule(
            slug="unterrichtsentwicklung",
            title="Unterrichts- und Personalentwicklung",
            order=2,
            weight=_d("1"),
            pass_mark=_d("50"),
        ),
        DemoModule(
            slug="datengestuetzt",
            title="Datengestützte Schulentwicklung",
            order=3,
            weight=_d("1"),
            pass_mark=_d("50"),
            required=False,
            description="Lernstandserhebungen und Schulstatistik lesen und besprechen.",
        ),
        DemoModule(
            slug="entwicklungsprojekt",
            title="Entwicklungsprojekt an der eigenen Schule",
            order=4,
            weight=_d("2"),
            pass_mark=_d("50"),
            capstone=True,
        ),
    ),
    format="blended",
    intake=DemoIntake(weeks=40, capacity=24),
    cohort=DemoCohort(
        name="2026/27",
        starts_on=dt.date(2026, 9, 8),
        ends_on=dt.date(2027, 6, 18),
        capacity=24,
    ),
)

# --- Ruhr University Bochum ------------------------------------------------------------------

_SUSTAINABILITY = DemoProgram(
    slug="nachhaltigkeit",
    title="Nachhaltigkeitszertifikat",
    title_en="Sustainability Certificate",
    language="de",
    audience=Audience.STUDENTS,
    description=(
        "Fächerübergreifendes Zusatzzertifikat für alle Studierenden: eine gemeinsame "
        "Grundlage zu Klimawandel und nachhaltiger Entwicklung, eine fachliche Vertiefung "
        "und ein Praxisprojekt mit klarem Nachhaltigkeitsbezug."
    ),
    offered_by="Optionalbereich",
    part_time=False,
    since=2023,
    modules=(
        DemoModule(
            slug="basismodul",
            title="Basismodul: Klimawandel und Nachhaltigkeit",
            order=1,
            weight=_d("5"),
            pass_mark=_d("50"),
            description="Ringvorlesung aus vielen Fächern mit begleitendem Seminar.",
        ),
        DemoModule(
            slug="aufbaumodul",
            title="Aufbaumodul",
            order=2,
            weight=_d("5"),
            pass_mark=_d("50"),
            description="Fachliche Vertiefung, auch über anerkannte Veranstaltungen des Fachs.",
        ),
        DemoModule(
            slug="praxismodul",
            title="Praxismodul",
            order=3,
            weight=_d("5"),
            pass_mark=_d("50"),
            capstone=True,
            description="Ein eigenes Projekt oder Praktikum mit Nachhaltigkeitsbezug.",
        ),
    ),
    format="blended",
    intake=DemoIntake(weeks=50, capacity=80),
    cohort=DemoCohort(
        name="2026/27",
        starts_on=dt.date(2026, 10, 12),
        ends_on=dt.date(2027, 9, 30),
        capacity=80,
    ),
)

_COLLECTIVE_VIOLENCE = DemoProgram(
    slug="collective-violence",
    title="Zertifikat Collective Violence, Holocaust and Genocide Studies",
    title_en="Certificate in Collective Violence, Holocaust and Genocide Studies",
    language="de",
    audience=Audience.STUDENTS,
    description=(
        "Studienbegleitendes Zertifikat, das einen selbst gewählten Schwerpunkt sichtbar "
        "macht: Ursachen, Verläufe und Folgen kollektiver Gewalt aus mehreren Disziplinen, "
        "mit kritischer Diskussion und Hilfe bei eigenen Forschungsfragen. Die Basisstufe "
        "kann um eine Vertiefung erweitert werden."
    ),
    # Basic level (about 20 CP) plus an optional advanced module (about 10 CP); the split of
    # the basic level into two modules is illustrative.
    offered_by="Institut für Diaspora- und Genozidforschung (IDG)",
    part_time=False,
    since=2021,
    modules=(
        DemoModule(
            slug="grundlagen",
            title="Theorien und Begriffe kollektiver Gewalt",
            order=1,
            weight=_d("10"),
            pass_mark=_d("50"),
        ),
        DemoModule(
            slug="holocaust-genozid",
            title="Holocaust und Genozide im Vergleich",
            order=2,
            weight=_d("10"),
            pass_mark=_d("50"),
        ),
        DemoModule(
            slug="advanced",
            title="Vertiefung: eigenes Forschungsvorhaben",
            order=3,
            weight=_d("10"),
            pass_mark=_d("50"),
            required=False,
        ),
    ),
    format="blended",
    # No deadline: applications until the day before the cohort starts.
    intake=DemoIntake(weeks=50, capacity=20, deadline_weeks_before_start=None),
    cohort=DemoCohort(
        name="2026/27",
        starts_on=dt.date(2026, 10, 12),
        ends_on=dt.date(2027, 9, 30),
        capacity=20,
    ),
)

# The Learning and Research Factory (LFF) of the Chair of Production Systems trains staff
# from companies in a real production environment. The three trainings and their module cut
# are illustrative of that offering.
_LFF = "Lern- und Forschungsfabrik (LFF), Lehrstuhl für Produktionssysteme"

_LFF_LEAN = DemoProgram(
    slug="lff-lean-management",
    title="Lean Management in der Lernfabrik",
    title_en="Lean Management in the Learning Factory",
    language="de",
    audience=Audience.INDUSTRY,
    description=(
        "Praxistraining für Beschäftigte aus Produktion und Logistik: Verschwendung erkennen, "
        "Wertströme aufnehmen und an einer echten Montagelinie Schritt für Schritt "
        "verbessern – und dann den Transfer in den eigenen Betrieb planen."
    ),
    offered_by=_LFF,
    modules=(
        DemoModule(
            slug="wertstrom",
            title="Wertstrom und Verschwendung",
            order=1,
            weight=_d("1"),
            pass_mark=_d("50"),
        ),
        DemoModule(
            slug="fluss-und-takt",
            title="Planspiel: Fluss, Takt und Pull an der Linie",
            order=2,
            weight=_d("1"),
            pass_mark=_d("50"),
        ),
        DemoModule(
            slug="transfer",
            title="Transferprojekt im eigenen Betrieb",
            order=3,
            weight=_d("1"),
            pass_mark=_d("50"),
            capstone=True,
        ),
    ),
    # Companies are invoiced after the training: the fee is due before the certificate.
    format="in_person",
    fee_required="certificate",
    intake=DemoIntake(weeks=10, capacity=12, fee=_d("1490")),
    cohort=DemoCohort(
        name="Frühjahr 2027",
        starts_on=dt.date(2027, 2, 22),
        ends_on=dt.date(2027, 4, 30),
        capacity=12,
        fee=_d("1490"),
    ),
)

_LFF_SMART_FACTORY = DemoProgram(
    slug="lff-smart-factory",
    title="Smart Factory: digitale Produktion erleben",
    title_en="Smart Factory: Digital Production Hands-on",
    language="de",
    audience=Audience.INDUSTRY,
    description=(
        "Training für Fach- und Führungskräfte aus kleinen und mittleren Unternehmen: wie "
        "Maschinen- und Sensordaten erfasst und genutzt werden, wo Assistenzsysteme und "
        "Roboter Menschen entlasten, und wie ein Digitalisierungsvorhaben klein beginnt."
    ),
    offered_by=_LFF,
    modules=(
        DemoModule(
            slug="vernetzte-produktion",
            title="Vernetzte Produktion: Daten aus Maschinen und Sensoren",
            order=1,
            weight=_d("1"),
            pass_mark=_d("50"),
        ),
        DemoModule(
            slug="mensch-roboter",
            title="Assistenzsysteme und Mensch-Roboter-Kollaboration",
            order=2,
            weight=_d("1"),
            pass_mark=_d("50"),
            # Hands-on sessions at the factory's robot cell (courses.demo.sessions).
            attendance_rate=_d("80"),
        ),
        DemoModule(
            slug="fahrplan",
            title="Vom Pilotversuch zum Fahrplan",
            order=3,
            weight=_d("1"),
            pass_mark=_d("50"),
            capstone=True,
        ),
    ),
    format="in_person",
    fee_required="certificate",
    intake=DemoIntake(weeks=10, capacity=12, fee=_d("1890")),
    cohort=DemoCohort(
        name="Winter 2026",
        starts_on=dt.date(2026, 11, 23),
        ends_on=dt.date(2027, 1, 29),
        instructors=("m.yilmaz",),
        capacity=12,
        fee=_d("1890"),
    ),
)

_LFF_AGILE = DemoProgram(
    slug="lff-agiles-arbeiten",
    title="Agiles Arbeiten in Produktion und Entwicklung",
    title_en="Agile Working in Production and Engineering",
    language="de",
    audience=Audience.INDUSTRY,
    description=(
        "Kompakttraining zu agilen Werten, Rollen und Methoden und zu der Frage, wo sie "
        "außerhalb der Softwareentwicklung tragen: in Entwicklungsprojekten, in der "
        "Auftragssteuerung und im Shopfloor-Management."
    ),
    offered_by=_LFF,
    modules=(
        DemoModule(
            slug="grundlagen-agil",
            title="Agile Werte, Rollen und Scrum im Überblick",
            order=1,
            weight=_d("1"),
            pass_mark=_d("50"),
        ),
        DemoModule(
            slug="agil-im-shopfloor",
            title="Agile Methoden im Shopfloor",
            order=2,
            weight=_d("1"),
            pass_mark=_d("50"),
            capstone=True,
        ),
    ),
    format="in_person",
    fee_required="certificate",
    intake=DemoIntake(weeks=5, capacity=16, fee=_d("990")),
    cohort=DemoCohort(
        name="Frühjahr 2027",
        starts_on=dt.date(2027, 3, 15),
        ends_on=dt.date(2027, 4, 16),
        capacity=16,
        fee=_d("990"),
    ),
)


CATALOG: Final[tuple[DemoInstitution, ...]] = (
    DemoInstitution(
        slug="tu-dortmund",
        name="Technische Universität Dortmund",
        name_en="TU Dortmund University",
        short_name="TU Dortmund",
        city="Dortmund",
        website="https://www.tu-dortmund.de",
        programs=(_ML_PROGRAM, _DATA_LITERACY, _DIVERSITY_GENDER, _SENIORS, _SCHOOL_LEADERSHIP),
    ),
    DemoInstitution(
        slug="rub",
        name="Ruhr-Universität Bochum",
        name_en="Ruhr University Bochum",
        short_name="RUB",
        city="Bochum",
        website="https://www.ruhr-uni-bochum.de",
        programs=(_SUSTAINABILITY, _COLLECTIVE_VIOLENCE, _LFF_LEAN, _LFF_SMART_FACTORY, _LFF_AGILE),
    ),
)


DEMO_USERS: Final[tuple[DemoUser, ...]] = (
    DemoUser("k.vogel", "Katrin Vogel", "katrin.vogel@example.org", Role.COORDINATOR, "de"),
    DemoUser("j.hoffmann", "Dr. Jana Hoffmann", "jana.hoffmann@example.org", Role.INSTRUCTOR, "de"),
    DemoUser("m.yilmaz", "Mehmet Yılmaz", "mehmet.yilmaz@example.org", Role.INSTRUCTOR, "de"),
    DemoUser("lena.schmidt", "Lena Schmidt", "lena.schmidt@example.org", Role.PARTICIPANT, "de"),
    DemoUser("arjun.mehta", "Arjun Mehta", "arjun.mehta@example.org", Role.PARTICIPANT, "en"),
    DemoUser("gisela.brandt", "Gisela Brandt", "gisela.brandt@example.org", Role.PARTICIPANT, "de"),
    # An international student, Gisela's tandem partner in the seniors' program (a guest without
    # a program of her own: courses/demo/tandems.py).
    DemoUser("sofia.garcia", "Sofía García", "sofia.garcia@example.org", Role.PARTICIPANT, "en"),
)

DEMO_ENROLLMENTS: Final[tuple[DemoEnrollment, ...]] = (
    DemoEnrollment("lena.schmidt", "ml-data-science"),
    DemoEnrollment("arjun.mehta", "ml-data-science"),
    DemoEnrollment("gisela.brandt", "seniorenstudium"),
    # Senior students attend regular courses alongside young students, so one also takes
    # the data-literacy module: it gives the second instructor a notebook to grade.
    DemoEnrollment("gisela.brandt", "data-literacy"),
)


def all_programs() -> tuple[tuple[DemoInstitution, DemoProgram], ...]:
    return tuple((inst, prog) for inst in CATALOG for prog in inst.programs)


def program(slug: str) -> DemoProgram:
    for _, prog in all_programs():
        if prog.slug == slug:
            return prog
    raise KeyError(slug)


def next_term(today: dt.date) -> tuple[str, dt.date]:
    """The next semester whose lectures start at least ten weeks after ``today`` (so a
    deadline four weeks before the start is still ahead): its name and first day. Summer
    terms start in April, winter terms in October, on the Monday on or after the 12th."""
    earliest = today + dt.timedelta(weeks=10)
    for year in range(today.year, today.year + 2):
        for month in (4, 10):
            twelfth = dt.date(year, month, 12)
            start = twelfth + dt.timedelta(days=(7 - twelfth.weekday()) % 7)
            if start >= earliest:
                name = (
                    f"Sommersemester {year}"
                    if month == 4
                    else f"Wintersemester {year}/{(year + 1) % 100:02d}"
                )
                return name, start
    raise AssertionError("unreachable: a term starts within two years")


def intake_cohort(prog: DemoProgram, today: dt.date) -> DemoCohort | None:
    """The programme's next cohort (its ``intake``) as of ``today``, or None."""
    intake = prog.intake
    if intake is None:
        return None
    name, starts_on = next_term(today)
    weeks_before = intake.deadline_weeks_before_start
    return DemoCohort(
        name=name,
        starts_on=starts_on,
        ends_on=starts_on + dt.timedelta(weeks=intake.weeks),
        instructors=prog.cohort.instructors,
        capacity=intake.capacity,
        fee=intake.fee,
        applications_open=intake.applications_open,
        application_deadline=(
            None if weeks_before is None else starts_on - dt.timedelta(weeks=weeks_before)
        ),
    )


def all_assignments() -> tuple[tuple[DemoProgram, DemoModule, DemoAssignment], ...]:
    return tuple(
        (prog, module, assignment)
        for _, prog in all_programs()
        for module in prog.modules
        for assignment in module.assignments
    )
