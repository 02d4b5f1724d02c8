from django import template

from accounts.portal import sections_for
from accounts.site_menu import menu_for

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_sections(context) -> list[dict]:
    return sections_for(context["request"].user)


@register.simple_tag(takes_context=True)
def site_menu(context) -> dict[str, list[dict]]:
    """The resident site's menu (accounts.site_menu), for the visitor of this request."""
    return menu_for(context["request"].user)
