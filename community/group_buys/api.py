"""REST API for group buys and partners.

Residents: the group buys open to them, one group buy with its progress and the household's
commitment, setting or withdrawing that commitment (send an `Idempotency-Key` header to make a
retry safe: the same key and body are applied once and answered the same), the partner
directory and "I use it". Staff: the list with totals and savings, opening a group buy, reading
and changing one (PATCH: only the fields sent), its order lines, closing early, marking
handovers. Views call services; the core exception handler turns their
refusals into 400/403."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasRole

from ..models import Neighbourhood
from . import documents, selectors, services
from .models import Commitment, Delivery, GroupBuy, Partner, Unit


class TierSerializer(serializers.Serializer):
    from_quantity = serializers.DecimalField(max_digits=12, decimal_places=2)
    unit_price = serializers.DecimalField(max_digits=10, decimal_places=2)


class GroupBuySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    product = serializers.CharField()
    description = serializers.CharField()
    supplier_name = serializers.CharField()
    unit = serializers.CharField()
    step = serializers.DecimalField(max_digits=12, decimal_places=2)
    retail_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    minimum_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    maximum_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    household_min = serializers.DecimalField(max_digits=12, decimal_places=2)
    household_max = serializers.DecimalField(max_digits=12, decimal_places=2)
    total_committed = serializers.DecimalField(max_digits=12, decimal_places=2)
    deadline = serializers.DateTimeField()
    delivery = serializers.CharField()
    pickup_place = serializers.CharField()
    pickup_at = serializers.DateTimeField(allow_null=True)
    status = serializers.CharField()
    final_unit_price = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    tiers = TierSerializer(many=True, source="tiers.all")
    neighbourhoods = serializers.SerializerMethodField()

    def get_neighbourhoods(self, obj) -> list[int]:
        return [n.pk for n in obj.neighbourhoods.all()]


class GroupBuyProgressSerializer(serializers.Serializer):
    current_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    projected_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    to_minimum = serializers.DecimalField(max_digits=12, decimal_places=2)
    to_next_tier = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    remaining = serializers.DecimalField(max_digits=12, decimal_places=2)
    household_quantity = serializers.DecimalField(max_digits=12, decimal_places=2)
    household_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    household_saving = serializers.DecimalField(max_digits=12, decimal_places=2)


class GroupBuyDetailSerializer(serializers.Serializer):
    group_buy = GroupBuySerializer()
    progress = GroupBuyProgressSerializer()


class CommitmentInSerializer(serializers.Serializer):
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)


class CommitmentOutSerializer(serializers.Serializer):
    group_buy = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2)
    replayed = serializers.BooleanField()


class PartnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    category = serializers.CharField()
    description = serializers.CharField()
    link = serializers.CharField()
    member_offer = serializers.CharField()
    users = serializers.IntegerField()
    used = serializers.BooleanField(required=False)


class OrderLineSerializer(serializers.Serializer):
    commitment_id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.ListField(child=serializers.CharField())
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2)
    unit_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    handover = serializers.CharField()


class StaffGroupBuySerializer(GroupBuySerializer):
    households = serializers.IntegerField()
    saving = serializers.SerializerMethodField()

    def get_saving(self, obj) -> str:
        return str(selectors.group_buy_saving(obj))


IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    description="Any unique string: a retry with the same key and body is applied once.",
)


def _visible(request, pk: int) -> GroupBuy:
    found = selectors.group_buy_visible_to(request.user, pk)
    if found is None:
        raise Http404
    return found


class GroupBuyListView(APIView):
    """Open group buys the resident can join, then closed ones their household took part in."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=GroupBuySerializer(many=True))
    def get(self, request):
        return Response(GroupBuySerializer(selectors.group_buys_for(request.user), many=True).data)


class GroupBuyDetailView(APIView):
    """A group buy, its progress and prices, and the household's quantity."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=GroupBuyDetailSerializer)
    def get(self, request, pk: int):
        group_buy = _visible(request, pk)
        commitment = selectors.household_commitment(request.user, group_buy)
        progress = selectors.progress(group_buy, commitment.quantity if commitment else 0)
        return Response(
            GroupBuyDetailSerializer({"group_buy": group_buy, "progress": progress}).data
        )


class CommitmentView(APIView):
    """Set (PUT) or withdraw (DELETE) the household's quantity, until the deadline."""

    permission_classes = [IsAuthenticated]

    def _apply(self, request, pk: int, quantity):
        # The service checks that the resident may see and join the group buy: one statement
        # when the commitment goes through, the reads that say why only when it does not.
        try:
            outcome = services.commitment_set(
                user=request.user,
                group_buy=pk,
                quantity=quantity,
                idempotency_key=request.headers.get("Idempotency-Key", "").strip(),
            )
        except GroupBuy.DoesNotExist:
            raise Http404 from None
        response = Response(
            CommitmentOutSerializer(outcome).data,
            status=status.HTTP_200_OK,
        )
        if outcome.replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    @extend_schema(
        request=CommitmentInSerializer,
        responses=CommitmentOutSerializer,
        parameters=[IDEMPOTENCY],
    )
    def put(self, request, pk: int):
        data = CommitmentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._apply(request, pk, data.validated_data["quantity"])

    @extend_schema(request=None, responses=CommitmentOutSerializer, parameters=[IDEMPOTENCY])
    def delete(self, request, pk: int):
        return self._apply(request, pk, 0)


class PartnerListView(APIView):
    """The council's partner directory, with how many residents use each."""

    permission_classes = [AllowAny]

    @extend_schema(responses=PartnerSerializer(many=True))
    def get(self, request):
        return Response(PartnerSerializer(selectors.partners_for(request.user), many=True).data)


class PartnerUseView(APIView):
    """Mark (PUT) or unmark (DELETE) "I use it"."""

    permission_classes = [IsAuthenticated]

    def _set(self, request, pk: int, using: bool):
        partner = get_object_or_404(Partner, pk=pk, is_published=True)
        services.partner_use_set(user=request.user, partner=partner, using=using)
        return Response({"used": using, "users": partner.uses.count()})

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "PartnerUse", {"used": serializers.BooleanField(), "users": serializers.IntegerField()}
        ),
    )
    def put(self, request, pk: int):
        return self._set(request, pk, True)

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "PartnerUnuse",
            {"used": serializers.BooleanField(), "users": serializers.IntegerField()},
        ),
    )
    def delete(self, request, pk: int):
        return self._set(request, pk, False)


# --- staff -------------------------------------------------------------------------------------

staff_only = [HasRole.of(*selectors.GROUP_BUY_STAFF_ROLES)]


class GroupBuyInSerializer(serializers.Serializer):
    product = serializers.CharField(max_length=160)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    supplier_name = serializers.CharField(max_length=160)
    supplier_contact = serializers.CharField(required=False, allow_blank=True, default="")
    supplier_siret = serializers.CharField(required=False, allow_blank=True, default="")
    unit = serializers.ChoiceField(choices=Unit.choices)
    step = serializers.DecimalField(max_digits=12, decimal_places=2)
    retail_price = serializers.DecimalField(max_digits=10, decimal_places=2)
    minimum_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    maximum_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    household_min = serializers.DecimalField(max_digits=12, decimal_places=2)
    household_max = serializers.DecimalField(max_digits=12, decimal_places=2)
    deadline = serializers.DateTimeField()
    delivery = serializers.ChoiceField(choices=Delivery.choices, default=Delivery.HOME)
    pickup_place = serializers.CharField(required=False, allow_blank=True, default="")
    pickup_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    tiers = TierSerializer(many=True)
    neighbourhoods = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Neighbourhood.objects.all(), required=False, default=list
    )
    duplicated_from = serializers.PrimaryKeyRelatedField(
        queryset=GroupBuy.objects.all(), required=False, allow_null=True, default=None
    )


class StaffGroupBuyListView(APIView):
    """Every group buy with its households and saving, and this year's savings (GET); open a
    group buy, optionally recording the past one it copies (POST)."""

    permission_classes = staff_only

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=["open", "confirmed", "cancelled"])],
        responses=inline_serializer(
            "StaffGroupBuys",
            {
                "saved_this_year": serializers.DecimalField(max_digits=14, decimal_places=2),
                "group_buys": StaffGroupBuySerializer(many=True),
            },
        ),
    )
    def get(self, request):
        status_filter = request.query_params.get("status", "")
        buys = selectors.group_buys_for_staff(status_filter).prefetch_related(
            "tiers", "neighbourhoods"
        )
        return Response(
            {
                "saved_this_year": str(selectors.savings_this_year().saved),
                "group_buys": StaffGroupBuySerializer(buys[:500], many=True).data,
            }
        )

    @extend_schema(request=GroupBuyInSerializer, responses={201: StaffGroupBuySerializer})
    def post(self, request):
        data = GroupBuyInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields["tiers"] = [(t["from_quantity"], t["unit_price"]) for t in fields["tiers"]]
        created = services.group_buy_create(acting=request.user, **fields)
        created = selectors.group_buys_for_staff().get(pk=created.pk)
        return Response(StaffGroupBuySerializer(created).data, status=status.HTTP_201_CREATED)


class GroupBuyChangeSerializer(GroupBuyInSerializer):
    """A PATCH: any of the fields of a new group buy (sent as a whole, `tiers` replace the
    tiers), except the one it was copied from."""

    duplicated_from = None  # type: ignore[assignment]  (DRF: a field removed in a subclass)


class StaffGroupBuyDetailView(APIView):
    """One group buy (GET); change it while it is open (PATCH, only the fields sent), with the
    checks of the staff portal's form."""

    permission_classes = staff_only

    @extend_schema(
        operation_id="v1_community_staff_group_buy_retrieve", responses=StaffGroupBuySerializer
    )
    def get(self, request, pk: int):
        found = get_object_or_404(
            selectors.group_buys_for_staff().prefetch_related("tiers", "neighbourhoods"), pk=pk
        )
        return Response(StaffGroupBuySerializer(found).data)

    @extend_schema(
        operation_id="v1_community_staff_group_buy_partial_update",
        request=GroupBuyChangeSerializer,
        responses=StaffGroupBuySerializer,
    )
    def patch(self, request, pk: int):
        group_buy = get_object_or_404(GroupBuy, pk=pk)
        data = GroupBuyChangeSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "tiers" in fields:
            fields["tiers"] = [(t["from_quantity"], t["unit_price"]) for t in fields["tiers"]]
        services.group_buy_update(acting=request.user, group_buy=group_buy, **fields)
        return self.get(request, pk)


class StaffOrderView(APIView):
    """The purchase order's lines: one per household, with address, quantity and totals."""

    permission_classes = staff_only

    @extend_schema(
        responses=inline_serializer(
            "PurchaseOrder",
            {
                "unit_price": serializers.DecimalField(max_digits=10, decimal_places=2),
                "quantity": serializers.DecimalField(max_digits=12, decimal_places=2),
                "amount": serializers.DecimalField(max_digits=14, decimal_places=2),
                "saving": serializers.DecimalField(max_digits=14, decimal_places=2),
                "final": serializers.BooleanField(),
                "lines": OrderLineSerializer(many=True),
            },
        )
    )
    def get(self, request, pk: int):
        order = documents.purchase_order(get_object_or_404(GroupBuy, pk=pk))
        return Response(
            {
                "unit_price": str(order.unit_price),
                "quantity": str(order.quantity),
                "amount": str(order.amount),
                "saving": str(order.saving),
                "final": order.final,
                "lines": OrderLineSerializer(order.lines, many=True).data,
            }
        )


class StaffCloseView(APIView):
    """Close a group buy early, once its maximum is reached."""

    permission_classes = staff_only

    @extend_schema(
        request=None,
        responses=inline_serializer("Closed", {"status": serializers.CharField()}),
    )
    def post(self, request, pk: int):
        group_buy = get_object_or_404(GroupBuy, pk=pk)
        result = services.group_buy_close(
            group_buy_id=group_buy.pk, acting=request.user, early=True
        )
        return Response({"status": result})


class StaffHandoverView(APIView):
    """Mark a household's order collected, delivered, no-show, or "" (not yet)."""

    permission_classes = staff_only

    @extend_schema(
        request=inline_serializer(
            "Handover", {"handover": serializers.CharField(allow_blank=True)}
        ),
        responses=inline_serializer("HandoverDone", {"handover": serializers.CharField()}),
    )
    def post(self, request, pk: int):
        commitment = get_object_or_404(Commitment.objects.select_related("group_buy"), pk=pk)
        done = services.commitment_handover_mark(
            acting=request.user,
            commitment=commitment,
            handover=str(request.data.get("handover", "")),
        )
        return Response({"handover": done.handover})
