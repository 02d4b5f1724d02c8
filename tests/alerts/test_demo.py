from alerts import demo
from alerts.models import Alert, AlertRecipient, AlertSubscription
from alerts.selectors import public_alerts


def test_demo_data_loads_once(in_dinan):
    demo.load(in_dinan)
    demo.load(in_dinan)
    assert AlertSubscription.objects.filter(user__email__endswith="@dinan.example").count() == 3
    (past,) = Alert.objects.filter(headline=demo.PAST_ALERT_HEADLINE)
    assert past in public_alerts()
    assert AlertRecipient.objects.filter(alert=past, status="delivered").count() == 3
    assert all(s.user.phone_confirmed_at for s in AlertSubscription.objects.all())
