"""The claims the test university asserts: e-mail and name, and ``email_verified`` false for
the users of the group ``UNVERIFIED`` (an address the university never checked)."""

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

UNVERIFIED = "email-unverified"


class UniversityValidator(OAuth2Validator):  # type: ignore[misc]
    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        return {
            "email": user.email,
            "email_verified": not user.groups.filter(name=UNVERIFIED).exists(),
            "name": user.get_full_name(),
            "given_name": user.first_name,
            "family_name": user.last_name,
            "preferred_username": user.username,
        }
