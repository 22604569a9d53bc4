"""The release of an assignment as one zip: its notebooks at the top, as nbgrader's
``release_assignment`` lays out the assignment's folder. The one place that builds it, from a
list of (file name, bytes), so the assignment's other files join with one more entry each
(docs/grading.md, "Multi-notebook assignments")."""

import io
import zipfile
from collections.abc import Sequence


def release_zip(entries: Sequence[tuple[str, bytes]]) -> bytes:
    """A zip of every (name, bytes) entry, in the order given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()
