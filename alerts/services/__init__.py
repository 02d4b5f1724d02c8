"""Writes of the alerts app: subscriptions and opt-outs, composing and sending alerts,
delivery through Twilio and its callbacks."""

from .compose import (
    alert_approve,
    alert_create,
    alert_edit,
    alert_followup_defaults,
    alert_send,
    alert_settings_update,
    alert_submit,
    alert_test_send,
    approval_required,
)
from .delivery import (
    alert_batch_deliver,
    alert_complete_if_done,
    message_status_record,
)
from .subscriptions import (
    inbound_message_record,
    optout_add,
    optout_remove,
    subscription_leave,
    subscription_pause,
    subscription_refusal,
    subscription_save,
    user_phone,
)

__all__ = [
    "alert_approve",
    "alert_batch_deliver",
    "alert_complete_if_done",
    "alert_create",
    "alert_edit",
    "alert_followup_defaults",
    "alert_send",
    "alert_settings_update",
    "alert_submit",
    "alert_test_send",
    "approval_required",
    "inbound_message_record",
    "message_status_record",
    "optout_add",
    "optout_remove",
    "subscription_leave",
    "subscription_pause",
    "subscription_refusal",
    "subscription_save",
    "user_phone",
]
