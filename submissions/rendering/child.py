"""The rendering child process: ``main`` is what :mod:`.sandbox` starts.

Protocol: the raw notebook bytes on stdin (a child started ahead, ``"warm": true`` in its config,
imports the renderer and renders a small notebook of its own first, then reads them); exactly one JSON object ``{"ok", "html", "error"}`` on
stdout (``error`` in ``courses.plain_i18n.Message``'s data form, worded when shown); diagnostics (tracebacks) on stderr, which the parent logs and never shows to people.
The notebook is hostile input: resource limits are in force before a byte of it is read.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import sys
import traceback
from typing import Any


def main(config_json: str) -> int:
    config: dict[str, Any] = json.loads(config_json)
    _limit_resources(int(config["cpu_seconds"]), int(config["memory_bytes"]))
    _lower_priority(int(config.get("niceness", 0)))
    if config.get("warm") is True:
        _render(json.dumps(_WARM_UP_NOTEBOOK).encode(), config["intake"])  # answer dropped
        # What the warm-up left stays out of every later garbage collection: without this,
        # the render's first full collection walks every imported module's objects (~0.2 s).
        gc.collect()
        gc.freeze()
    raw = sys.stdin.buffer.read()
    answer = _render(raw, config["intake"])
    sys.stdout.buffer.write(json.dumps(answer).encode("utf-8"))
    sys.stdout.buffer.flush()
    return 0


def _lower_priority(niceness: int) -> None:
    # Behind grading when both want a core; only ever lower (raising needs a privilege).
    if niceness > os.getpriority(os.PRIO_PROCESS, 0):
        os.setpriority(os.PRIO_PROCESS, 0, niceness)


def _limit_resources(cpu_seconds: int, memory_bytes: int) -> None:
    # Soft CPU limit -> SIGXCPU (terminates); the hard one a little later -> SIGKILL, in case
    # SIGXCPU is ever caught. Address space bounds what a notebook can make us allocate.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 2))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


# A child started ahead renders this before it reads its notebook, through the same path, so
# that imports, the notebook schema's validator, the templates' compilation and pygments'
# lexer are paid before anyone waits. Its answer is dropped; a failure in it is left for the
# real render to meet and report. A small notebook with what every render needs on first use: markdown (mistune), highlighted
# Python (pygments' lexer and formatter), a stream with ANSI colours, an HTML table and a PNG.
_WARM_UP_NOTEBOOK = {
    "nbformat": 4,
    "nbformat_minor": 5,
    # As Jupyter writes it: IPython's lexer, which nbconvert imports IPython for.
    "metadata": {"language_info": {"name": "python", "pygments_lexer": "ipython3"}},
    "cells": [
        {
            "cell_type": "markdown",
            "id": "m",
            "metadata": {},
            "source": "# A *title*\n\n- [x](#y)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n$x^2$\n\n"
            "```python\nprint(1)\n```",
        },
        {
            "cell_type": "code",
            "id": "c",
            "metadata": {},
            "execution_count": 1,
            "source": "import pandas as pd\n%matplotlib inline\nprint(1)",
            "outputs": [
                {"output_type": "stream", "name": "stdout", "text": "\x1b[32mok\x1b[0m\n"},
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {
                        "text/html": "<table><tr><td>1</td></tr></table>",
                        "image/png": "iVBORw0KGgo=",
                        "text/plain": "1",
                    },
                },
                {
                    "output_type": "error",
                    "ename": "KeyError",
                    "evalue": "'x'",
                    "traceback": ["\x1b[0;31mKeyError\x1b[0m: 'x'"],
                },
            ],
        },
    ],
}


def _render(raw: bytes, intake: dict[str, int]) -> dict[str, object]:
    # Imported here, after the limits, and only what is needed: nbconvert follows lazily.
    from courses.plain_i18n import Message, verbatim
    from submissions.intake.notebooks import IntakeLimits, NotebookRejected, validate_notebook
    from submissions.rendering.pipeline import render_fragment
    from submissions.rendering.sandbox import FAILED, TOO_DEEP, TOO_MUCH_MEMORY

    def failed(error: Message) -> dict[str, object]:
        return {"ok": False, "html": "", "error": error.to_data()}

    try:
        validated = validate_notebook(raw, IntakeLimits(**intake))
        return {"ok": True, "html": render_fragment(validated.nb), "error": []}
    except NotebookRejected as rejection:
        # Worded by the intake check here, without Django: in English (docs/i18n.md).
        return failed(FAILED + verbatim(rejection.message))
    except MemoryError:
        return failed(TOO_MUCH_MEMORY)
    except RecursionError:
        return failed(TOO_DEEP)
    except Exception:  # noqa: BLE001 - report every failure as an answer, details to stderr
        traceback.print_exc(file=sys.stderr)
        return failed(FAILED)
