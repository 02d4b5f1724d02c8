from django.http import HttpRequest


def council(request: HttpRequest) -> dict:
    return {"council": getattr(request, "tenant", None)}


def typography(request: HttpRequest) -> dict:
    """`{{ colon }}` after a label: French sets a no-break space before the colon."""
    from django.utils.translation import get_language

    return {"colon": "\u00a0:" if (get_language() or "").startswith("fr") else ":"}
