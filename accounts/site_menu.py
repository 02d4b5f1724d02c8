"""The resident site's permanent menu. Each feature app registers its entries from its
AppConfig.ready(), so the menu lists the features this platform has switched on; "account"
entries are shown to signed-in residents only."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class MenuEntry:
    label: str | Promise
    url_name: str
    group: str = "main"  # "main" or "account"
    order: int = 50


_ENTRIES: list[MenuEntry] = []


def register(entry: MenuEntry) -> None:
    if entry not in _ENTRIES:
        _ENTRIES.append(entry)
        _ENTRIES.sort(key=lambda e: e.order)


def menu_for(user) -> dict[str, list[dict]]:
    signed_in = bool(user and user.is_authenticated)
    menu: dict[str, list[dict]] = {"main": [], "account": []}
    for entry in _ENTRIES:
        if entry.group == "account" and not signed_in:
            continue
        menu[entry.group].append(
            {"label": entry.label, "url": reverse(entry.url_name), "url_name": entry.url_name}
        )
    return menu


def register_account_entries() -> None:
    from django.utils.translation import gettext_lazy as _

    register(MenuEntry(_("My profile"), "accounts:profile", "account", order=10))
