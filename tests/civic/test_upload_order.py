"""Issue 15: a report's photos are decoded only after the reporter's rights and rate limit."""

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
