"""Account writes: sign-up, confirmation, staff management, deletion, login throttling."""

from collections.abc import Callable
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.core.mail.message import forbid_multi_line_headers
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import get_random_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from core import ratelimit
from core.audit import audit_record
from core.images import clean_image
from core.phones import phone_parse
from tenants.models import Council, current_council, tenant_connection
from tenants.services import council_update

from .models import User
from .roles import STAFF_ROLES, Role

CONFIRM_SALT = "accounts.email-confirmation"


def _council_url(view_name: str, args: list | None = None) -> str:
    """An absolute link into the current council's site (also from the platform host, whose
    URLconf has no council pages)."""
    path = reverse(view_name, args=args, urlconf=settings.ROOT_URLCONF)
    return current_council().base_url() + path


def council_sender(council: Council) -> tuple[str, list[str]]:
    """From and Reply-To of the council's emails: the platform's address under the council's
    name ("Ville de Dinan <no-reply@…>"), replies going to the council's contact address."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    reply_to = [council.contact_email] if getattr(council, "contact_email", "") else []
    return formataddr((str(council.name), address)), reply_to


def council_email(
    *,
    to: list[str],
    subject: str,
    body: str,
    headers: dict[str, str] | None = None,
    council: Council | None = None,
) -> EmailMessage:
    """An email from the council (its name, its reply-to address), to send or to batch: every
    email the platform writes to residents is built here."""
    from_email, reply_to = council_sender(council or current_council())
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=from_email,
        to=to,
        reply_to=reply_to,
        headers=headers or {},
    )


class CouncilEmailBatch:
    """Many emails from the council with one Subject (a group buy's 5,000 outcome emails): each
    is built by `council_email`, and the batch encodes the Subject and From once for all of
    them, exactly as Django encodes them for each message. The standard library's RFC 2047
    encoding of a non-ASCII header (every French subject) costs more than the rest of a
    message."""

    def __init__(self, *, subject: str, council: Council | None = None) -> None:
        self.council = council or current_council()
        self.subject = " ".join(subject.split())  # as council_email writes it
        from_email = council_sender(self.council)[0]
        self._encoded = {
            name: forbid_multi_line_headers(name, value, settings.DEFAULT_CHARSET)[1]
            for name, value in (("Subject", self.subject), ("From", from_email))
        }

    def email(
        self, *, to: list[str], body: str, headers: dict[str, str] | None = None
    ) -> EmailMessage:
        email = council_email(
            to=to, subject=self.subject, body=body, headers=headers, council=self.council
        )
        batch_email = _BatchEmail.__new__(_BatchEmail)
        batch_email.__dict__.update(email.__dict__)
        batch_email.encoded_headers = self._encoded
        return batch_email


class _BatchEmail(EmailMessage):
    """An email of a `CouncilEmailBatch`: its message carries the batch's encoded headers."""

    encoded_headers: dict[str, str]

    def message(self, *args: Any, **kwargs: Any) -> Any:
        subject, from_email = self.subject, self.from_email
        self.subject, self.from_email = "", "-"  # ASCII: nothing to encode
        try:
            message = super().message(*args, **kwargs)
        finally:
            self.subject, self.from_email = subject, from_email
        for name, value in self.encoded_headers.items():
            message.replace_header(name, value)
        return message


def user_language(user: User | None, council: Council | None = None) -> str:
    """The language to write to this user in: theirs, else the council's."""
    language = getattr(user, "language", "") if user is not None else ""
    return language or (council or current_council()).default_language


def _send(user: User, subject: Callable[[], str], template: str, context: dict) -> None:
    """Email one user in their language (falling back to the council's), in the council's
    name. `subject` is called once that language is active."""
    council = current_council()
    with translation.override(user_language(user, council)):
        context = {"user": user, "council": council, **context}
        council_email(
            to=[user.email],
            subject=subject(),
            body=render_to_string(template, context),
            council=council,
        ).send()


def email_normalise(email: str) -> str:
    return get_user_model().objects.normalize_email(email.strip()).lower()


# --- residents -------------------------------------------------------------------------------


@transaction.atomic
def user_sign_up(*, full_name: str, email: str, password: str, language: str = "") -> User | None:
    """A new account, unconfirmed, and its confirmation email. For an address that already has
    an account nothing is created and its owner gets an email instead (None is returned): the
    page looks the same either way, so sign-up never tells who is registered."""
    email = email_normalise(email)
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        _enqueue_sign_up_notice(existing)
        return None
    user = User.objects.create_user(email, password, full_name=full_name.strip(), language=language)
    _enqueue_confirmation(user)
    return user


def _enqueue_sign_up_notice(user: User) -> None:
    from .tasks import send_sign_up_notice

    transaction.on_commit(lambda: send_sign_up_notice.delay(user.pk))


def sign_up_notice_send(*, user: User) -> None:
    """Someone tried to create an account with this address: tell its owner how to get in."""
    if not ratelimit.allow(f"sign-up-notice:{user.pk}", limit=3, window=3600):
        return
    _send(
        user,
        lambda: _("Someone tried to create an account with your address"),
        "accounts/email/sign_up_existing.txt",
        {
            "login": _council_url("accounts:login"),
            "reset": _council_url("accounts:password_reset"),
        },
    )


def _enqueue_confirmation(user: User) -> None:
    from .tasks import send_email_confirmation

    transaction.on_commit(lambda: send_email_confirmation.delay(user.pk))


def email_confirmation_token(user: User) -> str:
    # The token names the schema and the address, so it only confirms this address at this council.
    return signing.dumps(
        {"u": user.pk, "e": user.email, "s": tenant_connection().schema_name}, salt=CONFIRM_SALT
    )


def email_confirmation_send(*, user: User) -> None:
    link = _council_url("accounts:confirm_email", args=[email_confirmation_token(user)])
    _send(
        user, lambda: _("Confirm your email address"), "accounts/email/confirm.txt", {"link": link}
    )


@transaction.atomic
def email_confirm(*, token: str) -> User:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.EMAIL_CONFIRMATION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ValidationError(_("This confirmation link has expired. Ask for a new one.")) from exc
    except signing.BadSignature as exc:
        raise ValidationError(_("This confirmation link is not valid.")) from exc
    user = User.objects.filter(pk=data["u"], email=data["e"]).first()
    if data.get("s") != tenant_connection().schema_name or user is None:
        raise ValidationError(_("This confirmation link is not valid."))
    if not user.email_confirmed:
        user.email_confirmed = True
        user.save(update_fields=["email_confirmed"])
    return user


def phone_normalised(raw: str) -> str:
    """The number in E.164, read in the council's phone region ("" when none is given): the
    form `User.phone` is always stored in. ValidationError on the phone field otherwise."""
    if not (raw or "").strip():
        return ""
    try:
        return phone_parse(raw)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}, code="bad_phone") from error


@transaction.atomic
def profile_update(*, user: User, full_name: str, email: str, phone: str, language: str) -> User:
    email = email_normalise(email)
    if email != user.email:
        if User.objects.filter(email=email).exclude(pk=user.pk).exists():
            raise ValidationError({"email": _("An account with this email already exists.")})
        user.email = email
        user.email_confirmed = False
        _enqueue_confirmation(user)
    user.full_name = full_name.strip()
    phone = phone_normalised(phone)
    if phone != user.phone:
        user.phone_confirmed_at = None
    user.phone = phone
    user.language = language
    user.save()
    return user


@transaction.atomic
def account_delete(*, user: User) -> None:
    """The resident's own deletion. Apps that keep records other residents rely on (reports,
    votes) point at users with on_delete=SET_NULL and keep the record without the person.
    Apps' erasers (core.privacy registry) run first: private files, personal data."""
    from core.privacy import personal_data_erase

    personal_data_erase(user)
    user.delete()


# --- staff -----------------------------------------------------------------------------------


def require_council_admin(actor: User) -> None:
    """PermissionDenied unless `actor` is an active council admin: every staff-management
    service checks it itself, whatever view or command calls it."""
    if not (actor is not None and actor.is_authenticated and actor.has_role(Role.COUNCIL_ADMIN)):
        raise PermissionDenied(_("Only council administrators can do this."))


def _check_roles(roles: list[str]) -> list[str]:
    unknown = set(roles) - set(STAFF_ROLES)
    if unknown:
        raise ValidationError(_("Unknown role: %(roles)s") % {"roles": ", ".join(sorted(unknown))})
    return roles


def _roles_of(user: User) -> list[str]:
    return sorted(user.groups.filter(name__in=STAFF_ROLES).values_list("name", flat=True))


def _staff_member_save(
    *, email: str, full_name: str, roles: list[str], password: str | None
) -> tuple[User, list[str], bool]:
    """The account (created, or found by email) with `roles` added; returns it, its roles
    before and whether it was created."""
    roles = _check_roles(roles)
    email = email_normalise(email)
    user = User.objects.filter(email=email).first()
    created = user is None
    if user is None:
        user = User.objects.create_user(email, password, full_name=full_name, email_confirmed=True)
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])
    before = [] if created else _roles_of(user)
    user.groups.add(*Group.objects.filter(name__in=roles))
    user.__dict__.pop("roles", None)
    return user, before, created


@transaction.atomic
def staff_member_create(
    *,
    email: str,
    full_name: str,
    roles: list[str],
    password: str | None = None,
    actor: User | None = None,
) -> User:
    """A staff account, or roles added to an existing account with that email.

    `actor` is the council admin doing it; None only for the platform itself (provisioning a
    council's first admin, management commands), never on behalf of a request."""
    if actor is not None:
        require_council_admin(actor)
    user, before, created = _staff_member_save(
        email=email, full_name=full_name, roles=roles, password=password
    )
    audit_record(
        actor=actor,
        action="accounts.staff_member_create",
        target=user,
        before={"roles": before},
        after={"roles": _roles_of(user)},
        data={"created": created},
    )
    return user


@transaction.atomic
def staff_member_invite(*, invited_by: User, email: str, full_name: str, roles: list[str]) -> User:
    """Create (or promote) an account and email a link to choose a password."""
    require_council_admin(invited_by)
    user, before, created = _staff_member_save(
        email=email, full_name=full_name, roles=roles, password=None
    )
    audit_record(
        actor=invited_by,
        action="accounts.staff_member_invite",
        target=user,
        before={"roles": before},
        after={"roles": _roles_of(user)},
        data={"created": created},
    )
    _enqueue_invitation(user, invited_by)
    return user


def _enqueue_invitation(user: User, invited_by: User) -> None:
    from .tasks import send_staff_invitation

    transaction.on_commit(lambda: send_staff_invitation.delay(user.pk, invited_by.pk))


def password_setup_link(user: User) -> str:
    """A one-time link to choose a password (Django's reset token: void once the password is set
    or after PASSWORD_RESET_TIMEOUT)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return _council_url("accounts:password_reset_confirm", args=[uid, token])


def staff_invitation_send(*, user: User, invited_by: User | None) -> None:
    link = (
        password_setup_link(user)
        if not user.has_usable_password()
        else _council_url("accounts:login")
    )
    _send(
        user,
        lambda: (
            _("You have been invited to %(council)s's staff portal")
            % {"council": current_council().name}
        ),
        "accounts/email/staff_invitation.txt",
        {"link": link, "invited_by": invited_by},
    )


@transaction.atomic
def staff_roles_set(*, acting: User, user: User, roles: list[str]) -> User:
    require_council_admin(acting)
    roles = _check_roles(roles)
    if user == acting and Role.COUNCIL_ADMIN not in roles:
        raise ValidationError(_("You cannot remove your own council admin role."))
    before = _roles_of(user)
    staff_groups = Group.objects.filter(name__in=STAFF_ROLES)
    user.groups.remove(*staff_groups.exclude(name__in=roles))
    user.groups.add(*staff_groups.filter(name__in=roles))
    user.__dict__.pop("roles", None)
    audit_record(
        actor=acting,
        action="accounts.staff_roles_set",
        target=user,
        before={"roles": before},
        after={"roles": _roles_of(user)},
    )
    return user


@transaction.atomic
def user_set_active(*, acting: User, user: User, active: bool) -> User:
    require_council_admin(acting)
    if user == acting and not active:
        raise ValidationError(_("You cannot deactivate your own account."))
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    user.__dict__.pop("roles", None)
    if not active:
        # Its sessions stop authenticating at once (ModelBackend refuses inactive users on every
        # request), so no scan of the session table is needed; its API tokens are deleted so a
        # reactivation does not revive tokens handed out before.
        from rest_framework.authtoken.models import Token

        Token.objects.filter(user=user).delete()
    audit_record(
        actor=acting,
        action="accounts.user_activate" if active else "accounts.user_deactivate",
        target=user,
        before={"is_active": not active},
        after={"is_active": active},
    )
    return user


# --- the council's own settings ----------------------------------------------------------------

COUNCIL_SETTINGS_FIELDS = (
    "name",
    "primary_colour",
    "default_language",
    "languages",
    "timezone",
    "contact_email",
    "phone_region",
)
# Changed, but not copied into the audit log (an address, even the council's, stays out of it).
_UNLOGGED_VALUES = {"contact_email"}
MAX_LOGO_BYTES = 1024 * 1024


@transaction.atomic
def council_settings_update(
    *,
    actor: User,
    council: Council,
    logo: UploadedFile | None = None,
    remove_logo: bool = False,
    **fields: Any,
) -> Council:
    """The council's branding and settings, from its staff portal. A new logo goes through the
    image pipeline (type read from the content, size in pixels checked from the header, then
    re-encoded without metadata); the re-encoded file is what is stored."""
    require_council_admin(actor)
    unknown = set(fields) - set(COUNCIL_SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown settings: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    clean = None
    if logo:
        try:
            clean = clean_image(logo, max_bytes=MAX_LOGO_BYTES, max_side=600)
        except ValidationError as error:
            raise ValidationError({"logo": error.messages}, code=error.code) from error
    changed = {name: value for name, value in fields.items() if getattr(council, name) != value}
    before = {name: getattr(council, name) for name in changed if name not in _UNLOGGED_VALUES}
    council_update(council=council, **changed)
    data: dict[str, Any] = {"changed": sorted(changed)}
    if clean is not None:
        council.logo.save(f"logo.{clean.extension}", ContentFile(clean.content), save=True)
        data["logo"] = "replaced"
    elif remove_logo and council.logo:
        council.logo.delete(save=True)
        data["logo"] = "removed"
    if changed or "logo" in data:
        audit_record(
            actor=actor,
            action="accounts.council_settings_update",
            target=council,
            before=before,
            after={name: getattr(council, name) for name in before},
            data=data,
        )
    return council


# --- login throttling ------------------------------------------------------------------------


def _generation_key(email: str) -> str:
    return f"login-failures:generation:{email_normalise(email)}"


def _failure_keys(email: str, ip: str) -> tuple[str, str]:
    """The counters a failed login adds to: this account from this address, and this address.
    The account's counters carry a generation that a password reset moves on, which clears
    them all whatever address they came from."""
    generation = ratelimit.count(_generation_key(email))
    return (
        f"login-failures:account:{generation}:{email_normalise(email)}:{ip}",
        f"login-failures:ip:{ip}",
    )


def login_is_locked(*, email: str, ip: str) -> bool:
    """True when this account had too many failed logins *from this address*, or this address
    too many over all accounts, in the window. Failures from elsewhere never lock the owner
    out: locking by account alone let anyone lock anyone (admins included) with five wrong
    passwords. The counts are in Redis under the council's key space."""
    limit = settings.LOGIN_MAX_FAILURES
    account_key, ip_key = _failure_keys(email, ip)
    # An address gets more room than an account: several residents share a town-hall network.
    return ratelimit.over(account_key, limit=limit) or ratelimit.over(ip_key, limit=limit * 4)


def login_failure_record(*, email: str, ip: str) -> None:
    for key in _failure_keys(email, ip):
        ratelimit.hit(key, window=settings.LOGIN_LOCKOUT_SECONDS)


def login_failures_clear(*, email: str, ip: str) -> None:
    """After a successful login: this account's failures from this address are forgiven (the
    address's own count stays, or one known password would hide guessing at others)."""
    ratelimit.reset(_failure_keys(email, ip)[0])


def login_failures_reset(*, email: str) -> None:
    """After a password reset: every lock on this account, from any address, is lifted."""
    # Outlives the failure counters, so an expired generation never revives old counts.
    ratelimit.hit(_generation_key(email), window=settings.LOGIN_LOCKOUT_SECONDS * 4)


def random_password() -> str:
    return get_random_string(32)
