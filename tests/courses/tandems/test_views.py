"""The tandem pages through the client: who sees what (notes private to the pair and the
coordinators), each action's happy path, refusals and wrong methods (docs/tandems.md)."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from courses.models import Cohort, Enrollment, Module, Tandem, TandemMeeting, TandemProfile
from courses.tandems import services
from platform.models import User
from tests.courses.tandems.conftest import days_ago
from tests.helpers import log_in

NOTE = "Talked about her grandchildren in Valencia"


@pytest.fixture
def logged(tandem: Tandem) -> Tandem:
    services.log_meeting(
        tandem=tandem, by=tandem.student, met_on=days_ago(4), minutes=60, topic="Food", note=NOTE
    )
    return tandem


def as_(user: User) -> Client:
    return log_in(Client(), user)


@pytest.mark.parametrize("name", ["detail", "reflection"])
def test_the_pair_and_the_coordinator_read_the_log(
    logged: Tandem, coordinator: User, program_coordinator: User, name: str
) -> None:
    url = reverse(f"tandems:{name}", args=[logged.pk])
    for user in (logged.senior.user, logged.student, coordinator, program_coordinator):
        response = as_(user).get(url)
        assert response.status_code == 200, user
    assert NOTE in as_(coordinator).get(reverse("tandems:detail", args=[logged.pk])).text


@pytest.mark.parametrize("name", ["detail", "reflection"])
def test_instructors_other_participants_and_other_coordinators_get_a_404(
    logged: Tandem,
    instructor: User,
    other_senior: Enrollment,
    foreign_coordinator: User,
    outsider: User,
    name: str,
) -> None:
    url = reverse(f"tandems:{name}", args=[logged.pk])
    for user in (instructor, other_senior.user, foreign_coordinator, outsider):
        assert as_(user).get(url).status_code == 404, user


def test_anonymous_visitors_are_sent_to_log_in(logged: Tandem) -> None:
    response = Client().get(reverse("tandems:detail", args=[logged.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_partner_logs_a_meeting(tandem: Tandem) -> None:
    client = as_(tandem.senior.user)
    response = client.post(
        reverse("tandems:log-meeting", args=[tandem.pk]),
        {"met_on": days_ago(1).isoformat(), "minutes": "45", "topic": "Museum", "note": "Fun"},
    )
    assert response.status_code == 302
    meeting = TandemMeeting.objects.get()
    assert (meeting.logged_by, meeting.topic, meeting.minutes) == (tandem.senior.user, "Museum", 45)
    page = client.get(reverse("tandems:detail", args=[tandem.pk])).text
    assert "1 of 3 meetings logged" in page


def test_a_bad_meeting_keeps_what_was_typed_and_says_why(tandem: Tandem) -> None:
    response = as_(tandem.student).post(
        reverse("tandems:log-meeting", args=[tandem.pk]),
        {"met_on": days_ago(-3).isoformat(), "minutes": "45", "topic": "Later", "note": "Keep me"},
    )
    assert response.status_code == 400
    assert "cannot be logged before it took place" in response.text
    assert "Keep me" in response.text
    assert not TandemMeeting.objects.exists()


def test_a_coordinator_reads_but_does_not_log(tandem: Tandem, coordinator: User) -> None:
    response = as_(coordinator).post(
        reverse("tandems:log-meeting", args=[tandem.pk]),
        {"met_on": days_ago(1).isoformat(), "minutes": "45", "topic": "x"},
    )
    assert response.status_code == 403
    assert not TandemMeeting.objects.exists()


def test_logging_is_a_post(tandem: Tandem) -> None:
    assert (
        as_(tandem.student).get(reverse("tandems:log-meeting", args=[tandem.pk])).status_code == 405
    )


def test_the_senior_saves_a_draft_by_htmx_and_hands_in(tandem: Tandem) -> None:
    client = as_(tandem.senior.user)
    draft = client.post(
        reverse("tandems:reflection-draft", args=[tandem.pk]),
        {"text": "Half a thought"},
        headers={"HX-Request": "true"},
    )
    assert draft.status_code == 200
    assert "Draft saved at" in draft.text
    assert "<html" not in draft.text  # only the status line
    page = client.get(reverse("tandems:reflection", args=[tandem.pk])).text
    assert "Half a thought" in page
    handed_in = client.post(
        reverse("tandems:reflection", args=[tandem.pk]),
        {"text": "A whole thought", "action": "submit"},
    )
    assert handed_in.status_code == 302
    assert Tandem.objects.get(pk=tandem.pk).reflection.text == "A whole thought"


def test_an_empty_reflection_is_not_handed_in(tandem: Tandem) -> None:
    response = as_(tandem.senior.user).post(
        reverse("tandems:reflection", args=[tandem.pk]), {"text": "  ", "action": "submit"}
    )
    assert response.status_code == 400
    assert "Please write your reflection" in response.text


def test_the_student_does_not_write_the_reflection(tandem: Tandem) -> None:
    response = as_(tandem.student).post(
        reverse("tandems:reflection-draft", args=[tandem.pk]), {"text": "mine"}
    )
    assert response.status_code == 400
    assert "written by the program" in response.text


def test_an_instructor_grades_the_reflection_without_seeing_the_notes(
    logged: Tandem, instructor: User, other_instructor: User
) -> None:
    services.submit_reflection(tandem=logged, by=logged.senior.user, text="What I learnt")
    url = reverse("tandems:grade", args=[logged.pk])
    assert as_(other_instructor).get(url).status_code == 404
    page = as_(instructor).get(url).text
    assert "What I learnt" in page and NOTE not in page
    listing = as_(instructor).get(reverse("tandems:reflections", args=[logged.cohort_id])).text
    assert logged.senior.user.full_name in listing
    response = as_(instructor).post(url, {"decision": "pass", "feedback": "Lovely"})
    assert response.status_code == 302
    assert Tandem.objects.get(pk=logged.pk).reflection.state == "accepted"
    again = as_(instructor).post(url, {"decision": "pass"})
    assert again.status_code == 400


def test_a_request_for_a_new_partner_shows_its_reason_to_coordinators_only(
    tandem: Tandem, coordinator: User
) -> None:
    reason = "Our times never match"
    response = as_(tandem.student).post(
        reverse("tandems:new-partner", args=[tandem.pk]), {"reason": reason}
    )
    assert response.status_code == 302
    assert reason in as_(coordinator).get(reverse("tandems:cohort", args=[tandem.cohort_id])).text
    assert (
        reason not in as_(tandem.senior.user).get(reverse("tandems:detail", args=[tandem.pk])).text
    )


def test_the_overview_is_for_coordinators(
    tandem: Tandem, instructor: User, participant: User
) -> None:
    url = reverse("tandems:cohort", args=[tandem.cohort_id])
    assert as_(instructor).get(url).status_code == 404
    assert as_(participant).get(url).status_code == 404


def test_the_overview_reads_in_a_constant_number_of_queries(
    cohort: Cohort,
    tandem_module: Module,
    coordinator: User,
    django_assert_num_queries: Any,
) -> None:
    from courses.services import enroll
    from tests.helpers import make_user, pair_with_new_student

    client = as_(coordinator)
    url = reverse("tandems:cohort", args=[cohort.pk])

    def grow(n: int) -> None:
        for i in range(n):
            senior = enroll(user=make_user(f"s{n}-{i}"), cohort=cohort)
            tandem = pair_with_new_student(
                senior, tandem_module, email=f"st{n}-{i}@example.org", name="St", by=coordinator
            )
            student = tandem.student
            services.log_meeting(
                tandem=tandem, by=student, met_on=days_ago(2), minutes=30, topic="t"
            )
            services.request_new_partner(tandem=tandem, by=student, reason="r")

    grow(1)
    client.get(url)  # warm the session and the site's caches
    with django_assert_num_queries(10) as small:
        assert client.get(url).status_code == 200
    grow(4)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_a_coordinator_pairs_by_hand(
    cohort: Cohort, tandem_module: Module, senior: Enrollment, student: User, coordinator: User
) -> None:
    response = as_(coordinator).post(
        reverse("tandems:pair", args=[cohort.pk]),
        {"module": tandem_module.pk, "senior": senior.pk, "student": student.pk},
    )
    assert response.status_code == 302
    assert Tandem.objects.get().senior == senior


def test_the_proposal_says_why_and_pairs_what_is_ticked(
    cohort: Cohort,
    tandem_module: Module,
    senior: Enrollment,
    other_senior: Enrollment,
    student: User,
    coordinator: User,
) -> None:
    services.save_profile(
        user=senior.user,
        languages=[("de", "native"), ("es", "good")],
        interests=["hiking"],
        availability="",
    )
    services.save_profile(
        user=other_senior.user, languages=[("it", "native")], interests=[], availability=""
    )
    services.save_profile(
        user=student,
        languages=[("es", "native"), ("de", "good")],
        interests=["hiking"],
        availability="",
    )
    client = as_(coordinator)
    url = reverse("tandems:proposal", args=[cohort.pk])
    page = client.get(url).text
    assert "both speak German, Spanish; both like hiking" in page
    assert other_senior.user.full_name not in page  # no shared language with anyone free
    response = client.post(url, {"pairs": [f"{senior.pk}:{student.pk}"]})
    assert response.status_code == 302
    assert Tandem.objects.get().student == student
    # The page is stale now: nothing is proposed any more, nothing is paired twice.
    assert client.post(url, {"pairs": [f"{senior.pk}:{student.pk}"]}).status_code == 400


def test_re_pairing_ends_the_old_tandem_and_keeps_its_log(
    logged: Tandem, coordinator: User, other_senior: Enrollment
) -> None:
    client = as_(coordinator)
    assert client.post(reverse("tandems:end", args=[logged.pk])).status_code == 302
    client.post(
        reverse("tandems:pair", args=[logged.cohort_id]),
        {"module": logged.module_id, "senior": other_senior.pk, "student": logged.student_id},
    )
    assert Tandem.objects.current().get().senior == other_senior
    old = as_(logged.senior.user).get(reverse("tandems:detail", args=[logged.pk])).text
    assert NOTE in old and "the log is kept" in old


def test_a_partner_cannot_end_the_tandem(tandem: Tandem) -> None:
    assert as_(tandem.student).post(reverse("tandems:end", args=[tandem.pk])).status_code == 403


def test_a_coordinator_invites_a_student_who_joins_with_a_password(
    cohort: Cohort, coordinator: User, client: Client
) -> None:
    response = as_(coordinator).post(
        reverse("tandems:invite", args=[cohort.pk]),
        {"name": "Wei Chen", "email": "wei@example.org", "language": "en"},
    )
    assert response.status_code == 302
    token = "known-token"
    from courses.enrolment.services import hash_token
    from courses.models import TandemStudent

    TandemStudent.objects.filter(user__email="wei@example.org").update(token_hash=hash_token(token))
    url = reverse("tandems:join", args=[token])
    assert "Choose your password" in client.get(url).text
    joined = client.post(url, {"new_password1": "Tandem-2026!x", "new_password2": "Tandem-2026!x"})
    assert joined.status_code == 302
    assert joined["Location"] == reverse("tandems:profile")
    assert client.get(url).status_code == 404  # the link works once
    mine = client.get(reverse("tandems:mine"))
    assert "no tandem partner yet" in mine.text
    assert "You take part as a tandem partner" in client.get(reverse("home")).text


def test_the_profile_form_stores_languages_and_interests(participant: User) -> None:
    response = as_(participant).post(
        reverse("tandems:profile"),
        {"language_1": "es", "level_1": "good", "interests": "Hiking, opera", "availability": "Mo"},
    )
    assert response.status_code == 302
    profile = TandemProfile.objects.get(user=participant)
    assert (profile.languages, profile.interests) == ([["es", "good"]], ["hiking", "opera"])


def test_a_language_without_a_level_is_a_clear_error(participant: User) -> None:
    response = as_(participant).post(reverse("tandems:profile"), {"language_1": "es"})
    assert response.status_code == 400
    assert "how well you speak it" in response.text
    assert not TandemProfile.objects.exists()


def test_a_coordinator_makes_a_module_a_tandem_module_in_the_set_up(
    program: Any, coordinator: User
) -> None:
    response = as_(coordinator).post(
        reverse("setup:modules", args=[program.pk]),
        {
            "title": "Generations in tandem",
            "weight": "1",
            "pass_mark": "50",
            "kind": "required",
            "tandem_meetings": "5",
        },
    )
    assert response.status_code == 302
    assert Module.objects.get(title="Generations in tandem").tandem_meetings == 5
