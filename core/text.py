"""Text safe for XML 1.0 documents (Open311, CAP, Atom).

XML 1.0 allows tab, newline, carriage return and the characters from U+0020 up, less the
surrogates and U+FFFE/U+FFFF. Anything else (a vertical tab pasted from a word processor, a NUL)
makes the whole document unparsable for every client, so it is dropped.
"""

import re

_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(value: object) -> str:
    """`value` as text with the characters XML 1.0 forbids removed ("" for None)."""
    if value is None:
        return ""
    return _FORBIDDEN.sub("", str(value))
