"""Announcements: who receives them, their e-mails in each recipient's language, the home page,
the history pages and who may use them."""

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from courses.communication.services import (
    AnnouncementRefused,
    announcement_recipients,
    send_announcement,
)
from courses.models import Announcement, Cohort, Enrollment, Program
from courses.services import enroll
from platform.mail import deliver_due_mail
from platform.models import Notification, NotificationKind, OutgoingMail, User
from platform.notifications.services import set_email_choices
from tests.helpers import make_cohort, make_user


def announce(client: Any, cohort: Cohort, **data: str) -> Any:
    data = {"title": "Room change", "body": "We meet in room **E23**.", "format": "plain", **data}
    return client.post(reverse("communication:cohort", args=[cohort.pk]), data)


# --- the audience ---------------------------------------------------------------------------


def test_a_cohort_announcement_reaches_only_its_active_participants(
    coordinator: User, cohort: Cohort, enrolled: User, other_enrolled: User, sibling_cohort: Cohort
) -> None:
    other_enrolled.enrollments.update(status=Enrollment.Status.PAUSED)
    invited = make_user("ivan")
    Enrollment.objects.create(user=invited, cohort=cohort, status=Enrollment.Status.INVITED)
    elsewhere = make_user("elsa")
    enroll(user=elsewhere, cohort=sibling_cohort)
    announcement = send_announcement(
        sender=coordinator, title="Hello", body="Welcome", program=cohort.program, cohort=cohort
    )
    assert list(announcement_recipients(announcement)) == [enrolled]
    assert announcement.recipient_count == 1


def test_a_program_announcement_reaches_every_current_cohort_once(
    coordinator: User, program: Program, cohort: Cohort, sibling_cohort: Cohort, enrolled: User
) -> None:
    enroll(user=enrolled, cohort=sibling_cohort)  # in two cohorts: one announcement
    newcomer = make_user("nina")
    enroll(user=newcomer, cohort=sibling_cohort)
    ended = make_cohort(
        program, name="2020", starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2020, 12, 31)
    )
    enroll(user=make_user("olga"), cohort=ended)
    announcement = send_announcement(
        sender=coordinator, title="Holidays", body="Closed in August", program=program
    )
    assert set(announcement_recipients(announcement)) == {enrolled, newcomer}
    assert announcement.recipient_count == 2


def test_an_announcement_to_one_participant_reaches_them_alone(
    instructor: User, cohort: Cohort, enrolled: User, other_enrolled: User
) -> None:
    enrollment = enrolled.enrollments.get()
    announcement = send_announcement(
        sender=instructor, title="Your data", body="Please check", program=cohort.program,
        enrollment=enrollment,
    )  # fmt: skip
    assert list(announcement_recipients(announcement)) == [enrolled]
    assert announcement.cohort == cohort


def test_nobody_to_receive_it_is_refused_and_nothing_is_stored(
    coordinator: User, cohort: Cohort
) -> None:
    with pytest.raises(AnnouncementRefused):
        send_announcement(
            sender=coordinator, title="Hi", body="x", program=cohort.program, cohort=cohort
        )
    assert not Announcement.objects.exists()


# --- e-mails --------------------------------------------------------------------------------


def test_each_recipient_gets_the_mail_in_their_language(
    coordinator: User, cohort: Cohort, enrolled: User, other_enrolled: User, mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    other_enrolled.preferred_language = "de"
    other_enrolled.save(update_fields=["preferred_language"])
    with django_capture_on_commit_callbacks(execute=True):
        send_announcement(
            sender=coordinator, title="Room change", body="Room E23 & Q&A", program=cohort.program,
            cohort=cohort,
        )  # fmt: skip
    by_address = {m.to[0]: m for m in mailoutbox}
    english, german = by_address[enrolled.email], by_address[other_enrolled.email]
    assert german.subject == "Room change · Machine Learning in Data Science"
    assert "Guten Tag Grace Hopper," in german.body and "Room E23 & Q&A" in german.body
    assert "sendet diese Ankündigung" in german.body
    assert "Hello Ada Lovelace," in english.body and "sends this announcement" in english.body


def test_every_recipient_is_notified_in_app_and_mailed_only_if_they_keep_the_choice(
    coordinator: User, cohort: Cohort, enrolled: User, other_enrolled: User, mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    set_email_choices(user=other_enrolled, choices={NotificationKind.ANNOUNCEMENT: False})
    with django_capture_on_commit_callbacks(execute=True):
        send_announcement(
            sender=coordinator, title="Room change", body="E23", program=cohort.program,
            cohort=cohort,
        )  # fmt: skip
    assert [m.to[0] for m in mailoutbox] == [enrolled.email]
    for person in (enrolled, other_enrolled):
        notification = Notification.objects.get(user=person)
        assert notification.kind == NotificationKind.ANNOUNCEMENT
        assert notification.url == reverse("home") + "#announcements"
        person.refresh_from_db()
        assert person.unread_notifications == 1


def test_a_large_cohort_is_mailed_by_the_worker(
    coordinator: User, cohort: Cohort, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    for n in range(25):
        enroll(user=make_user(f"p{n}"), cohort=cohort)
    with django_capture_on_commit_callbacks(execute=True):
        send_announcement(
            sender=coordinator, title="T", body="B", program=cohort.program, cohort=cohort
        )
    assert mailoutbox == []
    assert OutgoingMail.objects.filter(topic="announcement", sent_at__isnull=True).count() == 25
    assert deliver_due_mail() == 25 and len(mailoutbox) == 25


# --- the pages ------------------------------------------------------------------------------


def test_the_coordinator_announces_and_the_participant_sees_it_at_home(
    client_for: Any, program_coordinator: User, cohort: Cohort, enrolled: User
) -> None:
    response = announce(client_for(program_coordinator), cohort, format="markdown")
    assert response.status_code == 302
    home = client_for(enrolled).get(reverse("home")).content.decode()
    assert "Room change" in home and "<strong>E23</strong>" in home
    assert "From Paula Programme" in home


def test_markdown_is_sanitized(
    client_for: Any, coordinator: User, cohort: Cohort, enrolled: User
) -> None:
    body = "Note: <script>alert(1)</script> [x](javascript:alert) [ok](https://example.org) <img src=x onerror=alert(1)>"
    announce(client_for(coordinator), cohort, body=body, format="markdown")
    home = client_for(enrolled).get(reverse("home")).content.decode()
    section = home.split('id="announcements"')[1].split("</section>")[0]
    assert "<script>" not in section and 'href="javascript' not in section
    assert "<img" not in section
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>' in section
    assert "&lt;script&gt;" in section


def test_plain_text_is_escaped(
    client_for: Any, coordinator: User, cohort: Cohort, enrolled: User
) -> None:
    announce(client_for(coordinator), cohort, body="a <b>bold</b> claim\n\nnext")
    home = client_for(enrolled).get(reverse("home")).content.decode()
    assert "a &lt;b&gt;bold&lt;/b&gt; claim" in home and "<p>next</p>" in home


def test_a_dismissed_announcement_leaves_the_home_page(
    client_for: Any, coordinator: User, cohort: Cohort, enrolled: User, other_enrolled: User
) -> None:
    announce(client_for(coordinator), cohort)
    announcement = Announcement.objects.get()
    client = client_for(enrolled)
    url = reverse("communication:dismiss", args=[announcement.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert "Room change" not in client.get(reverse("home")).content.decode()
    assert "Room change" in client_for(other_enrolled).get(reverse("home")).content.decode()
    outsider = client_for(make_user("zoe"))
    assert outsider.post(url).status_code == 404


def test_the_history_says_who_sent_what_to_whom(
    client_for: Any, coordinator: User, instructor: User, cohort: Cohort, enrolled: User,
    other_enrolled: User,
) -> None:  # fmt: skip
    client = client_for(instructor)
    announce(client, cohort)
    announce(client, cohort, title="Just you", to=str(enrolled.enrollments.get().pk))
    page = client.get(reverse("communication:cohort", args=[cohort.pk])).content.decode()
    rows = page.split('id="announcement-history"')[1]
    assert rows.index("Just you") < rows.index("Room change")  # newest first
    assert "Ines Instructor" in rows and "Ada Lovelace" in rows
    assert "<td>2</td>" in rows and "<td>1</td>" in rows
    program_page = client_for(coordinator).get(
        reverse("communication:program", args=[cohort.program.slug])
    )
    assert "Just you" in program_page.content.decode()


def test_a_program_announcement_from_its_page(
    client_for: Any, program_coordinator: User, program: Program, cohort: Cohort, enrolled: User
) -> None:
    url = reverse("communication:program", args=[program.slug])
    response = client_for(program_coordinator).post(
        url, {"title": "Holidays", "body": "Closed", "format": "plain"}
    )
    assert response.status_code == 302
    assert list(announcement_recipients(Announcement.objects.get())) == [enrolled]


def test_bad_input_is_a_400_and_stores_nothing(
    client_for: Any, coordinator: User, cohort: Cohort, enrolled: User, other_cohort: Cohort
) -> None:
    client = client_for(coordinator)
    assert announce(client, cohort, title="").status_code == 400
    assert announce(client, cohort, format="html").status_code == 400
    assert announce(client, cohort, to="999999").status_code == 400
    stranger = enroll(user=make_user("sam"), cohort=other_cohort)
    assert announce(client, cohort, to=str(stranger.pk)).status_code == 400
    assert not Announcement.objects.exists()


@pytest.mark.parametrize(
    "who", ["anonymous", "participant", "other_instructor", "foreign_coordinator"]
)
def test_others_cannot_announce_to_the_cohort(
    who: str, request: Any, client_for: Any, cohort: Cohort, enrolled: User
) -> None:
    user = (
        None
        if who == "anonymous"
        else request.getfixturevalue(who if who != "participant" else "enrolled")
    )
    client = client_for(user)
    url = reverse("communication:cohort", args=[cohort.pk])
    response = client.post(url, {"title": "x", "body": "y", "format": "plain"})
    assert response.status_code == (302 if user is None else 404)
    program_url = reverse("communication:program", args=[cohort.program.slug])
    assert client.get(program_url).status_code == (302 if user is None else 404)
    assert not Announcement.objects.exists()


def test_an_instructor_cannot_announce_to_the_whole_program(
    client_for: Any, instructor: User, cohort: Cohort
) -> None:
    url = reverse("communication:program", args=[cohort.program.slug])
    assert client_for(instructor).get(url).status_code == 404


def test_the_history_page_refuses_other_methods(
    client_for: Any, coordinator: User, cohort: Cohort
) -> None:
    url = reverse("communication:cohort", args=[cohort.pk])
    assert client_for(coordinator).delete(url).status_code == 405


def test_the_reminder_setting_is_saved_from_the_program_page(
    client_for: Any, program_coordinator: User, program: Program
) -> None:
    client = client_for(program_coordinator)
    url = reverse("communication:reminders", args=[program.slug])
    assert client.post(url, {"days_before": "7"}).status_code == 302
    assert program.reminder_setting.days_before == 7
    client.post(url, {"days_before": "-1"})
    client.post(url, {"days_before": "x"})
    program.reminder_setting.refresh_from_db()
    assert program.reminder_setting.days_before == 7


def test_the_history_and_the_home_page_need_a_constant_number_of_queries(
    client_for: Any, coordinator: User, cohort: Cohort, enrolled: User
) -> None:
    def count(client: Any, url: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    staff, reader = client_for(coordinator), client_for(enrolled)
    history = reverse("communication:cohort", args=[cohort.pk])
    send_announcement(
        sender=coordinator, title="1", body="b", program=cohort.program, cohort=cohort
    )
    one = (count(staff, history), count(reader, reverse("home")))
    for n in range(5):
        send_announcement(
            sender=coordinator, title=f"t{n}", body="b", program=cohort.program,
            enrollment=enrolled.enrollments.get(),
        )  # fmt: skip
    assert (count(staff, history), count(reader, reverse("home"))) == one


def test_markdown_headings_stand_below_the_announcements_title() -> None:
    from courses.communication.markdown import render_markdown

    assert render_markdown("# A\n\n## B\n\n#### C") == "<h4>A</h4>\n<h5>B</h5>\n<h6>C</h6>\n"
