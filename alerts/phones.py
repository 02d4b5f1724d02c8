"""Phone numbers in E.164 (+33612345678), the form Twilio uses in webhooks and the key of the
opt-out list. `E164_SQL` does the same normalisation inside PostgreSQL, so recipients can be
resolved in one INSERT … SELECT; tests/alerts/test_phones.py keeps the two in step."""

import re

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_SEPARATORS = re.compile(r"[\s.\-()/]")


def phone_e164(raw: str, country_code: str = "33") -> str | None:
    """`raw` as an E.164 number, or None when it cannot be one. A national number (0 and nine
    digits, as written in France) takes `country_code`; 00 stands for +."""
    number = _SEPARATORS.sub("", raw or "")
    if number.startswith("00"):
        number = "+" + number[2:]
    elif len(number) == 10 and number.isdigit() and number.startswith("0"):
        number = f"+{country_code}{number[1:]}"
    return number if E164.match(number) else None


def e164_sql(column: str) -> str:
    """SQL of `phone_e164(column, %(country_code)s)`, NULL when it is not a valid number."""
    cleaned = rf"regexp_replace({column}, '[\s.\-()/]', '', 'g')"
    normalised = (
        f"CASE WHEN {cleaned} ~ '^00' THEN '+' || substr({cleaned}, 3) "
        f"WHEN {cleaned} ~ '^0[0-9]{{9}}$' THEN '+' || %(country_code)s || substr({cleaned}, 2) "
        f"ELSE {cleaned} END"
    )
    return f"(CASE WHEN ({normalised}) ~ '^\\+[1-9][0-9]{{6,14}}$' THEN ({normalised}) END)"


def phone_masked(phone: str) -> str:
    """+33 6 •• •• •5 78: enough for staff to tell numbers apart in reports."""
    return phone[:4] + "•" * max(len(phone) - 7, 0) + phone[-3:] if len(phone) > 7 else phone
