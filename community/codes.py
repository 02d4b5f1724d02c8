"""Codes people type: postcard codes, co-optation request codes, SMS codes.

Postcard and request codes are 8 characters of Crockford's base32 (40 bits from the operating
system's CSPRNG), shown as XXXX-XXXX. The alphabet has no I, L, O or U, and reading is forgiving:
lower case, spaces and hyphens are accepted, O reads as 0 and I/L as 1.
"""

import hashlib
import hmac
import secrets

from django.conf import settings

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8  # 8 characters of 5 bits = 40 bits
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(CROCKFORD) for _ in range(length))


def new_digits(length: int = 6) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))


def normalise(typed: str) -> str:
    cleaned = "".join(ch for ch in typed.upper() if not ch.isspace() and ch != "-")
    return cleaned.translate(_READ_AS)


def display(code: str) -> str:
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def keyed_hash(purpose: str, *parts: object) -> str:
    """HMAC-SHA256 with a key derived from SECRET_KEY for this purpose. What we store instead of
    a code: without SECRET_KEY a database copy does not give the codes back, even by trying all
    2^40 of them."""
    key = hashlib.sha256(f"commune.{purpose}:{settings.SECRET_KEY}".encode()).digest()
    message = "\x1f".join(str(p) for p in parts).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def hashes_match(stored: str, candidate: str) -> bool:
    return bool(stored) and hmac.compare_digest(stored, candidate)
