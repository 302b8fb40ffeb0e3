"""An enterprise's lifecycle map advances when its case is approved; the officer adds notes;
scope; the API and the page."""

import json
from functools import cache

import jsonschema_rs
import pytest

from onewindow.accounts import services as account_services
from onewindow.cases.constants import CaseStatus
from onewindow.cases.tests.factories import case_make
from onewindow.core.errors import DomainError
from onewindow.core.tests.helpers import raises_code
from onewindow.lifecycle import services
from onewindow.lifecycle.models import MapNode, MapTemplate

pytestmark = pytest.mark.django_db


@cache
def _spec() -> dict:
    from config.api import api

    return json.loads(json.dumps(api.get_openapi_schema(), default=str))


def conforms(response, path: str, method: str = "get") -> dict:
    spec = _spec()
    schema = spec["paths"][f"/api/v1{path}"][method]["responses"][str(response.status_code)]["content"][
        "application/json"]["schema"]
    body = response.json()
    validator = jsonschema_rs.validator_for({**schema, "components": spec["components"]})
    assert validator.is_valid(body), list(validator.iter_errors(body))[:3]
    return body


@pytest.fixture
def catering(world, agent, item_a, item_simple, item_b):
    template = MapTemplate.objects.create(industry="catering", name="餐饮企业开办")
    MapNode.objects.create(template=template, key="register", stage="setup", name="个体工商户登记", item=item_a,
                           order=1)
    MapNode.objects.create(template=template, key="food", stage="opening", name="食品经营许可", item=item_simple,
                           after=["register"], order=2)
    MapNode.objects.create(template=template, key="sign", stage="opening", name="户外招牌设置", item=item_b,
                           after=["register"], order=3)
    _, enterprise = agent
    emap = services.map_assign(actor=world.leader_a.user, enterprise=enterprise, template=template,
                               officer=world.reviewer_a)
    return emap


def test_the_map_advances_when_the_case_is_approved(client, world, agent, item_a, catering):
    person, enterprise = agent
    user = person.user
    case = case_make(item=item_a, person=person, status=CaseStatus.IN_REVIEW, applicant_enterprise=enterprise)
    _, key = account_services.api_token_create(user=user, name="app")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    body = conforms(client.get(f"/api/v1/lifecycle/maps/{catering.public_id}", **auth), "/lifecycle/maps/{map_id}")
    states = {n["key"]: n["state"] for n in body["nodes"]}
    assert states == {"register": "in_progress", "food": "not_started", "sign": "not_started"}
    assert body["next_steps"] == [] and body["officer"] == "市监局审批员甲"
    case.status = CaseStatus.APPROVED
    case.save(update_fields=["status"])
    body = client.get(f"/api/v1/lifecycle/maps/{catering.public_id}", **auth).json()
    assert {n["key"]: n["state"] for n in body["nodes"]}["register"] == "done"
    assert body["next_steps"] == ["food", "sign"] and body["done"] == 1
    client.force_login(user)
    page = client.get("/my/lifecycle/", follow=True).content.decode()
    assert "食品经营许可" in page and "可以申请" in page


def test_the_officer_notes_and_others_do_not_see(client, world, agent, other_citizen, catering):
    services.note_add(actor=world.reviewer_a.user, map=catering, text="已电话联系，下周上门指导", node_key="food")
    with raises_code(DomainError, "validation_failed") as exc:
        services.note_add(actor=world.reviewer_a.user, map=catering, text="x")
    assert exc.value.fields == {"text": "请填写 2–1000 个字"}
    person, _ = agent
    with pytest.raises(DomainError) as exc:
        services.note_add(actor=person.user, map=catering, text="企业自己写")
    assert exc.value.code == "lifecycle_not_officer"
    _, key = account_services.api_token_create(user=other_citizen.user, name="app")
    response = client.get(f"/api/v1/lifecycle/maps/{catering.public_id}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 404 and response.json()["code"] == "lifecycle_map_not_found"
    _, key = account_services.api_token_create(user=world.reviewer_a.user, name="app")
    note = client.post(f"/api/v1/lifecycle/maps/{catering.public_id}/notes", {"text": "材料已预审", "node_key": "sign"},
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert conforms(note, "/lifecycle/maps/{map_id}/notes", "post")["author"] == "市监局审批员甲"
    maps = conforms(client.get("/api/v1/lifecycle/maps", HTTP_AUTHORIZATION=f"Bearer {key}"), "/lifecycle/maps")
    assert [n["text"] for n in maps[0]["notes"]] == ["材料已预审", "已电话联系，下周上门指导"]


def test_assigning_needs_a_manager_and_a_valid_graph(world, agent, catering):
    _, enterprise = agent
    with pytest.raises(DomainError) as exc:
        services.map_assign(actor=world.reviewer_a.user, enterprise=enterprise, template=catering.template,
                            officer=None)
    assert exc.value.code == "lifecycle_not_manager"
    with pytest.raises(DomainError) as exc:
        services.map_assign(actor=world.leader_a.user, enterprise=enterprise, template=catering.template, officer=None)
    assert exc.value.code == "lifecycle_map_exists"
    bad = MapTemplate.objects.create(industry="loop", name="循环")
    MapNode.objects.create(template=bad, key="a", stage="setup", name="甲", after=["b"])
    MapNode.objects.create(template=bad, key="b", stage="setup", name="乙", after=["a"])
    with pytest.raises(DomainError) as exc:
        services.map_assign(actor=world.leader_a.user, enterprise=enterprise, template=bad, officer=None)
    assert exc.value.code == "lifecycle_bad_graph"


def test_demo_is_idempotent(world, district):
    from django.contrib.auth import get_user_model

    from onewindow.accounts.constants import Role
    from onewindow.accounts.tests.factories import staff_make
    from onewindow.cases.tests.factories import citizen_make, enterprise_make
    from onewindow.lifecycle.demo import lifecycle_demo_load
    from onewindow.lifecycle.models import EnterpriseMap

    staff_make(username="leader", region=district.district, roles=[Role.LEADER])
    staff_make(username="reviewer_market", region=district.district, roles=[Role.DEPT_REVIEWER],
               departments=[world.dept_a])
    agent_person = citizen_make(username="enterprise")
    enterprise_make(name="昆明春城云创科技有限公司", user=get_user_model().objects.get(username="enterprise"))
    assert agent_person.user.enterprises.count() == 1
    assert lifecycle_demo_load() == {"新增模板": 1, "新增企业图谱": 1}
    assert lifecycle_demo_load() == {"新增模板": 0, "新增企业图谱": 0}
    emap = EnterpriseMap.objects.get()
    assert emap.officer.user.username == "reviewer_market" and emap.template.nodes.count() == 8
