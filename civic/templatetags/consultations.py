"""The quick poll on the home page: the newest open one-question consultation."""

from django import template
from django.db import connection
from django_tenants.utils import get_public_schema_name

from civic.consultations import selectors
from civic.consultations.forms import AnswerForm

register = template.Library()


@register.simple_tag(takes_context=True)
def quick_poll(context) -> dict | None:
    request = context.get("request")
    if request is None or connection.schema_name == get_public_schema_name():
        return None  # rendered outside a council's page
    poll = selectors.quick_poll_open()
    if poll is None:
        return None
    user = request.user
    return {
        "consultation": poll,
        "form": AnswerForm(consultation=poll, seed=str(user.pk)),
        "participated": selectors.participation_of(user, poll) is not None,
    }


@register.simple_tag
def consultations_for_report(report) -> list:
    """The consultations (not drafts) staff linked to a street report."""
    return list(selectors.consultations_linked_to(report))
