from typing import Any

from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "platform"
    label = "platform"
    verbose_name = "Platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Whatever enqueues a task (a service, the re-queue watchdog, the admin), the idle
        # workers hear of it at once rather than at their next poll.
        from django.tasks.signals import task_enqueued

        from platform import doorbell

        task_enqueued.connect(doorbell.ring_after_enqueue, dispatch_uid="platform.doorbell")

        # Sessions opened by any log-in view are listed on the profile (allauth lists its own).
        from django.contrib.auth.signals import user_logged_in

        from platform.accounts.sessions import record_session

        user_logged_in.connect(record_session, dispatch_uid="platform.accounts.sessions")
        # allauth tells of a new TOTP app or passkey only by this signal; proving it while
        # setting it up counts as this session's second factor (docs/accounts.md).
        from allauth.mfa.signals import authenticator_added

        authenticator_added.connect(
            _record_enrolment, dispatch_uid="platform.accounts.record_enrolment"
        )


def _record_enrolment(sender: object, request: Any, authenticator: Any, **kwargs: object) -> None:
    from platform.accounts.policy import record_enrolment

    if request is not None:
        record_enrolment(request, authenticator)
