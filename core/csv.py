"""The one CSV writer for every export.

Spreadsheet formula injection: a *text* cell starting with = + - @ (or a tab/CR) would run as a
formula in Excel or LibreOffice, so it is written with a leading '. Numbers are written as
numbers: -2.0412 is a longitude, not a formula. Dates are ISO 8601; None is an empty cell.
"""

import csv as _csv
import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """One cell: numbers as numbers, dates in ISO 8601, booleans as yes/empty, text guarded."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class _Echo:
    """A file-like object whose write returns the line, for streaming."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterable[str]:
    """The CSV lines of `header` then `rows`, each cell through `csv_cell`."""
    writer = _csv.writer(_Echo())
    yield writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        yield writer.writerow([csv_cell(v) for v in row])


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]], *, stamp: bool = True
) -> StreamingHttpResponse:
    """A streamed CSV download; `rows` may be a generator over a queryset `.iterator()`.
    The file name gets the local date and time unless `stamp` is False."""
    if stamp:
        filename = f"{filename}-{timezone.localtime().strftime('%Y%m%d-%H%M')}"
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
