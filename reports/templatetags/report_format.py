"""Numbers and dates in the report's language: French `1 234,5` and `3 décembre 2026`."""

import datetime

from django import template
from django.utils import formats, timezone

register = template.Library()


@register.filter
def num(value, decimals=None):
    """A number with grouped thousands and the language's decimal mark ("—" for None)."""
    if value is None or value == "":
        return "—"
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


@register.filter
def day(value):
    """A date (or a moment, in the current time zone) written out: 3 December 2026."""
    if value is None:
        return "—"
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return formats.date_format(value, "j F Y")


@register.filter
def moment(value):
    if value is None:
        return "—"
    return formats.date_format(timezone.localtime(value), "j F Y, H:i")
