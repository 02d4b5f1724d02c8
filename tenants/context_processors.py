from django.http import HttpRequest


def council(request: HttpRequest) -> dict:
    return {"council": getattr(request, "tenant", None)}


def typography(request: HttpRequest) -> dict:
    """`{{ colon }}` after a label: French sets a no-break space before the colon;
    `{{ percent_sign }}` after a number: French sets a narrow no-break space before "%"."""
    from django.utils.translation import get_language

    french = (get_language() or "").startswith("fr")
    return {
        "colon": "\u00a0:" if french else ":",
        "percent_sign": "\u202f%" if french else "%",
    }
