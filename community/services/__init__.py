"""Writes of the community app. Import from here: `from community import services`."""

from ._common import household_key, normalise_address
from .cooptation import (
    cooptation_expire_due,
    cooptation_invitation_accept,
    cooptation_invitation_create,
    cooptation_invitation_find,
    cooptation_request_by_code,
    cooptation_request_open,
    vouch_create,
    vouch_withdraw,
    vouches_given_recently,
)
from .decisions import (
    resident_verify_in_person,
    verification_request_approve,
    verification_request_cancel,
    verification_request_reject,
    verification_revoke,
    verifications_expire_due,
)
from .notices import verification_decision_notice_send, verification_decision_notices_redrive
from .phone import (
    phone_confirmation_check,
    phone_confirmation_pending,
    phone_confirmation_send,
)
from .postcard import (
    postcard_batch_create,
    postcard_batch_issue_codes,
    postcard_batch_mark_posted,
    postcard_code_check,
    postcard_expire_due,
    postcard_request,
)
from .proof import (
    PROOF_MAX_BYTES,
    PROOF_REVIEW_DAYS,
    PROOF_UPLOADS_PER_HOUR,
    proof_expire_due,
    proof_submit,
)
from .residence import (
    community_settings_update,
    neighbourhood_create,
    neighbourhood_delete,
    neighbourhood_for_point,
    neighbourhood_update,
    residence_declare,
)

__all__ = [
    "PROOF_MAX_BYTES",
    "PROOF_REVIEW_DAYS",
    "PROOF_UPLOADS_PER_HOUR",
    "community_settings_update",
    "cooptation_expire_due",
    "cooptation_invitation_accept",
    "cooptation_invitation_create",
    "cooptation_invitation_find",
    "cooptation_request_by_code",
    "cooptation_request_open",
    "household_key",
    "neighbourhood_create",
    "neighbourhood_delete",
    "neighbourhood_for_point",
    "neighbourhood_update",
    "normalise_address",
    "phone_confirmation_check",
    "phone_confirmation_pending",
    "phone_confirmation_send",
    "postcard_batch_create",
    "postcard_batch_issue_codes",
    "postcard_batch_mark_posted",
    "postcard_code_check",
    "postcard_expire_due",
    "postcard_request",
    "proof_expire_due",
    "proof_submit",
    "residence_declare",
    "resident_verify_in_person",
    "verification_decision_notice_send",
    "verification_decision_notices_redrive",
    "verification_request_approve",
    "verification_request_cancel",
    "verification_request_reject",
    "verification_revoke",
    "verifications_expire_due",
    "vouch_create",
    "vouch_withdraw",
    "vouches_given_recently",
]
