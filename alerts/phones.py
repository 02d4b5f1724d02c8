"""Phone numbers in E.164 (+33612345678), the form Twilio uses in webhooks and the key of the
opt-out list. `e164_cte` does the same normalisation inside PostgreSQL, so recipients can be
resolved in one INSERT … SELECT; tests/alerts/test_phones.py keeps the two in step."""

import re

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
# Spaces, tabs, dots, dashes, brackets and slashes are dropped (the same set as in SQL below).
_SEPARATORS = re.compile(r"[ \t.\-()/]")


def phone_e164(raw: str, country_code: str = "33") -> str | None:
    """`raw` as an E.164 number, or None when it cannot be one. A national number (0 and nine
    digits, as written in France) takes `country_code`; 00 stands for +."""
    number = _SEPARATORS.sub("", raw or "")
    if number.startswith("00"):
        number = "+" + number[2:]
    elif len(number) == 10 and number.isdigit() and number.startswith("0"):
        number = f"+{country_code}{number[1:]}"
    return number if E164.match(number) else None


def e164_cte(source: str) -> str:
    """SQL of CTEs normalising `source` (a query with columns user_id and raw_phone) into
    `normalised(user_id, phone)`, phone being `phone_e164(raw_phone, %(country_code)s)` or NULL.
    Materialised so that each number is cleaned once (translate() rather than a regex: 100,000
    numbers in a few milliseconds)."""
    return f"""
        cleaned AS MATERIALIZED (
            SELECT user_id, translate(raw_phone, ' .-()/' || chr(9), '') AS p FROM ({source}) s
        ),
        normalised AS MATERIALIZED (
            SELECT user_id, CASE
                WHEN p LIKE '00%%' THEN '+' || substr(p, 3)
                WHEN p ~ '^0[0-9]{{9}}$' THEN '+' || %(country_code)s || substr(p, 2)
                ELSE p END AS phone
            FROM cleaned
        )"""  # noqa: S608  (`source` is our own SQL; values are parameters)


def phone_masked(phone: str) -> str:
    """+33 6 •• •• •5 78: enough for staff to tell numbers apart in reports."""
    return phone[:4] + "•" * max(len(phone) - 7, 0) + phone[-3:] if len(phone) > 7 else phone
