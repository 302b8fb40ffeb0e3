"""The API: levels, the material library with uses and consent, watermarked copies, case
materials with their level, commitments, post-checks and figures — bodies checked against the
OpenAPI document."""

from __future__ import annotations

import io
import json
from functools import cache
from typing import Any
from urllib.parse import unquote

import jsonschema_rs
import pytest
from django.utils import timezone

from onewindow.accounts import services as account_services
from onewindow.cases import services as case_services
from onewindow.materials import services
from onewindow.materials.models import Commitment

from .factories import marriage_item, submitted_with_upload
from .test_services import _verified

pytestmark = pytest.mark.django_db


def bearer(user: Any) -> dict[str, str]:
    _, key = account_services.api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@cache
def _spec() -> dict[str, Any]:
    from config.api import api

    return json.loads(json.dumps(api.get_openapi_schema(), default=str))


def conforms(response: Any, path: str, method: str = "get") -> Any:
    spec = _spec()
    operation = spec["paths"][f"/api/v1{path}"][method]
    schema = operation["responses"][str(response.status_code)]["content"]["application/json"]["schema"]
    body = response.json()
    validator = jsonschema_rs.validator_for({**schema, "components": spec["components"]})
    assert validator.is_valid(body), list(validator.iter_errors(body))[:3]
    return body


def test_levels_are_public(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/materials/levels")
    body = conforms(response, "/materials/levels")
    assert [row["level"] for row in body] == ["A", "B", "C", "D"]
    assert "告知承诺" in body[3]["meaning"]


def test_library_uses_consent_and_copy(client, world, citizen):  # type: ignore[no-untyped-def]
    _verified(world, citizen, marriage_item(world.dept_a))
    auth = bearer(citizen.user)
    response = client.get("/api/v1/me/materials", **auth)
    body = conforms(response, "/me/materials")
    [material] = body["materials"]
    assert material["level"] == "B" and material["verifier"] == "综合窗口小李" and material["usable"]
    material_id = material["id"]
    copy = client.post(f"/api/v1/me/materials/{material_id}/copies", {"purpose": "办理签证"},
                       content_type="application/json", **auth)
    assert copy.status_code == 200 and copy["Content-Type"] == "application/pdf"
    watermark = unquote(copy["X-Watermark"])
    assert watermark.startswith("此件经与原件核对无误") and "办理签证" in watermark
    from pypdf import PdfReader

    assert "此件经与原件核对无误" in PdfReader(io.BytesIO(copy.content)).pages[0].extract_text()
    bad = client.post(f"/api/v1/me/materials/{material_id}/copies", {"purpose": ""},
                      content_type="application/json", **auth)
    assert bad.status_code == 400 and bad.json()["code"] == "material_purpose_required"
    withdrawn = client.post(f"/api/v1/me/materials/{material_id}/consent", {"allowed": False},
                            content_type="application/json", **auth)
    body = conforms(withdrawn, "/me/materials/{material_id}/consent", "post")
    assert body["reuse_allowed"] is False and body["usable"] is False
    assert [u["watermark"] for u in body["uses"]] == [watermark]
    again = conforms(client.get("/api/v1/me/materials", **auth), "/me/materials")
    assert again["uses"][0]["purpose"] == "办理签证"


def test_someone_else_gets_404_not_the_material(client, world, citizen, other_citizen):  # type: ignore[no-untyped-def]
    _verified(world, citizen, marriage_item(world.dept_a))
    mine = client.get("/api/v1/me/materials", **bearer(citizen.user)).json()["materials"][0]["id"]
    response = client.post(f"/api/v1/me/materials/{mine}/consent", {"allowed": False},
                           content_type="application/json", **bearer(other_citizen.user))
    assert response.status_code == 404 and response.json()["code"] == "material_not_found"
    staff = client.get("/api/v1/me/materials", **bearer(world.clerk.user))
    assert staff.status_code == 404 and staff.json()["code"] == "material_holder_not_found"


def test_case_materials_show_level_and_commitment_by_api(client, world, citizen):  # type: ignore[no-untyped-def]
    item = marriage_item(world.dept_a, promise=True)
    draft = case_services.case_draft_create(actor=citizen.user, item=item)
    auth = bearer(citizen.user)
    row = draft.materials.get(order=1)
    response = client.post(f"/api/v1/cases/{draft.public_id}/materials/{row.public_id}/commitment",
                           {"commit": True}, content_type="application/json", **auth)
    body = conforms(response, "/cases/{case_id}/materials/{material_id}/commitment", "post")
    assert body["state"] == "committed" and body["trust_level"] == "D" and "如有不实" in body["commitment_text"]
    cert = draft.materials.get(order=0)
    refused = client.post(f"/api/v1/cases/{draft.public_id}/materials/{cert.public_id}/commitment",
                          {"commit": True}, content_type="application/json", **auth)
    assert refused.status_code == 409 and refused.json()["code"] == "case_commitment_not_allowed"


def test_verify_endpoint_stores_in_the_library(client, world, citizen):  # type: ignore[no-untyped-def]
    case = submitted_with_upload(citizen.user, marriage_item(world.dept_a))
    cert = case.materials.get(order=0)
    auth = bearer(world.clerk.user)
    bad = client.post(f"/api/v1/cases/{case.public_id}/materials/{cert.public_id}/verify",
                      {"method": "telepathy"}, content_type="application/json", **auth)
    assert bad.status_code == 400 and bad.json()["code"] == "case_verify_method_invalid"
    response = client.post(f"/api/v1/cases/{case.public_id}/materials/{cert.public_id}/verify",
                           {"method": "window"}, content_type="application/json", **auth)
    body = conforms(response, "/cases/{case_id}/materials/{material_id}/verify", "post")
    assert body["trust_level"] == "B" and "材料库" in body["trust_source"]


def test_postchecks_and_figures(client, world, citizen):  # type: ignore[no-untyped-def]
    first_day = timezone.localdate()  # the figures span the test's days (it may cross midnight)
    item = marriage_item(world.dept_a, promise=True)
    _verified(world, citizen, item)  # one case with a fresh check stored in the library
    case = submitted_with_upload(citizen.user, item, commit=True)  # library (B) + commitment (D)
    services.postcheck_draw(share=1.0)
    auth = bearer(world.reviewer_a.user)
    listed = conforms(client.get("/api/v1/postchecks", **auth), "/postchecks")
    assert [c["case_ref"] for c in listed] == [case.number]
    commitment = Commitment.objects.get()
    missing_note = client.post(f"/api/v1/postchecks/{commitment.public_id}/result", {"passed": False},
                               content_type="application/json", **auth)
    assert missing_note.status_code == 400 and missing_note.json()["code"] == "postcheck_note_required"
    done = client.post(f"/api/v1/postchecks/{commitment.public_id}/result", {"passed": True, "note": "属实"},
                       content_type="application/json", **auth)
    assert conforms(done, "/postchecks/{commitment_id}/result", "post")["check_status"] == "passed"
    assert client.get("/api/v1/postchecks", **bearer(world.reviewer_b.user)).json() == []
    today = timezone.localdate().isoformat()
    figures = client.get(f"/api/v1/cases-figures/materials?start={first_day.isoformat()}&end={today}", **auth)
    body = conforms(figures, "/cases-figures/materials")
    total = body["total"]
    assert total["cases"] == 2
    # case 1: both uploaded (fresh); case 2: certificate from the library (B), declaration promised (D)
    assert (total["levels"]["b"], total["levels"]["d"], total["levels"]["fresh"]) == (1, 1, 2)
    assert total["levels"]["uploads_saved"] == 2 and total["visits_saved"] == 1
    assert total["stored_in_library"] == 1
    assert total["postchecks"] == {"commitments": 1, "drawn": 1, "passed": 1, "failed": 0, "open": 0}
    bad = client.get(f"/api/v1/cases-figures/materials?start={today}&end=2020-01-01", **auth)
    assert bad.status_code == 400 and bad.json()["code"] == "period_invalid"
