"""Reads of the community app, for its own views and for other apps (alerts, civic)."""

from dataclasses import dataclass, field

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet

from accounts.models import User
from accounts.roles import Role

from .models import (
    OPEN_REQUEST_STATUSES,
    CommunitySettings,
    Feature,
    Method,
    Neighbourhood,
    PostcardBatch,
    RequestStatus,
    Residence,
    Status,
    VerificationEvent,
    VerificationRequest,
    Vouch,
)

# Staff who review verifications, print postcards and see proof documents.
VERIFIER_ROLES: tuple[Role, ...] = (Role.COUNCIL_ADMIN, Role.AGENT)


# --- for other apps ----------------------------------------------------------------------------


def resident_neighbourhood(user: User) -> Neighbourhood | None:
    """The neighbourhood the resident declared, or None (anonymous, no address, none chosen)."""
    if not getattr(user, "is_authenticated", False):
        return None
    residence = Residence.objects.select_related("neighbourhood").filter(user=user).first()
    return residence.neighbourhood if residence else None


def is_verified(user: User) -> bool:
    """True when the council considers the resident's address proven."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return Residence.objects.filter(user=user, status=Status.VERIFIED).exists()


def verification_required(feature: str) -> bool:
    """Whether the council reserves `feature` (a Feature value: "vote", "mutual_aid",
    "group_buy", "neighbourhood_alerts", "report_issue") to verified residents. Raises
    ValueError for an unknown feature."""
    return CommunitySettings.load().requires_verification(Feature(feature))


def may_use(user: User, feature: str) -> bool:
    """The usual check: the feature is open to every resident, or this one is verified."""
    return not verification_required(feature) or is_verified(user)


def verified_residents(neighbourhood: Neighbourhood | None = None) -> QuerySet[User]:
    users = User.objects.filter(is_active=True, residence__status=Status.VERIFIED)
    if neighbourhood is not None:
        users = users.filter(residence__neighbourhood=neighbourhood)
    return users


# --- the resident's own view -------------------------------------------------------------------


def community_settings() -> CommunitySettings:
    return CommunitySettings.load()


def residence_for(user: User) -> Residence | None:
    return Residence.objects.select_related("neighbourhood").filter(user=user).first()


def open_requests_of(user: User) -> QuerySet[VerificationRequest]:
    return (
        VerificationRequest.objects.filter(resident=user, status__in=OPEN_REQUEST_STATUSES)
        .annotate(active_vouches=Count("vouches", filter=Q(vouches__withdrawn_at__isnull=True)))
        .order_by("created_at")
    )


def recent_requests_of(user: User, limit: int = 10) -> list[VerificationRequest]:
    return list(VerificationRequest.objects.filter(resident=user).order_by("-created_at")[:limit])


def vouches_given_by(user: User) -> QuerySet[Vouch]:
    return (
        Vouch.objects.filter(voucher=user)
        .select_related("request__resident")
        .order_by("-created_at")
    )


@dataclass
class VerificationOverview:
    residence: Residence | None
    open_requests: list[VerificationRequest] = field(default_factory=list)
    recent: list[VerificationRequest] = field(default_factory=list)
    settings: CommunitySettings | None = None

    @property
    def status(self) -> str:
        return self.residence.status if self.residence else Status.UNVERIFIED

    def open_of(self, method: str) -> VerificationRequest | None:
        return next((r for r in self.open_requests if r.method == method), None)

    @property
    def cooptation(self):
        return self.open_of(Method.COOPTATION)

    @property
    def proof(self):
        return self.open_of(Method.PROOF)

    @property
    def postcard(self):
        return self.open_of(Method.POSTCARD)


def verification_overview(user: User) -> VerificationOverview:
    return VerificationOverview(
        residence=residence_for(user),
        open_requests=list(open_requests_of(user)),
        recent=recent_requests_of(user),
        settings=CommunitySettings.load(),
    )


# --- staff -------------------------------------------------------------------------------------


def neighbourhoods() -> QuerySet[Neighbourhood]:
    return Neighbourhood.objects.annotate(
        residents=Count("residences"),
        verified=Count("residences", filter=Q(residences__status=Status.VERIFIED)),
    ).order_by("name")


def verification_queue(
    *, method: str = "", neighbourhood: int | None = None
) -> QuerySet[VerificationRequest]:
    """Open requests, oldest first: what staff have to act on or watch."""
    requests = (
        VerificationRequest.objects.filter(status__in=OPEN_REQUEST_STATUSES)
        .select_related("resident", "neighbourhood", "batch")
        .annotate(active_vouches=Count("vouches", filter=Q(vouches__withdrawn_at__isnull=True)))
        .order_by("created_at")
    )
    if method:
        requests = requests.filter(method=method)
    if neighbourhood:
        requests = requests.filter(neighbourhood_id=neighbourhood)
    return requests


def queue_counts() -> dict[str, int]:
    """For the dashboard: what needs staff (proofs to review, postcards to print) and the rest."""
    open_requests = VerificationRequest.objects.filter(status__in=OPEN_REQUEST_STATUSES)
    counts = open_requests.aggregate(
        proofs_to_review=Count("pk", filter=Q(method=Method.PROOF)),
        postcards_to_print=Count(
            "pk", filter=Q(method=Method.POSTCARD, status=RequestStatus.REQUESTED)
        ),
        postcards_posted=Count("pk", filter=Q(method=Method.POSTCARD, status=RequestStatus.POSTED)),
        cooptations=Count("pk", filter=Q(method=Method.COOPTATION)),
        total=Count("pk"),
    )
    counts["verified_residents"] = verified_resident_count()
    return counts


def verified_resident_count() -> int:
    return Residence.objects.filter(status=Status.VERIFIED).count()


def residents_search(query: str = "", *, status: str = "") -> QuerySet[Residence]:
    residences = Residence.objects.select_related("user", "neighbourhood").order_by(
        "user__full_name", "user__email"
    )
    query = query.strip()
    if query:
        residences = residences.filter(
            Q(user__full_name__icontains=query)
            | Q(user__email__icontains=query)
            | Q(address_line1__icontains=query)
            | Q(postcode__startswith=query)
        )
    if status:
        residences = residences.filter(status=status)
    return residences


def resident_history(user: User) -> QuerySet[VerificationEvent]:
    return VerificationEvent.objects.filter(resident=user).select_related("actor", "request")


@dataclass
class VouchEdge:
    vouch: Vouch
    voucher: User | None
    upstream: list["VouchEdge"] = field(default_factory=list)


def vouching_graph(user: User, depth: int = 2) -> dict:
    """Who vouched for this resident (and, `depth` levels up, for those vouchers), and for whom
    this resident vouched: what staff look at to spot a ring of accounts vouching for each
    other."""

    def received(person: User, level: int, seen: set[int]) -> list[VouchEdge]:
        edges = []
        vouches = (
            Vouch.objects.filter(request__resident=person)
            .select_related("voucher", "request")
            .order_by("created_at")
        )
        for vouch in vouches:
            edge = VouchEdge(vouch=vouch, voucher=vouch.voucher)
            voucher_id = vouch.voucher_id
            if level > 1 and vouch.voucher and voucher_id is not None and voucher_id not in seen:
                edge.upstream = received(vouch.voucher, level - 1, seen | {voucher_id})
            edges.append(edge)
        return edges

    return {
        "received": received(user, depth, {user.pk}),
        "given": list(vouches_given_by(user)),
    }


def postcard_batches() -> QuerySet[PostcardBatch]:
    return PostcardBatch.objects.annotate(cards=Count("requests")).select_related(
        "created_by", "posted_by"
    )


# A card of a batch that is not (or will not be) posted: cancelled, refused or withdrawn before
# the batch went out. Posted cards got an expiry date; cards still waiting are "requested".
_LEFT_OUT = Q(code_expires_at__isnull=True) & ~Q(status=RequestStatus.REQUESTED)


def postcard_batch_cards(batch: PostcardBatch) -> QuerySet[VerificationRequest]:
    """The batch's cards in print order, each with `left_out`: not to be posted."""
    return (
        batch.requests.select_related("resident")
        .annotate(left_out=ExpressionWrapper(_LEFT_OUT, output_field=BooleanField()))
        .order_by("address", "pk")
    )


def postcards_waiting() -> int:
    return VerificationRequest.objects.filter(
        method=Method.POSTCARD, status=RequestStatus.REQUESTED, batch__isnull=True
    ).count()


def document_request_for(request_id: int) -> VerificationRequest | None:
    """A proof request whose document is still on disk (none once decided)."""
    return (
        VerificationRequest.objects.filter(pk=request_id, method=Method.PROOF)
        .exclude(document="")
        .first()
    )
