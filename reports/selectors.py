"""Reads of reports, each applying who may see them."""

from django.db.models import QuerySet

from accounts.models import User
from civic.consultations.models import Consultation
from civic.consultations.selectors import staff_consultations

from . import policy
from .models import Report


def reports_visible_to(user: User | None) -> QuerySet[Report]:
    if not policy.may_use_reports(user):
        return Report.objects.none()
    return Report.objects.select_related("requested_by").order_by("-requested_at", "-pk")


def report_for(user: User | None, pk: int) -> Report | None:
    return reports_visible_to(user).filter(pk=pk).first()


def consultations_reportable() -> QuerySet[Consultation]:
    """Consultations a report can be made of: scheduled ones (drafts have no results)."""
    return staff_consultations().filter(scheduled_at__isnull=False)
