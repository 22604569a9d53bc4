"""Screening of applications (decision time, wait-list position, one live application per
address and cohort), and a first privacy notice, so the application form works on a fresh
install (docs/applications.md, "Privacy notice versions")."""

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models

PRIVACY_EN = """We process the data you send with an application (name, e-mail address, organisation,
prior knowledge, motivation and an attachment, if any) to decide on your application and, if you
are admitted, to run the program with you. Only the program's coordinators see it. Applications
that do not lead to a place are deleted at the latest one year after the cohort starts. You may
ask for a copy of your data, its correction or deletion, and withdraw your application at any
time through the link in our e-mails. Contact: the program's office."""

PRIVACY_DE = """Wir verarbeiten die Daten Ihrer Bewerbung (Name, E-Mail-Adresse, Organisation,
Vorkenntnisse, Motivation und gegebenenfalls einen Anhang), um über Ihre Bewerbung zu entscheiden
und, wenn Sie zugelassen werden, das Programm mit Ihnen durchzuführen. Nur die Koordinierenden des
Programms sehen sie. Bewerbungen, die nicht zu einem Platz führen, werden spätestens ein Jahr nach
Beginn der Kohorte gelöscht. Sie können jederzeit eine Kopie Ihrer Daten, deren Berichtigung oder
Löschung verlangen und Ihre Bewerbung über den Link in unseren E-Mails zurückziehen. Kontakt: die
Geschäftsstelle des Programms."""


def seed_privacy_notice(apps, schema_editor):
    """Version "1" in both languages, unless a notice exists already."""
    PrivacyNotice = apps.get_model("platform", "PrivacyNotice")
    if not PrivacyNotice.objects.exists():
        PrivacyNotice.objects.create(version="1", text_en=PRIVACY_EN, text_de=PRIVACY_DE)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0015_admission_enrolment_states"),
        ("platform", "0003_accounts_privacy_mail_schedule"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="decided_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="decided"),
        ),
        migrations.AddField(
            model_name="application",
            name="waitlist_position",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name="application",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                models.F("cohort"),
                condition=models.Q(
                    (
                        "status__in",
                        ["unconfirmed", "submitted", "waitlisted", "offered", "admitted"],
                    )
                ),
                name="application_live_once_per_address",
            ),
        ),
        migrations.RunPython(seed_privacy_notice, migrations.RunPython.noop),
    ]
