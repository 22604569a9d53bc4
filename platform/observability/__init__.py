"""Health and readiness endpoints, Prometheus metrics, request ids in structured logs.

``health`` (``/healthz``, ``/readyz`` and the worker heartbeat), ``metrics`` (the metrics and
``/metrics``), ``logging`` (the request id and the JSON log format), ``middleware`` (the request
id of a web request), ``jobs`` (a background job timed and logged under its request's id),
``views`` (the three endpoints). See docs/operations.md, "Health, metrics and logs".
"""
