"""Residents, neighbourhoods and address verification.

A resident's `Residence` holds the declared postal address and the verification status. Each
attempt to verify is a `VerificationRequest` with one method (neighbours' vouches, a proof of
address, a postcard code, or in person at the town hall). Every decision is a
`VerificationEvent` row: the audit trail staff read and the resident's own history.
"""

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .storage import private_document_storage


class Neighbourhood(models.Model):
    """A part of the council's territory that residents belong to and alerts can target.

    `area` is an optional GeoJSON Polygon or MultiPolygon geometry (WGS 84 lon/lat)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    area = models.JSONField(_("area"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("neighbourhood")
        verbose_name_plural = _("neighbourhoods")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Feature(models.TextChoices):
    """Actions a council can reserve to verified residents (later issues check them)."""

    VOTE = "vote", _("Voting in consultations")
    MUTUAL_AID = "mutual_aid", _("Posting in mutual aid")
    GROUP_BUY = "group_buy", _("Joining group buys")
    NEIGHBOURHOOD_ALERTS = "neighbourhood_alerts", _("Receiving neighbourhood alerts")
    REPORT_ISSUE = "report_issue", _("Reporting a street issue")


class CommunitySettings(models.Model):
    """The council's community rules (verification, who may organise group buys): one row per
    council schema (pk is always 1)."""

    vouches_required = models.PositiveSmallIntegerField(
        _("vouches needed"),
        default=2,
        help_text=_("How many verified neighbours, from different households, must vouch."),
    )
    vouches_per_30_days = models.PositiveSmallIntegerField(
        _("vouches a resident may give per 30 days"), default=3
    )
    cooptation_days = models.PositiveSmallIntegerField(
        _("days to gather vouches"),
        default=30,
        help_text=_("A request without enough vouches after this many days expires."),
    )
    postcard_validity_days = models.PositiveSmallIntegerField(
        _("days a postcard code stays valid"), default=30
    )
    cooptation_enabled = models.BooleanField(_("verification by neighbours"), default=True)
    proof_enabled = models.BooleanField(_("verification by proof of address"), default=True)
    postcard_enabled = models.BooleanField(_("verification by postcard"), default=True)
    # One flag per Feature: whether that action needs a verified resident.
    require_vote = models.BooleanField(Feature.VOTE.label, default=True)
    require_mutual_aid = models.BooleanField(Feature.MUTUAL_AID.label, default=True)
    require_group_buy = models.BooleanField(Feature.GROUP_BUY.label, default=True)
    require_neighbourhood_alerts = models.BooleanField(
        Feature.NEIGHBOURHOOD_ALERTS.label, default=False
    )
    require_report_issue = models.BooleanField(Feature.REPORT_ISSUE.label, default=False)
    # Staff always organise group buys; verified residents too where the council allows it.
    residents_organise_group_buys = models.BooleanField(
        _("verified residents may organise group buys"), default=False, db_default=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("community settings")
        verbose_name_plural = _("community settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="community_settings_single")]

    def __str__(self) -> str:
        return str(_("Community settings"))

    @classmethod
    def load(cls) -> "CommunitySettings":
        found = cls.objects.filter(pk=1).first()
        if found is not None:
            return found
        try:
            with transaction.atomic():
                return cls.objects.create(pk=1)
        except IntegrityError:  # created meanwhile by a concurrent request
            return cls.objects.get(pk=1)

    def requires_verification(self, feature: str) -> bool:
        return bool(getattr(self, f"require_{Feature(feature).value}"))


class Status(models.TextChoices):
    UNVERIFIED = "unverified", _("Not verified")
    PENDING = "pending", _("Verification in progress")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    REVOKED = "revoked", _("Revoked")


class Method(models.TextChoices):
    COOPTATION = "cooptation", _("Vouched for by neighbours")
    PROOF = "proof", _("Proof of address")
    POSTCARD = "postcard", _("Postcard code")
    IN_PERSON = "in_person", _("In person at the town hall")


class ClosingReason(models.TextChoices):
    """Why the platform itself closed a request or reset a residence. Stored as a code and shown
    in the reader's language; reasons written by staff stay free text in `reason`."""

    VERIFIED_OTHERWISE = "verified_otherwise", _("Not needed: your address is verified.")
    ADDRESS_CHANGED = "address_changed", _("Cancelled: you changed your address.")
    VERIFY_NEW_ADDRESS = (
        "verify_new_address",
        _("You changed your address: please verify the new one."),
    )
    NOT_ENOUGH_VOUCHES = "not_enough_vouches", _("Not enough neighbours vouched in time.")
    POSTCARD_EXPIRED = "postcard_expired", _("The postcard code expired. Request a new postcard.")
    WRONG_CODES = "wrong_codes", _("Too many wrong codes were entered. Request a new postcard.")
    PROOF_NOT_REVIEWED = (
        "proof_not_reviewed",
        _("Your document was not reviewed in time and has been deleted. Please send it again."),
    )


class ReasonMixin(models.Model):
    """A reason shown to the resident: a platform code (translated when shown) or staff text."""

    reason = models.TextField(_("reason"), blank=True)
    reason_code = models.CharField(
        max_length=24, choices=ClosingReason.choices, blank=True, default="", db_default=""
    )

    class Meta:
        abstract = True

    @property
    def reason_text(self) -> str:
        return str(ClosingReason(self.reason_code).label) if self.reason_code else self.reason


class Residence(ReasonMixin, models.Model):
    """Where a resident lives, and whether the council considers it proven."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="residence"
    )
    address_line1 = models.CharField(_("street address"), max_length=200)
    address_line2 = models.CharField(
        _("flat, building"),
        max_length=200,
        blank=True,
        help_text=_("Flat number, building or staircase, if any."),
    )
    postcode = models.CharField(_("postcode"), max_length=10)
    city = models.CharField(_("town"), max_length=120)
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="residences",
        verbose_name=_("neighbourhood"),
    )
    # Optional point the resident placed on the map (WGS 84), used to suggest the neighbourhood.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # A keyed hash of the normalised address: equal for two residents of the same household,
    # without storing a second copy of the address (see services.household_key).
    household_key = models.CharField(max_length=64, db_index=True)

    status = models.CharField(
        _("verification"), max_length=12, choices=Status.choices, default=Status.UNVERIFIED
    )
    method = models.CharField(_("method"), max_length=12, choices=Method.choices, blank=True)
    verified_at = models.DateTimeField(_("verified on"), null=True, blank=True)
    # The staff member who decided (proof, in person, revocation); vouchers are on the request.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Shown to the resident after a rejection or revocation (`reason_text`).
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("residence")
        verbose_name_plural = _("residences")
        indexes = [models.Index(fields=["status", "neighbourhood"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.address_line1}, {self.postcode} {self.city}"

    @property
    def is_verified(self) -> bool:
        return self.status == Status.VERIFIED

    def postal_lines(self) -> list[str]:
        lines = [self.address_line1, self.address_line2, f"{self.postcode} {self.city}".strip()]
        return [line for line in lines if line]


class RequestStatus(models.TextChoices):
    # A postcard is "requested" until staff print it, then "posted" until the code is entered.
    REQUESTED = "requested", _("Requested")
    POSTED = "posted", _("Posted")
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_REQUEST_STATUSES = (RequestStatus.REQUESTED, RequestStatus.POSTED, RequestStatus.PENDING)


class PostcardBatch(models.Model):
    """Postcards printed together. The codes exist in clear only in the PDF, which is rendered
    on download (each download before posting issues new codes) and never stored."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    printed_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("postcard batch")
        verbose_name_plural = _("postcard batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(_("Postcard batch %(id)s") % {"id": self.pk})


class VerificationRequest(ReasonMixin, models.Model):
    """One attempt by a resident to prove their address with one method."""

    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verification_requests"
    )
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    status = models.CharField(_("status"), max_length=12, choices=RequestStatus.choices)
    # The address as declared when the request was made: what staff check and what is printed.
    address = models.JSONField(default=dict)
    neighbourhood = models.ForeignKey(
        Neighbourhood, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # Co-optation: the short code the resident shares with neighbours.
    request_code = models.CharField(max_length=12, blank=True, db_index=True)

    # Proof of address: a private file, deleted when the request is decided.
    document = models.FileField(storage=private_document_storage, blank=True, max_length=200)
    document_type = models.CharField(max_length=40, blank=True)
    document_size = models.PositiveIntegerField(null=True, blank=True)
    document_deleted_at = models.DateTimeField(null=True, blank=True)

    # Postcard: only a keyed hash of the code is kept.
    batch = models.ForeignKey(
        PostcardBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="requests"
    )
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("verification request")
        verbose_name_plural = _("verification requests")
        ordering = ["created_at"]
        constraints = [
            # At most one open request per method and resident.
            models.UniqueConstraint(
                fields=["resident", "method"],
                condition=Q(status__in=["requested", "posted", "pending"]),
                name="one_open_request_per_method",
            ),
        ]
        indexes = [models.Index(fields=["status", "method"])]

    def __str__(self) -> str:
        # Also the label of audit rows, which outlive the account: a name, never the email
        # (a user's own __str__ falls back to it).
        who = self.resident.full_name or f"#{self.resident_id}"
        return f"{self.get_method_display()} — {who} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES

    def postal_lines(self) -> list[str]:
        a = self.address
        lines = [
            a.get("line1", ""),
            a.get("line2", ""),
            f"{a.get('postcode', '')} {a.get('city', '')}".strip(),
        ]
        return [line for line in lines if line]


class Vouch(models.Model):
    """A verified resident's statement that a neighbour lives at the address they declared."""

    request = models.ForeignKey(
        VerificationRequest, on_delete=models.CASCADE, related_name="vouches"
    )
    # Kept (without the person) when the voucher deletes their account: the neighbour they
    # verified relies on it.
    voucher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="vouches_given"
    )
    voucher_household = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("vouch")
        verbose_name_plural = _("vouches")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "voucher"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_active_vouch_per_voucher",
            ),
        ]
        indexes = [models.Index(fields=["voucher", "created_at"])]

    def __str__(self) -> str:
        return f"{self.voucher} → {self.request.resident}"


class CooptationInvitation(models.Model):
    """A link a verified resident sends to a neighbour: opening it starts the neighbour's
    request with the inviter's vouch. Only a hash of the token is stored."""

    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cooptation_invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.inviter} ({self.created_at:%Y-%m-%d})"


class EventKind(models.TextChoices):
    ADDRESS_DECLARED = "address_declared", _("Address declared")
    ADDRESS_CHANGED = "address_changed", _("Address changed")
    REQUEST_OPENED = "request_opened", _("Verification requested")
    REQUEST_CANCELLED = "request_cancelled", _("Request cancelled")
    DOCUMENT_UPLOADED = "document_uploaded", _("Document uploaded")
    VOUCH_GIVEN = "vouch_given", _("Vouch given")
    VOUCH_WITHDRAWN = "vouch_withdrawn", _("Vouch withdrawn")
    INVITATION_CREATED = "invitation_created", _("Invitation created")
    POSTCARD_PRINTED = "postcard_printed", _("Postcard printed")
    POSTCARD_POSTED = "postcard_posted", _("Postcard posted")
    CODE_LOCKED = "code_locked", _("Postcard code blocked after wrong attempts")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Verification revoked")
    PHONE_CONFIRMED = "phone_confirmed", _("Phone number confirmed")
    SETTINGS_CHANGED = "settings_changed", _("Verification settings changed")


DECISION_KINDS = ("verified", "rejected", "revoked")


class VerificationEvent(models.Model):
    """The audit trail of verification: who did what to whose verification, and why."""

    kind = models.CharField(max_length=24, choices=EventKind.choices)
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="verification_events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    request = models.ForeignKey(
        VerificationRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    method = models.CharField(max_length=12, choices=Method.choices, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Decisions (verified, rejected, revoked) are emailed to the resident once: set in the
    # transaction that sends the email.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("verification event")
        verbose_name_plural = _("verification events")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"


from .group_buys.models import *  # noqa: E402, F403  (group buys belong to the community app)
from .mutual_aid.models import *  # noqa: E402, F403  (mutual aid models belong to this app)
