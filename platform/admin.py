from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from platform.models import ApiToken, RateCounter, User


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        ("Names and language", {"fields": ("display_name", "legal_name", "preferred_language")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]


@admin.register(RateCounter)
class RateCounterAdmin(admin.ModelAdmin[RateCounter]):
    """Without Redis, the place to lift a lockout early: delete the account's counter."""

    list_display = ["key", "count", "expires_at"]
    search_fields = ["key"]
