"""The profile's URLs, under /accounts/ (allauth's own pages share the prefix)."""

from django.urls import path

from platform.accounts import profile

urlpatterns = [
    path("profile/", profile.profile, name="profile"),
    path("profile/tokens/", profile.token_create, name="profile-token-create"),
    path("profile/tokens/<int:pk>/revoke/", profile.token_revoke, name="profile-token-revoke"),
]
