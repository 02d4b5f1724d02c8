"""Issue 15: a report's photos are decoded only after the reporter's rights and rate limit;
Open311 input out of bounds is a 400."""

import pytest
from django.core.exceptions import ValidationError

from civic import services
from civic.models import IssueReport

from .conftest import DINAN, not_an_image


def _report(reporter, category, **kwargs):
    return services.issue_report_create(
        reporter=reporter,
        category=category,
        title="Hole",
        description="A deep hole",
        latitude=DINAN[0],
        longitude=DINAN[1],
        answers={"depth": 1},
        **kwargs,
    )


def test_a_rate_limited_reporter_is_refused_before_any_photo_is_read(resident, pothole, settings):
    settings.CIVIC_REPORTS_PER_HOUR = 1
    _report(resident, pothole)
    with pytest.raises(ValidationError) as error:
        _report(resident, pothole, photos=[not_an_image()])
    # The old order decoded the file first and answered about the image.
    assert error.value.code == "rate_limited"
    assert IssueReport.objects.count() == 1


def test_refused_photos_count_against_the_hourly_limit(resident, pothole, settings):
    settings.CIVIC_REPORTS_PER_HOUR = 2
    for _ in range(2):
        with pytest.raises(ValidationError) as error:
            _report(resident, pothole, photos=[not_an_image()])
        assert error.value.code == "bad_image"
    with pytest.raises(ValidationError) as error:
        _report(resident, pothole, photos=[not_an_image()])
    assert error.value.code == "rate_limited"


def test_an_overlong_open311_email_is_a_400(client_dinan, pothole, council_admin):
    _key, raw = services.api_key_create(name="City app", created_by=council_admin)
    response = client_dinan.post(
        "/open311/v2/requests.json",
        {
            "api_key": raw,
            "service_code": "pothole",
            "lat": "48.4551",
            "long": "-2.0499",
            "description": "Pothole",
            "attribute[depth]": "12",
            "email": "a" * 290 + "@example.org",
        },
    )
    assert response.status_code == 400
    assert not IssueReport.objects.exists()
