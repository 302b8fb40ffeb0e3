"""Open data: datasets without personal data, tiers, streamed downloads, applications and keys."""

from datetime import timedelta

import pytest

from onewindow.core.models import AuditEntry
from onewindow.supervision.models import DataApplication, Dataset
from onewindow.supervision.services import opendata
from onewindow.supervision.services.figures import figures_refresh
from onewindow.supervision.tests.helpers import MONDAY, ticket_done

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(hotline):
    for _ in range(5):
        ticket_done(hotline)
    figures_refresh(first=MONDAY.date(), last=MONDAY.date() + timedelta(days=1))
    opendata.catalogue_seed()
    opendata.datasets_refresh()
    return hotline


def test_aggregates_suppress_small_cells_and_records_are_k_anonymous(data):
    monthly = Dataset.objects.get(slug="hotline-monthly-by-category")
    rows = list(opendata.dataset_rows(dataset=monthly))
    assert rows == [{"month": "2026-11", "street": "拓东街道", "category": rows[0]["category"], "tickets": 5}]
    records = Dataset.objects.get(slug="hotline-ticket-records")
    kept = list(opendata.dataset_rows(dataset=records))
    assert len(kept) == 5 and set(kept[0]) == {"month", "street", "category", "channel", "status", "satisfaction"}
    text = str(kept)
    assert "拓东路12号" not in text and "王秀英" not in text and "138" not in text


def test_an_anonymous_user_downloads_an_open_dataset_streamed(client, data):
    response = client.get("/data/hotline-monthly-by-category.csv")
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff月份,街道,诉求类别,诉求量") and "2026-11,拓东街道" in body
    as_json = client.get("/data/hotline-monthly-by-category.json")
    import json

    parsed = json.loads(b"".join(as_json.streaming_content))
    assert parsed["identifier"] == "hotline-monthly-by-category" and parsed["rows"][0]["tickets"] == 5
    page = client.get("/data/")
    assert page.status_code == 200 and "无条件开放" in page.content.decode() and "不予开放" in page.content.decode()
    catalogue = client.get("/data/catalog.jsonld").json()
    assert catalogue["@type"] == "dcat:Catalog" and len(catalogue["dcat:dataset"]) == 5


def test_conditional_dataset_needs_an_approved_application_and_key(client, data):
    records = "/api/v1/opendata/datasets/hotline-ticket-records/rows"
    refused = client.get(records)
    assert refused.status_code == 403 and refused.json()["code"] == "dataset_conditional"
    assert client.get("/data/grid-residents.csv").status_code == 404
    client.force_login(data.office_a_staff.user)
    bad = client.post("/data/hotline-ticket-records/",
                      {"organisation": "某大学", "purpose": "短", "contact_phone": "12345"})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.content.decode()
    ok = client.post("/data/hotline-ticket-records/", {"organisation": "云南大学公共管理学院",
                                                       "purpose": "研究城市治理中热线诉求的时空分布",
                                                       "contact_phone": "13912345678"})
    assert ok.status_code == 302
    app = DataApplication.objects.get()
    assert app.contact_phone == "13912345678" and "13912345678" not in str(AuditEntry.objects.last().summary)
    client.force_login(data.supervisor.user)
    api = client.get("/api/v1/opendata/applications?status=pending").json()
    assert api[0]["contact_phone"] == "139****5678"
    decided = client.post(f"/api/v1/opendata/applications/{app.public_id}/decision", {"approve": True},
                          content_type="application/json")
    key = decided.json()["api_key"]
    assert decided.status_code == 200 and key.startswith("od_")
    client.logout()
    rows = client.get(records + "?page=1&page_size=2", HTTP_X_API_KEY=key)
    assert rows.status_code == 200 and rows.json()["count"] == 5 and len(rows.json()["items"]) == 2
    wrong = client.get(records, HTTP_X_API_KEY="od_wrong")
    assert wrong.status_code == 403 and wrong.json()["code"] == "data_key_invalid"
    again = client.post(f"/api/v1/opendata/applications/{app.public_id}/decision", {"approve": False, "note": "x"},
                        content_type="application/json")
    assert again.status_code in (401, 403, 404)


def test_a_download_streams_every_row_in_order_across_pages_and_gaps(db, monkeypatch):
    from onewindow.supervision.models import Dataset, DatasetRow
    from onewindow.supervision.services import opendata

    opendata.catalogue_seed()
    d = Dataset.objects.get(slug="hotline-ticket-records")
    DatasetRow.objects.filter(dataset=d).delete()
    seqs = [1, 2, 3, 5, 9, 10, 11, 30, 31]  # gaps, and a run longer than a page
    DatasetRow.objects.bulk_create([DatasetRow(dataset=d, seq=n, data={"n": n}) for n in reversed(seqs)])
    monkeypatch.setattr(opendata, "STREAM_CHUNK", 4)
    assert [r["n"] for r in opendata.dataset_rows(dataset=d)] == seqs
    DatasetRow.objects.filter(dataset=d).delete()
    assert list(opendata.dataset_rows(dataset=d)) == []
