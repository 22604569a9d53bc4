"""Give every request an id: the proxy's well-formed ``X-Request-ID``, else a new one.

The id is bound for the request's log lines (``platform.observability.logging``), stored with
the grading and rendering an upload queues (``submissions.services``), and returned in the
response's ``X-Request-ID`` header, so a participant's report, the proxy's access log, the web
log and the worker's log of that attempt meet on one id. First in ``MIDDLEWARE``, so every
other middleware logs under it too.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from platform.observability.logging import bound_request, new_request_id, well_formed

HEADER = "X-Request-ID"


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        given = request.headers.get(HEADER, "")
        request_id = given if well_formed(given) else new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]  # for Django's own request log
        with bound_request(request_id, request):
            response = self.get_response(request)
        response[HEADER] = request_id
        return response
