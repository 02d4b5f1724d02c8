"""Numbers typed by anyone (query strings, form fields, webhook parameters), parsed one way.

`str.isdigit()` is true for "²" and "٣", which `int()` then refuses or reads as a digit; a
number of twenty digits overflows PostgreSQL's integers; `float()` accepts "inf" and "nan".
Views parse numbers with these helpers, which return None for anything but a plain, finite,
in-range number, so bad input is ignored as a filter or refused with a 400, never a 500.
"""

import math
from collections.abc import Iterable
from typing import Any

# PostgreSQL's `integer`: the ids, pages and counts we accept fit in it.
MAX_INT = 2**31 - 1


def parse_int(raw: Any, *, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """The integer written in ASCII digits (an optional leading "-" when `minimum` < 0) in
    `raw`, when it lies in [minimum, maximum]; None otherwise (empty, other characters, Unicode
    digits, out of range)."""
    if raw is None or isinstance(raw, bool):
        return None
    text = str(raw).strip()
    digits = text[1:] if text.startswith("-") and minimum < 0 else text
    if not digits or len(digits) > 12 or not (digits.isascii() and digits.isdigit()):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def parse_ints(values: Iterable[Any], **bounds: int) -> list[int]:
    """The valid integers among `values` (a query string's or form's list), in order."""
    return [n for n in (parse_int(v, **bounds) for v in values) if n is not None]


def parse_float(
    raw: Any, *, minimum: float | None = None, maximum: float | None = None
) -> float | None:
    """The finite number in `raw` (ASCII, "1.5", "-2e3") within the bounds given; None for
    anything else ("inf", "nan", "1e309", Unicode digits, empty)."""
    if raw is None or isinstance(raw, bool):
        return None
    text = str(raw).strip()
    if not text or len(text) > 64 or not text.isascii():
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        return None
    return value
