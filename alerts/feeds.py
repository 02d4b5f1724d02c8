"""The Atom feed of a council's current public alerts (/alerts/feed.xml). Each entry links to
the alert's page and, as an alternate, to its CAP document. Texts go through xml_safe: Django's
XML writer refuses characters XML 1.0 forbids, and one pasted control character would break
the whole feed."""

from django.contrib.syndication.views import Feed
from django.db import connection
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from core.text import xml_safe

from . import selectors


class AlertsAtomFeed(Atom1Feed):
    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement(
            "link", "", {"rel": "alternate", "type": "application/cap+xml", "href": item["cap"]}
        )


class CurrentAlertsFeed(Feed):
    feed_type = AlertsAtomFeed

    def title(self):
        return xml_safe(_("%(council)s: current alerts") % {"council": connection.tenant.name})

    def link(self):
        return reverse("alerts:list")

    def subtitle(self):
        return _("Alerts in force, as published by the council.")

    def items(self):
        return selectors.current_public_alerts()[:50]

    def item_title(self, item):
        return xml_safe(item.headline)

    def item_description(self, item):
        texts = (item.description or item.sms_body, item.instruction)
        return xml_safe("\n\n".join(t for t in texts if t))

    def item_link(self, item):
        return reverse("alerts:detail", args=[item.identifier])

    def item_guid(self, item):
        return f"urn:commune:alert:{item.identifier}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.dispatched_at

    def item_updateddate(self, item):
        return item.dispatched_at

    def item_categories(self, item):
        return [xml_safe(item.category), xml_safe(item.severity)]

    def item_extra_kwargs(self, item):
        return {
            "cap": self.request.build_absolute_uri(reverse("alerts:cap", args=[item.identifier]))
        }

    def get_object(self, request, *args, **kwargs):
        self.request = request
        return None
