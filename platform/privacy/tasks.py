"""The worker's part of the data export (the default queue: it grades nothing)."""

from django.tasks import task

from platform.privacy import services


@task()
def build_data_export(export_id: int) -> str:
    return services.build_export(export_id)
