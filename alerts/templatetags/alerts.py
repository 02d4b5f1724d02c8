from django import template

from ..selectors import current_public_alerts

register = template.Library()


@register.simple_tag
def current_alerts():
    """The council's public alerts in force (for the home page card)."""
    return list(current_public_alerts()[:5])
