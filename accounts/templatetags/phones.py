"""`{{ user.phone|phone }}`: a stored E.164 number as the council's residents write it."""

from django import template

from core.phones import phone_display

register = template.Library()


@register.filter(name="phone")
def phone_filter(value: str | None) -> str:
    return phone_display(value) if value else ""
