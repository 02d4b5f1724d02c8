"""REST API of street reporting, for the resident site/app and the staff app.

`reports/` is the public view (anyone reads; hidden text and photos are left out); `triage/` is
the staff view, limited to the reports the staff member may act on."""

import json

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from accounts.models import User
from accounts.permissions import HasRole
from core.params import parse_int
from core.parsers import JSONParser

from . import policy, selectors, services
from .models import Category, IssueReport, ReportEvent, ReportPhoto, Source

# A service's ValidationError or PermissionDenied becomes a 400 or 403 in core.api's exception
# handler: the views below let them propagate.


class ChoiceSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class QuestionSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    help_text = serializers.CharField()
    kind = serializers.CharField()
    required = serializers.BooleanField()
    choices = serializers.SerializerMethodField()

    def get_choices(self, question) -> list[dict]:
        return [{"key": k, "name": n} for k, n in question.choice_items()]


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Category
        fields = ["id", "code", "name", "description", "group", "response_days", "questions"]


class PhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportPhoto
        fields = ["id", "url", "thumbnail_url", "width", "height"]


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportEvent
        fields = ["kind", "to_status", "public_note", "created_at"]


class PublicReportSerializer(serializers.ModelSerializer):
    """A report as anyone may see it: hidden text and photos are never included."""

    title = serializers.CharField(source="public_title")
    description = serializers.CharField(source="public_description")
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    reporter_name = serializers.CharField(source="public_reporter_name")
    photos = serializers.SerializerMethodField()
    duplicate_of = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = IssueReport
        fields = [
            "id",
            "title",
            "description",
            "category",
            "status",
            "latitude",
            "longitude",
            "address",
            "reporter_name",
            "created_at",
            "updated_at",
            "due_at",
            "duplicate_of",
            "text_hidden",
            "photos",
        ]

    def get_photos(self, report) -> list[dict]:
        photos = getattr(report, "visible_photos", None)
        if photos is None:
            photos = report.photos.filter(is_hidden=False)
        return PhotoSerializer(photos, many=True).data


class PublicReportDetailSerializer(PublicReportSerializer):
    timeline = serializers.SerializerMethodField()

    class Meta(PublicReportSerializer.Meta):
        fields = [*PublicReportSerializer.Meta.fields, "timeline"]

    def get_timeline(self, report) -> list[dict]:
        return EventSerializer(selectors.report_timeline(report), many=True).data


class AnswersField(serializers.DictField):
    """A JSON object; in a multipart upload (with photos) it may come as a JSON string."""

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist") and self.field_name in dictionary:
            return dictionary.get(self.field_name)
        return super().get_value(dictionary)

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data or "{}")
            except (ValueError, RecursionError) as error:
                raise ValidationError("answers must be a JSON object.") from error
        return super().to_internal_value(data)


class ReportCreateSerializer(serializers.Serializer):
    category = serializers.SlugField()
    title = serializers.CharField(max_length=120)
    description = serializers.CharField()
    latitude = serializers.FloatField(required=False, allow_null=True)
    longitude = serializers.FloatField(required=False, allow_null=True)
    address = serializers.CharField(required=False, allow_blank=True, default="")
    show_name = serializers.BooleanField(required=False, default=False)
    answers = AnswersField(required=False, default=dict)
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class StaffPhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportPhoto
        fields = ["id", "url", "thumbnail_url", "is_hidden", "hidden_reason"]


class StaffReportSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    assignee = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField()
    photos = StaffPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = IssueReport
        fields = [
            "id",
            "title",
            "description",
            "text_hidden",
            "text_hidden_reason",
            "category",
            "status",
            "latitude",
            "longitude",
            "address",
            "neighbourhood",
            "assignee",
            "due_at",
            "is_overdue",
            "source",
            "answers",
            "created_at",
            "updated_at",
            "duplicate_of",
            "rejection_reason",
            "photos",
        ]


# Duplicates are made by merging (their own endpoint), never by a plain status change.
SETTABLE_STATUSES = [s.value for s in services.SETTABLE_STATUSES]


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=SETTABLE_STATUSES)
    public_note = serializers.CharField(required=False, allow_blank=True, default="")
    rejection_reason = serializers.CharField(required=False, allow_blank=True, default="")


class AssignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(allow_null=True)


class MergeSerializer(serializers.Serializer):
    original = serializers.IntegerField()
    public_note = serializers.CharField(required=False, allow_blank=True, default="")


class ReopenSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The categories residents can report, with their questions."""

    permission_classes = [AllowAny]
    serializer_class = CategorySerializer
    lookup_field = "code"

    def get_queryset(self):
        return selectors.categories_active()


class _PageShape(BasePagination):
    """How a list answers: one page object, `{"results": [...], <next>: ...}`. The views build
    the page themselves; this class only tells the OpenAPI schema its shape."""

    next_field = ""
    next_help = ""

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["results", self.next_field],
            "properties": {
                "results": schema,
                self.next_field: {
                    "type": "integer",
                    "nullable": True,
                    "description": self.next_help,
                },
            },
        }

    def get_schema_operation_parameters(self, view) -> list:
        return []  # the views document their own paging parameters


class BeforePageShape(_PageShape):
    next_field, next_help = "next_before", "Pass as `before` for the next page; null at the end."


class NumberPageShape(_PageShape):
    next_field, next_help = "next_page", "Pass as `page` for the next page; null at the end."


def _id(raw: object) -> int:
    """A report id from the URL (the router accepts any text there): 404 unless a number."""
    number = parse_int(raw)
    if number is None:
        raise Http404
    return number


FILTER_PARAMS = [
    OpenApiParameter("status", str, description="open, closed or a status"),
    OpenApiParameter("category", int),
    OpenApiParameter("neighbourhood", int),
    OpenApiParameter("before", int, description="id of the last report of the previous page"),
]


class ReportViewSet(viewsets.GenericViewSet):
    """Reports as the public sees them; residents create, follow, reopen."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]  # JSON nested too deep: 400
    serializer_class = PublicReportSerializer
    pagination_class = BeforePageShape
    page_size = 50

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_queryset(self):
        return selectors.reports_public()

    def _report(self, pk) -> IssueReport:
        return get_object_or_404(IssueReport, pk=_id(pk))

    @extend_schema(parameters=FILTER_PARAMS)
    def list(self, request):
        get = request.query_params
        filters = selectors.PublicFilters.from_query(get)
        before = parse_int(get.get("before"))
        rows, next_before = selectors.reports_page(
            selectors.reports_public_filtered(filters), before=before, size=self.page_size
        )
        return Response(
            {"results": PublicReportSerializer(rows, many=True).data, "next_before": next_before}
        )

    @extend_schema(responses=PublicReportDetailSerializer)
    def retrieve(self, request, pk=None):
        try:
            report = selectors.report_public_detail(_id(pk))
        except IssueReport.DoesNotExist as error:
            raise Http404 from error
        return Response(PublicReportDetailSerializer(report).data)

    @extend_schema(request=ReportCreateSerializer, responses={201: PublicReportDetailSerializer})
    def create(self, request):
        data = ReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        category = selectors.categories_active().filter(code=values.pop("category")).first()
        if category is None:
            raise ValidationError({"category": ["Unknown category."]})
        photos = request.FILES.getlist("photos") or values.pop("photos", [])
        values.pop("photos", None)
        report = services.issue_report_create(
            reporter=request.user, category=category, photos=photos, source=Source.API, **values
        )
        return Response(PublicReportDetailSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post", "delete"])
    def follow(self, request, pk=None):
        report = self._report(pk)
        if request.method == "DELETE":
            services.report_unfollow(report=report, user=request.user)
        else:
            services.report_follow(report=report, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ReopenSerializer, responses=PublicReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        data = ReopenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = self._report(pk)
        services.report_reopen(report=report, user=request.user, **data.validated_data)
        return Response(PublicReportDetailSerializer(selectors.report_public_detail(pk)).data)

    @extend_schema(request=None, responses=PublicReportDetailSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-fixed")
    def confirm_fixed(self, request, pk=None):
        report = self._report(pk)
        services.report_confirm_fixed(report=report, user=request.user)
        return Response(PublicReportDetailSerializer(selectors.report_public_detail(pk)).data)


TRIAGE_PARAMS = [
    OpenApiParameter("status", str, description="open (default), all, closed or a status"),
    OpenApiParameter("category", int),
    OpenApiParameter("neighbourhood", int),
    OpenApiParameter("overdue", bool),
    OpenApiParameter("assignee", str, description="me, none or a user id"),
    OpenApiParameter("page", int),
]


class TriageViewSet(viewsets.GenericViewSet):
    """The staff's queue: admins and moderators see every report, agents their categories'."""

    permission_classes = [HasRole.of(*policy.TRIAGE_ROLES)]
    serializer_class = StaffReportSerializer
    pagination_class = NumberPageShape
    page_size = 100

    def get_queryset(self):
        return selectors.reports_for_staff(self.request.user).prefetch_related("photos")

    def _report(self, pk) -> IssueReport:
        return get_object_or_404(self.get_queryset(), pk=_id(pk))

    @extend_schema(parameters=TRIAGE_PARAMS)
    def list(self, request):
        get = request.query_params
        filters = selectors.TriageFilters.from_query(get)
        page = parse_int(get.get("page"), minimum=1, maximum=100_000) or 1
        qs = selectors.reports_triage(request.user, filters).prefetch_related("photos")
        rows = list(qs[(page - 1) * self.page_size : page * self.page_size + 1])
        return Response(
            {
                "results": StaffReportSerializer(rows[: self.page_size], many=True).data,
                "next_page": page + 1 if len(rows) > self.page_size else None,
            }
        )

    def retrieve(self, request, pk=None):
        return Response(StaffReportSerializer(self._report(pk)).data)

    @extend_schema(request=StatusChangeSerializer, responses=StaffReportSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        report = self._report(pk)
        data = StatusChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.report_status_change(report=report, actor=request.user, **data.validated_data)
        return Response(StaffReportSerializer(self._report(pk)).data)

    @extend_schema(request=AssignSerializer, responses=StaffReportSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        report = self._report(pk)
        data = AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignee_id = data.validated_data["assignee"]
        assignee = get_object_or_404(User, pk=assignee_id, is_active=True) if assignee_id else None
        services.report_assign(report=report, actor=request.user, assignee=assignee)
        return Response(StaffReportSerializer(self._report(pk)).data)

    @extend_schema(request=MergeSerializer, responses=StaffReportSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        report = self._report(pk)
        data = MergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        original = self._report(data.validated_data["original"])
        services.report_mark_duplicate(
            report=report,
            original=original,
            actor=request.user,
            public_note=data.validated_data["public_note"],
        )
        return Response(StaffReportSerializer(self._report(pk)).data)
