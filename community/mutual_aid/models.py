"""Mutual aid: listings, conversations, thank-yous, loans, blocks, abuse reports, suspensions.

The models belong to the `community` app (imported at the end of community/models.py). A listing
is placed at its author's neighbourhood, never at an address. Conversations survive the listing
and either participant (SET_NULL, with a title snapshot): when one side deletes their account,
the other keeps a readable thread."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

LISTING_DAYS = 30

__all__ = [
    "LISTING_DAYS",
    "AbuseReport",
    "AbuseReportStatus",
    "AidCategory",
    "Block",
    "Compensation",
    "Conversation",
    "Listing",
    "ListingKind",
    "ListingPhoto",
    "ListingStatus",
    "Loan",
    "LoanStatus",
    "Message",
    "Reach",
    "Suspension",
    "ThankYou",
]


class AidCategory(models.Model):
    """A kind of help, named in both languages: council data, with defaults from the migration."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    icon = models.CharField(_("icon"), max_length=8, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # Lending an object: an agreement on such a listing can carry a loan record.
    is_lending = models.BooleanField(_("lending an object"), default=False)

    class Meta:
        app_label = "community"
        verbose_name = _("mutual aid category")
        verbose_name_plural = _("mutual aid categories")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_fr if (get_language() or "fr").startswith("fr") else self.name_en


class ListingKind(models.TextChoices):
    OFFER = "offer", _("Offer: I can…")
    REQUEST = "request", _("Request: I need…")


class Compensation(models.TextChoices):
    FREE = "free", _("Free")
    PER_HOUR = "hour", _("Per hour")
    PER_DAY = "day", _("Per day")
    PER_ITEM = "item", _("Per item")


class Reach(models.TextChoices):
    NEIGHBOURHOOD = "neighbourhood", _("My neighbourhood")
    NEIGHBOURING = "neighbouring", _("Neighbouring neighbourhoods")
    COUNCIL = "council", _("The whole council")


class ListingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    AGREED = "agreed", _("Agreed")
    DONE = "done", _("Done")
    CLOSED = "closed", _("Closed")


def default_expiry():
    return timezone.now() + timedelta(days=LISTING_DAYS)


class Listing(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="aid_listings"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ListingKind.choices)
    category = models.ForeignKey(
        AidCategory, on_delete=models.PROTECT, related_name="listings", verbose_name=_("category")
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=4000)
    compensation = models.CharField(
        _("compensation"), max_length=8, choices=Compensation.choices, default=Compensation.FREE
    )
    amount = models.DecimalField(
        _("amount (€)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    availability = models.CharField(_("availability"), max_length=200, blank=True)
    reach = models.CharField(
        _("reach"), max_length=16, choices=Reach.choices, default=Reach.NEIGHBOURHOOD
    )
    # The author's neighbourhood when posting: the only place a listing is shown at.
    neighbourhood = models.ForeignKey(
        "community.Neighbourhood",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="aid_listings",
        verbose_name=_("neighbourhood"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=ListingStatus.choices, default=ListingStatus.OPEN
    )
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="aid_listings_helped",
    )
    expires_at = models.DateTimeField(_("expires on"), default=default_expiry)
    agreed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "community"
        verbose_name = _("mutual aid listing")
        verbose_name_plural = _("mutual aid listings")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(compensation="free", amount__isnull=True)
                | (~Q(compensation="free") & Q(amount__gt=0)),
                name="aid_listing_amount_matches_compensation",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("community:mutual_aid:listing", args=[self.pk])

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_open(self) -> bool:
        return self.status == ListingStatus.OPEN and not self.is_expired and not self.is_hidden


class ListingPhoto(models.Model):
    """A photo re-encoded by the image pipeline, stored privately and served by a view that
    checks the listing is visible to whoever asks (a hidden listing's photos stop answering)."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="photos")
    file = models.CharField(max_length=255)
    thumbnail = models.CharField(max_length=255)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "community"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"photo {self.pk} of listing {self.listing_id}"


class Conversation(models.Model):
    """A private thread between a listing's author and one interested resident."""

    listing = models.ForeignKey(
        Listing, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations"
    )
    listing_title = models.CharField(max_length=120)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Per side: what they have read, and when they were last emailed (grouped notifications).
    author_read_at = models.DateTimeField(null=True, blank=True)
    respondent_read_at = models.DateTimeField(null=True, blank=True)
    author_emailed_at = models.DateTimeField(null=True, blank=True)
    respondent_emailed_at = models.DateTimeField(null=True, blank=True)
    # A deferred email is scheduled for this time (at most one per side and window).
    author_email_due_at = models.DateTimeField(null=True, blank=True)
    respondent_email_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "community"
        ordering = ["-last_message_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "respondent"], name="aid_one_conversation_per_respondent"
            )
        ]

    def __str__(self) -> str:
        return self.listing_title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("community:mutual_aid:conversation", args=[self.pk])

    def side_of(self, user) -> str | None:
        """ "author" or "respondent" for a participant, None for anyone else."""
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        if user.pk == self.author_id:
            return "author"
        if user.pk == self.respondent_id:
            return "respondent"
        return None

    def other_of(self, user):
        side = self.side_of(user)
        if side == "author":
            return self.respondent
        if side == "respondent":
            return self.author
        return None


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    # None once the sender deleted their account: the text stays for the other side.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(max_length=2000)
    # A link may lead off the platform (scams, phishing): the recipient is warned.
    has_link = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        app_label = "community"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"message {self.pk} in conversation {self.conversation_id}"


class ThankYou(models.Model):
    """A short public thank-you from one side of a conversation to the other; no ratings."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.SET_NULL, null=True, related_name="thanks"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="aid_thanks_given"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="aid_thanks_received"
    )
    text = models.CharField(_("thank-you"), max_length=280)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "community"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "author"], name="aid_one_thanks_per_side"
            )
        ]

    def __str__(self) -> str:
        return self.text


class LoanStatus(models.TextChoices):
    OUT = "out", _("Lent")
    RETURNED = "returned", _("Returned")
    NOT_RETURNED = "not_returned", _("Not returned")


class Loan(models.Model):
    """The record of an object lent between neighbours, with a reminder on the due date."""

    listing = models.ForeignKey(
        Listing, on_delete=models.SET_NULL, null=True, blank=True, related_name="loans"
    )
    item = models.CharField(_("object"), max_length=120)
    lender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    borrower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    starts_on = models.DateField(_("from"))
    due_on = models.DateField(_("due date"))
    status = models.CharField(max_length=14, choices=LoanStatus.choices, default=LoanStatus.OUT)
    closed_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "community"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.item


class Block(models.Model):
    """`blocker` no longer hears from `blocked`: no new conversation or message either way."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="aid_blocks"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "community"
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="aid_block_once")
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class AbuseReportStatus(models.TextChoices):
    OPEN = "open", _("To review")
    ACTIONED = "actioned", _("Acted on")
    DISMISSED = "dismissed", _("Dismissed")


class AbuseReport(models.Model):
    """A resident's report of a listing or a message, for the moderators' queue."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, null=True, blank=True, related_name="abuse_reports"
    )
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="abuse_reports"
    )
    reason = models.TextField(_("what is wrong?"), max_length=1000)
    status = models.CharField(
        max_length=10, choices=AbuseReportStatus.choices, default=AbuseReportStatus.OPEN
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        app_label = "community"
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(listing__isnull=False, message__isnull=True)
                | Q(listing__isnull=True, message__isnull=False),
                name="aid_abuse_report_one_target",
            )
        ]

    def __str__(self) -> str:
        what = f"listing {self.listing_id}" if self.listing_id else f"message {self.message_id}"
        return f"report {self.pk} on {what}"


class Suspension(models.Model):
    """Mutual-aid rights withdrawn from a resident by a moderator until `until`."""

    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="aid_suspensions"
    )
    until = models.DateTimeField()
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "community"
        ordering = ["-until"]

    def __str__(self) -> str:
        return f"suspension of {self.resident_id} until {self.until:%Y-%m-%d}"
