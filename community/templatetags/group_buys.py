from django import template

from ..group_buys import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def group_buys_home(context) -> dict:
    """The home page's group-buy and partner sections: open group buys for the visitor, this
    year's savings, and the most used partners."""
    user = context["request"].user
    buys = list(selectors.group_buys_for(user).filter(status="open")[:3])
    return {
        "group_buys": [(b, selectors.progress(b)) for b in buys],
        "savings": selectors.savings_this_year(),
        "partners": list(selectors.partners_for(user).order_by("-users", "name")[:4]),
    }
