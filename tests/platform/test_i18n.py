"""German and English: the user's preference, then the browser; a complete German catalogue.

The catalogue tests keep future strings translated: a string marked in code or templates but not
in ``locale/de/LC_MESSAGES/django.po``, an empty or fuzzy translation, a broken placeholder or a
stale ``django.mo`` each fail here (docs/i18n.md says how to update the files).
"""

import ast
import gettext
import os
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from courses.models import Certificate
from platform.models import User
from tests.helpers import issue_certificate, log_in

ROOT = Path(__file__).resolve().parents[2]
PO_FILE = ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
USER_LANGUAGE_MIDDLEWARE = "platform.middleware.UserLanguageMiddleware"
# What `makemessages` scans (the same as --ignore=.venv --ignore=var --ignore=bench --ignore=tests).
SOURCE_DIRS = ("courses", "submissions", "platform", "templates")


@pytest.fixture(autouse=True)
def _user_language_middleware(settings: Any) -> None:
    """Run with the middleware even before it is registered in settings (registered once)."""
    if USER_LANGUAGE_MIDDLEWARE not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        middleware.insert(middleware.index(AUTH_MIDDLEWARE) + 1, USER_LANGUAGE_MIDDLEWARE)
        settings.MIDDLEWARE = middleware


def page(client: Client, url: str, accept_language: str | None = None) -> tuple[int, str]:
    headers = {"accept-language": accept_language} if accept_language else {}
    response = client.get(url, headers=headers)
    return response.status_code, response.content.decode()


def logged_in(user: User) -> Client:
    return log_in(Client(), user)


# --- the registration ---------------------------------------------------------------------------


def test_the_middleware_is_registered_after_authentication_and_locale() -> None:
    # The settings module itself: the fixture above patches only the running configuration.
    middleware = list(import_module(os.environ["DJANGO_SETTINGS_MODULE"]).MIDDLEWARE)
    assert USER_LANGUAGE_MIDDLEWARE in middleware, "add it to MIDDLEWARE (docs/i18n.md)"
    position = middleware.index(USER_LANGUAGE_MIDDLEWARE)
    assert position > middleware.index(AUTH_MIDDLEWARE)
    assert position > middleware.index("django.middleware.locale.LocaleMiddleware")


# --- the browser's language ---------------------------------------------------------------------


def test_a_german_browser_gets_the_login_page_in_german(client: Client) -> None:
    status, body = page(client, reverse("login"), "de-DE,de;q=0.9,en;q=0.5")
    assert status == 200
    assert '<html lang="de">' in body
    assert "Anmelden" in body and "Passwort" in body and "Zertifikat prüfen" in body
    assert "Log in" not in body


def test_an_english_browser_gets_the_login_page_in_english(client: Client) -> None:
    response = client.get(reverse("login"), headers={"accept-language": "en-GB,en;q=0.9"})
    body = response.content.decode()
    assert '<html lang="en">' in body and "Log in" in body and "Anmelden" not in body
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]


def test_a_german_browser_gets_the_home_page_in_german(enrolled: User, assignment: Any) -> None:
    assert enrolled.preferred_language == ""
    status, body = page(logged_in(enrolled), reverse("home"), "de")
    assert status == 200
    assert "Willkommen, Ada Lovelace" in body
    assert "Meine Programme" in body and "0 von 1 Anforderungen erfüllt" in body
    assert "Abmelden" in body


# --- the user's preference beats the browser ----------------------------------------------------


def test_a_preference_for_german_beats_an_english_browser(participant: User) -> None:
    participant.preferred_language = "de"
    participant.save()
    response = logged_in(participant).get(reverse("home"), headers={"accept-language": "en"})
    body = response.content.decode()
    assert '<html lang="de">' in body and "Willkommen, Ada Lovelace" in body
    assert response["Content-Language"] == "de"
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}


def test_a_preference_for_english_beats_a_german_browser(participant: User) -> None:
    participant.preferred_language = "en"
    participant.save()
    response = logged_in(participant).get(reverse("home"), headers={"accept-language": "de"})
    body = response.content.decode()
    assert '<html lang="en">' in body and "Welcome, Ada Lovelace" in body
    assert response["Content-Language"] == "en"


def test_the_preference_also_beats_a_language_cookie(participant: User) -> None:
    participant.preferred_language = "de"
    participant.save()
    client = logged_in(participant)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Willkommen" in page(client, reverse("home"), "en")[1]


def test_without_a_preference_the_cookie_and_browser_decide(participant: User) -> None:
    client = logged_in(participant)
    assert "Welcome" in page(client, reverse("home"), "en")[1]
    assert "Willkommen" in page(client, reverse("home"), "de")[1]
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "de"
    assert "Willkommen" in page(client, reverse("home"), "en")[1]


def test_an_unsupported_stored_preference_is_ignored(participant: User) -> None:
    User.objects.filter(pk=participant.pk).update(preferred_language="fr")
    assert "Willkommen" in page(logged_in(participant), reverse("home"), "de")[1]


@pytest.mark.django_db  # the verification page counts requests in the database
def test_anonymous_pages_follow_the_browser_only(client: Client) -> None:
    assert "Zertifikat prüfen" in page(client, reverse("verify-lookup"), "de")[1]
    assert "Verify a certificate" in page(client, reverse("verify-lookup"), "en")[1]


# --- the switcher in the header remembers the choice --------------------------------------------


def switch(client: Client, language: str, next_url: str = "/") -> Any:
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def test_switching_the_language_stores_the_preference(participant: User) -> None:
    client = logged_in(participant)
    assert "Welcome" in page(client, reverse("home"), "en")[1]
    response = switch(client, "de", reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    participant.refresh_from_db()
    assert participant.preferred_language == "de"
    # The preference now travels with the account, e.g. to a fresh browser with English.
    assert "Willkommen" in page(logged_in(participant), reverse("home"), "en")[1]


def test_switching_back_to_english_stores_that_too(participant: User) -> None:
    participant.preferred_language = "de"
    participant.save()
    client = logged_in(participant)
    switch(client, "en")
    participant.refresh_from_db()
    assert participant.preferred_language == "en"
    assert "Welcome" in page(client, reverse("home"), "de")[1]


def test_an_unsupported_language_is_not_stored(participant: User) -> None:
    client = logged_in(participant)
    switch(client, "fr")
    switch(client, "xx-not-a-language")
    participant.refresh_from_db()
    assert participant.preferred_language == ""


def test_a_get_request_changes_nothing(participant: User) -> None:
    client = logged_in(participant)
    client.get(reverse("set_language"), {"language": "de", "next": "/"})
    participant.refresh_from_db()
    assert participant.preferred_language == ""


def test_anonymous_visitors_switch_with_the_cookie_only(client: Client, participant: User) -> None:
    response = switch(client, "de", reverse("verify-lookup"))
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "de"
    assert "Zertifikat prüfen" in page(client, reverse("verify-lookup"), "en")[1]
    participant.refresh_from_db()
    assert participant.preferred_language == ""


def test_the_switcher_offers_the_other_language(client: Client) -> None:
    body = page(client, reverse("login"), "de")[1]
    assert reverse("set_language") in body
    assert 'name="language" value="en"' in body


# --- the public verification page --------------------------------------------------------------


@pytest.fixture
def certificate(enrolled: User, assignment: Any) -> Certificate:
    return issue_certificate(enrolled, assignment)


def test_the_verification_page_is_german_for_a_german_browser(
    certificate: Certificate, client: Client
) -> None:
    status, body = page(client, reverse("verify", args=[certificate.code]), "de")
    assert status == 200
    assert '<html lang="de">' in body
    assert "Zertifikatsprüfung" in body and "Dieses Zertifikat ist gültig." in body
    assert "Ausgestellt von" in body and "Ausgestellt am" in body
    assert "Ada Lovelace" in body and "Machine Learning in Data Science" in body
    assert "This certificate is valid." not in body


def test_a_revoked_certificate_says_so_in_german(certificate: Certificate, client: Client) -> None:
    certificate.status = Certificate.Status.REVOKED
    certificate.save()
    body = page(client, reverse("verify", args=[certificate.code]), "de")[1]
    assert "Dieses Zertifikat wurde am" in body and "widerrufen" in body


def test_an_unknown_code_is_a_german_404(client: Client, db: None) -> None:
    status, body = page(client, reverse("verify", args=["ABCD-EFGH-JKMN"]), "de")
    assert status == 404
    assert "Nicht gefunden" in body


# --- the catalogue ------------------------------------------------------------------------------


@dataclass
class PoEntry:
    line: int
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return self.msgctxt, self.msgid or ""


def read_po(path: Path) -> tuple[PoEntry, list[PoEntry]]:
    """A small PO parser (polib is not a dependency): the header and the messages.

    Obsolete (``#~``) entries are skipped; strings are unescaped like C strings.
    """
    entries: list[PoEntry] = []
    current: PoEntry | None = None
    target: tuple[str, int] | None = None

    def start(number: int) -> PoEntry:
        entry = PoEntry(line=number)
        entries.append(entry)
        return entry

    def append(entry: PoEntry, where: tuple[str, int], text: str) -> None:
        name, index = where
        if name == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + text
        else:
            setattr(entry, name, (getattr(entry, name) or "") + text)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if current is None or current.msgstr:
                current, target = start(number), None
            if line.startswith("#,"):
                current.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith('"'):
            assert current is not None and target is not None, f"{path}:{number}: stray string"
            append(current, target, ast.literal_eval(line))
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in {"msgctxt", "msgid"} and (current is None or current.msgstr):
            current = start(number)
        assert current is not None, f"{path}:{number}: {keyword} outside an entry"
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if match:
            target = ("msgstr", int(match.group(1)))
        elif keyword in {"msgctxt", "msgid", "msgid_plural", "msgstr"}:
            target = (keyword, 0)
        else:
            raise AssertionError(f"{path}:{number}: unexpected {keyword!r}")
        append(current, target, ast.literal_eval(rest))
    header = entries[0]
    assert header.msgid == "", f"{path}: the header entry must come first"
    return header, entries[1:]


PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0\- +]?\d*(?:\.\d+)?([sdifr%])")


def placeholders(text: str) -> Counter[str]:
    return Counter(
        f"%({name}){kind}" if name else f"%{kind}"
        for name, kind in PLACEHOLDER.findall(text)
        if kind != "%"
    )


def catalogue() -> tuple[PoEntry, list[PoEntry]]:
    assert PO_FILE.exists(), f"{PO_FILE} is missing: run makemessages (docs/i18n.md)"
    return read_po(PO_FILE)


def where(entry: PoEntry) -> str:
    return f"{PO_FILE.relative_to(ROOT)}:{entry.line} {entry.msgid!r}"


def test_the_catalogue_header_is_german_and_not_fuzzy() -> None:
    header, _ = catalogue()
    assert "fuzzy" not in header.flags
    fields = dict(
        line.split(": ", 1) for line in header.msgstr.get(0, "").splitlines() if ": " in line
    )
    assert fields["Language"] == "de"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"] == "nplurals=2; plural=(n != 1);"


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    _, entries = catalogue()
    assert entries
    problems = []
    for entry in entries:
        forms = 2 if entry.msgid_plural is not None else 1
        if "fuzzy" in entry.flags:
            problems.append(f"{where(entry)}: fuzzy")
        elif any(not entry.msgstr.get(i, "").strip() for i in range(forms)):
            problems.append(f"{where(entry)}: not translated")
    assert not problems, "\n".join(problems)


def test_translations_keep_their_placeholders() -> None:
    _, entries = catalogue()
    problems = []
    for entry in entries:
        forms = [entry.msgid or ""] + ([entry.msgid_plural] if entry.msgid_plural else [])
        expected = placeholders(forms[-1]) | placeholders(forms[0])
        for index, translated in entry.msgstr.items():
            if entry.msgid_plural is None and placeholders(translated) != expected:
                problems.append(f"{where(entry)}: {dict(placeholders(translated))}")
            elif entry.msgid_plural is not None and not placeholders(translated) <= expected:
                problems.append(f"{where(entry)}[{index}]: {dict(placeholders(translated))}")
    assert not problems, "\n".join(problems)


def test_translations_use_gender_inclusive_terms() -> None:
    """Neutral forms ("Teilnehmende", "Lehrende", "Koordination"), not the generic masculine."""
    masculine = re.compile(
        r"\b(Teilnehmer|Dozenten?|Lehrer|Studenten?|Koordinatoren|Koordinator|Prüfer|Korrektor"
        r"|Bewerter|Benutzer|Nutzer|Inhaber|Absolventen?)(s|n)?\b"
    )
    _, entries = catalogue()
    found = [
        f"{where(entry)}: {text!r}"
        for entry in entries
        for text in entry.msgstr.values()
        if masculine.search(text)
    ]
    assert not found, "\n".join(found)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
def test_msgfmt_accepts_the_catalogue(tmp_path: Path) -> None:
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "check.mo"), str(PO_FILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_compiled_catalogue_is_up_to_date() -> None:
    assert MO_FILE.exists(), f"{MO_FILE} is missing: run compilemessages (docs/i18n.md)"
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    _, entries = catalogue()
    stale = []
    for entry in entries:
        msgid = entry.msgid or ""
        if entry.msgid_plural is not None:
            got = {
                0: compiled.npgettext(entry.msgctxt, msgid, entry.msgid_plural, 1)
                if entry.msgctxt
                else compiled.ngettext(msgid, entry.msgid_plural, 1),
                1: compiled.npgettext(entry.msgctxt, msgid, entry.msgid_plural, 2)
                if entry.msgctxt
                else compiled.ngettext(msgid, entry.msgid_plural, 2),
            }
            if got != {i: entry.msgstr[i] for i in (0, 1)}:
                stale.append(where(entry))
        else:
            got_one = (
                compiled.pgettext(entry.msgctxt, msgid)
                if entry.msgctxt
                else compiled.gettext(msgid)
            )
            if got_one != entry.msgstr[0]:
                stale.append(where(entry))
    assert not stale, "django.mo is older than django.po; run compilemessages:\n" + "\n".join(stale)


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="GNU gettext's xgettext is not installed"
)
def test_every_marked_string_is_in_the_catalogue(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run makemessages on a copy of the sources: nothing marked may be missing from the .po."""
    source = tmp_path / "src"
    for name in SOURCE_DIRS:
        shutil.copytree(
            ROOT / name,
            source / name,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "static", "locale"),
        )
    settings.LOCALE_PATHS = [source / "locale"]
    monkeypatch.chdir(source)
    call_command("makemessages", locale=["de"], no_obsolete=True, verbosity=0)
    _, extracted = read_po(source / "locale" / "de" / "LC_MESSAGES" / "django.po")
    _, ours = catalogue()
    known = {entry.key for entry in ours}
    missing = sorted(
        f"{entry.msgid!r} ({entry.msgctxt})" if entry.msgctxt else repr(entry.msgid)
        for entry in extracted
        if entry.key not in known
    )
    assert not missing, (
        "Marked for translation but not in locale/de/LC_MESSAGES/django.po; run makemessages, "
        "translate and compilemessages (docs/i18n.md):\n" + "\n".join(missing)
    )
