from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """The council's home page. Sections are added by the apps as they arrive."""
    return render(request, "community/home.html")
