"""Writes of street reporting. Import from here: `from civic import services`.

Every change a resident cares about writes a ReportEvent (the report's timeline) in the same
transaction; public events also queue one email per follower (sent by a Celery task). Every staff
change checks the actor's role here, not only in the view, and writes one row of the staff audit
log (core.audit)."""

from .configuration import (
    CATEGORY_FIELDS,
    MAP_SETTINGS_FIELDS,
    QUESTION_FIELDS,
    category_delete,
    category_save,
    map_settings_save,
    question_delete,
    question_save,
    team_save,
)
from .moderation import (
    report_photo_hide,
    report_photo_unhide,
    report_text_hide,
    report_text_unhide,
)
from .notifications import moderation_notice_send, report_notifications_send
from .open311_keys import api_key_check, api_key_create, api_key_revoke
from .privacy import civic_erase, civic_export
from .reports import (
    MAX_PHOTOS,
    PHOTO_MAX_BYTES,
    THUMBNAIL_SIDE,
    Open311Contact,
    ReportContent,
    answers_clean,
    follower_unsubscribe,
    issue_report_create,
    neighbourhood_for,
    open311_request_create,
    report_follow,
    report_unfollow,
)
from .workflow import (
    SETTABLE_STATUSES,
    TRANSITIONS,
    report_assign,
    report_category_change,
    report_confirm_fixed,
    report_mark_duplicate,
    report_note_add,
    report_reopen,
    report_status_change,
    reports_bulk_status_change,
)

__all__ = [
    "CATEGORY_FIELDS",
    "MAP_SETTINGS_FIELDS",
    "MAX_PHOTOS",
    "PHOTO_MAX_BYTES",
    "QUESTION_FIELDS",
    "SETTABLE_STATUSES",
    "THUMBNAIL_SIDE",
    "TRANSITIONS",
    "Open311Contact",
    "ReportContent",
    "answers_clean",
    "api_key_check",
    "api_key_create",
    "api_key_revoke",
    "category_delete",
    "category_save",
    "civic_erase",
    "civic_export",
    "follower_unsubscribe",
    "issue_report_create",
    "map_settings_save",
    "moderation_notice_send",
    "neighbourhood_for",
    "open311_request_create",
    "question_delete",
    "question_save",
    "report_assign",
    "report_category_change",
    "report_confirm_fixed",
    "report_follow",
    "report_mark_duplicate",
    "report_note_add",
    "report_notifications_send",
    "report_photo_hide",
    "report_photo_unhide",
    "report_reopen",
    "report_status_change",
    "report_text_hide",
    "report_text_unhide",
    "report_unfollow",
    "reports_bulk_status_change",
    "team_save",
]
