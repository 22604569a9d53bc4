from django.http import Http404, HttpRequest, HttpResponse


def accept(request: HttpRequest, token: str) -> HttpResponse:
    # Placeholder until the invitation page lands (same issue); never merged as is.
    raise Http404
