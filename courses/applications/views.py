from django.http import Http404, HttpRequest, HttpResponse


def apply(request: HttpRequest, cohort: int) -> HttpResponse:
    # Placeholder until the application form lands (same issue); never merged as is.
    raise Http404
