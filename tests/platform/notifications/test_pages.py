"""The bell, the list (newest first, unread marked, paginated), opening one, "mark all read",
and the e-mail choices page; each person sees only their own."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext_noop

from platform.models import EMAIL_BY_DEFAULT, Notification, NotificationKind, User
from platform.notifications import services
from platform.notifications.views import PAGE_SIZE

LIST = reverse("notifications:list")
SETTINGS = reverse("notifications:settings")
READ_ALL = reverse("notifications:read-all")


def note(user: User, n: int = 1, url: str = "/catalogue/") -> Notification:
    return services.notify(
        user=user,
        kind=NotificationKind.ANNOUNCEMENT,
        message=gettext_noop("Announcement: %(title)s"),
        values={"title": f"News {n}"},
        url=url,
    )


@pytest.fixture
def three(participant: User) -> list[Notification]:
    return [note(participant, n) for n in range(1, 4)]


def bell(client: Client) -> str:
    page = client.get(reverse("home")).content.decode()
    start = page.index('id="nav-notifications"')
    return page[start : page.index("</a>", start)]


def test_the_bell_shows_the_unread_count_with_an_accessible_name(
    client_for: Any, participant: User, three: list[Notification]
) -> None:
    client = client_for(participant)
    assert "Notifications, 3 unread" in bell(client)
    assert '<span class="bell-count">3</span>' in bell(client)
    services.mark_read(notification=three[0])
    assert "Notifications, 2 unread" in bell(client)
    client.cookies.load({"django_language": "de"})
    participant.preferred_language = "de"
    participant.save(update_fields=["preferred_language"])
    assert "Benachrichtigungen, 2 ungelesen" in bell(client)


def test_the_bell_costs_no_query_of_its_own(client_for: Any, participant: User) -> None:
    """Its number is on the user row each request loads anyway: no page asks the
    notifications table, and the count does not change the number of queries."""
    client = client_for(participant)

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as context:
            assert "nav-notifications" in client.get(reverse("catalogue:list")).content.decode()
        return [query["sql"] for query in context.captured_queries]

    before = queries()
    note(participant)
    after = queries()
    assert len(before) == len(after)
    assert not any("platform_notification" in sql for sql in after)


def test_anonymous_pages_have_no_bell(client: Client, db: None) -> None:
    page = client.get(reverse("catalogue:list")).content.decode()
    assert 'id="nav-notifications"' not in page


def test_the_list_is_newest_first_marks_unread_and_links_each_one(
    client_for: Any, participant: User, three: list[Notification]
) -> None:
    services.mark_read(notification=three[0])
    page = client_for(participant).get(LIST).content.decode()
    positions = [page.index(f"News {n}") for n in (3, 2, 1)]
    assert positions == sorted(positions)
    assert page.count('class="unread"') == 2 and page.count('class="read"') == 1
    for notification in three:
        assert reverse("notifications:open", args=[notification.pk]) in page
    assert f'href="{SETTINGS}"' in page


def test_the_list_is_paginated_with_one_query_for_the_rows(
    client_for: Any, participant: User, django_assert_max_num_queries: Any
) -> None:
    for n in range(PAGE_SIZE + 2):
        note(participant, n)
    client = client_for(participant)
    with django_assert_max_num_queries(5):
        first = client.get(LIST).content.decode()
    assert first.count('class="unread"') == PAGE_SIZE and 'rel="next"' in first
    second = client.get(LIST, {"page": 2}).content.decode()
    assert second.count('class="unread"') == 2 and 'rel="prev"' in second
    assert client.get(LIST, {"page": "nonsense"}).status_code == 200


def test_opening_one_marks_it_read_and_goes_to_the_thing(
    client_for: Any, participant: User, three: list[Notification]
) -> None:
    response = client_for(participant).get(reverse("notifications:open", args=[three[1].pk]))
    assert response.status_code == 302 and response["Location"] == "/catalogue/"
    three[1].refresh_from_db()
    participant.refresh_from_db()
    assert three[1].is_read and participant.unread_notifications == 2


def test_a_stored_address_elsewhere_never_redirects_off_site(
    client_for: Any, participant: User
) -> None:
    notification = note(participant)
    Notification.objects.filter(pk=notification.pk).update(url="//evil.example/")
    response = client_for(participant).get(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == LIST


def test_another_persons_notification_is_404(
    client_for: Any, participant: User, other_participant: User, three: list[Notification]
) -> None:
    response = client_for(other_participant).get(reverse("notifications:open", args=[three[0].pk]))
    assert response.status_code == 404
    three[0].refresh_from_db()
    assert not three[0].is_read
    assert "News" not in client_for(other_participant).get(LIST).content.decode()


def test_mark_all_read_marks_only_mine(
    client_for: Any, participant: User, other_participant: User, three: list[Notification]
) -> None:
    theirs = note(other_participant)
    client = client_for(participant)
    response = client.post(READ_ALL)
    assert response.status_code == 302 and response["Location"] == LIST
    assert not Notification.objects.filter(user=participant).unread().exists()
    theirs.refresh_from_db()
    assert not theirs.is_read
    participant.refresh_from_db()
    other_participant.refresh_from_db()
    assert (participant.unread_notifications, other_participant.unread_notifications) == (0, 1)
    assert "Notifications, 0 unread" in bell(client)


def test_the_pages_need_a_log_in_and_the_right_method(
    client: Client, client_for: Any, participant: User, three: list[Notification]
) -> None:
    for url in (LIST, SETTINGS, reverse("notifications:open", args=[three[0].pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(READ_ALL).status_code == 302
    assert not Notification.objects.filter(read_at__isnull=False).exists()
    logged_in = client_for(participant)
    assert logged_in.get(READ_ALL).status_code == 405
    assert logged_in.post(LIST).status_code == 405
    assert logged_in.post(reverse("notifications:open", args=[three[0].pk])).status_code == 405


def test_the_read_all_form_is_csrf_protected(participant: User, three: list[Notification]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(participant)
    assert client.post(READ_ALL).status_code == 403


def test_email_choices_start_at_the_defaults_and_are_saved(
    client_for: Any, participant: User
) -> None:
    client = client_for(participant)
    page = client.get(SETTINGS).content.decode()
    assert page.count("checked") == len(EMAIL_BY_DEFAULT)  # every kind but comments
    assert services.wants_email(participant, "grade_released")
    assert not services.wants_email(participant, "comment")
    response = client.post(SETTINGS, {"comment": "on", "announcement": "on"})
    assert response.status_code == 302
    assert services.email_choices(participant) == {
        NotificationKind.GRADE_RELEASED: False,
        NotificationKind.COMMENT: True,
        NotificationKind.REGRADE_DECIDED: False,
        NotificationKind.CERTIFICATE: False,
        NotificationKind.ANNOUNCEMENT: True,
        NotificationKind.TANDEM: False,
    }
    assert client.get(SETTINGS).content.decode().count("checked") == 2


def test_email_choices_are_per_person(participant: User, other_participant: User) -> None:
    services.set_email_choices(user=participant, choices={NotificationKind.ANNOUNCEMENT: False})
    assert not services.wants_email(participant, "announcement")
    assert services.wants_email(other_participant, "announcement")


def test_the_profile_links_the_email_choices(client_for: Any, participant: User) -> None:
    page = client_for(participant).get(reverse("profile")).content.decode()
    assert f'href="{SETTINGS}"' in page


def test_a_message_whose_translation_does_not_fit_its_values_still_shows(
    participant: User,
) -> None:
    notification = note(participant)
    Notification.objects.filter(pk=notification.pk).update(values={"other": "x"})
    notification.refresh_from_db()
    assert notification.text == "Announcement: %(title)s"


def test_notify_refuses_an_address_off_the_site(participant: User) -> None:
    with pytest.raises(ValueError):
        note(participant, url="https://evil.example/")
    with pytest.raises(ValueError):
        services.notify(user=participant, kind="nonsense", message="x", url="/")
    assert not Notification.objects.exists()
