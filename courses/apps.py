from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Programs and courses"

    def ready(self) -> None:
        from django.core.checks import Tags, register

        from courses.certificates.credentials.keys import check_signing_key

        # `manage.py check --deploy` refuses a production without an issuer key.
        register(check_signing_key, Tags.security, deploy=True)
