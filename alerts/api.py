"""The alerts API (/api/v1/alerts/…): communications officers and council admins create,
approve, send, update and cancel alerts and follow their progress. Services' refusals
(ValidationError, PermissionDenied, RateLimited) become 400/403/429 in core.api."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasRole
from community.models import Neighbourhood

from . import selectors, services
from .models import Alert
from .policy import ALERT_ROLES
from .services.compose import EDITABLE_FIELDS

# Refused early here; the services check the role again.
CanAlert = HasRole.of(*ALERT_ROLES)


class AlertSerializer(serializers.ModelSerializer):
    neighbourhoods = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Neighbourhood.objects.all(), required=False
    )
    references = serializers.SlugRelatedField(
        slug_field="identifier", read_only=True, allow_null=True
    )

    class Meta:
        model = Alert
        fields = [
            "id",
            "identifier",
            "msg_type",
            "references",
            *EDITABLE_FIELDS,
            "neighbourhoods",
            "state",
            "approved_at",
            "dispatched_at",
            "completed_at",
            "recipient_count",
            "segments",
            "encoding",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "identifier",
            "msg_type",
            "references",
            "state",
            "approved_at",
            "dispatched_at",
            "completed_at",
            "recipient_count",
            "segments",
            "encoding",
            "created_at",
        ]
        extra_kwargs = {"event": {"required": False}}


ProgressSerializer = inline_serializer(
    "AlertProgress",
    {
        "state": serializers.CharField(),
        "total": serializers.IntegerField(),
        "handed_over": serializers.IntegerField(),
        "percent": serializers.IntegerField(),
        "complete": serializers.BooleanField(),
        "recovered_after_crash": serializers.IntegerField(),
        "counts": serializers.DictField(child=serializers.IntegerField()),
    },
)


def _fields(data: dict) -> tuple[dict, list]:
    data = dict(data)
    hoods = data.pop("neighbourhoods", [])
    return {k: v for k, v in data.items() if k in EDITABLE_FIELDS}, hoods


class AlertListView(APIView):
    permission_classes = [CanAlert]

    @extend_schema(responses=AlertSerializer(many=True))
    def get(self, request):
        alerts = selectors.alerts_for_staff().prefetch_related("neighbourhoods")[:200]
        return Response(AlertSerializer(alerts, many=True).data)

    @extend_schema(request=AlertSerializer, responses={201: AlertSerializer})
    def post(self, request):
        """Create a draft alert."""
        data = AlertSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields, hoods = _fields(data.validated_data)
        alert = services.alert_create(author=request.user, fields=fields, neighbourhoods=hoods)
        return Response(AlertSerializer(alert).data, status=status.HTTP_201_CREATED)


class AlertDetailView(APIView):
    permission_classes = [CanAlert]

    @extend_schema(responses=AlertSerializer)
    def get(self, request, pk: int):
        return Response(AlertSerializer(get_object_or_404(Alert, pk=pk)).data)

    @extend_schema(request=AlertSerializer, responses=AlertSerializer)
    def patch(self, request, pk: int):
        """Change a draft (an approval is withdrawn)."""
        alert = get_object_or_404(Alert, pk=pk)
        data = AlertSerializer(alert, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields, hoods = _fields(data.validated_data)
        if "neighbourhoods" not in data.validated_data:
            hoods = list(alert.neighbourhoods.all())
        alert = services.alert_edit(
            alert=alert,
            actor=request.user,
            fields=fields,
            neighbourhoods=hoods,
        )
        return Response(AlertSerializer(alert).data)


class _ActionView(APIView):
    permission_classes = [CanAlert]
    service = None

    @extend_schema(request=None, responses=AlertSerializer)
    def post(self, request, pk: int):
        alert = get_object_or_404(Alert, pk=pk)
        alert = type(self).service(alert=alert, actor=request.user)
        return Response(AlertSerializer(alert).data)


class AlertApproveView(_ActionView):
    """Approve an alert (by someone other than its author)."""

    service = staticmethod(services.alert_approve)


class AlertSendView(_ActionView):
    """Send the alert: recipients are resolved now and the messages go out in batches."""

    service = staticmethod(services.alert_send)


class _FollowupView(APIView):
    permission_classes = [CanAlert]
    msg_type = Alert.MsgType.UPDATE

    @extend_schema(request=AlertSerializer, responses={201: AlertSerializer})
    def post(self, request, pk: int):
        """A draft Update/Cancel referencing a sent alert; given fields override the
        original's. Approve (if required) and send it like any alert."""
        original = get_object_or_404(Alert, pk=pk)
        fields, hoods = services.alert_followup_defaults(original, self.msg_type)
        data = AlertSerializer(data={**request.data}, partial=True)
        data.is_valid(raise_exception=True)
        given, given_hoods = _fields(data.validated_data)
        fields.update(given)
        if "neighbourhoods" in data.validated_data:
            hoods = given_hoods
        alert = services.alert_create(
            author=request.user,
            fields=fields,
            neighbourhoods=hoods,
            references=original,
            msg_type=self.msg_type,
        )
        return Response(AlertSerializer(alert).data, status=status.HTTP_201_CREATED)


class AlertUpdateView(_FollowupView):
    msg_type = Alert.MsgType.UPDATE


class AlertCancelView(_FollowupView):
    msg_type = Alert.MsgType.CANCEL


class AlertProgressView(APIView):
    permission_classes = [CanAlert]

    @extend_schema(responses=ProgressSerializer)
    def get(self, request, pk: int):
        return Response(selectors.alert_progress(get_object_or_404(Alert, pk=pk)))
