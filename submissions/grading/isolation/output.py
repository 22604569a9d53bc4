"""The output limits: what one message and one cell may carry from the kernel to the worker.

The worker counts output bytes per cell (``client.GradingClient``) and its ZMQ contexts refuse
any single message over ``message_limit``, so no kernel can make the worker hold more than that
at once; the kernel trims honest notebooks' huge messages to ``message_cap`` before they get
there (``inside/launcher.py``). Over the cap, an output keeps only what grading needs.
"""

from __future__ import annotations

from nbformat import NotebookNode

from submissions.grading.report import GradingLimits, MiB, clip

TRIMMED_TEXT = 1_000
# Room for a message's headers and JSON around the output it carries: the kernel trims what
# would exceed the output cap plus the headroom, the worker refuses what exceeds the cap plus
# the overhead.
_TRIM_HEADROOM = 64 * 1024
MESSAGE_OVERHEAD = 1 * MiB


def message_limit(limits: GradingLimits) -> int:
    """ZMQ_MAXMSGSIZE for the worker's sockets: no single output above the cap gets through."""
    return limits.max_output_bytes + MESSAGE_OVERHEAD


def message_cap(limits: GradingLimits) -> int:
    """What the kernel trims its own outgoing messages to (``launcher.trim_messages``)."""
    return limits.max_output_bytes + _TRIM_HEADROOM


def utf8_size(value: object) -> int:
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, dict):
        return sum(utf8_size(k) + utf8_size(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(utf8_size(item) for item in value)
    return 8


def trimmed_output(output: NotebookNode) -> NotebookNode | None:
    """What of an output over the cap is still needed for grading, made small."""
    if output.get("output_type") == "error":
        return NotebookNode(
            output_type="error",
            ename=clip(str(output.get("ename", "")), 200),
            evalue=clip(str(output.get("evalue", "")), TRIMMED_TEXT),
            traceback=[clip(str(line), TRIMMED_TEXT) for line in output.get("traceback", [])[-3:]],
        )
    if output.get("output_type") == "execute_result":
        data = output.get("data", {})
        text = data.get("text/plain")
        if isinstance(text, list):
            text = "".join(text)
        return NotebookNode(
            output_type="execute_result",
            execution_count=output.get("execution_count"),
            metadata={},
            data={"text/plain": clip(text, TRIMMED_TEXT)} if isinstance(text, str) else {},
        )
    return None
