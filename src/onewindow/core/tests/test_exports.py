"""core.exports: a long CSV export leaves in pieces (flat memory) and reads back whole."""

import csv
import io
import json

from onewindow.core.exports import export_response


def test_a_long_csv_streams_in_pieces_with_one_bom_and_reads_back_whole() -> None:
    rows = range(3000)
    response = export_response(rows, record=lambda i: {"n": i, "text": "盘龙区" * 5}, columns=["n", "text"],
                               fmt="csv", filename="x-20261201")
    chunks = list(response.streaming_content)  # type: ignore[arg-type]
    assert len(chunks) > 2  # written out every ~32 KB, not built whole
    text = b"".join(chunks).decode("utf-8")
    assert text.count("\ufeff") == 1 and text.startswith("\ufeff")
    parsed = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [int(r["n"]) for r in parsed] == list(rows)
    assert response["Content-Disposition"] == 'attachment; filename="x-20261201.csv"'
    assert response["Cache-Control"] == "no-store"


def test_json_lines_one_record_per_line() -> None:
    response = export_response(["甲", "乙"], record=lambda s: {"name": s}, columns=["name"], fmt="jsonl",
                               filename="y")
    lines = b"".join(response.streaming_content).decode().splitlines()  # type: ignore[arg-type]
    assert [json.loads(line)["name"] for line in lines] == ["甲", "乙"]
    assert response["Content-Type"].startswith("application/x-ndjson")
