"""The pages, the home page's announcements and the refusals of communication in German."""

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from courses.communication.services import AnnouncementRefused, send_announcement
from courses.models import Cohort
from platform.models import User


def in_german(user: User) -> User:
    user.preferred_language = "de"
    user.save(update_fields=["preferred_language"])
    return user


def test_the_announcement_pages_are_german(
    client_for: Any, coordinator: User, cohort: Cohort, enrolled: User
) -> None:
    client = client_for(in_german(coordinator))
    page = client.get(reverse("communication:cohort", args=[cohort.pk])).content.decode()
    assert "Neue Ankündigung" in page and "alle aktiven Teilnehmenden der Kohorte" in page
    assert "Noch keine Ankündigungen." in page
    program = client.get(reverse("communication:program", args=[cohort.program.slug]))
    assert "Erinnerungen an Fristen" in program.content.decode()
    response = client.post(
        reverse("communication:cohort", args=[cohort.pk]),
        {"title": "Raum", "body": "E23", "format": "plain"},
        follow=True,
    )
    assert "Die Ankündigung ist an 1 Person verschickt." in response.content.decode()


def test_the_home_page_and_the_calendar_page_are_german(
    client_for: Any, coordinator: User, cohort: Cohort, enrolled: User
) -> None:
    send_announcement(
        sender=coordinator, title="Raum", body="E23", program=cohort.program, cohort=cohort
    )
    client = client_for(in_german(enrolled))
    home = client.get(reverse("home")).content.decode()
    assert "Ankündigungen" in home and "Von Cora Coordinator" in home and "Ausblenden" in home
    calendar = client.get(reverse("communication:calendar")).content.decode()
    assert "Kalender-Abonnement" in calendar and "Neue Adresse erzeugen" in calendar


def test_the_refusal_is_german(coordinator: User, cohort: Cohort) -> None:
    with translation.override("de"), pytest.raises(AnnouncementRefused) as refused:
        send_announcement(
            sender=coordinator, title="T", body="B", program=cohort.program, cohort=cohort
        )
    assert (
        refused.value.message == "Niemand würde sie erhalten: Dort sind keine Teilnehmenden aktiv."
    )
