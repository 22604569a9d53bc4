"""The retention jobs of ``platform.privacy`` (``platform.schedule``; docs/privacy.md)."""

from datetime import timedelta

from platform.privacy.services import expire_exports, prune_access_log
from platform.schedule import periodic


@periodic("expire-data-exports", every=timedelta(hours=1))
def expire_data_exports() -> int:
    return expire_exports()


@periodic("prune-access-log", every=timedelta(days=1))
def prune_file_access_log() -> int:
    return prune_access_log()
