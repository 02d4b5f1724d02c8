from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

HOME_CARD_APPS = ["civic", "alerts", "community"]


def _home_cards() -> list[str]:
    """The home-page cards the feature apps provide (`<app>/_home_card.html`)."""
    cards = []
    for app in HOME_CARD_APPS:
        name = f"{app}/_home_card.html"
        try:
            get_template(name)
        except TemplateDoesNotExist:
            continue
        cards.append(name)
    return cards


def home(request: HttpRequest) -> HttpResponse:
    """The council's home page: a welcome and one card per feature."""
    return render(request, "community/home.html", {"cards": _home_cards()})
