"""Start the test OpenID provider: ``python -m tests.oidc_provider.serve CONFIG.json``.

The configuration names the port, the database file, the one client (id, secret, redirect URI)
and the users. A fresh RS256 key is generated at each start, so the platform can only trust the
provider through its published key set, as with a real university.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any


def main(config_path: str) -> None:
    config: dict[str, Any] = json.loads(Path(config_path).read_text())
    from jwcrypto import jwk

    key = jwk.JWK.generate(kty="RSA", size=2048)
    os.environ["OIDC_RSA_PRIVATE_KEY"] = key.export_to_pem(private_key=True, password=None).decode()
    os.environ["OIDC_PROVIDER_DB"] = config["database"]
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from oauth2_provider.models import Application

    from tests.oidc_provider.validator import UNVERIFIED

    call_command("migrate", verbosity=0)
    Application.objects.create(
        name="Certificate programs",
        client_id=config["client_id"],
        client_secret=config["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=config["redirect_uri"],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=False,
    )
    unverified = Group.objects.create(name=UNVERIFIED)
    for person in config["users"]:
        user = User.objects.create_user(
            username=person["username"],
            password=person["password"],
            email=person["email"],
            first_name=person.get("first_name", ""),
            last_name=person.get("last_name", ""),
        )
        if not person.get("email_verified", True):
            user.groups.add(unverified)
    call_command("runserver", f"127.0.0.1:{config['port']}", use_reloader=False, skip_checks=True)


if __name__ == "__main__":
    main(sys.argv[1])
