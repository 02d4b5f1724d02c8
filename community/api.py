"""REST API: the resident's own verification status; staff endpoints for the queue and
decisions; neighbourhoods and the map-point suggestion.

Views call services and let their refusals propagate: the core exception handler answers a
ValidationError with 400 {"detail": [...]} (or {field: [...]}), PermissionDenied with 403."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import HasRole
from core.params import parse_float, parse_int

from . import selectors, services
from .models import Method, VerificationRequest


class NeighbourhoodSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    area = serializers.JSONField(allow_null=True)


class OpenRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    method = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    vouches = serializers.IntegerField(source="active_vouches")
    code_expires_at = serializers.DateTimeField(allow_null=True)


class VerificationStatusSerializer(serializers.Serializer):
    status = serializers.CharField()
    method = serializers.CharField(allow_blank=True)
    verified_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    neighbourhood = NeighbourhoodSerializer(allow_null=True)
    open_requests = OpenRequestSerializer(many=True)


class QueueItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    method = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    resident_id = serializers.IntegerField()
    resident_name = serializers.CharField(source="resident.full_name")
    address = serializers.JSONField()
    neighbourhood_id = serializers.IntegerField(allow_null=True)
    vouches = serializers.IntegerField(source="active_vouches")
    has_document = serializers.SerializerMethodField()

    def get_has_document(self, obj) -> bool:
        return bool(obj.document)


class DecisionSerializer(serializers.Serializer):
    status = serializers.CharField()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class VerificationStatusView(APIView):
    """The signed-in resident's verification status and open requests."""

    @extend_schema(responses=VerificationStatusSerializer)
    def get(self, request):
        overview = selectors.verification_overview(request.user)
        residence = overview.residence
        return Response(
            VerificationStatusSerializer(
                {
                    "status": overview.status,
                    "method": residence.method if residence else "",
                    "verified_at": residence.verified_at if residence else None,
                    "reason": residence.reason_text if residence else "",
                    "neighbourhood": residence.neighbourhood if residence else None,
                    "open_requests": overview.open_requests,
                }
            ).data
        )


class NeighbourhoodListView(APIView):
    """The council's neighbourhoods with their areas (GeoJSON)."""

    @extend_schema(responses=NeighbourhoodSerializer(many=True))
    def get(self, request):
        return Response(NeighbourhoodSerializer(selectors.neighbourhoods(), many=True).data)


class NeighbourhoodSuggestView(APIView):
    """The neighbourhood whose area contains a point, or null."""

    @extend_schema(
        parameters=[
            OpenApiParameter("lat", float, required=True),
            OpenApiParameter("lon", float, required=True),
        ],
        responses=inline_serializer(
            "Suggestion", {"neighbourhood": NeighbourhoodSerializer(allow_null=True)}
        ),
    )
    def get(self, request):
        lat = parse_float(request.query_params.get("lat"), minimum=-90, maximum=90)
        lon = parse_float(request.query_params.get("lon"), minimum=-180, maximum=180)
        if lat is None or lon is None:
            raise ValidationError({"detail": [_("lat and lon are required numbers.")]})
        found = services.neighbourhood_for_point(lon=lon, lat=lat)
        return Response({"neighbourhood": NeighbourhoodSerializer(found).data if found else None})


class StaffQueueView(APIView):
    """Open verification requests, oldest first (verifying staff only)."""

    permission_classes = [HasRole.of(*selectors.VERIFIER_ROLES)]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "method", str, enum=[m for m in Method.values if m != Method.IN_PERSON]
            ),
            OpenApiParameter("neighbourhood", int),
        ],
        responses=QueueItemSerializer(many=True),
    )
    def get(self, request):
        method = request.query_params.get("method", "")
        if method and method not in Method.values:
            raise ValidationError({"method": [_("Unknown method.")]})
        neighbourhood = request.query_params.get("neighbourhood")
        queue = selectors.verification_queue(
            method=method,
            neighbourhood=parse_int(neighbourhood),
        )[:500]
        return Response(QueueItemSerializer(queue, many=True).data)


class StaffApproveView(APIView):
    """Approve a pending proof of address (its document is deleted)."""

    permission_classes = [HasRole.of(*selectors.VERIFIER_ROLES)]

    @extend_schema(request=None, responses=DecisionSerializer)
    def post(self, request, pk: int):
        verification = get_object_or_404(VerificationRequest, pk=pk)
        services.verification_request_approve(acting=request.user, request=verification)
        return Response({"status": "approved"})


class StaffRejectView(APIView):
    """Reject an open request with a reason the resident sees."""

    permission_classes = [HasRole.of(*selectors.VERIFIER_ROLES)]

    @extend_schema(request=ReasonSerializer, responses=DecisionSerializer)
    def post(self, request, pk: int):
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        verification = get_object_or_404(VerificationRequest, pk=pk)
        services.verification_request_reject(
            acting=request.user, request=verification, reason=data.validated_data["reason"]
        )
        return Response({"status": "rejected"})


class StaffRevokeView(APIView):
    """Revoke a resident's verification with a reason."""

    permission_classes = [HasRole.of(*selectors.VERIFIER_ROLES)]

    @extend_schema(request=ReasonSerializer, responses=DecisionSerializer)
    def post(self, request, user_id: int):
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = get_object_or_404(User, pk=user_id)
        services.verification_revoke(
            acting=request.user, resident=person, reason=data.validated_data["reason"]
        )
        return Response({"status": "revoked"})
