"""Who may take part in a consultation: the consultation's own rule, the council's setting for
votes (community setting `require_vote`) when it is stricter, and the audience's neighbourhoods."""

from django.utils.translation import gettext as _

from accounts.models import User

from .models import ELIGIBILITY_RANK, Consultation, Eligibility

SIGN_IN = "sign_in"
EMAIL = "email"
VERIFICATION = "verification"
AREA = "area"


def effective_eligibility(consultation: Consultation) -> str:
    """The stricter of the consultation's rule and the council's default for votes."""
    from community.selectors import verification_required

    if verification_required("vote"):
        return Eligibility.VERIFIED
    return str(consultation.eligibility)


def refusal(user: User | None, consultation: Consultation) -> str | None:
    """Why `user` may not take part (SIGN_IN, EMAIL, VERIFICATION, AREA), or None."""
    from community.selectors import is_verified, resident_neighbourhood

    if user is None or not user.is_authenticated or not user.is_active:
        return SIGN_IN
    level = ELIGIBILITY_RANK[Eligibility(effective_eligibility(consultation))]
    if level >= ELIGIBILITY_RANK[Eligibility.EMAIL_CONFIRMED] and not user.email_confirmed:
        return EMAIL
    if level >= ELIGIBILITY_RANK[Eligibility.VERIFIED] and not is_verified(user):
        return VERIFICATION
    if not consultation.whole_council:
        neighbourhood = resident_neighbourhood(user)
        if (
            neighbourhood is None
            or not consultation.neighbourhoods.filter(pk=neighbourhood.pk).exists()
        ):
            return AREA
    return None


def refusal_message(reason: str) -> str:
    return {
        SIGN_IN: _("Sign in to take part in this consultation."),
        EMAIL: _("Confirm your email address to take part in this consultation."),
        VERIFICATION: _(
            "This consultation is open to verified residents: verify your address to take part."
        ),
        AREA: _("This consultation is for residents of the neighbourhoods it names."),
    }[reason]
