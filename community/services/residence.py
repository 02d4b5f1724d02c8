"""Addresses, neighbourhoods and the council's verification settings."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit_record

from ..geo import area_contains, parse_area
from ..models import (
    ClosingReason,
    CommunitySettings,
    EventKind,
    Neighbourhood,
    RequestStatus,
    Residence,
    Status,
)
from ._common import (
    close_request,
    event_record,
    household_key,
    open_requests,
    reason_set,
    require_council_admin,
)


def neighbourhood_for_point(*, lon: float, lat: float) -> Neighbourhood | None:
    """The neighbourhood whose drawn area contains the point (the first by name if areas
    overlap), or None."""
    for neighbourhood in Neighbourhood.objects.exclude(area__isnull=True).order_by("name"):
        if area_contains(neighbourhood.area, lon=lon, lat=lat):
            return neighbourhood
    return None


@transaction.atomic
def residence_declare(
    *,
    user: User,
    address_line1: str,
    address_line2: str = "",
    postcode: str,
    city: str,
    neighbourhood: Neighbourhood | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Residence:
    """Declare (or change) the resident's address. A new address ends a verification or a
    request in progress: what was proven was the old address."""
    address_line1, address_line2 = address_line1.strip(), address_line2.strip()
    postcode, city = postcode.strip(), city.strip()
    if not address_line1 or not postcode or not city:
        raise ValidationError(_("Give your street address, postcode and town."), code="incomplete")
    if (latitude is None) != (longitude is None):
        raise ValidationError(_("A map point needs both a latitude and a longitude."))
    if neighbourhood is None and latitude is not None and longitude is not None:
        neighbourhood = neighbourhood_for_point(lon=longitude, lat=latitude)
    key = household_key(address_line1=address_line1, address_line2=address_line2, postcode=postcode)
    residence = Residence.objects.select_for_update().filter(user=user).first()
    fields = {
        "address_line1": address_line1,
        "address_line2": address_line2,
        "postcode": postcode,
        "city": city,
        "neighbourhood": neighbourhood,
        "latitude": latitude,
        "longitude": longitude,
        "household_key": key,
    }
    if residence is None:
        residence = Residence.objects.create(user=user, **fields)
        event_record(kind=EventKind.ADDRESS_DECLARED, resident=user, actor=user)
        return residence
    moved = residence.household_key != key
    for name, value in fields.items():
        setattr(residence, name, value)
    if moved and residence.status in (Status.VERIFIED, Status.PENDING):
        for request in open_requests(residence).select_for_update():
            close_request(
                request,
                status=RequestStatus.CANCELLED,
                reason=ClosingReason.ADDRESS_CHANGED,
            )
        residence.status = Status.UNVERIFIED
        residence.method = ""
        residence.verified_at = None
        residence.decided_by = None
        reason_set(residence, ClosingReason.VERIFY_NEW_ADDRESS)
        residence.status_changed_at = timezone.now()
    residence.save()
    if moved:
        event_record(kind=EventKind.ADDRESS_CHANGED, resident=user, actor=user)
    return residence


@transaction.atomic
def neighbourhood_create(
    *, acting: User, name: str, area: str | dict | None = None
) -> Neighbourhood:
    require_council_admin(acting)
    name = name.strip()
    if Neighbourhood.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("A neighbourhood with this name already exists.")})
    neighbourhood = Neighbourhood.objects.create(name=name, area=parse_area(area))
    audit_record(
        actor=acting,
        action="community.neighbourhood_create",
        target=neighbourhood,
        after={"name": name, "area": neighbourhood.area is not None},
    )
    return neighbourhood


@transaction.atomic
def neighbourhood_update(
    *, acting: User, neighbourhood: Neighbourhood, name: str, area: str | dict | None = None
) -> Neighbourhood:
    require_council_admin(acting)
    name = name.strip()
    if Neighbourhood.objects.filter(name__iexact=name).exclude(pk=neighbourhood.pk).exists():
        raise ValidationError({"name": _("A neighbourhood with this name already exists.")})
    before = {"name": neighbourhood.name, "area": neighbourhood.area is not None}
    new_area = parse_area(area)
    area_changed = new_area != neighbourhood.area
    neighbourhood.name = name
    neighbourhood.area = new_area
    neighbourhood.save()
    audit_record(
        actor=acting,
        action="community.neighbourhood_update",
        target=neighbourhood,
        before=before,
        after={"name": name, "area": new_area is not None},
        data={"area_changed": area_changed},
    )
    return neighbourhood


@transaction.atomic
def neighbourhood_delete(*, acting: User, neighbourhood: Neighbourhood) -> None:
    """Residents of a deleted neighbourhood keep their address and verification; they are simply
    in no neighbourhood until they choose one."""
    require_council_admin(acting)
    audit_record(
        actor=acting,
        action="community.neighbourhood_delete",
        target=neighbourhood,
        before={"name": neighbourhood.name, "area": neighbourhood.area is not None},
        data={"residents": neighbourhood.residences.count()},
    )
    neighbourhood.delete()


# The settings staff may change. A `require_<feature>` flag joins the list in the change that
# makes its feature check it (CommunitySettings.requires_verification): a switch that does
# nothing is not offered. Voting and group buys are not wired yet.
SETTINGS_FIELDS = (
    "vouches_required",
    "vouches_per_30_days",
    "cooptation_days",
    "postcard_validity_days",
    "cooptation_enabled",
    "proof_enabled",
    "postcard_enabled",
    "require_vote",
    "require_mutual_aid",
    "require_group_buy",
    "require_neighbourhood_alerts",
    "require_report_issue",
    "residents_organise_group_buys",
)


@transaction.atomic
def community_settings_update(*, acting: User, **fields: Any) -> CommunitySettings:
    require_council_admin(acting)
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown settings: %(names)s") % {"names": ", ".join(sorted(unknown))},
            code="unknown_setting",
        )
    row = CommunitySettings.objects.select_for_update().get(pk=CommunitySettings.load().pk)
    if fields.get("vouches_required", row.vouches_required) < 1:
        raise ValidationError({"vouches_required": _("At least one vouch is needed.")})
    changed = {k: v for k, v in fields.items() if getattr(row, k) != v}
    before = {name: getattr(row, name) for name in changed}
    for name, value in changed.items():
        setattr(row, name, value)
    row.save()
    if changed:
        event_record(
            kind=EventKind.SETTINGS_CHANGED, resident=None, actor=acting, data={"changed": changed}
        )
        audit_record(
            actor=acting,
            action="community.settings_update",
            target=row,
            before=before,
            after=changed,
        )
    return row
