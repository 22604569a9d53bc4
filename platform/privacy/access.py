"""The one access helper of a data export: only its person sees it (404 for anyone else)."""

from django.shortcuts import get_object_or_404

from platform.models import DataExport, User


def get_export_for_owner(user: User, pk: int) -> DataExport:
    return get_object_or_404(DataExport.objects.of(user), pk=pk)
