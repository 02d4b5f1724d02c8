"""What other apps read: verification status, neighbourhood, per-feature requirement."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from community import selectors, services
from community.models import EventKind, Feature, Neighbourhood, Status, VerificationEvent
from tests.conftest import make_user

from .conftest import declare, residence, verified


def test_is_verified_and_neighbourhood(resident, staff):
    centre = Neighbourhood.objects.create(name="Centre")
    assert not selectors.is_verified(resident)
    assert selectors.resident_neighbourhood(resident) is None
    declare(resident, neighbourhood=centre)
    assert selectors.resident_neighbourhood(resident) == centre
    assert not selectors.is_verified(resident)
    services.resident_verify_in_person(acting=staff, resident=resident, note="Tax notice seen.")
    assert selectors.is_verified(resident)
    event = VerificationEvent.objects.get(kind=EventKind.VERIFIED, resident=resident)
    assert event.actor == staff and event.reason == "Tax notice seen."
    assert not selectors.is_verified(AnonymousUser())
    assert selectors.resident_neighbourhood(AnonymousUser()) is None
    resident.is_active = False
    assert not selectors.is_verified(resident)


def test_feature_requirements_are_council_settings(council_admin):
    defaults = {f: selectors.verification_required(f) for f in Feature.values}
    assert defaults == {
        "vote": True,
        "mutual_aid": True,
        "group_buy": True,
        "neighbourhood_alerts": False,
        "report_issue": False,
    }
    services.community_settings_update(
        acting=council_admin, require_neighbourhood_alerts=True, require_report_issue=True
    )
    assert selectors.verification_required("neighbourhood_alerts")
    assert selectors.verification_required("report_issue")
    event = VerificationEvent.objects.get(kind=EventKind.SETTINGS_CHANGED)
    assert event.actor == council_admin
    assert event.data["changed"]["require_report_issue"] is True
    with pytest.raises(ValueError):
        selectors.verification_required("teleport")


def test_may_use_combines_setting_and_status(resident, council_admin):
    declare(resident)
    assert not selectors.may_use(resident, "vote")
    assert selectors.may_use(resident, "report_issue")
    services.resident_verify_in_person(acting=council_admin, resident=resident)
    assert selectors.may_use(resident, "vote")


def test_revocation_with_reason(resident, staff):
    declare(resident)
    services.resident_verify_in_person(acting=staff, resident=resident)
    with pytest.raises(ValidationError):
        services.verification_revoke(acting=staff, resident=resident, reason="")
    services.verification_revoke(acting=staff, resident=resident, reason="Moved to Rennes.")
    home = residence(resident)
    assert home.status == Status.REVOKED and home.reason == "Moved to Rennes."
    assert not selectors.is_verified(resident)
    event = VerificationEvent.objects.get(kind=EventKind.REVOKED)
    assert event.actor == staff and event.reason == "Moved to Rennes."


def test_changing_address_ends_verification(resident, staff):
    declare(resident, "1 rue Jean Jaurès")
    services.resident_verify_in_person(acting=staff, resident=resident)
    declare(resident, "1 Rue Jean-Jaures")  # same home, new spelling: still verified
    assert selectors.is_verified(resident)
    declare(resident, "9 rue Thiers")
    assert not selectors.is_verified(resident)
    assert VerificationEvent.objects.filter(kind=EventKind.ADDRESS_CHANGED).count() == 1


def test_verification_ends_other_open_requests(pending_resident, neighbours, staff):
    from pathlib import Path

    from .conftest import pdf_bytes, upload

    proof = services.proof_submit(user=pending_resident, upload=upload("b.pdf", pdf_bytes()))
    path = Path(proof.document.path)
    request = services.cooptation_request_open(user=pending_resident)
    services.vouch_create(voucher=neighbours[0], request=request)
    services.vouch_create(voucher=neighbours[1], request=request)
    proof.refresh_from_db()
    assert proof.status == "cancelled" and not path.exists()


def test_neighbourhood_suggested_from_a_map_point(in_dinan, council_admin):
    square = {
        "type": "Polygon",
        "coordinates": [
            [[-2.06, 48.45], [-2.04, 48.45], [-2.04, 48.46], [-2.06, 48.46], [-2.06, 48.45]]
        ],
    }
    inside = services.neighbourhood_create(acting=council_admin, name="Vieille ville", area=square)
    services.neighbourhood_create(acting=council_admin, name="Sans contour")
    person = make_user("map@example.org")
    home = declare(person, latitude=48.455, longitude=-2.05)
    assert home.neighbourhood == inside
    elsewhere = declare(make_user("far@example.org"), latitude=48.5, longitude=-2.05)
    assert elsewhere.neighbourhood is None


def test_neighbourhood_area_is_validated(council_admin):
    with pytest.raises(ValidationError, match="closed"):
        services.neighbourhood_create(
            acting=council_admin,
            name="Open",
            area={"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
        )
    with pytest.raises(ValidationError, match="outside the world"):
        services.neighbourhood_create(
            acting=council_admin,
            name="Mars",
            area={"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]},
        )
    with pytest.raises(ValidationError, match="not valid GeoJSON"):
        services.neighbourhood_create(acting=council_admin, name="Broken", area="{nope")
    with pytest.raises(ValidationError, match="Polygon"):
        services.neighbourhood_create(
            acting=council_admin, name="Dot", area={"type": "Point", "coordinates": [0, 0]}
        )
    feature = (
        '{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", '
        '"coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}'
    )
    created = services.neighbourhood_create(acting=council_admin, name="Pasted", area=feature)
    assert created.area["type"] == "Polygon"


def test_in_person_needs_a_declared_address(resident, staff):
    with pytest.raises(ValidationError):
        services.resident_verify_in_person(acting=staff, resident=resident)
    assert verified("someone@example.org").residence.status == Status.VERIFIED
