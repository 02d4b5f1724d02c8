"""Reports: creation, answers, photos, nearby duplicates, the workflow and its events."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from PIL import Image

from civic import selectors, services
from civic.models import IssueReport, ReportEvent, ReportFollower, Status
from civic.storage import private_storage, public_storage
from tenants.models import current_council
from tests.conftest import make_user
from tests.emails import assert_sent_by_council

from .conftest import DINAN, jpeg_with_gps, not_an_image, offset, png


def _report(reporter, category, *, point=DINAN, **kwargs):
    kwargs.setdefault("answers", {"depth": "5"} if category.code == "pothole" else {})
    return services.issue_report_create(
        reporter=reporter,
        category=category,
        title=kwargs.pop("title", "Hole"),
        description=kwargs.pop("description", "A deep hole"),
        latitude=point[0],
        longitude=point[1],
        **kwargs,
    )


def test_report_gets_due_date_event_and_reporter_follows(resident, pothole):
    report = _report(resident, pothole)
    assert report.status == Status.SUBMITTED
    assert report.due_at - report.created_at == timedelta(days=5)
    assert report.answers == {"depth": 5.0}
    assert ReportFollower.objects.filter(report=report, user=resident).exists()
    event = report.events.get()
    assert event.kind == ReportEvent.Kind.CREATED and event.is_public


def test_unconfirmed_account_cannot_report(in_dinan, pothole):
    user = make_user("new@example.org", email_confirmed=False)
    with pytest.raises(PermissionDenied):
        _report(user, pothole)


def test_required_question_and_bad_choice_are_refused(resident, pothole):
    with pytest.raises(ValidationError) as error:
        _report(resident, pothole, answers={"lane": "middle"})
    assert set(error.value.message_dict) == {"depth", "lane"}


def test_report_needs_a_point_or_an_address(resident, pothole):
    with pytest.raises(ValidationError):
        services.issue_report_create(
            reporter=resident, category=pothole, title="x", description="y", answers={"depth": 1}
        )
    report = services.issue_report_create(
        reporter=resident,
        category=pothole,
        title="x",
        description="y",
        answers={"depth": 1},
        address="12 rue de la Poissonnerie",
    )
    assert report.latitude is None and report.address == "12 rue de la Poissonnerie"


def test_reports_are_rate_limited_per_account(resident, pothole, settings):
    settings.CIVIC_REPORTS_PER_HOUR = 2
    _report(resident, pothole)
    _report(resident, pothole)
    with pytest.raises(ValidationError) as error:
        _report(resident, pothole)
    assert error.value.code == "rate_limited"


def test_photo_is_reencoded_without_exif_and_gets_a_thumbnail(resident, pothole):
    report = _report(resident, pothole, photos=[jpeg_with_gps()])
    photo = report.photos.get()
    with public_storage().open(photo.file) as handle:
        data = handle.read()
    assert b"SpyCamMaker" not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif() and image.size == (800, 600)
    with public_storage().open(photo.thumbnail) as handle, Image.open(handle) as thumb:
        assert max(thumb.size) == services.THUMBNAIL_SIDE
    assert photo.url.startswith("/media/dinan/civic/photos/")


def test_non_image_is_refused_and_nothing_is_created(resident, pothole):
    with pytest.raises(ValidationError):
        _report(resident, pothole, photos=[not_an_image()])
    assert not IssueReport.objects.exists()


def test_fourth_photo_is_refused(resident, pothole):
    with pytest.raises(ValidationError) as error:
        _report(resident, pothole, photos=[png(), png(), png(), png()])
    assert error.value.code == "too_many"
    assert len(_report(resident, pothole, photos=[png(), png(), png()]).photos.all()) == 3


def test_nearby_finds_open_reports_of_the_category_within_50_m(resident, pothole, streetlight):
    near = _report(resident, pothole, point=offset(*DINAN, metres_north=30))
    _report(resident, pothole, point=offset(*DINAN, metres_east=70))  # too far
    _report(resident, streetlight, point=DINAN)  # another category
    fixed = _report(resident, pothole, point=DINAN)
    fixed.status = Status.FIXED
    fixed.save()
    found = selectors.reports_nearby(category=pothole, latitude=DINAN[0], longitude=DINAN[1])
    assert [r.pk for r in found] == [near.pk]
    assert 28 < found[0].distance < 32


def test_neighbourhood_is_found_from_the_point(resident, pothole):
    from community.models import Neighbourhood

    lat, lon = DINAN
    hood = Neighbourhood.objects.create(
        name="Centre",
        area={
            "type": "Polygon",
            "coordinates": [
                [
                    [lon - 0.01, lat - 0.01],
                    [lon + 0.01, lat - 0.01],
                    [lon + 0.01, lat + 0.01],
                    [lon - 0.01, lat + 0.01],
                    [lon - 0.01, lat - 0.01],
                ]
            ],
        },
    )
    assert _report(resident, pothole).neighbourhood == hood
    assert _report(resident, pothole, point=(lat + 0.05, lon)).neighbourhood is None


def test_status_change_writes_public_event_and_emails_followers(
    resident, neighbour, pothole, roads_agent, django_capture_on_commit_callbacks
):
    for person in (resident, neighbour):  # emails go out in the recipient's language
        person.language = "en"
        person.save()
    report = _report(resident, pothole)
    services.report_follow(report=report, user=neighbour)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_status_change(
            report=report, actor=roads_agent, status=Status.ACKNOWLEDGED, public_note="On our list."
        )
    event = report.events.get(kind=ReportEvent.Kind.STATUS)
    assert event.is_public and event.public_note == "On our list."
    assert sorted(m.to[0] for m in mail.outbox) == [neighbour.email, resident.email]
    message = mail.outbox[0]
    assert_sent_by_council(message, current_council())
    assert "On our list." in message.body and "Acknowledged" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/reports/unsubscribe/" in message.extra_headers["List-Unsubscribe"]


def test_notifications_are_not_sent_twice(
    resident, pothole, roads_agent, django_capture_on_commit_callbacks
):
    report = _report(resident, pothole)
    with django_capture_on_commit_callbacks(execute=True):
        event = services.report_status_change(
            report=report, actor=roads_agent, status=Status.IN_PROGRESS
        )
    assert len(mail.outbox) == 1
    assert services.report_notifications_send(event_id=event.pk) == 0
    assert len(mail.outbox) == 1


def test_invalid_transition_and_rejection_without_reason_are_refused(resident, pothole, moderator):
    report = _report(resident, pothole)
    with pytest.raises(ValidationError):
        services.report_status_change(report=report, actor=moderator, status=Status.REJECTED)
    services.report_status_change(
        report=report, actor=moderator, status=Status.REJECTED, rejection_reason="Private land"
    )
    report.refresh_from_db()
    assert report.rejection_reason == "Private land"
    with pytest.raises(ValidationError):
        services.report_status_change(report=report, actor=moderator, status=Status.FIXED)


def test_agent_cannot_act_outside_their_categories(
    resident, pothole, streetlight, roads_agent, lighting_agent
):
    light = _report(resident, streetlight)
    with pytest.raises(PermissionDenied):
        services.report_status_change(report=light, actor=roads_agent, status=Status.FIXED)
    with pytest.raises(PermissionDenied):
        services.report_assign(report=light, actor=roads_agent, assignee=roads_agent)
    hole = _report(resident, pothole)
    with pytest.raises(ValidationError):  # the lighting agent does not handle potholes
        services.report_assign(report=hole, actor=roads_agent, assignee=lighting_agent)
    services.report_assign(report=hole, actor=roads_agent, assignee=roads_agent)
    assert set(selectors.reports_for_staff(roads_agent)) == {hole}
    assert set(selectors.reports_for_staff(lighting_agent)) == {light}
    assert selectors.reports_for_staff(resident).count() == 0


def test_overdue_reports_are_flagged_and_filtered(resident, pothole, moderator):
    late = _report(resident, pothole)
    IssueReport.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=1))
    on_time = _report(resident, pothole)
    late.refresh_from_db()
    assert late.is_overdue and not on_time.is_overdue
    found = selectors.reports_triage(moderator, selectors.TriageFilters(overdue=True))
    assert list(found) == [late]
    assert selectors.triage_counts(moderator) == {"open": 2, "overdue": 1, "unassigned": 2}


def test_merge_moves_followers_and_photos_to_the_original(
    resident, neighbour, pothole, moderator, django_capture_on_commit_callbacks
):
    original = _report(resident, pothole)
    duplicate = _report(neighbour, pothole, photos=[png()])
    with django_capture_on_commit_callbacks(execute=True):
        services.report_mark_duplicate(
            report=duplicate, original=original, actor=moderator, public_note="Already reported"
        )
    duplicate.refresh_from_db()
    assert duplicate.status == Status.DUPLICATE and duplicate.duplicate_of == original
    assert set(original.followers.values_list("user_id", flat=True)) == {resident.pk, neighbour.pk}
    assert original.photos.count() == 1 and duplicate.photos.count() == 0
    assert original.events.filter(kind=ReportEvent.Kind.MERGED).exists()
    # The duplicate's follower was told where their report went.
    assert [m.to for m in mail.outbox] == [[neighbour.email]]
    assert f"/reports/{original.pk}/" in mail.outbox[0].body


def test_bulk_status_change_reports_each_failure(resident, pothole, streetlight, roads_agent):
    mine = [_report(resident, pothole), _report(resident, pothole)]
    other = _report(resident, streetlight)
    changed, errors = services.reports_bulk_status_change(
        reports=[*mine, other], actor=roads_agent, status=Status.IN_PROGRESS, public_note="Soon"
    )
    assert changed == [r.pk for r in mine] and list(errors) == [other.pk]


def test_fixed_then_reopened_by_the_reporter_only(
    resident, neighbour, pothole, moderator, django_capture_on_commit_callbacks
):
    resident.language = "en"  # emails go out in the recipient's language
    resident.save()
    report = _report(resident, pothole)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_status_change(
            report=report, actor=moderator, status=Status.FIXED, public_note="Filled"
        )
    assert "Is it fixed?" in mail.outbox[0].body
    with pytest.raises(PermissionDenied):
        services.report_reopen(report=report, user=neighbour)
    services.report_reopen(report=report, user=resident, note="Still there")
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS and report.due_at > timezone.now()
    assert report.events.filter(kind=ReportEvent.Kind.REOPENED, public_note="Still there").exists()


def test_hidden_photo_moves_to_private_storage_and_reporter_is_told(
    resident, pothole, moderator, roads_agent, django_capture_on_commit_callbacks
):
    report = _report(resident, pothole, photos=[png()])
    photo = report.photos.get()
    public_name = photo.file
    with pytest.raises(PermissionDenied):
        services.report_photo_hide(photo=photo, actor=roads_agent, reason="Faces")
    with django_capture_on_commit_callbacks(execute=True):
        services.report_photo_hide(photo=photo, actor=moderator, reason="A face is visible")
    photo.refresh_from_db()
    assert photo.is_hidden and photo.url == ""
    assert not public_storage().exists(public_name)
    assert private_storage().exists(photo.file) and private_storage().exists(photo.thumbnail)
    assert mail.outbox[-1].to == [resident.email]
    assert "A face is visible" in mail.outbox[-1].body
    assert_sent_by_council(mail.outbox[-1], current_council())
    assert not report.events.get(kind=ReportEvent.Kind.PHOTO_HIDDEN).is_public
    with django_capture_on_commit_callbacks(execute=True):
        services.report_photo_unhide(photo=photo, actor=moderator)
    photo.refresh_from_db()
    assert public_storage().exists(photo.file) and not photo.is_hidden


def test_api_key_is_stored_hashed_and_revocable(council_admin, agent):
    key, raw = services.api_key_create(name="City app", created_by=council_admin)
    assert raw not in key.key_hash and services.api_key_check(raw) == key
    with pytest.raises(PermissionDenied):
        services.api_key_create(name="Mine", created_by=agent)
    services.api_key_revoke(key=key, actor=council_admin)
    assert services.api_key_check(raw) is None


def test_recategorising_routes_the_report_to_the_other_team(
    resident, pothole, streetlight, roads_agent, lighting_agent
):
    report = _report(resident, pothole)
    services.report_category_change(report=report, actor=roads_agent, category=streetlight)
    report.refresh_from_db()
    assert report.category == streetlight
    assert report.due_at - report.created_at == timedelta(days=10)
    assert set(selectors.reports_for_staff(lighting_agent)) == {report}
    assert not selectors.reports_for_staff(roads_agent).exists()
    with pytest.raises(PermissionDenied):  # no longer the roads agent's report
        services.report_category_change(report=report, actor=roads_agent, category=pothole)
