"""Existing users get allauth's record of their address (platform migration 0004)."""

import importlib

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.utils import timezone

from platform.models import User
from tests.helpers import make_user

pytestmark = pytest.mark.django_db

migration = importlib.import_module("platform.migrations.0004_accounts_email_addresses")


def test_a_shared_address_goes_to_the_active_account_used_last() -> None:
    make_user("ada")  # ada@example.org, never logged in
    User.objects.create_user(username="old", email="ADA@example.org", is_active=False)
    User.objects.create_user(username="ada2", email="Ada@Example.org", last_login=timezone.now())
    make_user("grace")
    User.objects.create_user(username="nomail", email="")
    migration.create_email_addresses(apps, None)
    rows = {row.user.username: row for row in EmailAddress.objects.select_related("user")}
    assert set(rows) == {"ada2", "grace"}
    assert rows["ada2"].verified and rows["ada2"].primary
    assert rows["ada2"].email == "Ada@example.org"


def test_accounts_with_their_own_address_each_get_one() -> None:
    make_user("ada")
    make_user("grace")
    migration.create_email_addresses(apps, None)
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 2
    assert User.objects.count() == 2


def test_running_it_again_adds_nothing() -> None:
    make_user("ada")
    migration.create_email_addresses(apps, None)
    migration.create_email_addresses(apps, None)
    assert EmailAddress.objects.count() == 1


def test_an_account_the_site_makes_gets_its_address_verified() -> None:
    from platform.accounts.services import record_known_address

    ada = make_user("ada")
    record_known_address(ada)
    record_known_address(ada)
    address = EmailAddress.objects.get(user=ada)
    assert address.verified and address.primary
    twin = User.objects.create_user(username="twin", email="ADA@example.org")
    record_known_address(twin)
    assert not EmailAddress.objects.filter(user=twin).exists()
