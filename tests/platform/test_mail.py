"""The one helper every e-mail goes through: the recipient's language, then the program's."""

from django.core import mail

from platform.mail import recipient_language, send_in_language
from platform.models import User

TEMPLATE = "submissions/email/regrade_resolved"


def test_the_recipients_preference_wins_over_the_fallback(participant: User) -> None:
    participant.preferred_language = "en"
    assert recipient_language(participant, fallback="de") == "en"


def test_without_a_preference_the_fallback_decides(participant: User) -> None:
    participant.preferred_language = ""
    assert recipient_language(participant, fallback="de") == "de"


def test_an_unsupported_preference_or_fallback_is_passed_over(participant: User) -> None:
    participant.preferred_language = "fr"
    assert recipient_language(participant, fallback="de-AT") == "de"
    assert recipient_language(participant, fallback="xx") == "en"


def test_nothing_is_sent_to_a_user_without_an_address(participant: User) -> None:
    participant.email = ""
    send_in_language(recipient=participant, fallback_language="de", template=TEMPLATE, context={})
    assert mail.outbox == []
