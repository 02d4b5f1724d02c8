"""The partner directory, the council's savings this year, and a resident's data."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.services import account_delete
from community.group_buys import selectors, services
from community.group_buys.models import Commitment, GroupBuy, Partner, PartnerUse
from core.models import AuditEntry
from core.privacy import personal_data_export
from tests.community.conftest import png_bytes, upload
from tests.conftest import CouncilClient
from tests.factories import NeighbourhoodFactory

from .conftest import D, buy


def test_staff_manage_partners_with_an_audit_row_each(council_admin, communications_officer, agent):
    area = NeighbourhoodFactory(name="Léhon")
    partner = services.partner_save(
        acting=communications_officer,
        name="Autopartage Dinan",
        category="car_sharing",
        link="https://example.org",
        logo=upload("logo.png", png_bytes(exif=True), "image/jpeg"),
        neighbourhoods=[area],
    )
    assert partner.logo.name.endswith(".jpg") and list(partner.neighbourhoods.all()) == [area]
    services.partner_save(acting=council_admin, partner=partner, member_offer="1 mois offert")
    with pytest.raises(PermissionDenied):
        services.partner_save(acting=agent, name="Nope", category="other")
    services.partner_delete(acting=council_admin, partner=partner)
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-3:] == [
        "community.partner_create",
        "community.partner_update",
        "community.partner_delete",
    ]
    assert not Partner.objects.exists()


def test_i_use_it_counts_once_per_resident(council_admin, alice, bruno, dinan):
    partner = services.partner_save(acting=council_admin, name="AMAP", category="producers")
    hidden = services.partner_save(
        acting=council_admin, name="Hidden", category="other", is_published=False
    )
    for person in (alice, alice, bruno):
        services.partner_use_set(user=person, partner=partner, using=True)
    assert selectors.partners_for(alice).get(pk=partner.pk).users == 2
    services.partner_use_set(user=bruno, partner=partner, using=False)
    assert [(p.name, p.users, p.used) for p in selectors.partners_for(alice)] == [("AMAP", 1, True)]
    with pytest.raises(PermissionDenied):
        services.partner_use_set(user=alice, partner=hidden, using=True)
    client = CouncilClient(dinan).login_as(bruno)
    assert client.post(f"/partners/{partner.pk}/use/", {"using": "1"}).status_code == 302
    page = client.get("/partners/").content.decode()
    assert "2 residents use it" in page and "I no longer use it" in page


def test_council_savings_this_year_on_dashboard_and_home_page(
    organiser, alice, bruno, dinan, django_capture_on_commit_callbacks
):
    done = []
    for product, maximum, quantity in (("Fioul", D(10), D(5)), ("Granulés", D("7.5"), D("2.5"))):
        group_buy = buy(organiser, product=product, minimum_total=D(1), maximum_total=maximum)
        services.commitment_set(user=alice, group_buy=group_buy, quantity=D(5))
        services.commitment_set(user=bruno, group_buy=group_buy, quantity=quantity)
        done.append(group_buy)
    with django_capture_on_commit_callbacks(execute=True):
        for group_buy in done:
            services.group_buy_close(group_buy_id=group_buy.pk, acting=organiser, early=True)
    # Last year's group buy does not count this year.
    old = buy(organiser, product="Vin", minimum_total=D(1), maximum_total=D(1))
    services.commitment_set(user=alice, group_buy=old, quantity=D(1))
    services.group_buy_close(group_buy_id=old.pk, acting=organiser, early=True)
    GroupBuy.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=400))
    savings = selectors.savings_this_year()
    # (95 - 85) x 10 stères + (95 - 85) x 7.5 stères = 175 €
    assert savings.saved == D("175.00") and savings.group_buys == 2 and savings.households == 4
    home = CouncilClient(dinan).get("/").content.decode()
    assert "175.00 €" in home
    dashboard = CouncilClient(dinan).login_as(organiser).get("/staff/").content.decode()
    assert "175.00 €" in dashboard and "saved by residents in" in dashboard


def test_export_and_erase_cover_commitments(firewood, organiser, alice, alice_partner, bruno):
    closed = buy(organiser, product="Fioul", minimum_total=D(1), maximum_total=D(2))
    services.commitment_set(user=alice, group_buy=closed, quantity=D(2))
    services.group_buy_close(group_buy_id=closed.pk, acting=organiser, early=True)
    services.commitment_set(user=alice, group_buy=firewood, quantity=D(3))
    services.commitment_set(user=bruno, group_buy=firewood, quantity=D(2))
    partner = services.partner_save(acting=organiser, name="Repair café", category="repair")
    services.partner_use_set(user=alice, partner=partner, using=True)
    exported = personal_data_export(alice)["group_buys"]
    assert {c["group_buy"] for c in exported["commitments"]} == {"Fioul", "Bois de chauffage"}
    assert exported["partners_used"] == ["Repair café"]
    account_delete(user=alice)
    firewood.refresh_from_db()
    # Her open commitment is withdrawn (room released); the closed order keeps a nameless line.
    assert firewood.total_committed == D(2)
    line = Commitment.objects.get(group_buy=closed)
    assert line.resident is None and line.quantity == D(2)
    assert not PartnerUse.objects.exists()
