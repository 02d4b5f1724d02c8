"""REST API of consultations: list, detail, answer (same rules as the site), results when
visible, receipts after close. Staff who read consultations also see drafts and results before
they are public. Services raise; `core.api.exception_handler` turns that into 400/403."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from . import selectors, services
from .eligibility import refusal
from .models import Consultation, ConsultationQuestion


class ConsultationQuestionSerializer(serializers.ModelSerializer):
    key = serializers.CharField(read_only=True)
    options = serializers.SerializerMethodField()
    show_if = serializers.SerializerMethodField()

    class Meta:
        model = ConsultationQuestion
        fields = [
            "key",
            "kind",
            "label",
            "help_text",
            "required",
            "options",
            "allow_other",
            "min_choices",
            "max_choices",
            "scale_min",
            "scale_max",
            "min_label",
            "max_label",
            "number_min",
            "number_max",
            "show_if",
        ]

    def get_options(self, question: ConsultationQuestion) -> list[dict[str, str]]:
        return [{"key": k, "label": label} for k, label in question.options()]

    def get_show_if(self, question: ConsultationQuestion) -> dict[str, str] | None:
        if question.show_if_id is None:
            return None
        return {"question": str(question.show_if_id), "answer": question.show_if_value}


class ConsultationSerializer(serializers.ModelSerializer):
    phase = serializers.CharField(read_only=True)
    neighbourhoods = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    results_visible = serializers.SerializerMethodField()

    class Meta:
        model = Consultation
        fields = [
            "id",
            "title",
            "summary",
            "phase",
            "opens_at",
            "closes_at",
            "whole_council",
            "neighbourhoods",
            "eligibility",
            "ballot_mode",
            "results_visibility",
            "results_visible",
            "outcome_published_at",
        ]

    def get_results_visible(self, consultation: Consultation) -> bool:
        return selectors.results_visible_to(self.context["request"].user, consultation)


class ConsultationDetailSerializer(ConsultationSerializer):
    body_html = serializers.CharField(read_only=True)
    outcome_html = serializers.CharField(read_only=True)
    questions = ConsultationQuestionSerializer(many=True, read_only=True)
    may_answer = serializers.SerializerMethodField()
    refusal = serializers.SerializerMethodField()
    participated = serializers.SerializerMethodField()

    class Meta(ConsultationSerializer.Meta):
        fields = [
            *ConsultationSerializer.Meta.fields,
            "body_html",
            "outcome_html",
            "questions",
            "may_answer",
            "refusal",
            "participated",
        ]

    def get_refusal(self, consultation: Consultation) -> str | None:
        return refusal(self.context["request"].user, consultation)

    def get_participated(self, consultation: Consultation) -> bool:
        return selectors.participation_of(self.context["request"].user, consultation) is not None

    def get_may_answer(self, consultation: Consultation) -> bool:
        return (
            consultation.is_open
            and self.get_refusal(consultation) is None
            and (not consultation.is_secret or not self.get_participated(consultation))
        )


class ConsultationAnswerSerializer(serializers.Serializer):
    answers = serializers.DictField(
        help_text="Question key → a choice key, a list of choice keys (several choices; a ranking "
        'lists every option, first preference first), a number or a text. "Other" texts go under '
        '"<key>_other".'
    )
    wants_outcome = serializers.BooleanField(default=False)


RESULTS_SCHEMA = inline_serializer(
    "ConsultationResults",
    {
        "ballots": serializers.IntegerField(),
        "online": serializers.IntegerField(),
        "paper": serializers.IntegerField(),
        "neighbourhoods": serializers.ListField(child=serializers.DictField()),
        "questions": serializers.ListField(
            child=serializers.DictField(),
            help_text="Per question: counts and percent per option (ranking: Borda score and "
            "first preferences), mean and median for scales and numbers, and a breakdown by "
            "neighbourhood where every cell under 5 ballots is null.",
        ),
    },
)


class ConsultationViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]

    def get_queryset(self):
        return selectors.consultations_visible_to(self.request.user).prefetch_related("questions")

    def get_serializer_class(self):
        return ConsultationDetailSerializer if self.action == "retrieve" else ConsultationSerializer

    @extend_schema(
        request=ConsultationAnswerSerializer,
        responses={
            201: inline_serializer(
                "ConsultationReceipt",
                {"receipt": serializers.CharField(allow_null=True)},
            ),
            400: OpenApiResponse(description="Answers refused, by question key"),
            403: OpenApiResponse(description="Not eligible (sign in, email, verification, area)"),
        },
        description="Take part. A secret consultation returns the ballot receipt, shown only "
        "once; a named one can be answered again until it closes.",
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def answer(self, request: Request, pk: str | None = None) -> Response:
        consultation = self.get_object()
        data = ConsultationAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        receipt = services.participation_submit(
            user=request.user,
            consultation=consultation,
            raw=data.validated_data["answers"],
            wants_outcome=data.validated_data["wants_outcome"],
        )
        return Response({"receipt": receipt}, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: RESULTS_SCHEMA, 403: OpenApiResponse(description="Not yet")})
    @action(detail=True, methods=["get"])
    def results(self, request: Request, pk: str | None = None) -> Response:
        consultation = self.get_object()
        if not selectors.results_visible_to(request.user, consultation):
            raise PermissionDenied("The results of this consultation are not public yet.")
        data: dict[str, Any] = dict(selectors.results(consultation))
        data["texts"] = [
            {"question": str(t.question_id), "text": t.text}
            for t in selectors.text_answers_public(consultation)
        ]
        return Response(data)

    @extend_schema(
        responses={
            200: inline_serializer(
                "ConsultationReceipts",
                {"receipts": serializers.ListField(child=serializers.CharField())},
            )
        }
    )
    @action(detail=True, methods=["get"])
    def receipts(self, request: Request, pk: str | None = None) -> Response:
        receipts = selectors.receipts_public(self.get_object())
        if receipts is None:
            raise Http404
        return Response({"receipts": receipts})
