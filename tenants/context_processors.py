from django.http import HttpRequest


def council(request: HttpRequest) -> dict:
    return {"council": getattr(request, "tenant", None)}
