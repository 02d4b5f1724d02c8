"""Twilio credentials: the council's own (sub)account, stored with its auth token encrypted,
or the platform's account from the environment.

The encryption keys come from the environment (ALERTS_CREDENTIALS_KEYS, newest first); a key
that is not already a Fernet key is stretched into one with SHA-256, so any long random string
works. Older keys keep decrypting, so keys can be rotated (then re-save the settings).
"""

import base64
import hashlib
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class TwilioCredentials:
    account_sid: str
    auth_token: str
    messaging_service_sid: str

    def __repr__(self) -> str:  # never print the token
        return (
            f"TwilioCredentials({self.account_sid!r}, "
            f"messaging_service={self.messaging_service_sid!r})"
        )


def _fernet_key(secret: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(secret.encode())
        if len(raw) == 32:
            return secret.encode()
    except (ValueError, TypeError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())


def _fernet() -> MultiFernet:
    keys = [k for k in settings.ALERTS_CREDENTIALS_KEYS if k]
    if not keys:
        raise ImproperlyConfigured(
            "ALERTS_CREDENTIALS_KEYS is not set: councils' Twilio credentials cannot be stored."
        )
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def secret_encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def secret_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A council's Twilio auth token cannot be decrypted with ALERTS_CREDENTIALS_KEYS."
        ) from error


def platform_credentials() -> TwilioCredentials | None:
    if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
        return None
    return TwilioCredentials(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_MESSAGING_SERVICE_SID,
    )


def council_credentials() -> TwilioCredentials | None:
    """The current council's credentials (connection on its schema), else the platform's."""
    from .selectors import alert_settings

    config = alert_settings()
    if config.twilio_account_sid and config.twilio_auth_token_encrypted:
        return TwilioCredentials(
            config.twilio_account_sid,
            secret_decrypt(config.twilio_auth_token_encrypted),
            config.twilio_messaging_service_sid or settings.TWILIO_MESSAGING_SERVICE_SID,
        )
    return platform_credentials()


def credentials_for_account(account_sid: str) -> TwilioCredentials | None:
    """The credentials a webhook claiming to come from `account_sid` must be signed with: the
    council's own account or the platform's, nothing else."""
    if not account_sid:
        return None
    own = council_credentials()
    if own and own.account_sid == account_sid:
        return own
    platform = platform_credentials()
    if platform and platform.account_sid == account_sid:
        return platform
    return None
