"""Placeholder home page; the workbench pages arrive with the workbench issue."""

from django.http import HttpRequest, HttpResponse


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("hotline")
