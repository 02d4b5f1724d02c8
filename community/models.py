from django.db import models
from django.utils.translation import gettext_lazy as _


class Neighbourhood(models.Model):
    """A part of the council's territory that residents belong to and alerts can target.

    `area` is an optional GeoJSON Polygon or MultiPolygon geometry (WGS 84 lon/lat)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    area = models.JSONField(_("area"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("neighbourhood")
        verbose_name_plural = _("neighbourhoods")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
