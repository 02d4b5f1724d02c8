"""Writes for group buys and the partner directory. Each service checks the actor's rights
itself; staff and organisers' actions write one audit row in the service's transaction.

No oversell: a commitment changes the group buy's running total with one conditional UPDATE
(`total + delta <= maximum`, still open, before the deadline) inside the single statement that
also writes the household's row, and the database's CHECK constraint backs it. Closing locks
the group buy's row, so a commitment either lands before the close (and is on the order) or is
refused.
"""

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from itertools import groupby
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.template.defaultfilters import floatformat
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import CouncilEmailBatch
from core.audit import audit_record
from core.images import clean_image
from tenants.models import current_council

from ..models import Neighbourhood, Residence, Status
from ..selectors import verification_required
from . import selectors
from .models import (
    Commitment,
    Delivery,
    GroupBuy,
    GroupBuyStatus,
    Handover,
    IdempotentRequest,
    Partner,
    PartnerUse,
    PriceTier,
)

MAX_PHOTO_BYTES = 8 * 1024 * 1024
NOTIFY_BATCH = 500
IDEMPOTENCY_KEYS_KEPT = timedelta(days=1)

# The fields of a group buy its organiser fills in (tiers and neighbourhoods apart).
GROUP_BUY_FIELDS = (
    "product",
    "description",
    "supplier_name",
    "supplier_contact",
    "supplier_siret",
    "unit",
    "step",
    "retail_price",
    "minimum_total",
    "maximum_total",
    "household_min",
    "household_max",
    "deadline",
    "delivery",
    "pickup_place",
    "pickup_at",
)


# --- rights ------------------------------------------------------------------------------------


def _require_organiser(actor: User | None) -> None:
    if not selectors.may_organise(actor):
        raise PermissionDenied(_("You may not organise group buys."))


def _require_manager(actor: User | None, group_buy: GroupBuy) -> None:
    if not selectors.may_manage(actor, group_buy):
        raise PermissionDenied(_("Only staff or the organiser may do this."))


def _require_partner_staff(actor: User | None) -> None:
    if (
        actor is None
        or not actor.is_authenticated
        or not actor.has_role(*selectors.PARTNER_STAFF_ROLES)
    ):
        raise PermissionDenied(_("Your role does not allow this."))


# --- creating and editing ----------------------------------------------------------------------


def siret_valid(siret: str) -> bool:
    """14 digits with a valid Luhn checksum (INSEE's rule; La Poste's sites are the exception)."""
    if len(siret) != 14 or not siret.isdigit():
        return False
    if siret.startswith("356000000"):
        return sum(int(d) for d in siret) % 5 == 0
    total = 0
    for index, digit in enumerate(reversed(siret)):
        value = int(digit) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _is_multiple(value: Decimal, step: Decimal) -> bool:
    return step > 0 and value % step == 0


def _validate(fields: dict[str, Any], tiers: Sequence[selectors.Tier]) -> None:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    step = fields["step"]
    if step <= 0:
        add("step", _("The step must be above zero."))
    for name in ("minimum_total", "maximum_total", "household_min", "household_max"):
        if fields[name] < 0:
            add(name, _("Quantities cannot be negative."))
        elif step > 0 and not _is_multiple(fields[name], step):
            add(name, _("Must be a multiple of the step (%(step)s).") % {"step": step})
    if fields["maximum_total"] <= 0:
        add("maximum_total", _("The maximum must be above zero."))
    if fields["minimum_total"] > fields["maximum_total"]:
        add("minimum_total", _("The minimum total cannot exceed the maximum."))
    if fields["household_min"] > fields["household_max"] or fields["household_max"] <= 0:
        add("household_max", _("The household maximum must be above zero and the minimum."))
    if fields["household_min"] > fields["maximum_total"]:
        add("household_min", _("The household minimum cannot exceed the maximum total."))
    if fields["retail_price"] <= 0:
        add("retail_price", _("The retail price must be above zero."))
    siret = fields.get("supplier_siret", "")
    if siret and not siret_valid(siret):
        add("supplier_siret", _("A SIRET is 14 digits with a valid check digit."))
    if fields["delivery"] == Delivery.PICKUP and not fields.get("pickup_place"):
        add("pickup_place", _("Say where households collect their order."))
    if not tiers:
        add("tiers", _("Give at least one price tier."))
    else:
        thresholds = [q for q, _p in tiers]
        if len(set(thresholds)) != len(thresholds):
            add("tiers", _("Two tiers start at the same quantity."))
        if min(thresholds) > max(fields["minimum_total"], step):
            add("tiers", _("The first tier must start at or below the minimum total."))
        if any(p <= 0 for _q, p in tiers) or any(q < 0 for q, _p in tiers):
            add("tiers", _("Prices must be above zero and quantities not negative."))
    if errors:
        raise ValidationError(errors)


def _save_photo(group_buy: GroupBuy, photo: UploadedFile | None) -> None:
    if not photo:
        return
    try:
        clean = clean_image(photo, max_bytes=MAX_PHOTO_BYTES, max_side=1600)
    except ValidationError as error:
        raise ValidationError({"photo": error.messages}, code=error.code) from error
    group_buy.photo.save(f"photo.{clean.extension}", ContentFile(clean.content), save=True)


def _set_tiers(group_buy: GroupBuy, tiers: Sequence[selectors.Tier]) -> None:
    group_buy.tiers.all().delete()
    PriceTier.objects.bulk_create(
        PriceTier(group_buy=group_buy, from_quantity=q, unit_price=p) for q, p in sorted(tiers)
    )


def _snapshot(group_buy: GroupBuy) -> dict[str, Any]:
    data = {name: getattr(group_buy, name) for name in GROUP_BUY_FIELDS}
    data["tiers"] = [[str(q), str(p)] for q, p in selectors.tiers_of(group_buy)]
    data["neighbourhoods"] = sorted(n.pk for n in group_buy.neighbourhoods.all())
    return data


@transaction.atomic
def group_buy_create(
    *,
    acting: User,
    tiers: Sequence[selectors.Tier],
    neighbourhoods: Iterable[Neighbourhood] = (),
    photo: UploadedFile | None = None,
    duplicated_from: GroupBuy | None = None,
    **fields: Any,
) -> GroupBuy:
    """A new open group buy, organised by `acting` (staff, or a verified resident where the
    council allows it). `duplicated_from` records the past group buy it was copied from."""
    _require_organiser(acting)
    fields = {name: fields.get(name, "") for name in GROUP_BUY_FIELDS} | {
        k: v for k, v in fields.items() if k in GROUP_BUY_FIELDS
    }
    if fields["pickup_at"] == "":
        fields["pickup_at"] = None
    _validate(fields, tiers)
    if fields["deadline"] <= timezone.now():
        raise ValidationError({"deadline": _("The deadline must be in the future.")})
    group_buy = GroupBuy.objects.create(
        **fields,
        organiser=acting,
        organised_by_staff=selectors.is_group_buy_staff(acting),
        duplicated_from=duplicated_from,
    )
    _set_tiers(group_buy, tiers)
    group_buy.neighbourhoods.set(list(neighbourhoods))
    _save_photo(group_buy, photo)
    audit_record(
        actor=acting,
        action="community.group_buy_create",
        target=group_buy,
        after=_snapshot(group_buy),
        data={"duplicated_from": duplicated_from.pk if duplicated_from else None},
    )
    return group_buy


@transaction.atomic
def group_buy_update(
    *,
    acting: User,
    group_buy: GroupBuy,
    tiers: Sequence[selectors.Tier] | None = None,
    neighbourhoods: Iterable[Neighbourhood] | None = None,
    photo: UploadedFile | None = None,
    **fields: Any,
) -> GroupBuy:
    """Change an open group buy (the web form sends every field, the API's PATCH only those it
    changes: a field, the tiers or the neighbourhoods left out stay as they are). Validated as
    a whole, as on creation; the maximum never drops below what households committed."""
    _require_manager(acting, group_buy)
    locked = GroupBuy.objects.select_for_update().get(pk=group_buy.pk)
    if tiers is None:
        tiers = selectors.tiers_of(locked)
    if locked.status != GroupBuyStatus.OPEN:
        raise ValidationError(_("This group buy is closed."), code="closed")
    before = _snapshot(locked)
    merged = {name: getattr(locked, name) for name in GROUP_BUY_FIELDS} | {
        k: v for k, v in fields.items() if k in GROUP_BUY_FIELDS
    }
    if merged["pickup_at"] == "":
        merged["pickup_at"] = None
    _validate(merged, tiers)
    if merged["maximum_total"] < locked.total_committed:
        raise ValidationError(
            {
                "maximum_total": _("Households already committed %(total)s.")
                % {"total": locked.total_committed}
            }
        )
    for name, value in merged.items():
        setattr(locked, name, value)
    locked.save()
    _set_tiers(locked, tiers)
    if neighbourhoods is not None:
        locked.neighbourhoods.set(list(neighbourhoods))
    _save_photo(locked, photo)
    after = _snapshot(locked)
    changed = [k for k in after if after[k] != before[k]]
    audit_record(
        actor=acting,
        action="community.group_buy_update",
        target=locked,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return locked


def group_buy_initial_from(past: GroupBuy) -> dict[str, Any]:
    """The fields of a past group buy to pre-fill a new one (heating oil every autumn): all but
    the dates, which the organiser sets again."""
    data = {name: getattr(past, name) for name in GROUP_BUY_FIELDS}
    data["deadline"] = None
    data["pickup_at"] = None
    data["tiers"] = selectors.tiers_of(past)
    data["neighbourhoods"] = list(past.neighbourhoods.all())
    return data


# --- commitments -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommitmentOutcome:
    group_buy: int
    quantity: str  # the household's quantity once applied, "0" once withdrawn
    replayed: bool = False


def request_fingerprint(*parts: object) -> str:
    return hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()


def _as_quantity(value: object) -> Decimal:
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise ValidationError({"quantity": _("Give a number.")}) from error
    if not quantity.is_finite() or quantity < 0:
        raise ValidationError({"quantity": _("Give a number, zero or more.")})
    return quantity


def _check_commitment(group_buy: GroupBuy, residence: Residence | None, quantity: Decimal) -> None:
    """Raises why a signed-in resident (commitment_set checked that) with this residence may not
    commit `quantity` to `group_buy`, if they may not."""
    # The residence says whether the resident is verified: the council's settings are read only
    # for those who are not.
    verified = residence is not None and residence.status == Status.VERIFIED
    if not verified and verification_required("group_buy"):
        raise PermissionDenied(_("The council reserves group buys to verified residents."))
    if residence is None:
        raise ValidationError(_("First tell us your address."), code="no_address")
    if not selectors.eligible(group_buy, residence):
        raise PermissionDenied(_("This group buy is not open to your neighbourhood."))
    if group_buy.status != GroupBuyStatus.OPEN or group_buy.deadline <= timezone.now():
        raise ValidationError(_("This group buy is closed."), code="closed")
    if quantity == 0:
        return
    if not _is_multiple(quantity, group_buy.step):
        raise ValidationError(
            {
                "quantity": ValidationError(
                    _("Quantities go by %(step)s.") % {"step": group_buy.step}, code="step"
                )
            }
        )
    if quantity < group_buy.household_min or quantity > group_buy.household_max:
        raise ValidationError(
            {
                "quantity": ValidationError(
                    _("Each household orders between %(min)s and %(max)s.")
                    % {"min": group_buy.household_min, "max": group_buy.household_max},
                    code="household_limit",
                )
            }
        )


def commitment_set(
    *,
    user: User,
    group_buy: GroupBuy | int,
    quantity: object,
    idempotency_key: str = "",
) -> CommitmentOutcome:
    """Set the household's quantity (0 withdraws), until the deadline. A request repeated with
    the same `idempotency_key` (and the same content) is applied once and answered the same.
    `group_buy` is the group buy, or its id as the resident asked for it (the API): then a
    commitment that goes through loads nothing (see `_APPLY`), and a group buy this resident may
    not see is GroupBuy.DoesNotExist. A refusal raises PermissionDenied or ValidationError with
    its reason.

    Without a key the change is one statement in autocommit (see `_APPLY`): the group buy's row
    is locked only while PostgreSQL runs it, never across a round trip to Python."""
    by_id = isinstance(group_buy, int)
    group_buy_id = group_buy if isinstance(group_buy, int) else group_buy.pk
    amount = _as_quantity(quantity)
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to join a group buy."))
    if not idempotency_key:
        return _commitment_apply(user, group_buy_id, amount, by_id=by_id)
    outcome = CommitmentOutcome(group_buy=group_buy_id, quantity=str(amount))
    with transaction.atomic():
        fingerprint = request_fingerprint(group_buy_id, amount)
        try:
            # A concurrent twin waits here on the unique index until this one commits. The
            # answer is stored now: if the change is refused, the rollback takes the row away.
            with transaction.atomic():
                IdempotentRequest.objects.create(
                    user=user,
                    key=idempotency_key[:100],
                    fingerprint=fingerprint,
                    response=asdict(outcome),
                )
        except IntegrityError:
            previous = IdempotentRequest.objects.get(user=user, key=idempotency_key[:100])
            if previous.fingerprint != fingerprint:
                raise ValidationError(
                    _("This Idempotency-Key was used for another request."),
                    code="idempotency_key_reused",
                ) from None
            return CommitmentOutcome(**{**previous.response, "replayed": True})
        # The last statement before COMMIT: the group buy's row stays locked one round trip.
        return _commitment_apply(user, group_buy_id, amount, by_id=by_id)


_COMMITMENT_TABLE = Commitment._meta.db_table
_GROUP_BUY_TABLE = GroupBuy._meta.db_table
_RESIDENCE_TABLE = Residence._meta.db_table
_ELIGIBLE_TABLE = GroupBuy.neighbourhoods.through._meta.db_table

# One commitment in one statement, checks included, so that a commitment that goes through costs
# one round trip, and the hot row (the group buy's) is locked for the time PostgreSQL takes to
# run it and commit, not across round trips to a Python process that may be waiting for a CPU or
# its GIL (with 200 clients at once that wait, not the SQL, was the time).
#   0. `home` is the resident's household: verified (or any status, where the council lets
#      unverified residents commit and Python checked it), in a neighbourhood the group buy is
#      open to (all, when it names none). No row: nothing below happens.
#   1. `previous` locks the household's row, if any: two residents of one home (or two tabs)
#      queue here, and the second reads the first's quantity once it committed.
#   2. `applied` changes the total by the difference, only while the group buy is open, before
#      its deadline, within its maximum and the household limits and step; under READ
#      COMMITTED a waiting UPDATE re-checks these on the row it finally locks.
#   3. the household's row is deleted (0), changed or added only if `applied` returned a row;
#      two new residents of one home adding at once: the second breaks the unique constraint and
#      the whole statement (its change of the total included) is undone, then retried.
#   4. the last row says, for a refusal, whether the household may join and the group buy's
#      state, as of the statement's start: a plain "sold out" needs no further query.
# Locks are always taken household first, group buy second (closing takes only the group buy).
_APPLY = f"""
WITH home AS (
    SELECT household_key FROM {_RESIDENCE_TABLE} AS residence
    WHERE user_id = %(user)s AND (status = %(verified)s OR %(unverified_ok)s)
      AND (NOT EXISTS (SELECT FROM {_ELIGIBLE_TABLE} WHERE groupbuy_id = %(group_buy)s)
           OR EXISTS (SELECT FROM {_ELIGIBLE_TABLE} WHERE groupbuy_id = %(group_buy)s
                      AND neighbourhood_id = residence.neighbourhood_id))
), previous AS (
    SELECT id, quantity FROM {_COMMITMENT_TABLE}
    WHERE group_buy_id = %(group_buy)s AND household_key = (SELECT household_key FROM home)
    FOR UPDATE
), applied AS (
    UPDATE {_GROUP_BUY_TABLE}
    SET total_committed = total_committed + %(quantity)s
        - COALESCE((SELECT quantity FROM previous), 0)
    WHERE id = %(group_buy)s AND status = %(open)s AND deadline > now()
      AND EXISTS (SELECT FROM home)
      AND total_committed + %(quantity)s - COALESCE((SELECT quantity FROM previous), 0)
          <= maximum_total
      AND (%(quantity)s = 0 OR (%(quantity)s BETWEEN household_min AND household_max
                               AND mod(%(quantity)s, step) = 0))
    RETURNING id
), removed AS (
    DELETE FROM {_COMMITMENT_TABLE}
    WHERE %(quantity)s = 0 AND id = (SELECT id FROM previous) AND EXISTS (SELECT FROM applied)
), changed AS (
    UPDATE {_COMMITMENT_TABLE}
    SET quantity = %(quantity)s, resident_id = %(user)s, updated_at = now()
    WHERE %(quantity)s > 0 AND id = (SELECT id FROM previous) AND EXISTS (SELECT FROM applied)
), added AS (
    INSERT INTO {_COMMITMENT_TABLE}
        (group_buy_id, household_key, resident_id, quantity, handover, created_at, updated_at)
    SELECT %(group_buy)s, household_key, %(user)s, %(quantity)s, '', now(), now() FROM home
    WHERE %(quantity)s > 0 AND NOT EXISTS (SELECT FROM previous) AND EXISTS (SELECT FROM applied)
)
SELECT EXISTS (SELECT FROM applied), COALESCE((SELECT quantity FROM previous), 0),
    -- for a refusal: whether the household may join, and the group buy as the statement began
    -- (no such group buy: not open, zeros)
    EXISTS (SELECT FROM home), COALESCE(buy.status = %(open)s AND buy.deadline > now(), false),
    COALESCE(buy.total_committed, 0), COALESCE(buy.maximum_total, 0),
    COALESCE(buy.household_min, 0), COALESCE(buy.household_max, 0), COALESCE(buy.step, 0)
FROM (SELECT) AS one LEFT JOIN {_GROUP_BUY_TABLE} AS buy ON buy.id = %(group_buy)s
"""  # noqa: S608  (table names are ours; values are parameters)
_UNIQUE_VIOLATION = "23505"  # SQLSTATE; the commitment table's only other unique key is its id


def _household_taken(error: IntegrityError) -> bool:
    """Another resident of the home added its row meanwhile. Told by the table, not by the
    constraint's name: a council cloned from the template schema has its own names."""
    diag = getattr(error.__cause__, "diag", None)
    return (
        getattr(error.__cause__, "sqlstate", "") == _UNIQUE_VIOLATION
        and getattr(diag, "table_name", "") == _COMMITMENT_TABLE
    )


@dataclass(frozen=True)
class _Statement:
    """What `_APPLY` returns."""

    applied: bool
    previous: Decimal  # the household's quantity before
    may_join: bool  # the household is allowed in (verified unless exempted, eligible)
    open: bool  # open and before its deadline (False: no such group buy)
    total: Decimal
    maximum: Decimal
    household_min: Decimal
    household_max: Decimal
    step: Decimal

    def left_when_sold_out(self, quantity: Decimal) -> Decimal | None:
        """What the household could still have, when the only reason for the refusal is the
        maximum: the household may join, the group buy is open and the quantity fits the
        household limits and step. None otherwise."""
        if self.applied or not self.may_join or not self.open or quantity == 0:
            return None
        left = self.maximum - self.total + self.previous
        fits = self.household_min <= quantity <= self.household_max and _is_multiple(
            quantity, self.step
        )
        return left if fits and quantity > left else None


def _apply_statement(
    user: User, group_buy_id: int, quantity: Decimal, *, unverified_ok: bool
) -> _Statement:
    """Runs `_APPLY` (retried once if another resident of the home added its row meanwhile)."""
    params: dict[str, Any] = {
        "group_buy": group_buy_id,
        "user": user.pk,
        "quantity": quantity,
        "open": GroupBuyStatus.OPEN.value,
        "verified": Status.VERIFIED.value,
        "unverified_ok": unverified_ok,
    }
    for attempt in (1, 2):
        try:
            # A savepoint only inside a caller's transaction (a failed statement would abort
            # it); in autocommit the statement is its own transaction.
            with (
                transaction.atomic() if connection.in_atomic_block else nullcontext(),
                connection.cursor() as cursor,
            ):
                cursor.execute(_APPLY, params)
                return _Statement(*cursor.fetchone())
        except IntegrityError as error:
            if attempt == 2 or not _household_taken(error):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _commitment_apply(
    user: User, group_buy_id: int, quantity: Decimal, *, by_id: bool
) -> CommitmentOutcome:
    outcome = CommitmentOutcome(group_buy=group_buy_id, quantity=str(quantity))
    # The common case, a verified resident: one statement, which checks everything itself.
    done = _apply_statement(user, group_buy_id, quantity, unverified_ok=False)
    if done.applied:
        return outcome
    if (left := done.left_when_sold_out(quantity)) is not None:
        _refusal(left)
    # Refused otherwise, or a resident not verified: the reason, read from the group buy, the
    # residence and the council's settings as they are now.
    group_buy = (
        selectors.group_buy_visible_to(user, group_buy_id)
        if by_id
        else GroupBuy.objects.prefetch_related("neighbourhoods").filter(pk=group_buy_id).first()
    )
    if group_buy is None:
        raise GroupBuy.DoesNotExist(f"No group buy {group_buy_id} for this resident.")
    residence = selectors.residence_of(user)
    _check_commitment(group_buy, residence, quantity)
    if residence is not None and residence.status != Status.VERIFIED:
        # `_check_commitment` let them through: the council does not require verification.
        done = _apply_statement(user, group_buy_id, quantity, unverified_ok=True)
        if done.applied:
            return outcome
    _refusal(group_buy.maximum_total - group_buy.total_committed + done.previous)


def _refusal(left: Decimal) -> NoReturn:
    """Every check passed and the statement still changed nothing: the maximum is (nearly)
    reached; `left` is what the household could still have."""
    message = _(
        "Only %(left)s left for your household: the supplier's maximum is nearly reached."
    ) % {"left": max(left, Decimal(0))}
    raise ValidationError({"quantity": ValidationError(message, code="sold_out")})


def commitment_withdraw(*, user: User, group_buy: GroupBuy | int) -> CommitmentOutcome:
    return commitment_set(user=user, group_buy=group_buy, quantity=0)


# --- closing -----------------------------------------------------------------------------------


def group_buy_close(*, group_buy_id: int, acting: User | None = None, early: bool = False) -> str:
    """Close an open group buy: at its deadline (beat, no actor), or early by staff or its
    organiser once the maximum is reached. Confirmed at the price of the tier the final total
    reached when it reached the minimum, else cancelled; households are emailed (once) after
    commit. Returns the status; closing a closed group buy changes nothing."""
    with transaction.atomic():
        group_buy = GroupBuy.objects.select_for_update().get(pk=group_buy_id)
        if group_buy.status != GroupBuyStatus.OPEN:
            return group_buy.status
        if early:
            _require_manager(acting, group_buy)
            if group_buy.total_committed < group_buy.maximum_total:
                raise ValidationError(
                    _("A group buy closes early only once its maximum is reached."),
                    code="not_full",
                )
        elif group_buy.deadline > timezone.now():
            return group_buy.status
        total = group_buy.total_committed
        if total > 0 and total >= group_buy.minimum_total:
            group_buy.status = GroupBuyStatus.CONFIRMED
            group_buy.final_unit_price = selectors.unit_price_at(
                selectors.tiers_of(group_buy), total
            )
        else:
            group_buy.status = GroupBuyStatus.CANCELLED
        group_buy.closed_at = timezone.now()
        group_buy.save(update_fields=["status", "final_unit_price", "closed_at", "updated_at"])
        if acting is not None:
            audit_record(
                actor=acting,
                action="community.group_buy_close",
                target=group_buy,
                after={"status": group_buy.status, "final_unit_price": group_buy.final_unit_price},
                data={"total": total, "early": early},
            )
        transaction.on_commit(lambda: _enqueue_notify(group_buy.pk))
    return group_buy.status


def _enqueue_notify(group_buy_id: int) -> None:
    from .tasks import notify_group_buy

    notify_group_buy.delay(group_buy_id)


def group_buys_close_due() -> list[int]:
    """Close every open group buy past its deadline, email households a lost task did not
    reach, and forget idempotency keys older than a day; returns the ids closed. Safe to run at
    any time, any number of times."""
    closed = []
    for pk in GroupBuy.objects.filter(
        status=GroupBuyStatus.OPEN, deadline__lte=timezone.now()
    ).values_list("pk", flat=True):
        group_buy_close(group_buy_id=pk)
        closed.append(pk)
    pending = (
        Commitment.objects.filter(notified_at=None, quantity__gt=0)
        .exclude(group_buy__status=GroupBuyStatus.OPEN)
        .exclude(group_buy_id__in=closed)
        .values_list("group_buy_id", flat=True)
        .distinct()
    )
    for pk in pending:
        _enqueue_notify(pk)
    # A retry comes within minutes; a day later the key has done its work.
    IdempotentRequest.objects.filter(created_at__lt=timezone.now() - IDEMPOTENCY_KEYS_KEPT).delete()
    return closed


def group_buy_notify(*, group_buy_id: int) -> int:
    """Email every household of a closed group buy its outcome, once: each batch claims its rows
    (SKIP LOCKED, so two runs share the work) and marks them in the transaction that sends. One
    mail connection serves every batch. A worker killed mid-batch rolls its batch back: those
    rows are still unmarked, and the beat re-drives them (at worst a batch emailed twice)."""
    group_buy = GroupBuy.objects.prefetch_related("tiers").get(pk=group_buy_id)
    if group_buy.status == GroupBuyStatus.OPEN:
        return 0
    council = current_council()
    outcome = _OutcomeEmails(group_buy, council)
    sent = 0
    with get_connection() as mail:
        while True:
            with transaction.atomic():
                batch = list(
                    Commitment.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(group_buy=group_buy, notified_at=None)
                    .select_related("resident")
                    .order_by("pk")[:NOTIFY_BATCH]
                )
                if not batch:
                    return sent
                messages = outcome.messages(
                    [c for c in batch if c.resident is not None and c.resident.is_active]
                )
                mail.send_messages(messages)
                Commitment.objects.filter(pk__in=[c.pk for c in batch]).update(
                    notified_at=timezone.now()
                )
                sent += len(messages)


_SLOT = re.compile("\x1f(\\w+)\x1f")


def _fill(skeleton: str, slots: dict[str, str]) -> str:
    """The skeleton with each marker replaced by its value (values are not scanned again)."""
    return _SLOT.sub(lambda match: slots[match.group(1)], skeleton)


class _OutcomeEmails:
    """The outcome emails of one closed group buy, in each resident's language (else the
    council's). Per language the body is rendered once with markers in the household's slots
    (name, quantity, total, saving), and each household's email fills them in: the same text
    as rendering the template for each, without doing it 5,000 times."""

    def __init__(self, group_buy: GroupBuy, council) -> None:
        self.group_buy = group_buy
        self.council = council
        self.confirmed = group_buy.status == GroupBuyStatus.CONFIRMED
        self.price = group_buy.final_unit_price or Decimal(0)
        self.template = get_template(
            "community/group_buys/email_confirmed.txt"
            if self.confirmed
            else "community/group_buys/email_cancelled.txt"
        )
        self.link = council.base_url() + reverse("community:group_buy", args=[group_buy.pk])
        self._prepared: dict[str, tuple[CouncilEmailBatch, str]] = {}

    def _prepare(self, language: str) -> tuple[CouncilEmailBatch, str]:
        """The batch (its subject) and the body skeleton in `language` (active)."""
        if language not in self._prepared:
            subject = (
                _("Group buy confirmed: %(product)s")
                if self.confirmed
                else _("Group buy cancelled: %(product)s")
            ) % {"product": self.group_buy.product}
            skeleton = self.template.render(
                {
                    "user": {"full_name": "\x1fname\x1f"},
                    "council": self.council,
                    "group_buy": self.group_buy,
                    "quantity": "\x1fquantity\x1f",
                    "unit_price": floatformat(self.price, 2),
                    "total": "\x1ftotal\x1f",
                    "saving": "\x1fsaving\x1f",
                    "link": self.link,
                }
            )
            batch = CouncilEmailBatch(subject=subject, council=self.council)
            self._prepared[language] = (batch, skeleton)
        return self._prepared[language]

    def messages(self, commitments: list[Commitment]) -> list[EmailMessage]:
        def language(c: Commitment) -> str:
            return (c.resident.language if c.resident else "") or self.council.default_language

        messages: list[EmailMessage] = []
        for lang, group in groupby(sorted(commitments, key=language), key=language):
            with translation.override(lang):
                batch, skeleton = self._prepare(lang)
                for commitment in group:
                    resident = commitment.resident
                    if resident is None:
                        continue
                    quantity = commitment.quantity
                    slots = {
                        "name": resident.full_name,
                        "quantity": floatformat(quantity, "-2"),
                        "total": floatformat(selectors.money(self.price * quantity), 2),
                        "saving": floatformat(
                            selectors.saving(
                                retail=self.group_buy.retail_price,
                                unit_price=self.price,
                                quantity=quantity,
                            ),
                            2,
                        ),
                    }
                    messages.append(batch.email(to=[resident.email], body=_fill(skeleton, slots)))
        return messages


# --- pickup day --------------------------------------------------------------------------------


@transaction.atomic
def commitment_handover_mark(*, acting: User, commitment: Commitment, handover: str) -> Commitment:
    """Staff or the organiser mark a household collected, delivered or no-show (or not yet)."""
    group_buy = commitment.group_buy
    _require_manager(acting, group_buy)
    if handover not in Handover.values:
        raise ValidationError({"handover": _("Unknown value.")})
    if group_buy.status != GroupBuyStatus.CONFIRMED:
        raise ValidationError(_("Only a confirmed group buy is handed over."), code="not_confirmed")
    locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
    before = locked.handover
    locked.handover = handover
    locked.handover_at = timezone.now() if handover else None
    locked.save(update_fields=["handover", "handover_at", "updated_at"])
    audit_record(
        actor=acting,
        action="community.group_buy_handover",
        target=group_buy,
        before={"handover": before},
        after={"handover": handover},
        data={"commitment": locked.pk},
    )
    return locked


# --- partners ----------------------------------------------------------------------------------

PARTNER_FIELDS = ("name", "category", "description", "link", "member_offer", "is_published")


def _save_logo(partner: Partner, logo: UploadedFile | None) -> None:
    if not logo:
        return
    try:
        clean = clean_image(logo, max_bytes=MAX_PHOTO_BYTES, max_side=600)
    except ValidationError as error:
        raise ValidationError({"logo": error.messages}, code=error.code) from error
    partner.logo.save(f"logo.{clean.extension}", ContentFile(clean.content), save=True)


@transaction.atomic
def partner_save(
    *,
    acting: User,
    partner: Partner | None = None,
    neighbourhoods: Iterable[Neighbourhood] = (),
    logo: UploadedFile | None = None,
    **fields: Any,
) -> Partner:
    """Create (no `partner`) or change a partner of the directory."""
    _require_partner_staff(acting)
    values = {k: v for k, v in fields.items() if k in PARTNER_FIELDS}
    if not str(values.get("name", partner.name if partner else "")).strip():
        raise ValidationError({"name": _("Give a name.")})
    before: dict[str, Any] | None = None
    if partner is None:
        partner = Partner.objects.create(**values)
        action = "community.partner_create"
    else:
        before = {k: getattr(partner, k) for k in values}
        for name, value in values.items():
            setattr(partner, name, value)
        partner.save()
        action = "community.partner_update"
    partner.neighbourhoods.set(list(neighbourhoods))
    _save_logo(partner, logo)
    audit_record(actor=acting, action=action, target=partner, before=before, after=values)
    return partner


@transaction.atomic
def partner_delete(*, acting: User, partner: Partner) -> None:
    _require_partner_staff(acting)
    audit_record(actor=acting, action="community.partner_delete", target=partner)
    if partner.logo:
        partner.logo.delete(save=False)
    partner.delete()


def partner_use_set(*, user: User, partner: Partner, using: bool) -> bool:
    """A resident's "I use it" (or not any more); returns whether they use it now."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in first."))
    if not partner.is_published:
        raise PermissionDenied(_("This partner is not listed."))
    if using:
        PartnerUse.objects.get_or_create(partner=partner, user=user)
    else:
        PartnerUse.objects.filter(partner=partner, user=user).delete()
    return using


# --- privacy -----------------------------------------------------------------------------------


def group_buys_export(user: User) -> dict:
    from core.privacy import iso

    return {
        "commitments": [
            {
                "group_buy": c.group_buy.product,
                "supplier": c.group_buy.supplier_name,
                "quantity": str(c.quantity),
                "unit": c.group_buy.unit,
                "status": c.group_buy.status,
                "final_unit_price": str(c.group_buy.final_unit_price or ""),
                "handover": c.handover,
                "created_at": iso(c.created_at),
                "updated_at": iso(c.updated_at),
            }
            for c in Commitment.objects.filter(resident=user).select_related("group_buy")
        ],
        "group_buys_organised": [
            {"product": g.product, "status": g.status, "created_at": iso(g.created_at)}
            for g in GroupBuy.objects.filter(organiser=user, organised_by_staff=False)
        ],
        "partners_used": [u.partner.name for u in PartnerUse.objects.filter(user=user)],
    }


def group_buys_erase(user: User) -> None:
    """Before the account goes: the household's commitments in open group buys are withdrawn
    (their quantity released); in closed ones the line stays on the order, without the person.
    "I use it" marks cascade with the user."""
    for commitment in Commitment.objects.filter(
        resident=user, group_buy__status=GroupBuyStatus.OPEN
    ).select_related("group_buy"):
        with transaction.atomic():
            locked = Commitment.objects.select_for_update().filter(pk=commitment.pk).first()
            if locked is None:
                continue
            GroupBuy.objects.filter(pk=locked.group_buy_id).update(
                total_committed=F("total_committed") - locked.quantity
            )
            locked.delete()
    Commitment.objects.filter(resident=user).update(resident=None)
