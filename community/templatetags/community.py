from django import template

from .. import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def verification_card(context) -> dict:
    """What the home card shows: the signed-in resident's verification status."""
    user = context["request"].user
    if not user.is_authenticated:
        return {"signed_in": False}
    residence = selectors.residence_for(user)
    return {
        "signed_in": True,
        "residence": residence,
        "status": residence.get_status_display() if residence else None,
    }
