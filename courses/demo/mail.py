"""The demo's e-mails are records only: nobody reads the demo's addresses."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

from platform.models import OutgoingMail


@contextmanager
def kept_as_records() -> Iterator[None]:
    """Mails queued inside the block stay in the outgoing-mail queue, marked as not to be sent
    (the delivery after the commit finds them sent and leaves them)."""
    before = OutgoingMail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    yield
    OutgoingMail.objects.filter(pk__gt=before, sent_at__isnull=True).update(
        sent_at=timezone.now(), last_error="demo: not sent"
    )
