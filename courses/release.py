"""The release of an assignment as one zip: the folder nbgrader's ``release_assignment`` gives
participants (``<assignment>/<notebook>.ipynb`` ...). The one place that builds it, from a list
of (file name, bytes or a stored file), so the assignment's other files join with one more
entry each (docs/grading.md, "Multi-notebook assignments")."""

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath


def release_zip(*, folder: str, files: Sequence[tuple[str, bytes | Path]]) -> bytes:
    """A zip of ``folder/<name>`` for every file, in the order given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            target = str(PurePosixPath(folder) / name)
            if isinstance(content, bytes):
                archive.writestr(target, content)
            else:
                archive.write(content, target)
    return buffer.getvalue()
