"""The applicant's e-mails (docs/applications.md, "Mails"): each in the applicant's language and
through the outgoing-mail queue, so it is stored with the change it reports and retried when the
mail server fails. Templates: ``templates/courses/applications/mail/``."""

from django.template.loader import render_to_string
from django.utils import translation

from courses.applications import links
from courses.models import Application
from platform.mail import queue_mail, queue_mail_in_language
from platform.middleware import supported_language


def applicant_language(language: str) -> str:
    return supported_language(language) or "en"


def queue_applicant_mail(
    application: Application, template: str, context: dict[str, object]
) -> None:
    """``<template>`` with what every applicant's mail names (their name, the program, the
    cohort and the link to the application's page) and ``context``."""
    cohort = application.cohort
    queue_mail_in_language(
        to=application.email,
        language=application.language,
        template=f"courses/applications/mail/{template}",
        context={
            "name": application.full_name,
            "program": cohort.program.title,
            "cohort": cohort.name,
            "status_url": links.absolute("applications:status", links.status_token(application)),
            **context,
        },
        topic=f"application {application.pk}",
    )


def queue_confirmation(application: Application) -> None:
    queue_applicant_mail(
        application,
        "confirm",
        {
            "confirm_url": links.absolute("applications:confirm", links.confirm_token(application)),
            "days": links.CONFIRM_MAX_AGE.days,
        },
    )


def default_message(application: Application, decision: str) -> str:
    """The message a decision (``admit``, ``waitlist``, ``reject``) sends unless the coordinator
    edits it, in the applicant's language (one template per decision)."""
    with translation.override(applicant_language(application.language)):
        return render_to_string(
            f"courses/applications/mail/message_{decision}.txt",
            {
                "name": application.full_name,
                "program": application.cohort.program.title,
                "cohort": application.cohort.name,
            },
        ).strip()


def queue_decision(application: Application, decision: str) -> None:
    """The coordinator's message as sent (``decision_message``), under the decision's subject
    and above the link to the application's page."""
    with translation.override(applicant_language(application.language)):
        subject = render_to_string(
            "courses/applications/mail/decision_subject.txt",
            {"decision": decision, "program": application.cohort.program.title},
        ).strip()
        body = render_to_string(
            "courses/applications/mail/decision.txt",
            {
                "message": application.decision_message,
                "status_url": links.absolute(
                    "applications:status", links.status_token(application)
                ),
            },
        )
    queue_mail(
        to=application.email, subject=subject, body=body, topic=f"application {application.pk}"
    )
