"""REST API of mutual aid: listings (browse, search, post, say "I'm interested"), the resident's
own conversations and messages, and the moderators' queue, hiding and figures.

Views call selectors and services and let their refusals propagate to the core exception
handler (ValidationError → 400, PermissionDenied → 403, RateLimited → 429). A conversation is
readable only by its two participants: anyone else gets 404, as for a listing they may not see."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasRole

from ..models import Neighbourhood
from . import selectors, services
from .models import AbuseReport, AidCategory, Conversation, Listing, Message

PAGE_SIZE = 50


class AidCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    icon = serializers.CharField()


class AidListingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    category = AidCategorySerializer()
    title = serializers.CharField()
    description = serializers.CharField()
    compensation = serializers.CharField()
    amount = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    availability = serializers.CharField()
    reach = serializers.CharField()
    neighbourhood = serializers.CharField(
        source="neighbourhood.name", allow_null=True, default=None
    )
    status = serializers.CharField()
    author_name = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    photos = serializers.SerializerMethodField()

    def get_author_name(self, obj: Listing) -> str:
        # First name only: never the email, the phone or the address.
        return obj.author.get_short_name() if obj.author.full_name else ""

    def get_photos(self, obj: Listing) -> list[str]:
        from django.urls import reverse

        return [
            reverse("community:mutual_aid:photo", args=[p.pk, "full"]) for p in obj.photos.all()
        ]


class AidListingCreateSerializer(serializers.Serializer):
    kind = serializers.CharField()
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=AidCategory.objects.filter(is_active=True)
    )
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=4000)
    compensation = serializers.CharField(default="free")
    amount = serializers.DecimalField(
        max_digits=7, decimal_places=2, required=False, allow_null=True, default=None
    )
    availability = serializers.CharField(max_length=200, required=False, default="")
    reach = serializers.CharField(default="neighbourhood")


class AidBodySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=2000)


class AidMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    mine = serializers.BooleanField()
    sender_name = serializers.CharField()
    body = serializers.CharField()
    has_link = serializers.BooleanField()
    is_hidden = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class AidConversationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    listing_id = serializers.IntegerField(allow_null=True)
    listing_title = serializers.CharField()
    other_name = serializers.CharField()
    role = serializers.CharField()
    last_message_at = serializers.DateTimeField()


class AidConversationDetailSerializer(AidConversationSerializer):
    messages = AidMessageSerializer(many=True)


class AidReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class AidAbuseReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    listing_id = serializers.IntegerField(allow_null=True)
    message_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    text = serializers.SerializerMethodField()

    def get_text(self, obj: AbuseReport) -> str:
        if obj.listing is not None:
            return f"{obj.listing.title}\n\n{obj.listing.description}"
        return obj.message.body if obj.message is not None else ""


class AidFiguresSerializer(serializers.Serializer):
    by_category = serializers.ListField(child=serializers.DictField())
    by_neighbourhood = serializers.ListField(child=serializers.DictField())
    done_per_month = serializers.ListField(child=serializers.DictField())
    open_now = serializers.IntegerField()
    open_reports = serializers.IntegerField()


def _name(user) -> str:
    return user.get_short_name() if user is not None and user.full_name else ""


def _conversation_data(conversation: Conversation, viewer, *, with_messages: bool = False):
    other = conversation.other_of(viewer)
    data = {
        "id": conversation.pk,
        "listing_id": conversation.listing_id,
        "listing_title": conversation.listing_title,
        "other_name": _name(other),
        "role": conversation.side_of(viewer) or "",
        "last_message_at": conversation.last_message_at,
    }
    if with_messages:
        data["messages"] = [
            {
                "id": m.pk,
                "mine": m.sender_id == viewer.pk,
                "sender_name": _name(m.sender),
                # A hidden message keeps its text for its sender only.
                "body": "" if m.is_hidden and m.sender_id != viewer.pk else m.body,
                "has_link": m.has_link,
                "is_hidden": m.is_hidden,
                "created_at": m.created_at,
            }
            for m in selectors.messages_of(conversation, viewer)
        ]
    return data


def _page(request: Request) -> int:
    try:
        return max(0, int(request.query_params.get("offset", 0)))
    except ValueError:
        return 0


class CategoryListView(APIView):
    """The council's mutual aid categories, named in the request's language."""

    permission_classes = [AllowAny]

    @extend_schema(responses=AidCategorySerializer(many=True))
    def get(self, request):
        return Response(AidCategorySerializer(selectors.categories(), many=True).data)


class ListingListView(APIView):
    """Browse and search listings (GET, open to visitors); post one (POST, residents who may
    take part)."""

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Full-text search (French, accents ignored)"),
            OpenApiParameter("kind", str, enum=["offer", "request"]),
            OpenApiParameter("category", str, description="Category code"),
            OpenApiParameter("neighbourhood", int),
            OpenApiParameter("free", str, enum=["free", "paid"]),
            OpenApiParameter("offset", int),
        ],
        responses=AidListingSerializer(many=True),
    )
    def get(self, request):
        params = request.query_params
        category = AidCategory.objects.filter(code=params.get("category") or "").first()
        neighbourhood = None
        if (params.get("neighbourhood") or "").isdigit():
            neighbourhood = Neighbourhood.objects.filter(pk=int(params["neighbourhood"])).first()
        filters = selectors.ListingFilters(
            query=params.get("q", ""),
            kind=params.get("kind", "") if params.get("kind") in ("offer", "request") else "",
            category=category,
            neighbourhood=neighbourhood,
            free=params.get("free", ""),
        )
        offset = _page(request)
        listings = selectors.listings_browse(request.user, filters).prefetch_related("photos")
        return Response(AidListingSerializer(listings[offset : offset + PAGE_SIZE], many=True).data)

    @extend_schema(request=AidListingCreateSerializer, responses={201: AidListingSerializer})
    def post(self, request):
        serializer = AidListingCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        listing = services.listing_create(
            author=request.user,
            photos=request.FILES.getlist("photos") if hasattr(request, "FILES") else (),
            **serializer.validated_data,
        )
        return Response(AidListingSerializer(listing).data, status=201)


class ListingDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=AidListingSerializer)
    def get(self, request, pk: int):
        listing = selectors.listing_for(request.user, pk)
        if listing is None:
            raise Http404
        return Response(AidListingSerializer(listing).data)


class ListingInterestedView(APIView):
    """ "I'm interested": opens (or continues) the private conversation with the author."""

    @extend_schema(request=AidBodySerializer, responses={201: AidConversationDetailSerializer})
    def post(self, request, pk: int):
        listing = selectors.listing_for(request.user, pk)
        if listing is None:
            raise Http404
        serializer = AidBodySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conversation = services.conversation_open(
            listing=listing, respondent=request.user, body=serializer.validated_data["body"]
        )
        return Response(
            _conversation_data(conversation, request.user, with_messages=True), status=201
        )


class AidListingActionSerializer(serializers.Serializer):
    conversation = serializers.IntegerField(
        required=False, help_text="For agree: the conversation of the chosen helper."
    )


class ListingActionView(APIView):
    """The author's actions on a listing: renew (30 more days), close, agree (picks the
    resident of `conversation` as helper), done."""

    @extend_schema(
        operation_id="v1_community_mutual_aid_listing_action",
        request=AidListingActionSerializer,
        responses=AidListingSerializer,
        parameters=[
            OpenApiParameter(
                "action", str, OpenApiParameter.PATH, enum=["renew", "close", "agree", "done"]
            )
        ],
    )
    def post(self, request, pk: int, action: str):
        listing = selectors.listing_for(request.user, pk)
        if listing is None:
            raise Http404
        serializer = AidListingActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if action == "renew":
            listing = services.listing_renew(listing=listing, actor=request.user)
        elif action == "close":
            listing = services.listing_close(listing=listing, actor=request.user)
        elif action == "agree":
            conversation = get_object_or_404(
                Conversation, pk=serializer.validated_data.get("conversation") or 0, listing=listing
            )
            listing = services.listing_agree(
                listing=listing, actor=request.user, conversation=conversation
            )
        elif action == "done":
            listing = services.listing_done(listing=listing, actor=request.user)
        else:
            raise Http404
        return Response(AidListingSerializer(listing).data)


class AidThankYouSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=280)


class ThankYouView(APIView):
    """A short public thank-you to the other side, once the help is done."""

    @extend_schema(request=AidThankYouSerializer, responses={201: AidThankYouSerializer})
    def post(self, request, pk: int):
        conversation = selectors.conversation_for(request.user, pk)
        if conversation is None:
            raise Http404
        serializer = AidThankYouSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        thanks = services.thank_you_leave(
            conversation=conversation, author=request.user, text=serializer.validated_data["text"]
        )
        return Response({"text": thanks.text}, status=201)


class ConversationListView(APIView):
    """The signed-in resident's own conversations."""

    @extend_schema(responses=AidConversationSerializer(many=True))
    def get(self, request):
        return Response(
            [_conversation_data(c, request.user) for c in selectors.conversations_of(request.user)]
        )


class ConversationDetailView(APIView):
    """One conversation with its messages: its two participants only (404 for anyone else)."""

    @extend_schema(responses=AidConversationDetailSerializer)
    def get(self, request, pk: int):
        conversation = selectors.conversation_for(request.user, pk)
        if conversation is None:
            raise Http404
        services.conversation_mark_read(conversation=conversation, reader=request.user)
        return Response(_conversation_data(conversation, request.user, with_messages=True))


class MessageCreateView(APIView):
    @extend_schema(request=AidBodySerializer, responses={201: AidMessageSerializer})
    def post(self, request, pk: int):
        conversation = selectors.conversation_for(request.user, pk)
        if conversation is None:
            raise Http404
        serializer = AidBodySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.message_send(
            conversation=conversation, sender=request.user, body=serializer.validated_data["body"]
        )
        return Response(
            {
                "id": message.pk,
                "mine": True,
                "sender_name": _name(request.user),
                "body": message.body,
                "has_link": message.has_link,
                "is_hidden": False,
                "created_at": message.created_at,
            },
            status=201,
        )


# --- staff -------------------------------------------------------------------------------------


class StaffReportListView(APIView):
    """Open abuse reports, oldest first (moderators and council admins)."""

    permission_classes = [HasRole.of(*services.MODERATOR_ROLES)]

    @extend_schema(responses=AidAbuseReportSerializer(many=True))
    def get(self, request):
        reports = selectors.moderation_queue()[:200]
        return Response(AidAbuseReportSerializer(reports, many=True).data)


class StaffListingHideView(APIView):
    permission_classes = [HasRole.of(*services.MODERATOR_ROLES)]

    @extend_schema(request=AidReasonSerializer, responses=AidListingSerializer)
    def post(self, request, pk: int):
        serializer = AidReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        listing = services.listing_hide(
            listing=get_object_or_404(Listing, pk=pk),
            actor=request.user,
            reason=serializer.validated_data["reason"],
        )
        return Response(AidListingSerializer(listing).data)


class StaffMessageHideView(APIView):
    permission_classes = [HasRole.of(*services.MODERATOR_ROLES)]

    @extend_schema(request=AidReasonSerializer, responses={200: None})
    def post(self, request, pk: int):
        serializer = AidReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.message_hide(
            message=get_object_or_404(Message, pk=pk),
            actor=request.user,
            reason=serializer.validated_data["reason"],
        )
        return Response({"hidden": True})


class StaffFiguresView(APIView):
    permission_classes = [HasRole.of("council_admin", "moderator", "elected_official")]

    @extend_schema(responses=AidFiguresSerializer)
    def get(self, request):
        return Response(selectors.figures())
