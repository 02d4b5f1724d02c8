"""The staff audit log: one append-only row per staff state change.

Rows are written by `core.audit.audit_record` inside the service's transaction, so an action
and its row commit or roll back together. A PostgreSQL trigger (migration 0001) refuses UPDATE
and DELETE on the table: not even a bug or a compromised admin page can rewrite history from the
application. The actor is kept by id and display name, not by foreign key: a staff member who
later deletes their account leaves their actions attributed, and no email is copied here.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_label = models.CharField(_("target"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"


class Address(models.Model):
    """One address of the council's territory, from the national address base (BAN), for the
    offline geocoder (`core.geocoding.OfflineGeocoder`). Loaded by `manage.py import_addresses`
    from the BAN's CSV of the commune; `ban_id` (e.g. `22050_0570_00012`) makes a re-import
    update rows instead of adding them.

    `search_text` is the label in lower case without accents or punctuation ("12 rue de la
    lainerie 22100 dinan"), written by the importer: PostgreSQL's `unaccent()` is not immutable,
    so it cannot be indexed, and the query is normalised the same way in Python. A trigram index
    (pg_trgm, migration 0002) serves the search."""

    ban_id = models.CharField(_("BAN identifier"), max_length=64, unique=True)
    number = models.CharField(_("number"), max_length=16, blank=True)
    street = models.CharField(_("street"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=10)
    city = models.CharField(_("town"), max_length=100)
    insee_code = models.CharField(_("INSEE code"), max_length=5)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    search_text = models.CharField(max_length=320)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        indexes = [
            GinIndex(
                fields=["search_text"], opclasses=["gin_trgm_ops"], name="core_address_search_trgm"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        street = f"{self.number} {self.street}" if self.number else self.street
        return f"{street} {self.postcode} {self.city}"
