"""Streamed exports of records as CSV (UTF-8 with BOM, for Excel) or JSON Lines.

One place for the bulk exports of the API (tickets, the national 办件信息 of cases): rows are
read in chunks and written out in ~32 KB pieces, so memory stays flat whatever the period.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse

_FLUSH_AT = 32_000


def _csv_chunks(records: Iterable[dict[str, Any]], columns: Sequence[str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    buffer.write("\ufeff")
    writer.writeheader()
    for record in records:
        writer.writerow(record)
        if buffer.tell() > _FLUSH_AT:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _jsonl_chunks(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"


def export_response(rows: Iterable[Any], *, record: Callable[[Any], dict[str, Any]], columns: Sequence[str],
                    fmt: str, filename: str) -> StreamingHttpResponse:
    """A download of ``record(row)`` for every row: ``fmt`` "csv" or "jsonl"; never cached."""
    records = (record(row) for row in rows)
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_chunks(records, columns), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(_jsonl_chunks(records), content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response
