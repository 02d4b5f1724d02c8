"""REST API of reports: list them, start one, read one's progress. The file itself is served by
the staff portal's view (same roles). Services raise; `core.api.exception_handler` turns that
into 400/403."""

from typing import Any

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import HasRole

from . import policy, selectors, services
from .models import PERIOD_KINDS, Report, ReportKind, ReportStatus


class ReportSerializer(serializers.ModelSerializer):
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "subject_id",
            "parameters",
            "version",
            "title",
            "status",
            "reason",
            "progress",
            "pages",
            "size",
            "sha256",
            "requested_at",
            "started_at",
            "finished_at",
            "file_url",
            "appendix_status",
            "appendix_url",
        ]
        read_only_fields = fields

    appendix_url = serializers.SerializerMethodField()

    def get_file_url(self, report: Report) -> str | None:
        if report.status != ReportStatus.DONE:
            return None
        return reverse("reports_staff:file", args=[report.pk])

    def get_appendix_url(self, report: Report) -> str | None:
        """The appendix when it is a document of its own (long consultation reports)."""
        if report.status != ReportStatus.DONE or not report.appendix_file:
            return None
        return reverse("reports_staff:appendix", args=[report.pk])


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    subject_id = serializers.IntegerField(required=False, allow_null=True)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)


class ReportProgressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Report
        fields = ["id", "status", "progress", "reason"]
        read_only_fields = fields


class ReportPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ReportSerializer
    permission_classes = [HasRole.of(*policy.REPORT_ROLES)]
    pagination_class = ReportPagination

    def get_queryset(self):
        return selectors.reports_visible_to(self.request.user)

    @extend_schema(request=ReportRequestSerializer, responses={201: ReportSerializer})
    def create(self, request: Request) -> Response:
        data = ReportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = data.validated_data
        parameters = {}
        if values["kind"] in PERIOD_KINDS:
            parameters = {
                "start": str(values.get("start", "")),
                "end": str(values.get("end", "")),
            }
        report = services.report_request(
            actor=request.user,
            kind=values["kind"],
            subject_id=values.get("subject_id"),
            parameters=parameters,
        )
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=ReportProgressSerializer)
    @action(detail=True, methods=["get"])
    def progress(self, request: Request, pk: str | None = None) -> Response:
        report = selectors.report_for(request.user, int(pk or 0))
        if report is None:
            raise Http404
        return Response(ReportProgressSerializer(report).data)
