from community import demo, selectors
from community.models import Neighbourhood, Residence, VerificationRequest
from tests.conftest import make_user


def test_demo_data_loads_once(dinan, in_dinan):
    make_user("admin@dinan.example", "council_admin")
    for local in ("alice", "bruno", "chloe"):
        make_user(f"{local}@dinan.example")
    demo.load(dinan)
    demo.load(dinan)
    assert Neighbourhood.objects.filter(area__isnull=False).count() == 3
    assert Residence.objects.count() == 3
    assert selectors.verified_residents().count() == 2
    chloe = Residence.objects.get(user__email="chloe@dinan.example")
    assert chloe.status == "pending"
    assert VerificationRequest.objects.get(resident=chloe.user).vouches.count() == 1
    # The demo areas contain the demo addresses' neighbourhood points of the town centre.
    from community.services import neighbourhood_for_point

    assert neighbourhood_for_point(lon=-2.046, lat=48.455).name == "Centre historique"
