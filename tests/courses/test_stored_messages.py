"""Messages that a worker stores and a request words, in the reader's language (plain_i18n)."""

import json
from decimal import Decimal

import pytest
from django.utils import translation

from courses.plain_i18n import Message, gettext_lazy, ngettext_lazy, verbatim

PARTIAL = (
    "Partial credit: %(points)s of %(n)s point.",
    "Partial credit: %(points)s of %(n)s points.",
)


def test_a_stored_message_is_worded_in_the_language_active_when_it_is_shown() -> None:
    stored = ngettext_lazy(*PARTIAL, Decimal("3.00"), points=Decimal("2.50")).dumps()

    assert Message.loads(stored).text() == "Partial credit: 2.5 of 3 points."
    with translation.override("de"):
        assert Message.loads(stored).text() == "Teilpunkte: 2,5 von 3 Punkten."


def test_the_count_chooses_the_plural_form() -> None:
    with translation.override("de"):
        assert ngettext_lazy(*PARTIAL, 1, points=Decimal("0.5")).text() == (
            "Teilpunkte: 0,5 von 1 Punkt."
        )
        assert ngettext_lazy(*PARTIAL, 1.5, points=1).text() == "Teilpunkte: 1 von 1,5 Punkten."


def test_sentences_and_verbatim_text_join_into_one_paragraph() -> None:
    message = verbatim("AssertionError: 5 != 6") + gettext_lazy(
        "Your changes to this read-only cell were undone for grading."
    )

    with translation.override("de"):
        assert str(Message.loads(message.dumps())) == (
            "AssertionError: 5 != 6 Ihre Änderungen an dieser schreibgeschützten Zelle wurden "
            "für die Bewertung rückgängig gemacht."
        )


def test_a_message_inside_a_message_is_worded_too() -> None:
    inner = gettext_lazy("No answer was given (the cell is unchanged).")
    outer = gettext_lazy("The reference notebook could not be graded: %(error)s", error=inner)

    with translation.override("de"):
        assert Message.loads(outer.dumps()).text() == (
            "Das Notebook mit der Musterlösung konnte nicht bewertet werden: "
            "Es wurde keine Antwort gegeben (die Zelle ist unverändert)."
        )


def test_verbatim_text_and_text_values_are_shown_as_they_are() -> None:
    message = verbatim("100% of %(x)s") + gettext_lazy(
        "The cell wrote to standard error: %(output)s", output="50% %(y)s"
    )

    assert message.text() == "100% of %(x)s The cell wrote to standard error: 50% %(y)s"


def test_text_stored_before_messages_were_reads_back_verbatim() -> None:
    assert Message.loads("AssertionError: secret detail").text() == "AssertionError: secret detail"
    assert Message.loads('{"i18n": [{"broken": 1}]}').text() == '{"i18n": [{"broken": 1}]}'
    assert Message.loads("").text() == ""
    assert not Message.loads("")


def test_map_verbatim_reaches_every_text_but_never_the_catalogue_sentence() -> None:
    message = verbatim("secret") + gettext_lazy(
        "Your notebook could not be read: %(problem)s", problem="secret again"
    )

    changed = message.map_verbatim(lambda text: text.replace("secret", "[…]"))

    assert changed.text() == "[…] Your notebook could not be read: […] again"


@pytest.mark.parametrize(
    "data",
    [
        {"msgid": "x"},
        [{"msgid": 3}],
        [{"msgid": "x", "values": {"n": 1.5}}],
        [{"msgid": "x", "values": {"n": {"decimal": "NaN"}}}],
        [{"msgid": "x", "plural": 2}],
        ["part"] * 51,
        json.loads('[{"msgid": "%(m)s", "values": {"m": {"message": ' * 6 + '["x"]' + "}}}]" * 6),
    ],
)
def test_data_that_is_not_a_bounded_message_is_refused(data: object) -> None:
    with pytest.raises(ValueError):
        Message.from_data(data)


def test_a_sentence_whose_values_do_not_fit_is_shown_unformatted() -> None:
    assert gettext_lazy("Unknown %(thing)s here", other="x").text() == "Unknown %(thing)s here"
