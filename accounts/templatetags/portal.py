from django import template

from accounts.portal import sections_for

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_sections(context) -> list[dict]:
    return sections_for(context["request"].user)
