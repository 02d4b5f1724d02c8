"""How many SMS segments a text costs, and in which encoding (DESIGN.md §4).

GSM-7 holds 160 characters in one segment, 153 per segment once split; characters of the
extension table (€ [ ] { } ~ ^ | \\ and form feed) take two. One character outside GSM-7 turns the
whole message into UCS-2: 70 UTF-16 units in one segment, 67 per segment once split. A
two-unit character (escape pair, emoji) is never cut between two segments.
alerts/static/alerts/segments.js mirrors this for the compose page.
"""

from dataclasses import dataclass

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = "^{}\\[~]|€\f"
_BASIC = frozenset(GSM7_BASIC)
_EXTENDED = frozenset(GSM7_EXTENDED)


@dataclass(frozen=True)
class SegmentInfo:
    encoding: str  # "GSM-7" or "UCS-2"
    characters: int
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int

    def as_dict(self) -> dict:
        return {
            "encoding": self.encoding,
            "characters": self.characters,
            "units": self.units,
            "segments": self.segments,
            "per_segment": self.per_segment,
        }


def is_gsm7(text: str) -> bool:
    return all(c in _BASIC or c in _EXTENDED for c in text)


def _count(sizes: list[int], single: int, multi: int) -> int:
    if sum(sizes) <= single:
        return 1 if sizes else 0
    segments, used = 1, 0
    for size in sizes:
        if used + size > multi:
            segments += 1
            used = 0
        used += size
    return segments


def sms_segments(text: str) -> SegmentInfo:
    if is_gsm7(text):
        sizes = [2 if c in _EXTENDED else 1 for c in text]
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        sizes = [2 if ord(c) > 0xFFFF else 1 for c in text]
        single, multi, encoding = 70, 67, "UCS-2"
    segments = _count(sizes, single, multi)
    return SegmentInfo(
        encoding=encoding,
        characters=len(text),
        units=sum(sizes),
        segments=segments,
        per_segment=single if segments <= 1 else multi,
    )


def non_gsm7_characters(text: str) -> list[str]:
    """The characters that force UCS-2, to point them out to the author."""
    seen: list[str] = []
    for c in text:
        if c not in _BASIC and c not in _EXTENDED and c not in seen:
            seen.append(c)
    return seen
