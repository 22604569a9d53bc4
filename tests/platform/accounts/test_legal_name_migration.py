"""Migration platform/0004: the display name, until then what certificates printed, becomes the
legal name; existing API tokens get an expiry and keep writing."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from platform.models import ApiToken, User

BEFORE = [("platform", "0003_accounts_privacy_mail_schedule")]


@pytest.mark.django_db(transaction=True)
def test_the_display_name_becomes_the_legal_name_and_tokens_get_an_expiry() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldUser = old.get_model("platform", "User")
    named = OldUser.objects.create(username="ada", display_name="Augusta Ada King")
    unnamed = OldUser.objects.create(username="grace", first_name="Grace")
    old.get_model("platform", "ApiToken").objects.create(
        user=named, name="old", prefix="abcdefgh", key_hash="0" * 64
    )

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    ada, grace = User.objects.get(pk=named.pk), User.objects.get(pk=unnamed.pk)
    assert (ada.legal_name, ada.certificate_name) == ("Augusta Ada King", "Augusta Ada King")
    assert (grace.legal_name, grace.certificate_name) == ("", "Grace")
    token = ApiToken.objects.get()
    assert token.expires_at is not None and not token.is_expired and not token.read_only
