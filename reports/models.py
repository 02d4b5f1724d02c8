"""Reports: PDF documents generated in the background (see `reports.services`)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation report")
    STREET = "street", _("Street issues report")
    ALERTS = "alerts", _("SMS alerts report")


# Kinds about a period (parameters "start" and "end", ISO days) rather than a subject.
PERIOD_KINDS = (ReportKind.STREET, ReportKind.ALERTS)


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Report(models.Model):
    """One generated version of a report. Regenerating makes a new row (version + 1) and keeps
    the older ones with their files."""

    kind = models.CharField(_("kind"), max_length=24, choices=ReportKind.choices)
    # The object the report is about (a consultation's pk), if any.
    subject_id = models.PositiveIntegerField(null=True, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(
        _("status"), max_length=8, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    # Name of the PDF in the council's private storage (community.storage), "" until done.
    file = models.CharField(max_length=200, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=5, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_id", "version"], name="report_version_unique"
            )
        ]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ReportStatus.DONE, ReportStatus.FAILED)
