"""Give every existing user with an e-mail address allauth's record of it (docs/accounts.md).

allauth finds an account by e-mail (log-in, password reset) through ``EmailAddress`` rows,
which accounts made before allauth lack. Each gets a verified primary row for ``User.email``:
the address was given by the office or by the person at application, and mail has gone to it.
allauth holds a verified address unique, so where several accounts share one, only one gets
it: an active account before an inactive one, then the one used last, then the oldest. The
others keep logging in by user name.
"""

from django.db import migrations
from django.db.models import F


def create_email_addresses(apps, schema_editor):  # type: ignore[no-untyped-def]
    User = apps.get_model("platform", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    taken = {email.lower() for email in EmailAddress.objects.values_list("email", flat=True)}
    has_primary = set(
        EmailAddress.objects.filter(primary=True).values_list("user_id", flat=True)
    )
    users = (
        User.objects.exclude(email="")
        .order_by("-is_active", F("last_login").desc(nulls_last=True), "pk")
        .values_list("pk", "email")
    )
    rows = []
    for pk, email in users:
        if email.lower() in taken:
            continue
        taken.add(email.lower())
        rows.append(
            EmailAddress(
                user_id=pk, email=email, verified=True, primary=pk not in has_primary
            )
        )
    EmailAddress.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("platform", "0003_accounts_privacy_mail_schedule"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [
        migrations.RunPython(create_email_addresses, migrations.RunPython.noop),
    ]
