"""Reads of mutual aid, with the permissions applied: what a visitor, a resident, a participant
of a conversation or a moderator may see."""

import re
from dataclasses import dataclass
from datetime import date

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db.models import Count, Exists, F, Func, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import User

from ..geo import area_bounds
from ..models import Neighbourhood, Residence
from .models import (
    AbuseReport,
    AbuseReportStatus,
    AidCategory,
    Block,
    Compensation,
    Conversation,
    Listing,
    ListingPhoto,
    ListingStatus,
    Loan,
    Message,
    Reach,
    ThankYou,
)
from .services import MODERATOR_ROLES, active_suspension

# The text search configuration the migration creates: French stemming after unaccent.
SEARCH_CONFIG = "public.fr_unaccent"


def is_moderator(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_role(*MODERATOR_ROLES))


def categories() -> QuerySet[AidCategory]:
    return AidCategory.objects.filter(is_active=True)


def all_categories() -> QuerySet[AidCategory]:
    return AidCategory.objects.all()


def listings_public() -> QuerySet[Listing]:
    """Open or agreed listings that are neither hidden nor expired: what every visitor of the
    council's site may browse (never an address: the neighbourhood only)."""
    return (
        Listing.objects.filter(
            is_hidden=False,
            status__in=(ListingStatus.OPEN, ListingStatus.AGREED),
            expires_at__gt=timezone.now(),
        )
        .select_related("category", "neighbourhood", "author")
        .annotate(photo_count=Count("photos"))
    )


def neighbouring_ids(neighbourhood: Neighbourhood | None) -> set[int]:
    """The neighbourhood and those whose area's bounding box touches it (a cheap adjacency that
    suits neighbourhoods drawn edge to edge)."""
    if neighbourhood is None:
        return set()
    found = {neighbourhood.pk}
    if not neighbourhood.area:
        return found
    own = area_bounds([neighbourhood.area])
    if own is None:
        return found
    margin = 0.001  # about 100 m
    for other in Neighbourhood.objects.exclude(pk=neighbourhood.pk).exclude(area=None):
        bounds = area_bounds([other.area]) if other.area else None
        if bounds is None:
            continue
        if not (
            bounds[0] > own[2] + margin
            or bounds[2] < own[0] - margin
            or bounds[1] > own[3] + margin
            or bounds[3] < own[1] - margin
        ):
            found.add(other.pk)
    return found


def reaching(listings: QuerySet[Listing], neighbourhood: Neighbourhood | None) -> QuerySet[Listing]:
    """Listings whose reach includes `neighbourhood`."""
    if neighbourhood is None:
        return listings.filter(reach=Reach.COUNCIL)
    near = neighbouring_ids(neighbourhood)
    return listings.filter(
        Q(reach=Reach.COUNCIL)
        | Q(reach=Reach.NEIGHBOURHOOD, neighbourhood=neighbourhood)
        | Q(reach=Reach.NEIGHBOURING, neighbourhood_id__in=near)
    )


class _ListingDocument(Func):
    """The listing's text as a tsvector, written exactly as the index expression."""

    template = f"to_tsvector('{SEARCH_CONFIG}'::regconfig, %(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = SearchVectorField()


def search(listings: QuerySet[Listing], query: str) -> QuerySet[Listing]:
    """Full-text search in French, accents ignored: "reparer velo" finds "Réparation de vélos".

    Each word of the query goes through the same configuration as the listings (unaccent, then
    French stemming) and matches as a prefix: the French stemmer keeps "velos" whole but makes
    "velo" of "vélo", and a prefix bridges such plurals. The expression matches the GIN index of
    migration 0003."""
    words = [w for w in re.findall(r"[^\W_]+", query.lower()) if len(w) > 1][:10]
    if not words:
        return listings
    raw = " & ".join(f"{w}:*" for w in words)
    return listings.annotate(document=_ListingDocument(F("title"), F("description"))).filter(
        document=SearchQuery(raw, config=SEARCH_CONFIG, search_type="raw")
    )


@dataclass
class ListingFilters:
    query: str = ""
    kind: str = ""
    category: AidCategory | None = None
    neighbourhood: Neighbourhood | None = None
    free: str = ""  # "free", "paid" or ""
    for_me: bool = False


def listings_browse(user: User, filters: ListingFilters) -> QuerySet[Listing]:
    listings = listings_public()
    if filters.kind:
        listings = listings.filter(kind=filters.kind)
    if filters.category is not None:
        listings = listings.filter(category=filters.category)
    if filters.neighbourhood is not None:
        listings = listings.filter(neighbourhood=filters.neighbourhood)
    if filters.free == "free":
        listings = listings.filter(compensation=Compensation.FREE)
    elif filters.free == "paid":
        listings = listings.exclude(compensation=Compensation.FREE)
    if filters.for_me:
        listings = reaching(listings, resident_neighbourhood(user))
    return search(listings, filters.query).order_by("-created_at", "-pk")


def resident_neighbourhood(user: User) -> Neighbourhood | None:
    if not getattr(user, "is_authenticated", False):
        return None
    residence = Residence.objects.select_related("neighbourhood").filter(user=user).first()
    return residence.neighbourhood if residence else None


def listing_for(user: User, pk: int) -> Listing | None:
    """A listing this person may open: public ones, their own (even hidden, with the reason,
    or expired), the one they helped on, and any for a moderator."""
    listing = (
        Listing.objects.select_related("category", "neighbourhood", "author", "helper")
        .filter(pk=pk)
        .first()
    )
    if listing is None:
        return None
    if is_moderator(user):
        return listing
    if getattr(user, "is_authenticated", False) and user.pk in (
        listing.author_id,
        listing.helper_id,
    ):
        return listing
    if listing.is_hidden or listing.status in (ListingStatus.CLOSED, ListingStatus.DONE):
        # Done listings stay visible: they carry the thank-yous.
        if listing.status == ListingStatus.DONE and not listing.is_hidden:
            return listing
        return None
    if listing.is_expired:
        return None
    return listing


def photo_for(user: User, pk: int) -> ListingPhoto | None:
    photo = ListingPhoto.objects.filter(pk=pk).first()
    if photo is None or listing_for(user, photo.listing_id) is None:
        return None
    return photo


def listings_of(user: User) -> QuerySet[Listing]:
    return (
        Listing.objects.filter(author=user)
        .select_related("category", "neighbourhood", "helper")
        .order_by("-created_at")
    )


def conversations_of(user: User) -> QuerySet[Conversation]:
    """The resident's threads, newest activity first, with an unread flag."""
    if not getattr(user, "is_authenticated", False):
        return Conversation.objects.none()
    unread_for_author = Exists(
        Message.objects.filter(conversation=OuterRef("pk"), is_hidden=False)
        .exclude(sender=user)
        .filter(
            Q(conversation__author_read_at__isnull=True)
            | Q(created_at__gt=OuterRef("author_read_at"))
        )
    )
    unread_for_respondent = Exists(
        Message.objects.filter(conversation=OuterRef("pk"), is_hidden=False)
        .exclude(sender=user)
        .filter(
            Q(conversation__respondent_read_at__isnull=True)
            | Q(created_at__gt=OuterRef("respondent_read_at"))
        )
    )
    return (
        Conversation.objects.filter(Q(author=user) | Q(respondent=user))
        .select_related("author", "respondent", "listing")
        .annotate(unread_as_author=unread_for_author, unread_as_respondent=unread_for_respondent)
        .order_by("-last_message_at", "-pk")
    )


def conversation_for(user: User, pk: int) -> Conversation | None:
    """Only the two participants may read a conversation (moderators see a reported message
    in the moderation queue, not the thread)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Conversation.objects.filter(Q(author=user) | Q(respondent=user), pk=pk)
        .select_related("author", "respondent", "listing__category")
        .first()
    )


def messages_of(conversation: Conversation, viewer: User) -> list[Message]:
    """The thread as `viewer` sees it: a hidden message shows as hidden to its recipient, with
    its text to its sender only."""
    return list(conversation.messages.select_related("sender"))


def helped_count(user: User | None) -> int:
    """How many different neighbours thanked this resident ("has helped N neighbours")."""
    if user is None:
        return 0
    return ThankYou.objects.filter(recipient=user).values("author").distinct().count()


def thanks_received(user: User, limit: int = 5) -> list[ThankYou]:
    return list(ThankYou.objects.filter(recipient=user).select_related("author")[:limit])


def blocked_by(user: User) -> QuerySet[Block]:
    return Block.objects.filter(blocker=user).select_related("blocked")


def has_blocked(user: User, other: User | None) -> bool:
    if other is None or not getattr(user, "is_authenticated", False):
        return False
    return Block.objects.filter(blocker=user, blocked=other).exists()


def loans_of(user: User) -> QuerySet[Loan]:
    return Loan.objects.filter(Q(lender=user) | Q(borrower=user)).select_related(
        "lender", "borrower", "listing"
    )


def suspension_of(user: User):
    if not getattr(user, "is_authenticated", False):
        return None
    return active_suspension(user)


# --- staff -------------------------------------------------------------------------------------


def moderation_queue(status: str = AbuseReportStatus.OPEN) -> QuerySet[AbuseReport]:
    return AbuseReport.objects.filter(status=status).select_related(
        "reporter", "listing__author", "message__sender", "message__conversation"
    )


def abuse_report(pk: int) -> AbuseReport | None:
    return (
        AbuseReport.objects.select_related(
            "reporter",
            "listing__author",
            "listing__category",
            "message__sender",
            "message__conversation",
        )
        .filter(pk=pk)
        .first()
    )


def figures(*, since: date | None = None) -> dict:
    """The council's figures: listings by category and by neighbourhood, agreements done per
    month, and what is open now."""
    listings = Listing.objects.all()
    if since is not None:
        listings = listings.filter(created_at__date__gte=since)
    by_category = list(
        listings.values("category__code", "category__name_fr", "category__name_en")
        .annotate(
            total=Count("pk"),
            offers=Count("pk", filter=Q(kind="offer")),
            requests=Count("pk", filter=Q(kind="request")),
            done=Count("pk", filter=Q(status=ListingStatus.DONE)),
        )
        .order_by("-total", "category__code")
    )
    by_neighbourhood = list(
        listings.values("neighbourhood__name")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(status=ListingStatus.DONE)))
        .order_by("-total", "neighbourhood__name")
    )
    done_per_month = list(
        Listing.objects.filter(status=ListingStatus.DONE, done_at__isnull=False)
        .annotate(month=TruncMonth("done_at"))
        .values("month")
        .annotate(done=Count("pk"))
        .order_by("month")
    )
    return {
        "by_category": by_category,
        "by_neighbourhood": by_neighbourhood,
        "done_per_month": done_per_month,
        "open_now": listings_public().filter(status=ListingStatus.OPEN).count(),
        "open_reports": AbuseReport.objects.filter(status=AbuseReportStatus.OPEN).count(),
    }
