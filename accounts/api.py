from django.contrib.auth import authenticate
from django.db import connection
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import client_ip

from . import services


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class CouncilSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    default_language = serializers.CharField()
    timezone = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    phone = serializers.CharField()
    language = serializers.CharField()
    email_confirmed = serializers.BooleanField()
    roles = serializers.ListField(child=serializers.CharField())
    council = CouncilSerializer()


class TokenView(APIView):
    """Exchange an email and password of this council for an API token."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "token"  # password guessing through the API: 10 tries a minute

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email, ip = data.validated_data["email"], client_ip(request)
        if services.login_is_locked(email=email, ip=ip):
            return Response(
                {"detail": _("Too many failed attempts. Try again later.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        user = authenticate(request, email=email.lower(), password=data.validated_data["password"])
        if user is None:
            services.login_failure_record(email=email, ip=ip)
            return Response(
                {"detail": _("That email and password do not match an account of this council.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        services.login_failures_clear(email=email, ip=ip)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeView(APIView):
    """The signed-in user, their council and their roles."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user, council = request.user, connection.tenant
        return Response(
            MeSerializer(
                {
                    "id": user.pk,
                    "email": user.email,
                    "full_name": user.full_name,
                    "phone": user.phone,
                    "language": user.language or council.default_language,
                    "email_confirmed": user.email_confirmed,
                    "roles": sorted(user.roles),
                    "council": council,
                }
            ).data
        )
