"""Services of applications against a real database: drafts, intake, the whole lifecycle,
scope, audit, events, notifications, bundles, ratings."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from onewindow.cases import selectors, services
from onewindow.cases.constants import (
    EVENT_PREREVIEW_PASSED,
    BundleStatus,
    CaseStatus,
    Channel,
    FollowUpStatus,
    MaterialState,
    WarningLevel,
)
from onewindow.cases.models import Case, CaseEvent, Notification, RatingFollowUp
from onewindow.cases.notify import ConsoleSender
from onewindow.cases.tests.conftest import at
from onewindow.cases.tests.helpers import (
    online_accepted,
    online_submitted,
    pdf,
    png,
    png_bytes,
    review_to_decision,
)
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.models import AuditEntry, OutboxEvent
from onewindow.core.tests.helpers import raises_code
from onewindow.licences.models import Licence, LicenceUse
from onewindow.licences.tests.factories import licence_make

pytestmark = pytest.mark.django_db


# --- Drafts, materials, submission ------------------------------------------------------------
def test_draft_lists_the_version_in_force_with_e_licence_marked_free(world, citizen, item_a):
    licence = licence_make(type_code="ID_CARD", holder=citizen)
    case = services.case_draft_create(actor=citizen.user, item=item_a)
    assert case.status == CaseStatus.DRAFT and case.number is None
    assert case.item_version_id == item_a.current_version_id
    materials = selectors.case_materials(case=case)
    assert [m.state for m in materials] == [MaterialState.LICENCE, MaterialState.MISSING, MaterialState.MISSING]
    assert materials[0].licence_ref == licence.public_id
    # only the second (required) material is left to upload
    with pytest.raises(ValidationFailed) as err:
        services.case_submit(actor=citizen.user, case=case)
    assert err.value.code == "case_materials_missing"
    assert materials[1].name in err.value.message and materials[2].name not in err.value.message
    services.case_material_upload(actor=citizen.user, material=materials[1], upload=pdf())
    case = services.case_submit(actor=citizen.user, case=case, now=at(2026, 11, 23))
    assert case.status == CaseStatus.SUBMITTED
    assert case.number == "5301032026112300001"
    assert case.licence_materials == 1
    # the acceptance clock: 2 working days
    assert case.due_at.date().isoformat() == "2026-11-25"


def test_uploads_are_checked_by_content_not_by_name(world, citizen, item_a):
    case = services.case_draft_create(actor=citizen.user, item=item_a)
    material = selectors.case_materials(case=case)[1]
    fake = SimpleUploadedFile("申请书.pdf", b"MZ\x90\x00 this is a program", content_type="application/pdf")
    with pytest.raises(ValidationFailed) as err:
        services.case_material_upload(actor=citizen.user, material=material, upload=fake)
    assert err.value.code == "case_file_type" and "申请书.pdf" in err.value.fields["file"]
    broken = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    with pytest.raises(ValidationFailed) as err:
        services.case_material_upload(actor=citizen.user, material=material, upload=broken)
    assert err.value.code == "case_file_damaged"
    with override_settings(ONEWINDOW_CASE_MAX_UPLOAD_BYTES=100), pytest.raises(ValidationFailed) as err:
        services.case_material_upload(actor=citizen.user, material=material,
                                      upload=SimpleUploadedFile("big.png", png_bytes((64, 64))))
    assert err.value.code == "case_file_too_large"
    # a PNG named .jpg is accepted as the PNG it is; the stored name is ours, not the user's
    stored = services.case_material_upload(actor=citizen.user, material=material,
                                           upload=SimpleUploadedFile("../../x.jpg", png_bytes()))
    assert stored.state == MaterialState.UPLOADED and stored.content_type == "image/png"
    assert stored.original_name == "x.jpg" and stored.file.name.endswith(".png")
    assert "x.jpg" not in stored.file.name and default_storage.exists(stored.file.name)
    assert len(stored.sha256) == 64


def test_only_the_applicant_touches_a_draft(world, citizen, other_citizen, item_a):
    case = services.case_draft_create(actor=citizen.user, item=item_a)
    material = selectors.case_materials(case=case)[1]
    with raises_code(NotFound, "case_not_found"):
        services.case_material_upload(actor=other_citizen.user, material=material, upload=pdf())
    with raises_code(NotFound, "case_not_found"):
        services.case_submit(actor=world.reviewer_a.user, case=case)
    with raises_code(NotFound, "case_not_found"):
        selectors.case_get(actor=world.clerk.user, public_id=case.public_id)
    services.case_draft_discard(actor=citizen.user, case=case)
    assert not Case.objects.filter(pk=case.pk).exists()


def test_applicant_kind_online_and_version_rules(world, citizen, agent, item_a, item_simple):
    person, enterprise = agent
    with pytest.raises(ValidationFailed) as err:
        services.case_draft_create(actor=person.user, item=item_a, enterprise=enterprise)
    assert err.value.code == "case_applicant_kind"
    case = services.case_draft_create(actor=person.user, item=item_simple, enterprise=enterprise)
    assert case.applicant_enterprise == enterprise and case.applicant_name == "盘龙小馆餐饮有限公司"
    with raises_code(PermissionDenied, "case_citizen_required"):
        services.case_draft_create(actor=world.clerk.user, item=item_a)
    version = item_simple.current_version
    version.is_online = False
    version.save(update_fields=["is_online"])
    item_simple.refresh_from_db()
    with pytest.raises(Conflict) as err:
        services.case_draft_create(actor=citizen.user, item=item_simple)
    assert err.value.code == "case_not_online"


def test_submit_audits_and_tells_the_applicant(world, citizen, item_a):
    case = online_submitted(citizen.user, item_a)
    entry = AuditEntry.objects.filter(action="case.submit", object_id=str(case.public_id)).get()
    assert entry.summary["number"] == case.number and entry.summary["to"] == "submitted"
    event = CaseEvent.objects.get(case=case, action="submit")
    assert event.public and event.to_status == "submitted"
    note = Notification.objects.get(recipient=citizen.user, case=case)
    assert case.number in note.title


# --- Pre-review, acceptance, scope --------------------------------------------------------------
def test_prereview_publishes_the_event_for_the_hall(world, citizen, item_a):
    licence = licence_make(type_code="ID_CARD", holder=citizen)
    case = online_submitted(citizen.user, item_a)
    with pytest.raises(Conflict) as err:
        services.case_accept(actor=world.reviewer_a.user, case=case)
    assert err.value.code == "case_prereview_required"
    case = services.case_prereview(actor=world.reviewer_a.user, case=case, note="材料齐全")
    assert case.status == CaseStatus.PREREVIEWED
    event = OutboxEvent.objects.get(name=EVENT_PREREVIEW_PASSED)
    assert event.payload["case_number"] == case.number
    assert event.payload["applicant"]["person_id"] == str(citizen.public_id)
    assert event.payload["applicant"]["user_id"] == citizen.user_id
    # the reviewer used the applicant's e-licence inside this case: recorded by the library
    use = LicenceUse.objects.get(licence=licence)
    assert use.case_ref == case.number and "免提交" in use.purpose
    assert case.materials.get(state=MaterialState.LICENCE).licence_used_at is not None


def test_out_of_scope_is_not_found_and_wrong_role_is_forbidden(world, citizen, other_citizen, item_a):
    case = online_submitted(citizen.user, item_a)
    for outsider in (world.reviewer_b.user, world.street_clerk.user, other_citizen.user):
        with raises_code(NotFound, "case_not_found"):
            services.case_prereview(actor=outsider, case=case)
        with pytest.raises(NotFound):
            selectors.case_get(actor=outsider, public_id=case.public_id)
    with pytest.raises(PermissionDenied) as err:
        services.case_prereview(actor=world.supervisor.user, case=case)
    assert err.value.code == "case_role_forbidden"
    with raises_code(PermissionDenied, "case_role_forbidden"):
        services.case_prereview(actor=citizen.user, case=case)
    assert selectors.case_get(actor=world.supervisor.user, public_id=case.public_id) == case


def test_acceptance_lays_out_steps_and_deadlines(world, citizen, item_a, calendar_official):
    case = online_accepted(citizen.user, item_a, world.clerk.user, now=at(2026, 11, 23))
    assert case.status == CaseStatus.ACCEPTED and case.accepted_at == at(2026, 11, 23)
    steps = selectors.case_steps(case=case)
    assert [(s.name, s.kind, s.status) for s in steps] == [
        ("受理", "intake", "done"), ("审查", "review", "active"), ("现场勘察", "inspection", "pending"),
        ("决定", "decision", "pending")]
    assert steps[0].handler == world.clerk
    # promised 5 working days from Monday 23 Nov: Monday 30 Nov; legal 20: 21 Dec
    assert case.promised_due_at.date().isoformat() == "2026-11-30"
    assert case.legal_due_at.date().isoformat() == "2026-12-21"
    assert case.due_at == case.promised_due_at and not case.deadline_provisional
    assert case.step_name == "审查"


def test_not_accepted_needs_reasons_and_is_final(world, citizen, item_a):
    case = online_submitted(citizen.user, item_a)
    with pytest.raises(ValidationFailed) as err:
        services.case_not_accept(actor=world.clerk.user, case=case, reason="")
    assert err.value.code == "case_reason_required"
    case = services.case_not_accept(actor=world.clerk.user, case=case, reason="不属于本区管辖范围")
    assert case.status == CaseStatus.NOT_ACCEPTED and case.decision_reason == "不属于本区管辖范围"
    with pytest.raises(Conflict) as err:
        services.case_withdraw(actor=citizen.user, case=case)
    assert err.value.code == "case_transition_illegal" and "不予受理" in err.value.message


# --- Supplements ------------------------------------------------------------------------------
def test_supplement_stops_the_clock_and_resubmission_resumes_it(world, citizen, item_a, calendar_official):
    case = online_accepted(citizen.user, item_a, world.reviewer_a.user, now=at(2026, 9, 28))
    # 5 working days after Monday 28 Sep: 29, 30 Sep, 8, 9 and Saturday 10 Oct (make-up workday)
    assert case.due_at.date().isoformat() == "2026-10-10"
    bad = case.materials.order_by("order")[1]
    case = services.case_request_supplement(
        actor=world.reviewer_a.user, case=case, now=at(2026, 9, 29),
        items=[{"name": bad.name, "reason": "复印件不清晰", "material_id": str(bad.public_id)},
               {"name": "经营场所照片", "reason": "请补充门头照片"}])
    assert case.status == CaseStatus.SUPPLEMENT and case.paused_since == at(2026, 9, 29)
    assert case.resume_status == CaseStatus.ACCEPTED
    assert [i["name"] for i in case.supplement_items] == [bad.name, "经营场所照片"]
    bad.refresh_from_db()
    assert bad.state == MaterialState.REJECTED and bad.note == "复印件不清晰"
    with pytest.raises(ValidationFailed) as err:
        services.case_resubmit(actor=citizen.user, case=case, now=at(2026, 10, 9))
    assert err.value.code == "case_supplement_incomplete"
    services.case_material_upload(actor=citizen.user, material=bad, upload=png())
    case = services.case_resubmit(actor=citizen.user, case=case, now=at(2026, 10, 9))
    assert case.status == CaseStatus.ACCEPTED and case.paused_since is None
    # paused 29 Sep → 9 Oct: 30 Sep, 8 Oct, 9 Oct are working days → 3 days added
    assert case.paused_days == 3
    pause = case.pauses.get()
    assert pause.days == 3 and pause.ended_at == at(2026, 10, 9) and pause.kind == "supplement"
    assert case.due_at.date().isoformat() == "2026-10-14"
    note = Notification.objects.filter(recipient=citizen.user, kind="supplement").get()
    assert "补正" in note.title


def test_supplement_before_acceptance_goes_back_to_prereview(world, citizen, item_a):
    case = online_submitted(citizen.user, item_a)
    case = services.case_prereview(actor=world.clerk.user, case=case)
    case = services.case_request_supplement(actor=world.clerk.user, case=case,
                                            items=[{"name": "身份证明", "reason": "过期"}])
    case = services.case_resubmit(actor=citizen.user, case=case)
    assert case.status == CaseStatus.SUBMITTED


# --- Review, decision, result, delivery --------------------------------------------------------
def test_review_steps_roles_and_inspection_record(world, citizen, item_a):
    case = online_accepted(citizen.user, item_a, world.clerk.user)
    with pytest.raises(PermissionDenied):
        services.case_step_complete(actor=world.clerk.user, case=case, opinion="同意")
    with pytest.raises(ValidationFailed) as err:
        services.case_step_complete(actor=world.reviewer_a.user, case=case, opinion="")
    assert err.value.code == "case_opinion_required"
    with pytest.raises(Conflict) as err:
        services.case_decide(actor=world.reviewer_a.user, case=case, approve=True)
    assert err.value.code == "case_decision_not_reached"
    case = services.case_step_complete(actor=world.reviewer_a.user, case=case, opinion="材料齐全")
    assert case.status == CaseStatus.IN_REVIEW and case.step_name == "现场勘察"
    with pytest.raises(ValidationFailed) as err:
        services.case_step_complete(actor=world.reviewer_a.user, case=case, record={"place": "门店"})
    assert err.value.code == "case_inspection_record"
    record = {"date": "2026-11-24", "place": "白塔路88号", "inspectors": "甲、乙", "findings": "与申请一致"}
    case = services.case_step_complete(actor=world.reviewer_a2.user, case=case, record=record)
    inspection = case.steps.get(kind="inspection")
    assert inspection.record["findings"] == "与申请一致" and inspection.handler == world.reviewer_a2
    with pytest.raises(Conflict) as err:
        services.case_step_complete(actor=world.reviewer_a.user, case=case, opinion="x")
    assert err.value.code == "case_step_is_decision"


def test_decision_result_delivery_and_close(world, citizen, item_a, django_capture_on_commit_callbacks):
    case = online_accepted(citizen.user, item_a, world.clerk.user, now=at(2026, 11, 23))
    case = review_to_decision(case, world.reviewer_a.user, now=at(2026, 11, 24))
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_decide(actor=world.leader_a.user, case=case, approve=True,
                                    now=at(2026, 11, 25, 15))
    assert case.status == CaseStatus.APPROVED
    assert (case.working_days_used, case.completed_early, case.overdue) == (2, True, False)
    case.refresh_from_db()
    assert case.result_issued_at is not None
    licence = Licence.objects.get(public_id=case.result_licence_ref)
    assert licence.source_ref == case.number and licence.holder_person == citizen
    assert licence.licence_type.code == "APPROVAL_DECISION" and licence.file
    assert licence.file.open("rb").read(5) == b"%PDF-"
    # the issue is idempotent
    assert services.case_result_issue(actor=None, case=case).result_licence_ref == licence.public_id
    with pytest.raises(PermissionDenied):
        services.case_deliver(actor=world.leader_a.user, case=case)
    with pytest.raises(ValidationFailed) as err:
        services.case_deliver(actor=world.clerk.user, case=case, method="post")
    assert err.value.code == "case_tracking_required"
    case = services.case_deliver(actor=world.clerk.user, case=case, method="online")
    assert case.status == CaseStatus.DELIVERED and case.visits_saved == 2
    assert case.steps.filter(kind="delivery", status="done").count() == 1
    case = services.case_close(actor=world.reviewer_a.user, case=case)
    assert case.status == CaseStatus.CLOSED
    actions = list(AuditEntry.objects.filter(object_id=str(case.public_id)).values_list("action", flat=True))
    for action in ("case.submit", "case.prereview", "case.accept", "case.complete_step", "case.approve",
                   "case.result_issue", "case.deliver", "case.close"):
        assert action in actions


def test_approved_case_cannot_be_delivered_without_result(world, citizen, item_a):
    case = online_accepted(citizen.user, item_a, world.clerk.user)
    case = review_to_decision(case, world.reviewer_a.user)
    case = services.case_decide(actor=world.reviewer_a.user, case=case, approve=True)  # no commit: no result
    with pytest.raises(Conflict) as err:
        services.case_deliver(actor=world.clerk.user, case=case)
    assert err.value.code == "case_result_not_issued"


def test_refusal_needs_reasons_and_can_be_delivered(world, citizen, item_simple):
    case = online_accepted(citizen.user, item_simple, world.clerk.user)
    case = review_to_decision(case, world.reviewer_a.user)
    with raises_code(ValidationFailed, "case_reason_required"):
        services.case_decide(actor=world.reviewer_a.user, case=case, approve=False, reason=" ")
    case = services.case_decide(actor=world.reviewer_a.user, case=case, approve=False,
                                reason="经营场所不符合要求")
    assert case.status == CaseStatus.REFUSED
    case = services.case_deliver(actor=world.clerk.user, case=case, method="pickup")
    assert case.status == CaseStatus.DELIVERED and case.visits_saved == 1


def test_special_procedure_pauses_and_extends(world, citizen, item_simple, calendar_official):
    case = online_accepted(citizen.user, item_simple, world.clerk.user, now=at(2026, 11, 23))
    due = case.due_at
    with raises_code(ValidationFailed, "case_special_kind"):
        services.case_special_start(actor=world.reviewer_a.user, case=case, kind="nap", reason="x")
    case = services.case_special_start(actor=world.reviewer_a.user, case=case, kind="expert_review",
                                       reason="组织专家论证", now=at(2026, 11, 24))
    assert case.status == CaseStatus.SPECIAL
    with raises_code(Conflict, "case_transition_illegal"):
        services.case_step_complete(actor=world.reviewer_a.user, case=case, opinion="x")
    case = services.case_special_end(actor=world.leader_a.user, case=case, outcome="专家意见：同意",
                                     now=at(2026, 12, 1))
    assert case.status == CaseStatus.ACCEPTED and case.paused_days == 5
    assert (case.due_at - due).days == 7  # five working days later
    assert case.pauses.get().special_kind == "expert_review"


def test_withdrawal_by_applicant_only(world, citizen, other_citizen, item_a):
    case = online_submitted(citizen.user, item_a)
    with raises_code(NotFound, "case_not_found"):
        services.case_withdraw(actor=other_citizen.user, case=case)
    with raises_code(PermissionDenied, "case_role_forbidden"):
        services.case_withdraw(actor=world.reviewer_a.user, case=case)
    case = services.case_withdraw(actor=citizen.user, case=case, reason="不再需要")
    assert case.status == CaseStatus.WITHDRAWN and case.closed_at is not None


# --- Window intake ----------------------------------------------------------------------------
def test_window_intake_for_another_department_goes_to_its_back_office(world, citizen, item_a):
    version = item_a.current_version
    materials = list(version.materials.order_by("order"))
    case = services.case_window_intake(
        actor=world.clerk.user, item=item_a, person=citizen, form_data={"说明": "变更名称"},
        paper=[str(materials[0].public_id)], uploads={str(materials[1].public_id): pdf()},
        accept=True)
    assert case.channel == Channel.WINDOW and case.status == CaseStatus.ACCEPTED
    assert case.department == world.dept_a and case.region_path == world.hall.region.path
    assert case.intake_clerk == world.clerk and case.window == world.window
    states = list(case.materials.order_by("order").values_list("state", flat=True))
    assert states == [MaterialState.PAPER, MaterialState.UPLOADED, MaterialState.MISSING]
    # the owner department's back office sees it; another department does not
    mine = selectors.case_list(actor=world.reviewer_a.user, filters=selectors.CaseFilters(tab="department"))
    assert case in mine
    assert case not in selectors.case_list(actor=world.reviewer_b.user,
                                           filters=selectors.CaseFilters(tab="open"))
    assert case in selectors.case_list_for_applicant(user=citizen.user)


def test_window_intake_needs_a_clerk_and_valid_materials(world, citizen, item_a):
    with pytest.raises(PermissionDenied):
        services.case_window_intake(actor=world.reviewer_a.user, item=item_a, person=citizen)
    with pytest.raises(ValidationFailed) as err:
        services.case_window_intake(actor=world.clerk.user, item=item_a, person=citizen,
                                    uploads={"nonsense": pdf()})
    assert err.value.code == "case_material_unknown"
    key = str(item_a.current_version.materials.order_by("order")[1].public_id)
    with pytest.raises(ValidationFailed) as err:
        services.case_window_intake(actor=world.clerk.user, item=item_a, person=citizen,
                                    uploads={key: SimpleUploadedFile("a.pdf", b"hello")})
    assert err.value.fields == {f"materials.{key}": err.value.message}
    with pytest.raises(ValidationFailed) as err:
        services.case_window_intake(actor=world.clerk.user, item=item_a, person=citizen, accept=True)
    assert err.value.code == "case_materials_missing"
    assert not Case.objects.exists()


# --- Assignment -------------------------------------------------------------------------------
def test_bulk_assignment(world, citizen, item_a, item_b):
    first = online_submitted(citizen.user, item_a)
    second = online_submitted(citizen.user, item_a)
    other = online_submitted(citizen.user, item_b)
    done = services.case_assign(actor=world.leader_a.user, cases=[first, second], assignee=world.reviewer_a2)
    assert {c.assignee for c in done} == {world.reviewer_a2}
    mine = selectors.case_list(actor=world.reviewer_a2.user, filters=selectors.CaseFilters(tab="mine"))
    assert set(mine) == {first, second}
    assert Notification.objects.filter(recipient=world.reviewer_a2.user, kind="assigned").count() == 1
    with pytest.raises(NotFound):
        services.case_assign(actor=world.reviewer_b.user, cases=[first], assignee=world.reviewer_b)
    with pytest.raises(ValidationFailed) as err:
        services.case_assign(actor=world.leader_a.user, cases=[first], assignee=world.reviewer_b)
    assert err.value.code == "case_assignee_invalid"
    with raises_code(PermissionDenied, "case_role_forbidden"):
        services.case_assign(actor=world.clerk.user, cases=[first], assignee=world.reviewer_a)
    with raises_code(PermissionDenied, "case_role_forbidden"):  # the leader sees dept B's case but leads dept A only
        services.case_assign(actor=world.leader_a.user, cases=[first, other], assignee=None)
    first.refresh_from_db()
    assert first.assignee == world.reviewer_a2


# --- Bundles ----------------------------------------------------------------------------------
def test_bundle_fans_out_to_two_departments_and_completes_when_both_decide(world, agent, item_simple, item_b):
    person, enterprise = agent
    bundle = services.bundle_draft_create(actor=person.user, items=[item_simple, item_b], name="开餐馆一件事",
                                          enterprise=enterprise)
    lines = services.bundle_checklist(bundle=bundle)
    assert len(lines) == 4 and all(line.state == "missing" for line in lines)
    with raises_code(ValidationFailed, "case_materials_missing"):
        services.bundle_submit(actor=person.user, bundle=bundle)
    for line in lines:
        services.bundle_material_upload(actor=person.user, bundle=bundle, key=line.key, upload=pdf())
    bundle = services.bundle_submit(actor=person.user, bundle=bundle)
    assert bundle.status == BundleStatus.IN_PROGRESS and bundle.number
    parts = selectors.bundle_cases(bundle=bundle)
    assert {p.department for p in parts} == {world.dept_a, world.dept_b}
    assert all(p.status == CaseStatus.SUBMITTED and p.number for p in parts)
    assert len({bundle.number, *(p.number for p in parts)}) == 3
    part_a = next(p for p in parts if p.department == world.dept_a)
    part_b = next(p for p in parts if p.department == world.dept_b)
    with raises_code(NotFound, "case_not_found"):
        services.case_prereview(actor=world.reviewer_b.user, case=part_a)
    for part, reviewer in ((part_a, world.reviewer_a), (part_b, world.reviewer_b)):
        part = services.case_prereview(actor=reviewer.user, case=part)
        part = services.case_accept(actor=reviewer.user, case=part)
        part = review_to_decision(part, reviewer.user)
        if part == part_a:
            services.case_decide(actor=reviewer.user, case=part, approve=True)
            bundle.refresh_from_db()
            assert bundle.status == BundleStatus.IN_PROGRESS
        else:
            services.case_decide(actor=reviewer.user, case=part, approve=False, reason="招牌尺寸超标")
    bundle.refresh_from_db()
    assert bundle.status == BundleStatus.COMPLETED and bundle.completed_at is not None
    assert Notification.objects.filter(recipient=person.user, title__contains="已全部办结").exists()
    assert selectors.bundle_get(actor=person.user, public_id=bundle.public_id) == bundle
    assert selectors.bundle_get(actor=world.reviewer_b.user, public_id=bundle.public_id) == bundle
    with raises_code(NotFound, "bundle_not_found"):
        selectors.bundle_get(actor=world.street_clerk.user, public_id=bundle.public_id)


# --- Ratings ----------------------------------------------------------------------------------
def test_ratings_and_bad_rating_follow_up(world, citizen, other_citizen, item_simple, calendar_official,
                                         django_capture_on_commit_callbacks):
    case = online_accepted(citizen.user, item_simple, world.clerk.user)
    intake = case.steps.get(kind="intake")
    rating = services.rating_create(actor=citizen.user, case=case, step=intake, level=5)
    assert rating.department == world.dept_a
    with pytest.raises(Conflict) as err:
        services.rating_create(actor=citizen.user, case=case, level=4)
    assert err.value.code == "rating_too_early"
    case = review_to_decision(case, world.reviewer_a.user)
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_decide(actor=world.reviewer_a.user, case=case, approve=True)
    case = services.case_deliver(actor=world.clerk.user, case=case, method="pickup")
    with raises_code(NotFound, "case_not_found"):
        services.rating_create(actor=other_citizen.user, case=case, level=5)
    with pytest.raises(PermissionDenied):
        services.rating_create(actor=world.reviewer_a.user, case=case, level=5)
    with pytest.raises(ValidationFailed) as err:
        services.rating_create(actor=citizen.user, case=case, level=1, comment="")
    assert err.value.code == "rating_comment_required"
    rating = services.rating_create(actor=citizen.user, case=case, level=1, comment="等待时间太长",
                                    now=at(2026, 9, 29))
    follow_up = RatingFollowUp.objects.get(rating=rating)
    # 5 working days after Tue 29 Sep 2026 across National Day: 30 Sep, 8, 9, 10 (make-up Saturday), 12 Oct
    assert follow_up.due_at.date().isoformat() == "2026-10-12"
    assert follow_up.status == FollowUpStatus.OPEN
    assert Notification.objects.filter(recipient=world.reviewer_a.user, kind="follow_up").exists()
    assert Notification.objects.filter(recipient=world.leader_a.user, kind="follow_up").exists()
    with pytest.raises(Conflict) as err:
        services.rating_create(actor=citizen.user, case=case, level=5)
    assert err.value.code == "rating_exists"
    assert follow_up in selectors.follow_up_list(actor=world.reviewer_a.user)
    assert not selectors.follow_up_list(actor=world.reviewer_b.user).exists()
    with raises_code(PermissionDenied, "case_role_forbidden"):
        services.follow_up_answer(actor=world.clerk.user, follow_up=follow_up, answer="已加开窗口")
    done = services.follow_up_answer(actor=world.reviewer_a.user, follow_up=follow_up,
                                     answer="已增设取号机和窗口，缩短等候时间")
    assert done.status == FollowUpStatus.DONE and done.answered_by == world.reviewer_a
    rater_view = selectors.case_ratings(case=case)
    assert rater_view[-1].follow_up.answer.startswith("已增设")


def test_notifications_go_out_through_the_console_adapter(world, citizen, item_a,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = online_submitted(citizen.user, item_a)
    assert any(case.number in m["title"] for m in ConsoleSender.sent)
    assert ConsoleSender.sent[-1]["to"] == "138****0000"
    note = Notification.objects.get(case=case)
    assert note.deliveries.get().status == "sent"


# --- Progress query and throttling ------------------------------------------------------------
def test_progress_query_matches_number_and_id_tail(world, citizen, agent, item_a, item_simple):
    case = online_submitted(citizen.user, item_a)
    tail = citizen.id_number[-6:]
    assert selectors.case_progress(number=case.number, id_tail=tail) == case
    assert selectors.case_progress(number=case.number, id_tail=citizen.id_number[-4:].lower()) == case
    messages = set()
    for number, wrong in ((case.number, "000000"), ("5301032099010100001", tail), ("junk", tail),
                          (case.number, "12")):
        with pytest.raises(NotFound) as err:
            selectors.case_progress(number=number, id_tail=wrong)
        messages.add((err.value.code, err.value.message))
    assert len(messages) == 1
    person, enterprise = agent
    firm = online_submitted(person.user, item_simple, enterprise=enterprise)
    assert selectors.case_progress(number=firm.number, id_tail=enterprise.credit_code[-5:]) == firm


def test_throttle_counts_per_key_and_window(db):
    now = at(2026, 11, 22, 10, 0)
    assert all(services.throttle_hit(key="ip:1", limit=3, now=now) for _ in range(3))
    assert not services.throttle_hit(key="ip:1", limit=3, now=now)
    assert services.throttle_hit(key="ip:2", limit=3, now=now)
    assert services.throttle_hit(key="ip:1", limit=3, now=at(2026, 11, 22, 10, 1))
    assert services.throttle_cleanup(now=at(2026, 11, 22, 13, 0)) == 3


def test_warning_level_is_stored_on_the_case(world, citizen, item_a):
    case = online_submitted(citizen.user, item_a)
    assert case.warning_level == WarningLevel.NONE
